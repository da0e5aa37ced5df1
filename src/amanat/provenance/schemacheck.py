"""A JSON Schema (draft 2020-12) compiled to Python closures: a yes/no answer, fast. Pure.

Why not the general validator for every item: ``jsonschema`` walks the schema afresh for each
instance (descend, evolve, error objects), ~700 µs for one small ninjs item, which made schema
validation the largest cost of following a partner. Why not ``fastjsonschema``: it stops at
draft 7, and ninjs 3.1 relies on 2020-12's ``unevaluatedProperties`` (its root refuses
unknown keys only through it), so an item with a stray property would pass.

So this compiles the keywords the ninjs and GeoJSON schemas use, with ``jsonschema``'s own
semantics keyword by keyword (its ``_keywords`` and ``_types``: a bool is not a number, 1.0
is an integer, ``pattern`` is ``re.search``, ``properties``/``required`` ignore non-objects,
``format`` only for the formats the caller names). A keyword it does not know makes
``compile_schema`` raise ``UnsupportedSchema`` rather than be skipped: a newer schema can
never be checked less strictly than it says. ``unevaluatedProperties: false`` is resolved
statically (the property names of the schema and of what its ``$ref`` chain evaluates), and
only where that is exact: beside in-place applicators that evaluate no property themselves.

The answer is a bool; a caller that needs to say *why* asks ``jsonschema`` on the (rare)
rejection. ``tests/test_ninjs.py`` holds both to the same verdict on IPTC's suite and on
generated items.

API::

    compile_schema(schema, resources={uri: schema}, formats={name: predicate}) -> Callable[[Any], bool]
    UnsupportedSchema                    a keyword or form this compiler does not implement
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Check", "UnsupportedSchema", "compile_schema"]

Check = Callable[[Any], bool]


class UnsupportedSchema(ValueError):
    """The schema uses something this compiler does not implement (exactly)."""


# keywords that only annotate: they never change the verdict
_ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "default",
    "examples", "deprecated", "readOnly", "writeOnly",
})
_OBJECT_KEYWORDS = frozenset({"properties", "additionalProperties", "required", "unevaluatedProperties"})
_SUPPORTED = _ANNOTATIONS | _OBJECT_KEYWORDS | frozenset({
    "type", "enum", "const", "items", "minItems", "maxItems", "minimum", "maximum", "minLength",
    "maxLength", "pattern", "format", "oneOf", "anyOf", "allOf", "not", "$ref",
})


def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


def _is_number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, numbers.Number)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks
        return lambda v: a(v) and b(v)

    def every(v: Any) -> bool:
        for check in checks:  # noqa: SIM110 - hot path: a loop costs less than all() over a generator
            if not check(v):
                return False
        return True

    return every


class _Compiler:
    def __init__(self, resources: Mapping[str, Any], formats: Mapping[str, Check]) -> None:
        self.resources = {uri.rstrip("#"): schema for uri, schema in resources.items()}
        self.formats = formats
        self.compiled: dict[tuple[str, str], Check] = {}

    # --- references ---------------------------------------------------------------------------

    def resolve(self, base: str, ref: str) -> tuple[str, str, Any]:
        """(resource uri, JSON pointer, subschema) for a ``$ref`` seen in resource ``base``."""
        uri, _, fragment = ref.partition("#")
        uri = uri or base
        if uri not in self.resources:
            raise UnsupportedSchema(f"$ref to an unknown resource: {ref!r}")
        if fragment and not fragment.startswith("/"):
            raise UnsupportedSchema(f"$ref with an anchor: {ref!r}")
        node = self.resources[uri]
        for part in fragment.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError):
                raise UnsupportedSchema(f"$ref to a missing place: {ref!r}") from None
        return uri, fragment, node

    def ref(self, base: str, ref: str) -> Check:
        uri, pointer, node = self.resolve(base, ref)
        key = (uri, pointer)
        if key not in self.compiled:
            cell: list[Check] = []
            self.compiled[key] = lambda v: cell[0](v)  # recursion: filled in below
            cell.append(self.node(uri, node))
            self.compiled[key] = cell[0]
        return self.compiled[key]

    def evaluated_names(self, base: str, schema: Any, seen: frozenset[tuple[str, str]] = frozenset()) -> set[str]:
        """The property names ``unevaluatedProperties`` counts as evaluated, when that set does
        not depend on the instance (else UnsupportedSchema): ``properties`` here and along the
        ``$ref`` chain; in-place applicators must evaluate no property themselves."""
        if isinstance(schema, bool):
            return set()
        names = set(schema.get("properties", {}))
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            if schema.get(keyword, False) is not False:  # false: no value is valid, no key evaluated
                raise UnsupportedSchema(f"unevaluatedProperties beside {keyword} (it depends on the instance)")
        for keyword in ("patternProperties", "dependentSchemas", "if", "$dynamicRef"):
            if keyword in schema:
                raise UnsupportedSchema(f"unevaluatedProperties beside {keyword} (it depends on the instance)")
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(keyword, []):
                if self.evaluated_names(base, sub, seen) or (isinstance(sub, dict) and "$ref" in sub):
                    raise UnsupportedSchema(f"unevaluatedProperties with properties inside {keyword}")
        if "$ref" in schema:
            uri, pointer, node = self.resolve(base, schema["$ref"])
            if (uri, pointer) not in seen:
                names |= self.evaluated_names(uri, node, seen | {(uri, pointer)})
        return names

    # --- one schema ---------------------------------------------------------------------------

    def node(self, base: str, schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"a schema must be an object or a boolean, not {type(schema).__name__}")
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise UnsupportedSchema(f"keyword(s) not implemented: {', '.join(sorted(unknown))}")
        checks: list[Check] = []
        if "type" in schema:
            checks.append(self.type_check(schema["type"]))
        if "enum" in schema:
            checks.append(self.enum_check(schema["enum"]))
        if "const" in schema:
            checks.append(self.enum_check([schema["const"]]))
        if _OBJECT_KEYWORDS & set(schema):
            checks.append(self.object_check(base, schema))
        if "items" in schema or "minItems" in schema or "maxItems" in schema:
            checks.append(self.array_check(base, schema))
        if any(k in schema for k in ("minimum", "maximum")):
            checks.append(self.number_check(schema.get("minimum"), schema.get("maximum")))
        if any(k in schema for k in ("minLength", "maxLength", "pattern")):
            checks.append(self.string_check(schema))
        if "format" in schema and schema["format"] in self.formats:
            checks.append(self.format_check(self.formats[schema["format"]]))
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in schema:
                checks.append(self.combine(keyword, [self.node(base, s) for s in schema[keyword]]))
        if "not" in schema:
            inner = self.node(base, schema["not"])
            checks.append(lambda v: not inner(v))
        if "$ref" in schema:
            checks.append(self.ref(base, schema["$ref"]))
        return _all(checks)

    @staticmethod
    def type_check(types: Any) -> Check:
        names = [types] if isinstance(types, str) else list(types)
        if any(name not in _TYPES for name in names):
            raise UnsupportedSchema(f"unknown type in {types!r}")
        if len(names) == 1:
            return _TYPES[names[0]]
        tests = [_TYPES[name] for name in names]
        return lambda v: any(test(v) for test in tests)

    @staticmethod
    def enum_check(values: list[Any]) -> Check:
        # jsonschema's equal(): a string equals only a string; other kinds are not needed here
        if not all(isinstance(value, str) for value in values):
            raise UnsupportedSchema("enum/const of non-string values")
        allowed = frozenset(values)
        return lambda v: isinstance(v, str) and v in allowed

    def object_check(self, base: str, schema: dict[str, Any]) -> Check:
        props = {name: self.node(base, sub) for name, sub in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.node(base, extra)
        unevaluated = schema.get("unevaluatedProperties", True)
        if unevaluated is not True and unevaluated is not False:
            raise UnsupportedSchema("unevaluatedProperties other than true or false")
        if unevaluated is False and extra is True:
            known: frozenset[str] | None = frozenset(self.evaluated_names(base, schema))
        else:
            known = None  # additionalProperties evaluates every other key: nothing is left unevaluated

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name, value in v.items():
                test = props.get(name)
                if test is not None:
                    if not test(value):
                        return False
                elif extra_check is not None:
                    if not extra_check(value):
                        return False
                elif known is not None and name not in known:
                    return False
            for name in required:  # noqa: SIM110 - as above
                if name not in v:
                    return False
            return True

        return check

    def array_check(self, base: str, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise UnsupportedSchema("prefixItems")
        item = self.node(base, schema["items"]) if "items" in schema else None
        low, high = schema.get("minItems", 0), schema.get("maxItems")

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            if len(v) < low or (high is not None and len(v) > high):
                return False
            if item is not None:
                for element in v:
                    if not item(element):
                        return False
            return True

        return check

    @staticmethod
    def number_check(low: Any, high: Any) -> Check:
        def check(v: Any) -> bool:
            if not _is_number(v):
                return True
            return not ((low is not None and v < low) or (high is not None and v > high))

        return check

    @staticmethod
    def string_check(schema: dict[str, Any]) -> Check:
        # jsonschema counts code points (len of the str) and uses re.search, as here
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        search = re.compile(schema["pattern"]).search if "pattern" in schema else None

        def check(v: Any) -> bool:
            if not isinstance(v, str):
                return True
            if len(v) < low or (high is not None and len(v) > high):
                return False
            return search is None or search(v) is not None

        return check

    @staticmethod
    def format_check(predicate: Check) -> Check:
        def check(v: Any) -> bool:
            try:
                return bool(predicate(v))
            except ValueError:  # as jsonschema's FormatChecker(raises=ValueError)
                return False

        return check

    @staticmethod
    def combine(keyword: str, subs: list[Check]) -> Check:
        if keyword == "allOf":
            return _all(subs)
        if keyword == "anyOf":
            return lambda v: any(sub(v) for sub in subs)
        return lambda v: sum(1 for sub in subs if sub(v)) == 1


def compile_schema(schema: Mapping[str, Any], *, resources: Mapping[str, Any] | None = None,
                   formats: Mapping[str, Check] | None = None) -> Check:
    """Compile ``schema`` (its ``$id`` names it; ``resources`` are the other schemas its
    ``$ref``s may name, by URI) into a predicate. ``formats`` maps a format name to a
    predicate (ValueError counts as false); formats not named are annotations only."""
    base = str(schema.get("$id", "")).rstrip("#")
    compiler = _Compiler({**(resources or {}), base: schema}, formats or {})
    return compiler.node(base, dict(schema))
