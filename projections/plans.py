"""Decoding plans: for an event class whose fields are all plain values, UUIDs and times (most
of the log: check-ins), msgspec parses the stored JSON straight into a Struct made from the
class's fields, and functions made for the class turn that into the event's state, or into
its values as plain JSON values (ids and times as the text the read models store), or give
its timestamp alone.

An event made whole at once is parsed by a Struct whose ids msgspec makes into UUIDs itself,
in C (as `UUID(hex)` makes them from every text it takes; one it does not take fails the
parse), and whose times `datetime.fromisoformat` makes, as the transcoder's own decoding
does: a third of the time of making them from text one by one, for the goal tree that makes
every check-in.

Read models that only copy an event's values (the check-ins; the feed's pages) take the plain
values, so an event none of them needs whole is never made: the Struct's text is turned
into text, not into UUIDs and times and back.

The plan expects exactly what the library's JSON transcoder writes for such a class: each
field present, UUIDs as `{"_type_": "uuid_hex", "_data_": hex}`, times as `{"_type_":
"datetime_iso", "_data_": text}`, nothing else. Anything else (a field added since, a value
of another kind, NaN) fails the parse, and the event is decoded the general way; so a plan
can only be quicker, never give another answer.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import msgspec

from projections.timefmt import stored, utc_text

# How many ids a decoder keeps made, at most, before it starts again. Most ids in a log are
# seen once (each check-in's own), and the ones that recur are few (aggregates, key
# results, people). Kept by the hundred thousand, the ones seen once made a rebuild of 1M
# events slower: 42.0-53.1 s, against 40.4-44.3 s kept by the twenty thousand, alternately.
IDS_KEPT = 20_000


class Plan(NamedTuple):
    parse: Callable[[bytes], Any]  # the stored JSON → a Struct (raises one of `Refused`)
    state: Callable[[bytes], dict[str, Any]]  # the stored JSON → the event's state (raises too)
    plain: Callable[[Any], dict[str, Any]]  # Struct → its values, ids and times as text
    when: Callable[[Any], datetime] | None  # Struct → its timestamp (if it has one)


# Not in the stored state: the mapper keeps them in columns of their own.
_COLUMNS = {"originator_id", "originator_version"}


# Not tracked by the garbage collector (`gc=False`): they hold text and numbers, and a
# batch's events keep them alive (`Logged.plain`), tens of thousands at a time.
class _UUIDHex(msgspec.Struct, tag_field="_type_", tag="uuid_hex", rename={"data": "_data_"},
               forbid_unknown_fields=True, gc=False):
    data: str


class _DatetimeISO(msgspec.Struct, tag_field="_type_", tag="datetime_iso", rename={"data": "_data_"},
                   forbid_unknown_fields=True, gc=False):
    data: str


class _UUID(msgspec.Struct, tag_field="_type_", tag="uuid_hex", rename={"data": "_data_"},
            forbid_unknown_fields=True, gc=False):
    data: UUID


class _Kind(NamedTuple):
    parsed: Any  # the type the plan parses it as for its plain values
    plain: str  # how it becomes plain: `str` of the UUID, `stored` of the time (`timefmt.plain`)
    whole: Any  # the type the plan parses it as for the event's state
    make: str  # how that becomes the event's value


_KINDS: dict[Any, _Kind] = {
    UUID: _Kind(_UUIDHex, "ids[{}.data]", _UUID, "{}.data"),
    datetime: _Kind(_DatetimeISO, "time({}.data)", _DatetimeISO, "fromisoformat({}.data)"),
    str: _Kind(str, "{}", str, "{}"),
    int: _Kind(int, "{}", int, "{}"),
    bool: _Kind(bool, "{}", bool, "{}"),
    # JSON keeps 1 and 1.0 apart, and so does the general decoder: so does the plan
    float: _Kind(int | float, "{}", int | float, "{}"),
}


def _optional(make: str) -> str:
    return make if make == "{}" else f"None if {{0}} is None else {make.format('{0}')}"


def _kind(hint: Any) -> _Kind | None:
    if hint in _KINDS:
        return _KINDS[hint]
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        [inner] = [a for a in args if a is not type(None)]
        found = _KINDS.get(inner)
        if found is not None:
            return _Kind(
                found.parsed | None, _optional(found.plain), found.whole | None, _optional(found.make)
            )
    return None


CANONICAL = re.compile("[0-9a-f]{32}").fullmatch  # a UUID's hex as the transcoder writes it


class Ids(dict):
    """A UUID's hex → its text, as `str(uuid(hex))` gives it, worked out once per id: ids
    recur on event after event."""

    def __init__(self, uuid: Callable[[str], UUID]):
        super().__init__()
        self._uuid = uuid

    def __missing__(self, hex: str) -> str:
        if len(self) >= IDS_KEPT:
            self.clear()
        if CANONICAL(hex):  # as the transcoder writes them: the text without a UUID made
            text = f"{hex[:8]}-{hex[8:12]}-{hex[12:16]}-{hex[16:20]}-{hex[20:]}"
        else:
            text = str(self._uuid(hex))
        self[hex] = text
        return text


def plan_for(
    cls: type, uuid: Callable[[str], UUID], moment: Callable[[str], datetime], ids: Ids | None = None
) -> Plan | None:
    """The plan for events of `cls`, or None when one of its fields is of a kind a plan
    does not take (terms, lists, dates...) or the class has been upcast. `ids`, the texts
    of the ids its plain values hold, may be shared by the plans of several classes."""
    if getattr(cls, "class_version", 1) != 1 or not dataclasses.is_dataclass(cls):
        return None
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # names the class's module cannot resolve
        return None
    fields: list[tuple[str, Any]] = []
    wholes: list[tuple[str, Any]] = []
    makes: list[str] = []
    plains: list[str] = []
    for field in dataclasses.fields(cls):
        if field.name in _COLUMNS:
            continue
        found = _kind(hints.get(field.name))
        if found is None or keyword.iskeyword(field.name) or not field.name.isidentifier():
            return None
        fields.append((field.name, found.parsed))
        wholes.append((field.name, found.whole))
        makes.append(f"{field.name!r}: {found.make.format('s.' + field.name)}")
        plains.append(f"{field.name!r}: {found.plain.format('s.' + field.name)}")
    struct, whole = (
        msgspec.defstruct(f"{cls.__qualname__}{suffix}", kinds, forbid_unknown_fields=True, gc=False)
        for suffix, kinds in (("Values", fields), ("State", wholes))
    )
    # Made once per class, as dataclasses make their __init__: one dict display, in the
    # order of the class's fields, which is the order the transcoder wrote them in.
    source = (
        f"def state(stored):\n    s = parse_whole(stored)\n    return {{{', '.join(makes)}}}\n"
        f"def plain(s):\n    return {{{', '.join(plains)}}}\n"
        "def when(s):\n    return moment(s.timestamp.data)\n"
    )
    def time(text: str) -> str:  # `stored(moment(text))`, most often without parsing it
        found = utc_text(text)
        return found if found is not None else stored(moment(text))

    scope: dict[str, Any] = {
        "moment": moment, "ids": Ids(uuid) if ids is None else ids, "time": time,
        "fromisoformat": datetime.fromisoformat, "parse_whole": msgspec.json.Decoder(whole).decode,
    }
    exec(source, scope)
    timed = hints.get("timestamp") is datetime and "timestamp" in dict(fields)
    return Plan(
        msgspec.json.Decoder(struct).decode, scope["state"], scope["plain"],
        scope["when"] if timed else None,
    )


Refused = (msgspec.ValidationError, msgspec.DecodeError)
