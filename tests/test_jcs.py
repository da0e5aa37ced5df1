"""RFC 8785 canonical JSON and strict I-JSON parsing (amanat.provenance.jcs)."""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.errors import InputError
from amanat.provenance import jcs
from amanat.provenance.errors import BadPayload

SHARED = Path(__file__).resolve().parents[2] / "shared"
JCS_DIR = SHARED / "vectors" / "jcs-rfc8785"
CASES = sorted(p.stem for p in (JCS_DIR / "input").glob("*.json")) if JCS_DIR.is_dir() else []


def test_vectors_present() -> None:
    if not JCS_DIR.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test vectors missing: {JCS_DIR}")
        pytest.skip(f"test vectors not found at {JCS_DIR}")
    assert len(CASES) == 6


@pytest.mark.parametrize("name", CASES)
def test_rfc8785_vectors_byte_for_byte(name: str) -> None:
    raw = (JCS_DIR / "input" / f"{name}.json").read_bytes()
    expected = (JCS_DIR / "output" / f"{name}.json").read_bytes()
    expected_hex = bytes.fromhex((JCS_DIR / "outhex" / f"{name}.txt").read_text())
    out = jcs.canonicalize(jcs.parse(raw))
    assert out == expected
    assert out == expected_hex
    # canonical bytes are a fixed point, and parse_canonical accepts exactly them
    assert jcs.canonicalize(jcs.parse(out)) == out
    assert jcs.parse_canonical(out) == jcs.parse(raw)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (56.0, "56"),
        (4.5, "4.5"),
        (0.002, "0.002"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1e-27, "1e-27"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e16, "10000000000000000"),
        (1e30, "1e+30"),
        (333333333.33333329, "333333333.3333333"),
        (123e-20, "1.23e-18"),
        (-1.5, "-1.5"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740991.0, "9007199254740991"),
        (1.5e300, "1.5e+300"),
    ],
)
def test_es6_number_format(value: float, text: str) -> None:
    assert jcs.es6_number(value) == text
    if abs(value) <= jcs.MAX_SAFE_INTEGER or "e" in text:
        assert jcs.canonicalize([value]) == f"[{text}]".encode()


@pytest.mark.parametrize("value", [9007199254740992.0, 1e20, -2.0**60, 295147905179352830000.0])
def test_integral_doubles_beyond_2_53_are_refused(value: float) -> None:
    """ES6 writes them as integer literals, which I-JSON (and parse) refuse; so must we."""
    assert "e" not in jcs.es6_number(value)
    with pytest.raises(InputError, match="beyond"):
        jcs.canonicalize({"n": value})
    with pytest.raises(InputError, match="beyond"):
        jcs.parse(jcs.es6_number(value))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_es6_number_round_trips(value: float) -> None:
    text = jcs.es6_number(value)
    assert float(text) == value
    assert " " not in text and "E" not in text and not text.endswith(".")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_canonicalize_writes_every_double_as_es6_number(value: float) -> None:
    """The canonicalizer's shortcuts for floats agree with the full ECMAScript layout."""
    text = jcs.es6_number(value)
    if abs(value) > jcs.MAX_SAFE_INTEGER and "e" not in text:
        with pytest.raises(InputError):
            jcs.canonicalize([value])
    else:
        assert jcs.canonicalize([value]) == f"[{text}]".encode()


@pytest.mark.skipif(shutil.which("node") is None, reason="node (an ECMAScript engine) not installed")
def test_es6_number_matches_a_javascript_engine() -> None:
    """Random doubles (all bit patterns) formatted by us and by node's JSON.stringify agree."""
    rng = __import__("random").Random(8785)
    values = [1.0, 0.1, 1e21, 1e-7]
    while len(values) < 3000:
        (x,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if math.isfinite(x):
            values.append(x)
    script = "const v=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log(JSON.stringify(v.map(x=>JSON.stringify(x))))"
    run = subprocess.run(
        ["node", "-e", script], input=json.dumps(values), capture_output=True, text=True, check=True
    )
    theirs = json.loads(run.stdout)
    ours = [jcs.es6_number(x) for x in values]
    mismatches = [(v, a, b) for v, a, b in zip(values, ours, theirs, strict=True) if a != b]
    assert mismatches == []


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    # U+FB33 (BMP, above the surrogates) sorts AFTER U+1F600 (a surrogate pair) in UTF-16
    obj = {"\ufb33": 1, "\U0001f600": 2, "a": 3}
    assert jcs.canonicalize(obj) == '{"a":3,"\U0001f600":2,"\ufb33":1}'.encode()


def test_strings_escape_minimally() -> None:
    assert jcs.canonicalize("\u000f/\u20ac\n\"\\\u007f") == b'"\\u000f/\xe2\x82\xac\\n\\"\\\\\x7f"'


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"a":1,"a":2}', "duplicate key"),
        ('{"a":{"b":1,"b":1}}', "duplicate key"),
        ("[NaN]", "NaN"),
        ("[Infinity]", "Infinity"),
        ("[-Infinity]", "-Infinity"),
        ("[1e400]", "overflows"),
        ("[9007199254740992]", "2\\*\\*53"),
        ("[-9007199254740993]", "2\\*\\*53"),
        ("[100000000000000000000]", "2\\*\\*53"),
        ('["\\ud800"]', "lone surrogate"),
        ('{"\\udc00":1}', "lone surrogate"),
        ("\ufeff{}", "byte-order mark"),
        ("{", "invalid JSON"),
        ("[1,]", "invalid JSON"),
    ],
)
def test_parse_rejects_non_i_json(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        jcs.parse(text)


def test_parse_accepts_limits_and_pairs() -> None:
    assert jcs.parse("[9007199254740991,-9007199254740991]") == [2**53 - 1, -(2**53 - 1)]
    assert jcs.parse('["\\ud83d\\ude00"]') == ["\U0001f600"]


def test_parse_rejects_invalid_utf8() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        jcs.parse(b'["\xff"]')
    with pytest.raises(InputError, match="UTF-8"):
        jcs.parse(b'["\xed\xa0\x80"]')  # an encoded surrogate


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), 2**53, -(2**53), "\ud800", {1: "x"}, {"a": {1, 2}}, b"bytes"],
)
def test_canonicalize_rejects_non_i_json_values(value: object) -> None:
    with pytest.raises(InputError):
        jcs.canonicalize(value)


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # unsorted
        b'{"a": 1}',  # whitespace
        b'{"a":1,"a":1}',  # duplicate key (orjson would keep one)
        b'{"a":1.0}',  # number not in ES6 form
        b'{"a":"\\u0041"}',  # needless escape
        b'{"a":123456789012345678901234}',  # big integer (orjson reads it as a float)
        b'{"a":NaN}',
        b'{"a":"\\ud800"}',
        b"9007199254740993",  # top-level integer beyond 2**53 (orjson writes it back unchanged)
        b"[9007199254740993]",
        b'{"a":[1,-9007199254740993]}',
        b"[1e21]",  # ES6 writes 1e+21
        b'{"\xee\x80\x80":1,"\xf0\x9f\x98\x80":2}',  # code-point order, not UTF-16 order
        b"[" * 255 + b"]" * 255,  # nested deeper than canonicalize writes
    ],
)
def test_parse_canonical_accepts_only_jcs_bytes(data: bytes) -> None:
    with pytest.raises(BadPayload):
        jcs.parse_canonical(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":"at 10:30, 5,6] or [7}"}',  # looks like number tokens, inside a string
        b'{"n":[1,-2.5,1e+21],"t":"2024-05-01T10:30:00+05:00"}',
        b'{"\xf0\x9f\x98\x80":2,"\xee\x80\x80":1}',  # UTF-16 order
        b"[" * 254 + b"]" * 254,
        b'"text"',
        b"56",
    ],
)
def test_parse_canonical_accepts_jcs_bytes(data: bytes) -> None:
    value = jcs.parse_canonical(data)
    assert jcs.canonicalize(value) == data


def test_nesting_limit_is_the_same_for_writing_and_verifying() -> None:
    value: list = []
    for _ in range(253):
        value = [value]
    assert jcs.parse_canonical(jcs.canonicalize(value)) == value  # 254 levels
    with pytest.raises(InputError, match="too deep"):
        jcs.canonicalize([value])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda x: not (x.is_integer() and abs(x) > jcs.MAX_SAFE_INTEGER and abs(x) < 1e21)
    )
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_values)
def test_canonical_form_is_stable_and_parses_back(value: object) -> None:
    out = jcs.canonicalize(value)
    again = jcs.parse(out)
    assert jcs.canonicalize(again) == out
    assert jcs.parse_canonical(out) == again
    # the orjson fast path and the hand-written writer agree wherever both apply
    assert jcs._write(value).encode() == out


# Values that also stray outside I-JSON
loose_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(loose_values, st.booleans())
def test_parse_canonical_accepts_exactly_the_canonical_form(value: object, canonical: bool) -> None:
    """What verification accepts as a payload: JCS bytes, and not orjson's look-alike form."""
    try:
        data = jcs.canonicalize(value) if canonical else orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (InputError, TypeError):
        return
    parsed = orjson.loads(data)
    try:
        full = jcs.canonicalize(parsed) == data
    except InputError:
        full = False
    if full:
        assert jcs.parse_canonical(data) == parsed
    else:
        with pytest.raises(BadPayload):
            jcs.parse_canonical(data)
