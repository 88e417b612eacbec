"""An example of every request and response body in the OpenAPI document.

Each is made from its Struct's own fields, so it can never drift from the type: a realistic
value by field name where one is known, otherwise a value its type and constraints allow.
`tests/api/test_openapi.py` checks each one with msgspec against the type it shows.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from types import ModuleType
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import msgspec
import msgspec.inspect as mi
from litestar.openapi.spec import OpenAPI

# Values a client would recognise, by field name (and by Struct and field where one name
# means different things).
BY_NAME: dict[str, Any] = {
    "title": "Make onboarding effortless", "name": "Platform", "email": "ada@example.org",
    "description": "Cut the time from sign-up to first value in half.",
    "note": "Two pilots went live this week", "comment": "Can we reach 60 % instead?",
    "reason": "The first reading left out one region", "adjustment_reason": "A supplier outage",
    "statement": "Every team knows why its work matters", "unit": "%", "value": 42.0,
    "confidence": 0.7, "baseline": 10.0, "target": 60.0, "threshold": 99.5, "weight": 1.0,
    "score": 0.7, "progress": 0.64, "children_average": 0.58, "computed_score": 0.64,
    "adjusted_score": 0.7, "current_value": 42.0, "starts_on": "2026-01-01",
    "ends_on": "2026-03-31", "kind": "committed", "status": "approved", "state": "active",
    "health": "on_track", "band": "yellow", "direction": "at_least", "type": "Objective.Approved",
    "version": 3, "position": 128, "changed_at_position": 128, "round": 1, "limit": 100,
    "token": "okr_0b6c7c4e3f0a4c1e9a570d2b1f7e9a11_dGhpcyBpcyBhbiBleGFtcGxl",
    "payload": {"comment": "Looks right"}, "flags": [],
}
KEY_RESULT = "Weekly active teams"
BY_STRUCT_FIELD: dict[tuple[str, str], Any] = {
    ("KeyResultView", "kind"): "metric", ("KeyResultTermsView", "kind"): "metric",
    ("CycleCreate", "name"): "2026-Q1", ("CycleView", "name"): "2026-Q1",
    ("CycleRowView", "name"): "2026-Q1", ("UserCreate", "name"): "Ada Lovelace",
    ("UserView", "name"): "Ada Lovelace", ("UserCreated", "name"): "Ada Lovelace",
    ("NegotiationResponseView", "kind"): "countered", ("TargetStepView", "kind"): "countered",
    ("RoundView", "outcome"): "approved", ("RoundView", "awaiting"): "approver",
    ("RoundView", "duration"): "P2DT4H",
    **{(struct, "title"): KEY_RESULT for struct in (
        "KeyResultCreate", "KeyResultPatch", "KeyResultView", "KeyResultTermsView",
    )},
}
# Whole examples where filling in every field would mix shapes the domain keeps apart.
WHOLE: dict[str, dict[str, Any]] = {
    "KeyResultCreate": {"title": KEY_RESULT, "unit": "teams", "baseline": 10.0, "target": 60.0, "weight": 1.0},
}
MOMENT = "2026-03-03T09:00:00Z"


def example(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """A JSON-ready example of `struct`, every field filled in."""
    return WHOLE.get(struct.__name__) or _struct(mi.type_info(struct), ())


def _struct(info: mi.StructType, seen: tuple[type, ...]) -> dict[str, Any]:
    seen = (*seen, info.cls)
    out: dict[str, Any] = {}
    for field in info.fields:
        hint = BY_STRUCT_FIELD.get((info.cls.__name__, field.name), BY_NAME.get(field.name))
        out[field.encode_name] = _value(field.type, field.name, hint, seen)
    return out


def _value(t: mi.Type, name: str, hint: Any, seen: tuple[type, ...]) -> Any:
    if isinstance(t, mi.Metadata):  # constraints with a description, or examples of its own
        given = (t.extra_json_schema or {}).get("examples")
        return given[0] if given else _value(t.type, name, hint, seen)
    if isinstance(t, mi.UnionType):  # the first choice that is a value
        choices = [c for c in t.types if not isinstance(c, mi.NoneType)]
        return _value(choices[0], name, hint, seen) if choices else None
    if hint is not None and _fits(hint, t):
        return hint
    if isinstance(t, mi.StructType):
        return _struct(t, seen) if t.cls not in seen else None
    if isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        item = t.item_type
        if isinstance(item, mi.StructType) and item.cls in seen:
            return []  # a tree's children: one level is enough
        return [_value(item, name, None, seen)] * max(1, t.min_length or 0)
    if isinstance(t, mi.DictType):
        return {}
    if isinstance(t, mi.LiteralType):
        return t.values[0]
    if isinstance(t, mi.EnumType):
        return next(iter(t.cls)).value
    if isinstance(t, mi.UUIDType):
        return str(uuid5(NAMESPACE_URL, f"okr-ledger:{name}"))
    if isinstance(t, mi.DateTimeType):
        return MOMENT
    if isinstance(t, mi.DateType):
        return "2026-01-01"
    if isinstance(t, mi.TimeDeltaType):
        return "P1D"  # ISO 8601, as msgspec writes durations
    if isinstance(t, mi.BoolType):
        return False
    if isinstance(t, (mi.IntType, mi.FloatType)):
        low = t.ge if t.ge is not None else (t.gt + 1 if t.gt is not None else None)
        number = low if low is not None else 1
        return float(number) if isinstance(t, mi.FloatType) else int(number)
    if isinstance(t, mi.StrType):
        return "x" * max(1, t.min_length or 0)
    return None


# The Python type a hint must have to stand for a value of each msgspec type.
_HINT_KINDS: dict[type, type | tuple[type, ...]] = {
    mi.StrType: str, mi.FloatType: (int, float), mi.IntType: int, mi.DateType: str,
    mi.LiteralType: (str, int), mi.ListType: list, mi.DictType: dict, mi.EnumType: str,
    mi.TimeDeltaType: str,
}


def _fits(hint: Any, t: mi.Type) -> bool:
    """Whether a hint is of the field's kind (`kind` is text here, a number there)."""
    wanted = _HINT_KINDS.get(type(t))
    if wanted is None or not isinstance(hint, wanted):
        return False
    if isinstance(t, mi.LiteralType):
        return hint in t.values
    if isinstance(t, mi.EnumType):
        return hint in {m.value for m in t.cls}
    return True


def structs(modules: Iterable[ModuleType]) -> dict[str, type[msgspec.Struct]]:
    """The Struct classes the modules define, by name (the OpenAPI component names)."""
    found: dict[str, type[msgspec.Struct]] = {}
    for module in modules:
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, msgspec.Struct) and obj.__module__ == module.__name__:
                found[name] = obj
    return found


def add_examples(document: OpenAPI, types: dict[str, type[msgspec.Struct]]) -> None:
    """Puts an example on each component schema that is one of `types` (bodies and
    responses refer to them), unless it has one."""
    schemas = document.components.schemas if document.components else None
    for name, schema in (schemas or {}).items():
        struct = types.get(name)
        if struct is not None and not schema.examples:
            schema.examples = [example(struct)]
