"""Times as the read models store them: UTC text that sorts the way time does; and event
values as the JSON text they store."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID


class Moment(datetime):
    """A time read from the log that keeps the text it is stored as in the read models:
    worked out once from the text the log holds, though one check-in's times go into
    several rows of several read models."""

    __slots__ = ("_stored",)

    @classmethod
    def decoded(cls, text: str) -> datetime:
        """`datetime.fromisoformat(text)`, keeping its stored text when the log's text is
        UTC (`isoformat()` leaves out a zero fraction of a second)."""
        moment = cls.fromisoformat(text)
        kept = utc_text(text)
        if kept is not None:
            object.__setattr__(moment, "_stored", kept)
        return moment


def utc_text(text: str) -> str | None:
    """The stored text of the time an ISO text from the log gives, if that text is UTC (as
    the log's times are) and worked out without parsing it; else None."""
    if text.endswith("+00:00"):
        if len(text) == 32:
            return text[:-6] + "Z"
        if len(text) == 25:  # `isoformat()` leaves out a zero fraction of a second
            return text[:-6] + ".000000Z"
    return None


def stored(moment: datetime) -> str:
    if type(moment) is Moment:
        try:
            return moment._stored
        except AttributeError:  # not UTC in the log, or a copy
            pass
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # `isoformat` writes the year in four digits, so the texts of years before 1000 sort too
    # (strftime's %Y leaves the zeros out).
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def parsed(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _text(value: Any, otherwise: Any) -> Any:
    """A UUID's or a time's text; `otherwise` for any other value."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return stored(value)
    if isinstance(value, date):
        return value.isoformat()
    return otherwise


def plain(value: Any) -> Any:
    """Event attribute values as JSON-ready plain values (UUIDs and times as text)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return _text(value, value)


_NOT_TEXT = object()


def _plain_scalar(value: Any) -> Any:
    """`plain` for the values JSON has no type of its own for (the encoder asks for them)."""
    text = _text(value, _NOT_TEXT)
    if text is _NOT_TEXT:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return text


def _compact_json() -> Callable[[Any], str]:
    """`json.dumps(plain(value), separators=(",", ":"))`, quicker: the C encoder json.dumps
    uses, built once, turning UUIDs and times into text as it meets them rather than
    copying the whole value first (its check for circular references is left out: plain
    values have none)."""
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii
    except ImportError:  # pragma: no cover - a Python without the C accelerator
        c_make_encoder = None
    if c_make_encoder is None:  # pragma: no cover
        return lambda value: json.dumps(plain(value), separators=(",", ":"))
    encode = c_make_encoder(
        None, _plain_scalar, encode_basestring_ascii, None, ":", ",", False, False, True,
    )

    def dumps(value: Any) -> str:
        try:
            return "".join(encode(value, 0))
        except TypeError:  # e.g. a dict keyed by UUIDs, which `plain` turns into text
            return json.dumps(plain(value), separators=(",", ":"))

    return dumps


compact_json = _compact_json()
