"""Keeps one link per event, in the same transaction as its tracked position."""

from __future__ import annotations

from collections.abc import Sequence

from projections.chain.links import GENESIS, link
from projections.projection import Logged, Projection
from projections.store import Tx

LAST_LINK = "SELECT hash FROM okr_chain ORDER BY position DESC LIMIT 1"


class ChainProjection(Projection):
    name = "chain"
    decodes = False  # the stored bytes only
    tables = ("okr_chain",)
    schema = ("CREATE TABLE IF NOT EXISTS okr_chain (position BIGINT PRIMARY KEY, hash TEXT NOT NULL)",)
    # Rebuilding the chain would bless whatever the log holds now, alterations included:
    # only an explicit `okr rebuild chain` does that.
    rebuilt_with_all = False

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        row = tx.execute(LAST_LINK).fetchone()
        previous = bytes.fromhex(row[0]) if row else GENESIS
        rows = []
        for logged in batch:
            previous = link(previous, logged.stored)
            rows.append((logged.position, previous.hex()))
        tx.append("okr_chain", ("position", "hash"), rows)
