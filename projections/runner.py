"""The projector: pulls the event log in order and folds it into every read model, exactly once.

Each batch is read and decoded once, then given to every projection that has not seen it,
each in its own transaction together with its new tracked position. A crash anywhere
leaves each projection at a position whose rows are all there, and a restart resumes
from it. Several projectors (API processes, `okr project` workers) may run at once: the
tracked position is re-read under a lock inside the transaction, so a batch another
projector already committed is skipped, never applied twice.

For speed, while a batch is being applied the next one is already read and decoded in a
thread of its own (the database does its part without holding the interpreter), and used
only if it starts exactly where the tracked positions then stand. A rebuild goes in larger
batches (`rebuild_batch_size`): fewer, larger transactions write each index page fewer
times.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from domain.application import OkrApp
from projections.notifications import Log, ReadAhead
from projections.projection import Logged, Projection
from projections.store import ReadStore, Tx

REBUILD_PAGE_CACHE_KIB = 64 * 1024

TRACKING = (
    "CREATE TABLE IF NOT EXISTS okr_tracking ("
    " projection TEXT PRIMARY KEY, position BIGINT NOT NULL, recorded_at TEXT)"
)


class ProjectionTimeout(Exception):
    """Raised when the read models did not reach a position within the time allowed."""

    def __init__(self, position: int, reached: int, seconds: float):
        super().__init__(
            f"the read models reached position {reached}, not {position}, within {seconds:g} s: "
            "retry shortly"
        )
        self.position, self.reached = position, reached


class Projector:
    def __init__(
        self, app: OkrApp, store: ReadStore, projections: Sequence[Projection],
        batch_size: int = 1000, rebuild_batch_size: int = 10_000,
    ):
        self.app = app
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self.rebuild_batch_size = max(batch_size, rebuild_batch_size)
        self._log = Log(app)
        self._reached = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.setup()

    # ---- tracking ---------------------------------------------------------------

    def setup(self) -> None:
        with self.store.transaction() as tx:
            tx.execute(TRACKING)
            for p in self.projections.values():
                p.create(tx)
                tx.execute(
                    "INSERT INTO okr_tracking (projection, position) VALUES (?, 0)"
                    " ON CONFLICT (projection) DO NOTHING", (p.name,),
                )

    def positions(self) -> dict[str, int]:
        with self.store.reading() as tx:
            rows = tx.execute("SELECT projection, position FROM okr_tracking").fetchall()
        return {name: pos for name, pos in rows if name in self.projections}

    def position(self) -> int:
        """The position every read model has reached."""
        return min(self.positions().values(), default=0)

    def _tracked(self, tx: Tx, name: str) -> tuple[int, datetime | None]:
        lock = " FOR UPDATE" if tx.postgres else ""
        pos, recorded = tx.execute(
            f"SELECT position, recorded_at FROM okr_tracking WHERE projection = ?{lock}", (name,)
        ).fetchone()
        return pos, datetime.fromisoformat(recorded) if recorded else None

    # ---- processing -------------------------------------------------------------

    def catch_up(
        self, until: int | None = None, progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None, batch_size: int | None = None,
    ) -> int:
        """Processes the log up to its head (or `until`); returns how many events were folded.

        With `stop`, returns after the batch in hand once it is set (every batch commits whole).
        """
        done = 0
        size = batch_size or self.batch_size
        with self._lock, ReadAhead(self._log) as ahead:
            while stop is None or not stop.is_set():
                tracked = self.positions()
                start = min(tracked.values(), default=0)
                head = self.app.head_position() if until is None else until
                if start >= head:
                    break
                with self.store.reading() as tx:
                    row = tx.execute(
                        "SELECT recorded_at FROM okr_tracking WHERE projection = ?",
                        (min(tracked, key=tracked.get),),
                    ).fetchone()
                previous = datetime.fromisoformat(row[0]) if row and row[0] else None
                batch = ahead.take(start, previous, head)
                if batch is None:
                    batch = self._log.read(start, previous, min(size, head - start), head)
                if not batch:
                    break
                last = batch[-1]
                if last.position < head:  # the next batch, read while this one is applied
                    ahead.read(last.position, last.recorded_at, min(size, head - last.position), head)
                for name, pos in tracked.items():
                    self._apply(self.projections[name], start, [e for e in batch if e.position > pos])
                done += len(batch)
                if progress:
                    progress(len(batch))
                with self._reached:
                    self._reached.notify_all()
        return done

    def _apply(self, projection: Projection, after: int, batch: list[Logged]) -> None:
        """Folds `batch`, every event of the log after position `after` up to its last one
        (positions may skip numbers: PostgreSQL spends one on an insert that rolled back)."""
        if not batch:
            return
        try:
            with self.store.transaction() as tx:
                pos, _ = self._tracked(tx, projection.name)
                if pos < after:
                    raise _Overtaken()  # moved back (a rebuild): events before the batch are missing
                batch = [e for e in batch if e.position > pos]
                if not batch:
                    return  # another projector got there first
                projection.process(tx, batch)
                tx.execute(
                    "UPDATE okr_tracking SET position = ?, recorded_at = ? WHERE projection = ?",
                    (batch[-1].position, batch[-1].recorded_at.isoformat(), projection.name),
                )
        except _Overtaken:
            projection.reset()
        except BaseException:
            # Whatever the projection cached from the rolled-back batch is not in its tables.
            projection.reset()
            raise

    def rebuild(self, names: Sequence[str] | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Drops the named read models (by default all but those rebuilt only when named)
        and folds the whole log into them again."""
        names = names or [n for n, p in self.projections.items() if p.rebuilt_with_all]
        chosen = [self.projections[n] for n in names]
        with self._lock, self.store.transaction() as tx:
            for p in chosen:
                p.drop(tx)
                p.reset()
                p.create(tx)
                tx.execute(
                    "UPDATE okr_tracking SET position = 0, recorded_at = NULL WHERE projection = ?",
                    (p.name,),
                )
        with self._page_cache(REBUILD_PAGE_CACHE_KIB), fewer_collections():
            return self.catch_up(progress=progress, batch_size=self.rebuild_batch_size)

    @contextmanager
    def _page_cache(self, kib: int) -> Iterator[None]:
        """On SQLite, a page cache of `kib` KiB for this thread's connection meanwhile.

        A batch of a rebuild adds rows all over each index; with the default cache (2 MB)
        most of the pages it changes are written out, read back and written again.
        """
        if self.store.postgres:
            yield
            return
        with self.store.transaction() as tx:
            before = tx.execute("PRAGMA cache_size").fetchone()[0]
            tx.execute(f"PRAGMA cache_size = {-int(kib)}")
        try:
            yield
        finally:
            with self.store.transaction() as tx:
                tx.execute(f"PRAGMA cache_size = {int(before)}")

    # ---- running in the background ----------------------------------------------

    def wake(self, position: int | None = None) -> None:
        self._wake.set()

    def start(self, poll_seconds: float = 0.5) -> None:
        """Runs in a thread of this process: after each wake-up, and every `poll_seconds`."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    if self.catch_up():
                        continue
                except Exception:  # a dropped connection: the next round retries
                    time.sleep(poll_seconds)
                self._wake.wait(poll_seconds)

        self._thread = threading.Thread(target=loop, name="okr-projector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wait_for(self, position: int, timeout: float = 5.0) -> int:
        """Blocks until every read model has reached `position`; bounded by `timeout`."""
        deadline = time.monotonic() + timeout
        reached = self.position()
        while reached < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProjectionTimeout(position, reached, timeout)
            if self._thread is None:
                self.catch_up(until=position)
            else:
                self.wake()
                with self._reached:
                    self._reached.wait(min(remaining, 0.05))
            reached = self.position()
        return reached


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Meanwhile, the cyclic garbage collector runs a hundred times less often.

    A rebuild keeps thousands of aggregates and a batch of decoded events alive, and makes
    objects by the million: with the default thresholds the collector walks those live
    objects again and again (a fifth of a rebuild's time) to find next to no cycles.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 70_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Overtaken(Exception):
    """The tracked position moved back under us (a rebuild): the batch no longer follows it."""
