"""The event feed: the log as JSON, for dashboards, bots and BI tools."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec


class EventView(msgspec.Struct, frozen=True):
    """One event: `type` is the aggregate and the event (`Objective.Countered`), `position`
    its place in the log (the cursor), `payload` what it recorded (never a secret)."""

    position: int
    type: str
    recorded_at: datetime
    aggregate_id: UUID
    version: int
    actor_id: UUID | None
    payload: dict[str, Any]


class EventPage(msgspec.Struct, frozen=True):
    """Events in log order; pass `next_after` as `after` for the next page (null: none yet)."""

    events: list[EventView]
    next_after: int | None
    position: int
