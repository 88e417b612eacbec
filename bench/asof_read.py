"""As-of reads of the goal tree of a cycle with 1,000 objectives: their cost must not grow with
the length of the log, and must be far below rebuilding that state from the log.

On the cached logs (see bench/generate.py) with every read model built:

  1. the tree of the 1,000-objective cycle (2025-Q3) as of the head of a 10k-event log and
     as of the head of a 1M-event log (`position_at` for the time, then `goal_tree`), and, in
     the 1M log, as of the 10k log's head time (the same answer as in the 10k log: checked).
     Ratio: time with 1M events ÷ time with 10k events (target ≤ 1.3);
  2. at 100k events: the same read against the baseline of rebuilding that state by replay,
     reading and decoding the log up to the position and folding the cycle's objectives
     with their own events (plus their progress), as a reader without read models would.
     Ratio: replay ÷ as-of read (target ≥ 100). The replayed progress of every objective is
     checked against the read model's.

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
    small_tree = small.tree(small.head_time)
    objectives = count(small_tree.roots)
    t_small, t_big_head, t_big_then = median_times([
        lambda: small.tree(small.head_time), lambda: big.tree(big.head_time),
        lambda: big.tree(small.head_time),
    ], REPEAT, warmup=3)
    same = big.tree(small.head_time) == small_tree
    assert count(big.tree(big.head_time).roots) == objectives
    say(f"  {small.head:>9,} events in the log: as of its head          {t_small * 1e3:7.2f} ms"
        f"  ({objectives:,} objectives)")
    say(f"  {big.head:>9,} events in the log: as of its head          {t_big_head * 1e3:7.2f} ms"
        f"  ratio {t_big_head / t_small:.2f} (target ≤ 1.3)")
    say(f"  {big.head:>9,} events in the log: as of the {small.head:,}th event {t_big_then * 1e3:7.2f} ms"
        f"  ratio {t_big_then / t_small:.2f}; same answer as the {small.head:,}-event log: "
        f"{'yes' if same else 'NO'}")
    small.close()
    big.close()

    reader = Reader(replay_n)
    t_read = reader.time_tree(reader.head_time)
    tree = reader.tree(reader.head_time)
    t_replay, replayed = timed(lambda: replay(reader.app, reader.cycle_id, reader.head))
    t_replay = min(t_replay, timed(lambda: replay(reader.app, reader.cycle_id, reader.head))[0])
    shown = progress_by_id(tree.roots)
    agree = replayed.keys() == shown.keys() and all(
        abs(replayed[k] - shown[k]) < 1e-12 for k in shown
    )
    say(f"as of the head of the {reader.head:,}-event log ({len(shown):,} objectives):")
    say(f"  as-of read {t_read * 1e3:.2f} ms; replay of the log up to it {t_replay:.2f} s "
        f"(best of 2): read is {t_replay / t_read:,.0f}x faster (target ≥ 100x); "
        f"replayed progress equals the read model's: {'yes' if agree else 'NO'}")
    reader.close()


if __name__ == "__main__":
    main()
