"""Offline ninjs 3.1 validation (amanat.provenance.ninjs) against IPTC's schema and test suite."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from amanat.errors import InputError
from amanat.provenance import ninjs

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
