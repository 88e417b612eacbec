"""Decoding plans: for an event class whose fields are all plain values, UUIDs and times (most
of the log: check-ins), msgspec parses the stored JSON straight into a Struct made from the
class's fields, and a function made for the class turns that into the event's state.

The plan expects exactly what the library's JSON transcoder writes for such a class: each
field present, UUIDs as `{"_type_": "uuid_hex", "_data_": hex}`, times as `{"_type_":
"datetime_iso", "_data_": text}`, nothing else. Anything else (a field added since, a value
of another kind, NaN) fails the parse, and the event is decoded the general way; so a plan
can only be quicker, never give another answer.
"""

from __future__ import annotations

import dataclasses
import keyword
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

Plan = Callable[[bytes], dict[str, Any]]

# Not in the stored state: the mapper keeps them in columns of their own.
_COLUMNS = {"originator_id", "originator_version"}


class _UUIDHex(msgspec.Struct, tag_field="_type_", tag="uuid_hex", rename={"data": "_data_"},
               forbid_unknown_fields=True):
    data: str


class _DatetimeISO(msgspec.Struct, tag_field="_type_", tag="datetime_iso", rename={"data": "_data_"},
                   forbid_unknown_fields=True):
    data: str


# A field's type → (the type the plan parses it as, how its value becomes the event's)
_KINDS: dict[Any, tuple[Any, str]] = {
    UUID: (_UUIDHex, "uuid({}.data)"),
    datetime: (_DatetimeISO, "moment({}.data)"),
    str: (str, "{}"),
    int: (int, "{}"),
    bool: (bool, "{}"),
    # JSON keeps 1 and 1.0 apart, and so does the general decoder: so does the plan
    float: (int | float, "{}"),
}


def _kind(hint: Any) -> tuple[Any, str] | None:
    if hint in _KINDS:
        return _KINDS[hint]
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        [inner] = [a for a in args if a is not type(None)]
        found = _KINDS.get(inner)
        if found is not None:
            parsed, make = found
            if make == "{}":
                return parsed | None, "{}"
            return parsed | None, f"None if {{0}} is None else {make.format('{0}')}"
    return None


def plan_for(cls: type, uuid: Callable[[str], UUID], moment: Callable[[str], datetime]) -> Plan | None:
    """The plan for events of `cls`, or None when one of its fields is of a kind a plan
    does not take (terms, lists, dates...) or the class has been upcast."""
    if getattr(cls, "class_version", 1) != 1 or not dataclasses.is_dataclass(cls):
        return None
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # names the class's module cannot resolve
        return None
    fields: list[tuple[str, Any]] = []
    makes: list[str] = []
    for field in dataclasses.fields(cls):
        if field.name in _COLUMNS:
            continue
        found = _kind(hints.get(field.name))
        if found is None or keyword.iskeyword(field.name) or not field.name.isidentifier():
            return None
        parsed, make = found
        fields.append((field.name, parsed))
        makes.append(f"{field.name!r}: {make.format('s.' + field.name)}")
    struct = msgspec.defstruct(f"{cls.__qualname__}State", fields, forbid_unknown_fields=True)
    decode = msgspec.json.Decoder(struct).decode
    # Made once per class, as dataclasses make their __init__: one dict display, in the
    # order of the class's fields, which is the order the transcoder wrote them in.
    source = f"def state(raw):\n    s = decode(raw)\n    return {{{', '.join(makes)}}}\n"
    scope: dict[str, Any] = {"decode": decode, "uuid": uuid, "moment": moment}
    exec(source, scope)
    return scope["state"]


Refused = (msgspec.ValidationError, msgspec.DecodeError)
