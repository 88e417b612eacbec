"""Questions the feed answers: what happened after position N, to one aggregate, by time T."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.feed.projection import HIDDEN
from projections.projection import MAX_POSITION
from projections.store import Tx
from projections.timefmt import parsed, stored


@dataclass(frozen=True)
class FeedEntry:
    position: int
    type: str
    recorded_at: datetime
    aggregate_id: UUID
    version: int
    actor_id: UUID | None
    payload: dict[str, Any]


COLUMNS = "position, type, recorded_at, aggregate_id, version, actor_id, payload"


def _entry(row: tuple) -> FeedEntry:
    position, type_, recorded, aggregate, version, actor, data = row
    return FeedEntry(
        position, type_, parsed(recorded), UUID(aggregate), version,
        UUID(actor) if actor else None, json.loads(data),
    )


def position_at(tx: Tx, as_of: datetime) -> int:
    """The position of the last event recorded at or before `as_of` (0: before the first),
    hidden ones (idempotency receipts) included: the position the projections stood at then."""
    row = tx.execute(
        "SELECT position FROM okr_feed WHERE recorded_at <= ?"
        " ORDER BY recorded_at DESC, position DESC LIMIT 1",
        (stored(as_of),),
    ).fetchone()
    return row[0] if row else 0


def events_after(tx: Tx, after: int, limit: int, until: int | None = None) -> list[FeedEntry]:
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM okr_feed WHERE position > ? AND position <= ? AND type <> ?"
        " ORDER BY position LIMIT ?",
        (after, until if until is not None else MAX_POSITION, HIDDEN, limit),
    ).fetchall()
    return [_entry(r) for r in rows]


def aggregate_events(
    tx: Tx, aggregate_id: UUID, after: int = 0, limit: int = 1000, until: int | None = None
) -> list[FeedEntry]:
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM okr_feed WHERE aggregate_id = ? AND position > ?"
        " AND position <= ? AND type <> ? ORDER BY position LIMIT ?",
        (str(aggregate_id), after, until if until is not None else MAX_POSITION, HIDDEN, limit),
    ).fetchall()
    return [_entry(r) for r in rows]
