"""Walks the event log against the chain and names the first event that no longer matches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from projections.chain.links import GENESIS, link
from projections.store import ReadStore

BATCH = 5000


@dataclass(frozen=True)
class Finding:
    """The first place where the log and the chain disagree."""

    position: int
    aggregate_id: str | None
    version: int | None
    topic: str | None
    problem: str  # "altered", "missing" (chained but gone from the log), "inserted"


@dataclass(frozen=True)
class Verification:
    checked: int  # events whose links were recomputed and matched
    unchained: int  # events after the chain's last link (the projection has not reached them)
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None


def verify(recorder: Any, store: ReadStore, progress: Callable[[int], None] | None = None) -> Verification:
    """Recomputes every link from the stored events and compares it with the chain, in
    position order; stops at the first disagreement."""
    with store.reading() as tx:
        chain_end = tx.execute("SELECT max(position) FROM okr_chain").fetchone()[0] or 0
    previous, checked, after = GENESIS, 0, 0
    while True:
        events = recorder.select_notifications(start=after + 1, limit=BATCH)
        until = events[-1].id if events else chain_end
        with store.reading() as tx:
            links = dict(tx.execute(
                "SELECT position, hash FROM okr_chain WHERE position > ? AND position <= ?",
                (after, until),
            ).fetchall())
        stored_at = {e.id: e for e in events}
        for position in sorted(set(links) | set(stored_at)):
            stored, expected = stored_at.get(position), links.get(position)
            if stored is None:
                return Verification(checked, 0, Finding(position, None, None, None, "missing"))
            if expected is None:
                if position > chain_end:  # the chain has not reached it yet
                    return Verification(checked, _count_from(recorder, position), None)
                return Verification(checked, 0, _finding(stored, "inserted"))
            previous = link(previous, stored)
            if previous.hex() != expected:
                return Verification(checked, 0, _finding(stored, "altered"))
            checked += 1
        if not events:
            return Verification(checked, 0, None)
        after = events[-1].id
        if progress:
            progress(len(events))


def _finding(stored: Any, problem: str) -> Finding:
    return Finding(stored.id, str(stored.originator_id), stored.originator_version, stored.topic, problem)


def _count_from(recorder: Any, position: int) -> int:
    count, after = 0, position - 1
    while batch := recorder.select_notifications(start=after + 1, limit=BATCH):
        count += len(batch)
        after = batch[-1].id
    return count
