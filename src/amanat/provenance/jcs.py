"""RFC 8785 JSON Canonicalization Scheme (JCS) and strict I-JSON (RFC 7493) parsing.

Signatures are made over bytes, so the same item must always give the same bytes: JCS sorts
object keys by UTF-16 code units, writes numbers the way ECMAScript does, escapes strings
minimally and emits no whitespace. Its input must be I-JSON, so ``parse`` refuses what two
parsers could read differently: duplicate keys, NaN/Infinity, lone surrogates, integers
outside ±(2**53 − 1), a byte-order mark, invalid UTF-8.

API::

    parse(data: bytes | str) -> Any              strict I-JSON; raises InputError
    canonicalize(value: Any) -> bytes            JCS bytes; raises InputError for non-I-JSON values
    es6_number(x: float) -> str                  ECMAScript Number::toString, as JCS writes numbers
    parse_canonical(data: bytes) -> Any          accept only bytes that already are JCS (BadPayload)

Speed: ``canonicalize`` checks the value in one walk and then lets orjson (whose string
escaping and key output equal JCS's for this input) write the bytes. Only values with a float
that orjson would write differently, or keys whose UTF-16 order differs from code-point order,
take the slower hand-written writer.
That writer exists because no maintained library implements RFC 8785 number formatting.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import orjson

from amanat.errors import InputError
from amanat.provenance.errors import BadPayload

__all__ = ["MAX_SAFE_INTEGER", "canonicalize", "es6_number", "parse", "parse_canonical"]

MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON (RFC 7493 §2.2): integers outside ±this are not interoperable
# Containers nested deeper than this are refused: orjson's writer stops there too.
_MAX_DEPTH = 254


# --- parsing ----------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise InputError(f"{name} is not allowed in I-JSON")


def _parse_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise InputError(f"integer {text} is beyond ±(2**53 - 1), not allowed in I-JSON")
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"number {text} overflows a double, not allowed in I-JSON")
    return value


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(f"duplicate key {key!r} in JSON object")
            seen.add(key)
    return obj


def parse(data: bytes | str) -> Any:
    """Parse JSON text, accepting only I-JSON (RFC 7493); raise InputError saying why not."""
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"JSON is not valid UTF-8 (byte {exc.start})") from None
    else:
        text = data
    if text.startswith("\ufeff"):
        raise InputError("JSON starts with a byte-order mark, not allowed in I-JSON")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_pairs,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError("JSON nesting is too deep") from None
    canonicalize(value)  # refuses lone surrogates (from \ud800 escapes) and deep nesting
    return value


# --- canonical form ---------------------------------------------------------------------------


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (dict, list, str, int, float, bool, None).

    Raises InputError for values that are not I-JSON: non-string keys, NaN/Infinity, integers
    beyond ±(2**53 − 1) (including integral doubles in [2**53, 1e21), which ECMAScript would
    write as such integers), strings with lone surrogates, other types.
    """
    try:
        if _check(value, 0):
            return _write(value).encode("utf-8")
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, UnicodeEncodeError):
        # orjson refuses strings that are not valid UTF-8, which for str means lone surrogates
        raise InputError("cannot canonicalize: a string contains a lone surrogate") from None


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be the JCS form of a JSON value; raise BadPayload if not.

    Used on signed payloads: requiring ``canonicalize(parse(data)) == data`` also rules out
    duplicate keys, whitespace, and any number or string spelled another way, with the fast
    orjson parser doing the reading.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadPayload(f"payload is not valid JSON: {exc}") from None
    try:
        again = canonicalize(value)
    except InputError as exc:
        raise BadPayload(f"payload is not I-JSON: {exc.message}") from None
    if again != data:
        raise BadPayload("payload is not in RFC 8785 canonical form")
    return value


def _check(value: Any, depth: int) -> bool:
    """Validate an I-JSON value; return True when the slow writer is needed.

    The slow writer is needed for floats that orjson writes differently from ECMAScript (e.g.
    56.0, which ECMAScript writes as 56) and for keys with code points ≥ U+E000, where sorting
    by UTF-16 code units differs from orjson's sorting by code points.
    """
    kind = type(value)
    if kind is str:
        return False  # lone surrogates: orjson refuses to write them (see canonicalize)
    if (kind is dict or kind is list or kind is tuple) and depth >= _MAX_DEPTH:
        raise InputError("JSON nesting is too deep")
    if kind is dict:
        slow = False
        for key, item in value.items():
            if type(key) is not str:
                raise InputError(f"object key {key!r} is not a string")
            if not key.isascii() and max(key) >= "\ue000":
                slow = True
            # strings, the common leaf, are skipped inline: this walk is on the verify path
            if type(item) is not str and _check(item, depth + 1):
                slow = True
        return slow
    if kind is list or kind is tuple:
        slow = False
        for item in value:
            if type(item) is not str and _check(item, depth + 1):
                slow = True
        return slow
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return False
        raise InputError(f"integer {value} is beyond ±(2**53 - 1), not allowed in I-JSON")
    if kind is float:
        if not math.isfinite(value):
            raise InputError(f"{value} is not allowed in I-JSON")
        text = repr(value)
        if "e" in text or text.endswith(".0"):  # exponent or integral: layouts may differ
            text = es6_number(value)
            if abs(value) > MAX_SAFE_INTEGER and "e" not in text:
                raise InputError(
                    f"number {text} would be written as an integer beyond ±(2**53 - 1)"
                )
        # else repr is plain decimal in [1e-4, 1e16) with shortest digits, as ECMAScript writes.
        # orjson writes most doubles exactly as ECMAScript does (not e.g. 56.0): check, not assume
        return orjson.dumps(value) != text.encode("ascii")
    if value is None or kind is bool:
        return False
    if isinstance(value, Mapping):  # other mappings: checked, then written by the slow writer
        _check(dict(value), depth)
        return True
    raise InputError(f"a {kind.__name__} is not a JSON value")


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


def _write(value: Any) -> str:
    """Hand-written JCS writer for the cases orjson does not format the RFC 8785 way."""
    if isinstance(value, str):
        return orjson.dumps(value).decode("utf-8")  # orjson's escaping is exactly JCS's
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = es6_number(value)
        if abs(value) > MAX_SAFE_INTEGER and "e" not in text:
            # ES6 writes doubles in [2**53, 1e21) as integer literals, which I-JSON readers
            # (and ``parse``) refuse; refuse to write them so canonical bytes always parse.
            raise InputError(f"number {text} would be written as an integer beyond ±(2**53 - 1)")
        return text
    if isinstance(value, Mapping):
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_write(k) + ":" + _write(value[k]) for k in keys) + "}"
    return "[" + ",".join(_write(v) for v in value) + "]"


def es6_number(value: float) -> str:
    """Format a finite double as ECMAScript's Number.prototype.toString (RFC 8785 §3.2.2.3).

    Python's ``repr`` already gives the shortest round-tripping digits, as ECMAScript requires;
    only the layout (where the point goes, when to use an exponent) differs, so it is redone here.
    """
    if value == 0:
        return "0"  # also -0
    text = repr(value)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # position of the decimal point relative to the start of the significant digits
    point = len(whole) - (len(whole + frac) - len((whole + frac).lstrip("0"))) + exponent
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp = ("+" if e >= 0 else "-") + str(abs(e))
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + exp
    return sign + out
