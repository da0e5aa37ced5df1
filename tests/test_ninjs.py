"""Offline ninjs 3.1 validation (amanat.provenance.ninjs) against IPTC's schema and test suite."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.errors import InputError
from amanat.provenance import ninjs
from amanat.provenance.schemacheck import UnsupportedSchema, compile_schema

SHARED = Path(__file__).resolve().parents[2] / "shared"
NINJS = SHARED / "vectors" / "ninjs"


def _files(*globs: str) -> list:
    if not NINJS.is_dir():
        return []
    return [
        pytest.param(p, id=str(p.relative_to(NINJS)))
        for g in globs
        for p in sorted(NINJS.glob(g))
    ]


SHOULD_PASS = _files("test_suite/3.0/should_pass/*.json", "test_suite/3.1/should_pass/*.json")
SHOULD_FAIL = _files("test_suite/3.0/should_fail/*.json", "test_suite/3.1/should_fail/*.json")
# the collection file is an array whose elements do not validate upstream either; see SOURCES.md
EXAMPLES = _files("examples/userguide-3.1/*.json", "examples/examples-3.0/*.json")

ITEM = {
    "uri": "urn:amanat:demo-publisher:item:synthetic-1",
    "type": "text",
    "version": "1",
    "versionCreated": "2024-05-01T10:00:00Z",
    "language": "en",
    "pubStatus": "usable",
    "headlines": [{"role": "main", "value": "Synthetic demo statement"}],
    "bodies": [{"role": "main", "contentType": "text/plain", "value": "This text is synthetic."}],
}


def test_vectors_present() -> None:
    if not NINJS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test vectors missing: {NINJS}")
        pytest.skip(f"test vectors not found at {NINJS}")
    assert len(SHOULD_PASS) == 28
    assert len(SHOULD_FAIL) == 9


@pytest.mark.parametrize("path", SHOULD_PASS)
def test_iptc_should_pass(path: Path) -> None:
    ninjs.validate_item(json.loads(path.read_text()))


@pytest.mark.parametrize("path", SHOULD_FAIL)
def test_iptc_should_fail(path: Path) -> None:
    with pytest.raises(InputError, match=r"^not a valid ninjs 3\.1 item at /"):
        ninjs.validate_item(json.loads(path.read_text()))


@pytest.mark.parametrize("path", EXAMPLES)
def test_iptc_examples_validate(path: Path) -> None:
    ninjs.validate_item(json.loads(path.read_text()))


def test_our_item_shape_validates() -> None:
    ninjs.validate_item(ITEM)
    assert ninjs.item_errors(ITEM) == []


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"signature": "x"}, "/"),  # ninjs rejects extra keys: signatures live in an envelope
        ({"uri": None}, "/uri"),
        ({"headlines": [{"role": "main", "value": 3}]}, "/headlines/0/value"),
        ({"versionCreated": "2024-02-30T10:00:00Z"}, "/versionCreated"),
        ({"versionCreated": "yesterday"}, "/versionCreated"),
        ({"urgency": 0.5}, "/urgency"),
    ],
)
def test_errors_name_the_json_pointer(change: dict, pointer: str) -> None:
    item = {**ITEM, **change}
    with pytest.raises(InputError) as err:
        ninjs.validate_item(item)
    assert err.value.message.startswith(f"not a valid ninjs 3.1 item at {pointer}:")
    assert "\n" not in err.value.diagnosis()


def test_missing_uri() -> None:
    item = {k: v for k, v in ITEM.items() if k != "uri"}
    with pytest.raises(InputError, match="'uri' is a required property"):
        ninjs.validate_item(item)


def test_geometry_validates_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """places[].geoJSON $refs GeoJSON by URL: it must resolve locally, with no network."""

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    point = {"type": "Point", "coordinates": [71.43, 51.13]}
    ninjs.validate_item({**ITEM, "places": [{"name": "Astana", "geoJSON": point}]})
    with pytest.raises(InputError, match="/places/0/geoJSON"):
        ninjs.validate_item({**ITEM, "places": [{"name": "Astana", "geoJSON": {"type": "Point"}}]})


# --- the compiled schema (schemacheck) gives jsonschema's verdict -----------------------------



def _reference(obj: object) -> bool:
    """jsonschema's verdict with the same schema, registry and format checker."""
    return bool(ninjs._validator().is_valid(obj))


@pytest.mark.parametrize("path", SHOULD_PASS + SHOULD_FAIL + EXAMPLES)
def test_compiled_schema_agrees_on_iptc_files(path: Path) -> None:
    obj = json.loads(path.read_text())
    assert ninjs.is_valid_item(obj) == _reference(obj)
    assert ninjs.is_valid_item(obj) == ("should_fail" not in str(path))


_SAMPLES = [json.loads(p.values[0].read_text()) for p in SHOULD_PASS + SHOULD_FAIL + EXAMPLES] + [ITEM]
# names the schemas use, so generated keys hit real properties (and their neighbours)
_SCHEMA_WORDS = sorted({
    k for s in ("ninjs-schema_3.1.json", "GeoJSON-schema.json")
    for k in re.findall(r'"([A-Za-z$][A-Za-z]*)"\s*:', json.dumps(ninjs._load(s)))
} | {"Point", "Polygon", "LineString", "text", "usable", "canceled", "main", "secondly", "full"})
_DATES = st.sampled_from(["2024-05-01T10:00:00Z", "2024-02-30T10:00:00Z", "2016-12-31T23:59:60Z", "2024-05-01",
                          "2024-05-01T10:00:00.5+05:00", "2024-05-01t10:00:00z", "2024", "-2024-05", "yesterday",
                          "2024-05-01T10:00:00Z\n", "2024-13", "2024-05-01T24:00:00Z"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 120), st.sampled_from([0.5, 1.0, 9.0, 1e3, -0.0]),
                     st.sampled_from(_SCHEMA_WORDS), _DATES, st.text(max_size=5))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(_SCHEMA_WORDS), inner, max_size=5)), max_leaves=25)


def _mutate(obj: object, data: st.DataObject, depth: int = 0) -> object:
    """One random change somewhere in ``obj``: replace a value, drop or add a key, or recurse."""
    if isinstance(obj, dict) and obj and depth < 6:
        key = data.draw(st.sampled_from(sorted(obj)))
        what = data.draw(st.sampled_from(["recurse", "recurse", "replace", "drop", "add"]))
        out = dict(obj)
        if what == "recurse":
            out[key] = _mutate(obj[key], data, depth + 1)
        elif what == "replace":
            out[key] = data.draw(_VALUES)
        elif what == "drop":
            del out[key]
        else:
            out[data.draw(st.sampled_from(_SCHEMA_WORDS))] = data.draw(_VALUES)
        return out
    if isinstance(obj, list) and obj and depth < 6:
        i = data.draw(st.integers(0, len(obj) - 1))
        out_list = list(obj)
        what = data.draw(st.sampled_from(["recurse", "recurse", "replace", "drop", "dup"]))
        if what == "recurse":
            out_list[i] = _mutate(obj[i], data, depth + 1)
        elif what == "replace":
            out_list[i] = data.draw(_VALUES)
        elif what == "drop":
            del out_list[i]
        else:
            out_list.append(obj[i])
        return out_list
    return data.draw(_VALUES)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compiled_schema_agrees_on_mutated_items(data: st.DataObject) -> None:
    """Real items changed in one to three places (most become invalid, some stay valid)."""
    if not NINJS.is_dir():
        pytest.skip("test vectors not found")
    obj: object = data.draw(st.sampled_from(_SAMPLES))
    for _ in range(data.draw(st.integers(1, 3))):
        obj = _mutate(obj, data)
    assert ninjs.is_valid_item(obj) == _reference(obj), obj


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*_SCHEMA_WORDS, "uri"]), _VALUES, max_size=8))
def test_compiled_schema_agrees_on_generated_objects(obj: dict) -> None:
    assert ninjs.is_valid_item(obj) == _reference(obj)


def test_validate_item_uses_the_reference_message() -> None:
    with pytest.raises(InputError, match="Unevaluated properties are not allowed"):
        ninjs.validate_item({**ITEM, "stray": 1})
    assert not ninjs.is_valid_item({**ITEM, "stray": 1})
    assert not ninjs.is_valid_item({**ITEM, "associations": [{"name": "x", "uri": "y", "stray": 1}]})
    assert ninjs.is_valid_item({**ITEM, "associations": [{"name": "x", "uri": "y", "headlines": []}]})


@pytest.mark.parametrize("schema", [
    {"type": "object", "patternProperties": {"^x": {}}},  # a keyword it does not implement
    {"prefixItems": [{}]},
    {"$ref": "#/$defs/a", "unevaluatedProperties": False, "$defs": {"a": {"additionalProperties": {}}}},
    {"unevaluatedProperties": False, "anyOf": [{"properties": {"a": {}}}]},
    {"$ref": "https://elsewhere.example/schema.json"},
    {"enum": [1, 2]},
])
def test_compiler_refuses_what_it_cannot_check_exactly(schema: dict) -> None:
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema)


def test_compiler_keyword_semantics() -> None:
    """The jsonschema readings that are easy to get wrong."""
    integer = compile_schema({"type": "integer", "minimum": 1})
    assert integer(1.0) and integer(3) and not integer(True) and not integer(1.5) and not integer(0)
    number = compile_schema({"type": "number"})
    assert number(0.5) and not number(False)
    pattern = compile_schema({"pattern": "^a$"})
    assert pattern("a") and pattern("a\n") and pattern(3)  # re.search, and only strings are checked
    only = compile_schema({"required": ["a"], "properties": {"a": {"type": "string"}}})
    assert only([]) and not only({}) and not only({"a": 1}) and only({"a": "x", "b": 2})
    one = compile_schema({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})
    assert one({"a": 1}) and not one({"a": 1, "b": 2}) and not one({})
