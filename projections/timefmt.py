"""Times as the read models store them: UTC text that sorts the way time does; and event
values as plain JSON values."""

from __future__ import annotations

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
