"""A rebuild in two processes at once: this one folds the read models that are rebuilt
alone (the goal tree), a helper process the others, each reading the log for itself.

Read models are independent: each has its own tracked position, committed with its rows in
one transaction, so two processes folding different read models is no different from two
projectors running at once, and exactly as safe. The helper is `python -m
projections.rebuild`: told on its stdin what to rebuild (the database URL never appears
on a command line), it prints the number of events of each batch it committed, one line
each, and why it failed on stderr. It stops when its stdout is closed, so it does not
outlive this process.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projections.runner import Projector
    from projections.store import ReadStore

# A rebuild's page cache on SQLite (see `page_cache`).
PAGE_CACHE_KIB = 16 * 1024
# Below this many events a second interpreter (about a second to start) saves nothing.
PARALLEL_FROM = 20_000
ROOT = Path(__file__).resolve().parent.parent


def groups(projector: Projector) -> list[list[str]]:
    """The read models rebuilt alone, then the others, leaving out those with nothing to do."""
    head = projector.app.head_position()
    behind = {name for name, pos in projector.positions().items() if pos < head}
    alone = [n for n, p in projector.projections.items() if p.rebuilt_alone and n in behind]
    rest = [n for n, p in projector.projections.items() if not p.rebuilt_alone and n in behind]
    return [g for g in (alone, rest) if g]


def worth_it(projector: Projector, url: str | None) -> bool:
    """Whether to rebuild in two processes: the database is one another process can open,
    there is enough to fold, and two groups of read models have something to fold."""
    if url is None or url.startswith("memory:"):
        return False
    positions = projector.positions()
    behind = projector.app.head_position() - min(positions.values(), default=0)
    return behind >= PARALLEL_FROM and len(groups(projector)) == 2


def rebuild_in_two(projector: Projector, url: str, progress: Callable[[int], None] | None) -> int:
    """Folds the log into the read models of `groups(projector)`, the first group here and
    the second in a helper; returns how many events every one of them folded."""
    mine, theirs = groups(projector)
    helper = Helper(url, theirs, projector.batch_size, projector.rebuild_batch_size)
    counts = {"mine": 0}
    reported = 0

    def report() -> None:
        nonlocal reported
        low = min(counts["mine"], helper.done)
        if progress is not None and low > reported:
            progress(low - reported)
            reported = low

    def folded(n: int) -> None:
        counts["mine"] += n
        report()

    try:
        done = projector.catch_up(progress=folded, batch_size=projector.rebuild_batch_size, names=mine)
        projector.make_indexes(mine)
        while not helper.finished.wait(0.1):
            report()
        report()
        return min(done, helper.result())
    finally:
        helper.stop()


@contextmanager
def page_cache(store: ReadStore, kib: int = PAGE_CACHE_KIB) -> Iterator[None]:
    """On SQLite, a page cache of `kib` KiB for this thread's connection meanwhile, and
    the file not mapped.

    A rebuild appends its rows (the indexes that are not keys are made at its end), so
    the pages it changes are mostly the last few of each table: a cache much larger than
    the default (2 MB) only has more pages to manage. Rebuilding 1M events in two
    processes took 42.3-51.8 s with 16 MB each, against 48.7-57.2 s with 64 MB, run
    after run alternately; at 100k events the two were alike. Mapped, every page of the
    file a rebuild touches would stay in the process's memory (up to the map's 2 GB: 780
    MB for a log of 1M events, against 106 MB unmapped as bench.memory printed it, 119-140
    MB with batches held while the other process holds the write lock); the page cache
    holds at most `kib`.
    """
    if store.postgres:
        yield
        return
    with store.transaction() as tx:
        before = tx.execute("PRAGMA cache_size").fetchone()[0]
        row = tx.execute("PRAGMA mmap_size").fetchone()
        mapped = row[0] if row else 0  # (an in-memory database has no file to map)
        tx.execute(f"PRAGMA cache_size = {-int(kib)}")
        if mapped:
            tx.execute("PRAGMA mmap_size = 0")
    try:
        yield
    finally:
        with store.transaction() as tx:
            tx.execute(f"PRAGMA cache_size = {int(before)}")
            if mapped:
                tx.execute(f"PRAGMA mmap_size = {int(mapped)}")


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Meanwhile, the cyclic garbage collector runs only once a million more objects are
    alive than at its last run.

    A rebuild keeps thousands of aggregates and a batch of decoded events alive, and makes
    objects by the million, none of them in a cycle (a rebuild of 100,000 events leaves no
    cyclic garbage at all): with the default thresholds, the collector walks the live ones
    again and again (a fifth of a rebuild's time), and even at 70,000 it took a tenth.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 1_000_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Helper:
    """The helper process, and what it has said so far."""

    def __init__(self, url: str, names: Sequence[str], batch_size: int, rebuild_batch_size: int):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "projections.rebuild"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
        )
        order = {"url": url, "names": list(names), "batch_size": batch_size,
                 "rebuild_batch_size": rebuild_batch_size}
        self.process.stdin.write(json.dumps(order))
        self.process.stdin.close()
        self.done = 0
        self.finished = threading.Event()
        self._errors: list[str] = []
        self._readers = [
            threading.Thread(target=self._listen, daemon=True, name="okr-rebuild-helper"),
            threading.Thread(target=self._errors.extend, args=(self.process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _listen(self) -> None:
        try:
            for line in self.process.stdout:
                self.done += int(line)
        finally:
            self.finished.set()

    def result(self) -> int:
        """How many events the helper folded; raises if it failed."""
        code = self.process.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        if code != 0:
            raise RuntimeError(
                f"the rebuild helper failed (exit {code}): " + "".join(self._errors[-20:]).strip()
            )
        return self.done

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # between or within batches: a batch commits whole or not at all
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


def main() -> None:
    """The helper's side: catches up the read models named on stdin, one line per batch."""
    from domain.application import OkrApp
    from projections.catalog import projector_for

    order = json.loads(sys.stdin.read())
    app = OkrApp(order["url"])
    projector = projector_for(app, order["url"], batch_size=order["batch_size"], indexes=False)
    projector.rebuild_batch_size = order["rebuild_batch_size"]

    def tell(n: int) -> None:
        print(n, flush=True)  # a closed pipe (the rebuild gone) raises: stop here

    try:
        with page_cache(projector.store), fewer_collections():
            projector.catch_up(progress=tell, batch_size=order["rebuild_batch_size"], names=order["names"])
            projector.make_indexes(order["names"])
    finally:
        projector.store.close()
        app.close()


if __name__ == "__main__":
    main()
