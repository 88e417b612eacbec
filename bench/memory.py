"""Peak memory of a rebuild: it must stay bounded, whatever the length of the log.

For each log size (SQLite, a fresh copy of the cached log), in a fresh process each:
  - the baseline: a process that only reads and decodes the whole log (the library's
    `select_notifications` in batches of 1,000 and its mapper's `to_domain_event`);
  - the rebuild, as `okr rebuild` runs it (`projector_for(app, url).rebuild()`: the goal
    tree in that process, the other read models in a helper process).
Peak resident set sizes come from `resource.getrusage` (ru_maxrss): the process's own, and
its helper's (the largest child it waited for). Prints each, the ratio rebuild ÷ baseline,
and how much the peak grew from the smallest log to the largest.

    uv run python -m bench.memory               # 100k and 1M events
    uv run python -m bench.memory --events 10000 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT, fresh_copy, remove_db, say
from bench.generate import cached_log


def _peaks() -> dict[str, float]:
    """Peak RSS in MB of this process and of the largest child it waited for (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"own": own, "helper": helper}


def child(what: str, path: str) -> None:
    """Runs in the fresh process: reads the log, or rebuilds the read models; prints peaks."""
    from bench.common import read_log
    from domain.application import OkrApp

    url = f"sqlite:///{path}"
    app = OkrApp(url)
    if what == "read":
        events = read_log(app)
    else:
        from projections.catalog import projector_for

        projector = projector_for(app, url)
        events = projector.rebuild()
        projector.store.close()
    app.close()
    print(json.dumps({"events": events, **_peaks()}))


def measure(what: str, log: Path, name: str) -> dict:
    copy = fresh_copy(log, name)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", what, str(copy)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )
    finally:
        remove_db(copy)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", help="log sizes (about)")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    sizes = args.events or [100_000, 1_000_000]
    logs = {n: cached_log(n, say) for n in sizes}
    say("peak resident memory (ru_maxrss), each measured in a fresh process, SQLite")
    peaks = {}
    for n, log in logs.items():
        base = measure("read", log, f"memory-read-{n}")
        built = measure("rebuild", log, f"memory-rebuild-{n}")
        peak = max(built["own"], built["helper"])
        peaks[n] = peak
        say(
            f"  {built['events']:>9,} events: read+decode only {base['own']:6.0f} MB;  rebuild "
            f"{built['own']:6.0f} MB (its helper {built['helper']:4.0f} MB)  "
            f"rebuild/read {peak / base['own']:.2f}"
        )
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        say(
            f"  from {small:,} to {large:,} events ({large / small:.0f}x as many) the rebuild's "
            f"peak grew {peaks[large] / peaks[small]:.2f}x: "
            f"{'bounded' if peaks[large] / peaks[small] < 1.5 else 'NOT bounded'}"
        )


if __name__ == "__main__":
    main()
