"""Folds every event into the feed table; it also resolves `as_of` times to log positions.

A row says where an event is, whose it is and when it was recorded, not what it recorded:
its actor and payload are read from the log itself when asked for (`queries.Payloads`),
rather than kept a second time beside the log they were copied from.
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.projection import Logged, Projection
from projections.store import Tx

HIDDEN_TOPICS = ("okr:Receipt.",)  # idempotency bookkeeping, not organisation facts
# The type of a hidden event's row: left out of every feed read, kept only so that an
# `as_of` time resolves to the last event of the log recorded by then, hidden or not.
HIDDEN = "hidden"
COLUMNS = ("position", "recorded_at", "type", "aggregate_id", "version")


class FeedProjection(Projection):
    name = "feed"
    decodes = False  # it reads no event's values
    layout = 2  # 1 kept each event's actor and payload in the row
    tables = ("okr_feed",)
    schema = (
        "CREATE TABLE IF NOT EXISTS okr_feed ("
        " position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, type TEXT NOT NULL,"
        " aggregate_id TEXT NOT NULL, version INTEGER NOT NULL)",
    )
    indexes = (
        "CREATE INDEX IF NOT EXISTS okr_feed_aggregate ON okr_feed (aggregate_id, position)",
        "CREATE INDEX IF NOT EXISTS okr_feed_time ON okr_feed (recorded_at, position)",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        tx.append("okr_feed", COLUMNS, [_row(e) for e in batch])


def _row(e: Logged) -> tuple:
    origin = e.originator
    type_ = HIDDEN if e.topic.startswith(HIDDEN_TOPICS) else e.type
    return (e.position, e.recorded_text, type_, str(origin.originator_id), origin.originator_version)
