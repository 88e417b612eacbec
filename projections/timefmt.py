"""Times as the read models store them: UTC text that sorts the way time does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID


def stored(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parsed(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def plain(value: Any) -> Any:
    """Event attribute values as JSON-ready plain values (UUIDs and times as text)."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return stored(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
