"""As-of reads of the goal tree of a cycle with 1,000 objectives: their cost must not grow with
the length of the log, and must be far below rebuilding that state from the log.

On the cached logs (see bench/generate.py) with every read model built:

  1. the tree of the 1,000-objective cycle (2025-Q3) in a 10k-event log and in a 1M-event
     log (`position_at` for the time, then `goal_tree`), both as of the head of each log (a
     read of the objectives' latest versions) and both as of the 9,000th event (a read of
     their versions' history: check-ins follow). Ratios: time with 1M events ÷ time with 10k
     events (target ≤ 1.3). The 1M log's answers equal the 10k log's as of the same time
     (checked);
  2. at 100k events: the same read, as of the head and as of the 90,000th event, against the
     baseline of rebuilding that state by replay, reading and decoding the log up to the
     position and folding the cycle's objectives with their own events (plus their
     progress), as a reader without read models would. Ratio: replay ÷ as-of read (target
     ≥ 100). The replayed progress of every objective is checked against the read model's.

Times are medians of repeated reads in one warm process (the read model's pages in memory,
as on a serving machine); the three reads of step 1 take turns, round after round, so that
a slow spell of the machine does not fall on one side of the ratio.

    uv run python -m bench.asof_read            # 10k vs 1M, replay at 100k
    uv run python -m bench.asof_read --quick    # 10k vs 100k, replay at 100k
"""

from __future__ import annotations

import argparse
from datetime import datetime
from uuid import UUID

from bench.common import median_time, median_times, projected_log, say, timed

CYCLE = "2025-Q3"
REPEAT = 30
# All 1,000 objectives of the cycle are approved by the 9,000th event of every log; check-ins
# on them follow, so a read as of it finds its versions in their history.
PAST = 9_000
REPLAY_PAST = 90_000


class Reader:
    """As-of reads on one log with its read models."""

    def __init__(self, events: int):
        from domain.application import OkrApp
        from projections.store import ReadStore

        self.path = projected_log(events)
        self.url = f"sqlite:///{self.path}"
        self.store = ReadStore(self.url)
        self.app = OkrApp(self.url)
        with self.store.reading() as tx:
            self.cycle_id = UUID(tx.execute(
                "SELECT cycle_id FROM okr_cycle_versions WHERE name = ? LIMIT 1", (CYCLE,)
            ).fetchone()[0])
            self.head, head_time = tx.execute(
                "SELECT position, recorded_at FROM okr_feed ORDER BY position DESC LIMIT 1"
            ).fetchone()
        self.head_time = datetime.fromisoformat(head_time.replace("Z", "+00:00"))

    def tree(self, as_of: datetime):
        """What `GET /cycles/{id}/tree?as_of=` reads: the position of `as_of`, then the tree."""
        from projections.feed.queries import position_at
        from projections.tree import goal_tree

        with self.store.reading() as tx:
            position = position_at(tx, as_of)
            return goal_tree(tx, self.cycle_id, position, now=as_of)

    def time_of(self, position: int) -> datetime:
        """When the event at `position` was recorded."""
        with self.store.reading() as tx:
            text = tx.execute(
                "SELECT recorded_at FROM okr_feed WHERE position = ?", (position,)
            ).fetchone()[0]
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    def changed(self) -> int:
        """The position of the cycle's latest change."""
        from projections.tree.tables import CYCLE_CHANGED

        with self.store.reading() as tx:
            return tx.execute(CYCLE_CHANGED, (str(self.cycle_id),)).fetchone()[0]

    def time_tree(self, as_of: datetime) -> float:
        return median_time(lambda: self.tree(as_of), REPEAT, warmup=3)

    def close(self) -> None:
        self.store.close()
        self.app.close()


def count(nodes) -> int:
    return sum(1 + count(node.children) for node in nodes)


def progress_by_id(nodes, into: dict[UUID, float] | None = None) -> dict[UUID, float]:
    into = {} if into is None else into
    for node in nodes:
        into[node.objective.id] = node.objective.progress
        progress_by_id(node.children, into)
    return into


def replay(app, cycle_id: UUID, position: int) -> dict:
    """The cycle's objectives at `position`, rebuilt from the log: every event up to it read
    and decoded, the cycle's objectives folded with their own events."""
    from domain import scorecard

    recorder, mapper = app.recorder, app.mapper
    objectives: dict = {}
    after = 0
    while after < position:
        notifications = recorder.select_notifications(
            start=after + 1, limit=min(1000, position - after), stop=position
        )
        if not notifications:
            break
        for n in notifications:
            event = mapper.to_domain_event(n)
            if not n.topic.startswith("okr:Objective."):
                continue
            if event.originator_version == 1:
                if event.cycle_id == cycle_id:
                    objectives[event.originator_id] = event.mutate(None)
            elif (objective := objectives.get(event.originator_id)) is not None:
                event.mutate(objective)
        after = notifications[-1].id
    return {
        oid: scorecard.progress(o) for oid, o in objectives.items()
        if o.status.value not in ("rejected", "withdrawn")
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k vs 100k events")
    args = parser.parse_args(argv)
    small_n, big_n, replay_n = 10_000, (100_000 if args.quick else 1_000_000), 100_000

    small, big = Reader(small_n), Reader(big_n)
    say(f"as-of tree read of cycle {CYCLE} (SQLite, median of {REPEAT} warm reads, taking turns)")
    now, then = small.head_time, small.time_of(PAST)
    assert min(small.changed(), big.changed()) > PAST  # so the reads as of then take the history
    small_tree, small_then = small.tree(now), small.tree(then)
    objectives = count(small_tree.roots)
    assert count(small_then.roots) == objectives and count(big.tree(big.head_time).roots) == objectives
    t_small, t_big, t_small_then, t_big_then = median_times([
        lambda: small.tree(now), lambda: big.tree(big.head_time),
        lambda: small.tree(then), lambda: big.tree(then),
    ], REPEAT, warmup=3)
    same = big.tree(then) == small_then and big.tree(now) == small_tree
    say(f"  as of the head of each log, the cycle's latest versions ({objectives:,} objectives):")
    say(f"  {small.head:>9,} events in the log {t_small * 1e3:7.2f} ms")
    say(f"  {big.head:>9,} events in the log {t_big * 1e3:7.2f} ms"
        f"  ratio {t_big / t_small:.2f} (target ≤ 1.3)")
    say(f"  as of the {PAST:,}th event, from the versions' history (the cycle changed after it):")
    say(f"  {small.head:>9,} events in the log {t_small_then * 1e3:7.2f} ms")
    say(f"  {big.head:>9,} events in the log {t_big_then * 1e3:7.2f} ms"
        f"  ratio {t_big_then / t_small_then:.2f}"
        f" (target ≤ 1.3); same answers as the {small.head:,}-event log: {'yes' if same else 'NO'}")
    small.close()
    big.close()

    reader = Reader(replay_n)
    for position in (reader.head, REPLAY_PAST):
        as_of = reader.time_of(position)
        t_read = reader.time_tree(as_of)
        tree = reader.tree(as_of)
        t_replay, replayed = timed(lambda: replay(reader.app, reader.cycle_id, position))
        t_replay = min(t_replay, timed(lambda: replay(reader.app, reader.cycle_id, position))[0])
        shown = progress_by_id(tree.roots)
        agree = replayed.keys() == shown.keys() and all(
            abs(replayed[k] - shown[k]) < 1e-12 for k in shown
        )
        where = "the head" if position == reader.head else f"the {position:,}th event"
        say(f"as of {where} of the {reader.head:,}-event log ({len(shown):,} objectives):")
        say(f"  as-of read {t_read * 1e3:.2f} ms; replay of the log up to it {t_replay:.2f} s "
            f"(best of 2): read is {t_replay / t_read:,.0f}x faster (target ≥ 100x); "
            f"replayed progress equals the read model's: {'yes' if agree else 'NO'}")
    reader.close()


if __name__ == "__main__":
    main()
