"""Folds every event into the feed table; it also resolves `as_of` times to log positions."""

from __future__ import annotations

from collections.abc import Sequence

from projections.projection import Logged, Projection
from projections.store import Tx
from projections.timefmt import compact_json

HIDDEN_TOPICS = ("okr:Receipt.",)  # idempotency bookkeeping, not organisation facts
# The type of a hidden event's row: no payload, left out of every feed read, kept only so that
# an `as_of` time resolves to the last event of the log recorded by then, hidden or not.
HIDDEN = "hidden"
ENVELOPE = frozenset(("originator_id", "originator_version", "timestamp", "originator_topic", "actor_id"))
COLUMNS = ("position", "recorded_at", "type", "aggregate_id", "version", "actor_id", "payload")


class FeedProjection(Projection):
    name = "feed"
    decodes = False  # plain values, where the event's class has a decoding plan
    tables = ("okr_feed",)
    schema = (
        "CREATE TABLE IF NOT EXISTS okr_feed ("
        " position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, type TEXT NOT NULL,"
        " aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, actor_id TEXT,"
        " payload TEXT NOT NULL)",
    )
    indexes = (
        "CREATE INDEX IF NOT EXISTS okr_feed_aggregate ON okr_feed (aggregate_id, position)",
        "CREATE INDEX IF NOT EXISTS okr_feed_time ON okr_feed (recorded_at, position)",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        tx.append("okr_feed", COLUMNS, [_row(e) for e in batch])


def _row(e: Logged) -> tuple:
    origin = e.originator
    if e.topic.startswith(HIDDEN_TOPICS):
        return (
            e.position, e.recorded_text, HIDDEN, str(origin.originator_id),
            origin.originator_version, None, "{}",
        )
    values = e.values
    return (
        e.position, e.recorded_text, e.type, str(origin.originator_id),
        origin.originator_version, values.get("actor_id"),
        compact_json({k: v for k, v in values.items() if k not in ENVELOPE}),
    )
