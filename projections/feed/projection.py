"""Folds every event into the feed table; it also resolves `as_of` times to log positions."""

from __future__ import annotations

import json
from collections.abc import Sequence

from projections.projection import Logged, Projection
from projections.store import Tx
from projections.timefmt import plain, stored

HIDDEN_TOPICS = ("okr:Receipt.",)  # idempotency bookkeeping, not organisation facts
# The type of a hidden event's row: no payload, left out of every feed read, kept only so that
# an `as_of` time resolves to the last event of the log recorded by then, hidden or not.
HIDDEN = "hidden"
ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic", "actor_id")


def payload(logged: Logged) -> dict:
    return {k: plain(v) for k, v in vars(logged.event).items() if k not in ENVELOPE}


class FeedProjection(Projection):
    name = "feed"
    tables = ("okr_feed",)
    schema = (
        "CREATE TABLE IF NOT EXISTS okr_feed ("
        " position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, type TEXT NOT NULL,"
        " aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, actor_id TEXT,"
        " payload TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS okr_feed_aggregate ON okr_feed (aggregate_id, position)",
        "CREATE INDEX IF NOT EXISTS okr_feed_time ON okr_feed (recorded_at, position)",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        tx.executemany(
            "INSERT INTO okr_feed (position, recorded_at, type, aggregate_id, version, actor_id,"
            " payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [_row(e) for e in batch],
        )


def _row(e: Logged) -> tuple:
    if e.topic.startswith(HIDDEN_TOPICS):
        return (
            e.position, stored(e.recorded_at), HIDDEN, str(e.event.originator_id),
            e.event.originator_version, None, "{}",
        )
    return (
        e.position, stored(e.recorded_at), e.type, str(e.event.originator_id),
        e.event.originator_version, plain(getattr(e.event, "actor_id", None)),
        json.dumps(payload(e), separators=(",", ":")),
    )
