"""Questions the feed answers: what happened after position N, to one aggregate, by time T.

The rows say which events; their actors and payloads are read from the log (`Payloads`),
which holds every event at or before a position the projections have reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.feed.projection import HIDDEN
from projections.notifications import Log
from projections.projection import MAX_POSITION, Logged
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


COLUMNS = "position, type, recorded_at, aggregate_id, version"
ENVELOPE = frozenset(("originator_id", "originator_version", "timestamp", "originator_topic", "actor_id"))


class Payloads:
    """The actor and payload of events in the feed, rendered from the log itself."""

    def __init__(self, app: Any):
        self.recorder = app.recorder
        self.log = Log(app)

    def between(self, first: int, last: int) -> dict[int, tuple[str | None, dict[str, Any]]]:
        """By position, those of the events from `first` to `last`."""
        events = self.log.read(first - 1, None, last - first + 1, last, decode=False)
        return {e.position: _rendered(e) for e in events}

    def of(
        self, aggregate_id: UUID, positions: dict[int, int]
    ) -> dict[int, tuple[str | None, dict[str, Any]]]:
        """By position, those of one aggregate's events at `positions` (by version): its
        store says their versions, not their places in the log."""
        stored = self.recorder.select_events(aggregate_id, gt=min(positions) - 1, lte=max(positions))
        rendered = {}
        for s in stored:
            position = positions.get(s.originator_version)
            if position is not None:
                event, timestamp, later = self.log.decoded(s, decode=False)
                rendered[position] = _rendered(Logged(position, s.topic, timestamp, event, s, later))
        return rendered


def _rendered(e: Logged) -> tuple[str | None, dict[str, Any]]:
    values = e.values
    return values.get("actor_id"), {k: v for k, v in values.items() if k not in ENVELOPE}


def _entries(rows: list[tuple], rendered: dict[int, tuple[str | None, dict[str, Any]]]) -> list[FeedEntry]:
    entries = []
    for position, type_, recorded, aggregate, version in rows:
        actor, payload = rendered[position]
        entries.append(FeedEntry(
            position, type_, parsed(recorded), UUID(aggregate), version,
            UUID(actor) if actor else None, payload,
        ))
    return entries


def position_at(tx: Tx, as_of: datetime) -> int:
    """The position of the last event recorded at or before `as_of` (0: before the first),
    hidden ones (idempotency receipts) included: the position the projections stood at then."""
    row = tx.execute(
        "SELECT position FROM okr_feed WHERE recorded_at <= ?"
        " ORDER BY recorded_at DESC, position DESC LIMIT 1",
        (stored(as_of),),
    ).fetchone()
    return row[0] if row else 0


def first_type(tx: Tx, aggregate_id: UUID, until: int) -> str | None:
    """The type of an aggregate's first event at or before `until` (None: it had none)."""
    row = tx.execute(
        "SELECT type FROM okr_feed WHERE aggregate_id = ? AND position <= ? AND type <> ?"
        " ORDER BY position LIMIT 1",
        (str(aggregate_id), until, HIDDEN),
    ).fetchone()
    return row[0] if row else None


def events_after(
    tx: Tx, payloads: Payloads, after: int, limit: int, until: int | None = None
) -> list[FeedEntry]:
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM okr_feed WHERE position > ? AND position <= ? AND type <> ?"
        " ORDER BY position LIMIT ?",
        (after, until if until is not None else MAX_POSITION, HIDDEN, limit),
    ).fetchall()
    if not rows:
        return []
    return _entries(rows, payloads.between(rows[0][0], rows[-1][0]))


def aggregate_events(
    tx: Tx, payloads: Payloads, aggregate_id: UUID, after: int = 0, limit: int = 1000,
    until: int | None = None,
) -> list[FeedEntry]:
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM okr_feed WHERE aggregate_id = ? AND position > ?"
        " AND position <= ? AND type <> ? ORDER BY position LIMIT ?",
        (str(aggregate_id), after, until if until is not None else MAX_POSITION, HIDDEN, limit),
    ).fetchall()
    if not rows:
        return []
    return _entries(rows, payloads.of(aggregate_id, {r[4]: r[0] for r in rows}))
