"""Rebuild rate of the read models `okr rebuild` rebuilds, on SQLite and on PostgreSQL, against
the raw rate of reading and decoding the same log in the same run.

For each log size and store, on a fresh copy of the log (SQLite: a copy of the cached file;
PostgreSQL: the log COPYed into a new database of a throwaway server), rounds of: the raw
rate (the library's `select_notifications` in batches of 1,000 and its mapper's
`to_domain_event` for each event), then `projector_for(app, url).rebuild()` as `okr
rebuild` runs it: the goal tree in this process, the other read models in a helper process.
The best of each is shown (`--repeat`, 2 by default). The hash chain, which `okr rebuild`
leaves alone, is brought to the head first (untimed), as it is in a store in use. Prints
events/s, the processor time of both processes (and of the database server), and the ratio
rebuild ÷ raw read (1.0 would mean the read models cost nothing beyond reading).

    uv run python -m bench.rebuild              # 100k and 1M events (several minutes)
    uv run python -m bench.rebuild --quick      # 10k and 100k events
    uv run python -m bench.rebuild --events 300000 --no-postgres --breakdown
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter

from bench.common import (
    Postgres, copy_log_to_postgres, fresh_copy, postgres, raw_read_rate, remove_db, say,
)
from bench.generate import cached_log

TARGET = 20_000


def _instrument(projector) -> Counter:
    """Adds up the time each projection spends in `process` (its rows and their SQL)."""
    spent: Counter = Counter()
    for projection in projector.projections.values():
        process = projection.process

        def timed(tx, batch, process=process, name=projection.name):
            started = time.perf_counter()
            process(tx, batch)
            spent[name] += time.perf_counter() - started

        projection.process = timed
    return spent


def _cpu() -> float:
    """Processor seconds of this process and of the helpers it waited for."""
    own, helpers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + helpers.ru_utime + helpers.ru_stime


def measure(url: str, breakdown: bool, repeat: int, server: Postgres | None = None) -> dict:
    """The best of `repeat` rounds, each a raw read of the log then a rebuild: rounds
    alternate, so a slow spell of the machine slows both sides of the ratio alike."""
    from domain.application import OkrApp
    from projections.catalog import projector_for
    from projections.runner import Projector

    app = OkrApp(url)
    projector = projector_for(app, url)
    projector.catch_up(names=["chain"], batch_size=projector.rebuild_batch_size)
    if breakdown:  # one process, each read model's process() timed
        projector = Projector(app, projector.store, list(projector.projections.values()))
        repeat = 1
    spent = _instrument(projector) if breakdown else None
    best: dict = {}
    for _ in range(repeat):
        raw, events = raw_read_rate(app, repeat=1)
        server_cpu = server.cpu_seconds() if server else 0.0
        started, cpu = time.perf_counter(), _cpu()
        done = projector.rebuild()
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        server_cpu = server.cpu_seconds() - server_cpu if server else None
        assert done == events, (done, events)
        best["raw"] = max(best.get("raw", 0.0), raw)
        if seconds < best.get("seconds", float("inf")):
            best.update(seconds=seconds, rate=done / seconds, cpu=cpu, server_cpu=server_cpu)
    projector.store.close()
    app.close()
    return {"events": events, "spent": spent, "repeat": repeat, **best}


def report(store: str, result: dict) -> None:
    rate, raw = result["rate"], result["raw"]
    server = "" if result["server_cpu"] is None else f" + database server {result['server_cpu']:.1f} s"
    verdict = "meets" if rate >= TARGET else "misses"
    say(
        f"{store:10} {result['events']:>9,} events  raw read+decode {raw:>8,.0f}/s  "
        f"rebuild {rate:>7,.0f}/s ({result['seconds']:.1f} s, cpu {result['cpu']:.1f} s{server}"
        f"{', one process' if result['spent'] else ''}; best of {result['repeat']})  "
        f"rebuild/raw {rate / raw:.2f}  {verdict} ≥ {TARGET:,}/s"
    )
    if result["spent"]:
        total = result["seconds"]
        parts = ", ".join(
            f"{name} {seconds:.1f} s ({result['events'] / seconds:,.0f}/s)"
            for name, seconds in result["spent"].most_common()
        )
        rest = total - sum(result["spent"].values())
        say(f"{'':10} in process(): {parts}; the rest (reading and decoding; on SQLite the writes too) {rest:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k and 100k events")
    parser.add_argument("--events", type=int, nargs="+", help="log sizes (about)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of raw read and rebuild; the best of each is shown")
    parser.add_argument("--breakdown", action="store_true",
                        help="rebuild in one process, timing each read model's process()")
    args = parser.parse_args(argv)
    sizes = args.events or ([10_000, 100_000] if args.quick else [100_000, 1_000_000])
    logs = {n: cached_log(n, say) for n in sizes}
    say("rebuild of the read models okr rebuild rebuilds (feed, tree, check_ins, negotiation, "
        "approval_audit, directory): projector_for(app, url).rebuild()")
    if not args.no_sqlite:
        for n, log in logs.items():
            copy = fresh_copy(log, f"rebuild-{n}")
            try:
                report("sqlite", measure(f"sqlite:///{copy}", args.breakdown, args.repeat))
            finally:
                remove_db(copy)
    if not args.no_postgres:
        with postgres() as server:
            for n, log in logs.items():
                url = server.create_database(f"rebuild_{n}")
                copy_log_to_postgres(log, url)
                report("postgresql", measure(url, args.breakdown, args.repeat, server))


if __name__ == "__main__":
    main()
