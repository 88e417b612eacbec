"""The projector: pulls the event log in order and folds it into every read model, exactly once.

Each batch is read and decoded once, then given to every projection that has not seen it,
each in its own transaction together with its new tracked position. A crash anywhere
leaves each projection at a position whose rows are all there, and a restart resumes
from it. Several projectors (API processes, `okr project` workers) may run at once: the
tracked position is re-read under a lock inside the transaction, so a batch another
projector already committed is skipped, never applied twice.

For speed, while a batch is being applied the next one is already read and decoded in a
thread of its own (the database does its part without holding the interpreter), and used
only if it starts exactly where the tracked positions then stand (PostgreSQL). While more of
the log is to be read, a batch is folded ahead of its transaction, then written in a thread
of its own while the next one is folded (PostgreSQL), or held while another process holds
SQLite's write lock (`_apply`). A rebuild goes in larger batches (`rebuild_batch_size`):
fewer, larger transactions write each index page fewer times.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence

from domain.application import OkrApp
from projections import rebuild, tracking
from projections.batches import Held, Moved, Writer, forget
from projections.notifications import Log, ReadAhead
from projections.projection import Logged, Projection
from projections.store import Busy, Deferred, ReadStore, Tx, Unsettled

GATHER_SECONDS = 0.02  # the pause between rounds while events keep coming
# Events folded ahead and held at most while another process holds SQLite's write lock (a
# rebuild's other process makes its indexes for seconds); then the projector waits its turn.
HOLD_EVENTS = 100_000
log = logging.getLogger("okr.projections")


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
        batch_size: int = 1000, rebuild_batch_size: int = 10_000, url: str | None = None,
        indexes: bool = True,
    ):
        """`url`, the database's URL, lets a rebuild fold some read models in a process of
        its own (see `rebuild`); that process makes its read models with `catalog`.
        `indexes=False`: the read models' indexes are left to `make_indexes` (that process
        makes them once it has folded the log)."""
        self.app = app
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self.rebuild_batch_size = max(batch_size, rebuild_batch_size)
        self.url = url
        # Reading the next batch in a thread while this one is folded pays while the reader
        # waits for PostgreSQL's answer (the interpreter lock is free meanwhile). Reading
        # SQLite is mostly decoding, which needs that lock: the two threads only take turns
        # at it, which costs more than reading in line. The goal tree of 300k events folded
        # in 11.0-12.1 s in line against 12.0-13.0 s with read-ahead (SQLite, one process); a
        # rebuild of 1M events in two processes ran at 21.9k-23.9k events/s in line against
        # 19-20k with read-ahead on SQLite, and at 17.4k in line against 20.7k with
        # read-ahead on PostgreSQL.
        self.read_ahead = store.postgres
        self._log = Log(app)
        self._reached = threading.Condition()
        self._wake = threading.Event()
        self._hurry = threading.Event()  # a reader waits for a position
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.setup(indexes)

    # ---- tracking ---------------------------------------------------------------

    def setup(self, indexes: bool = True) -> None:
        with self.store.transaction() as tx:
            tracking.settle(tx, self.projections.values(), indexes)

    def positions(self) -> dict[str, int]:
        with self.store.reading() as tx:
            found = tracking.positions(tx)
        return {name: pos for name, pos in found.items() if name in self.projections}

    def position(self) -> int:
        """The position every read model has reached."""
        return min(self.positions().values(), default=0)

    # ---- processing -------------------------------------------------------------

    def catch_up(
        self, until: int | None = None, progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None, batch_size: int | None = None,
        names: Collection[str] | None = None,
    ) -> int:
        """Processes the log up to its head (or `until`); returns how many events were folded.

        With `stop`, returns after the batch in hand once it is set (every batch commits whole).
        With `names`, only those read models.
        """
        done = 0
        held: list[Held] = []
        with self._lock, ReadAhead(self._log) as ahead, Writer(self._write) as writer:
            while True:
                wanted = stop is None or not stop.is_set()
                batch, start, tracked, head = self._next(
                    ahead, held, writer, names, until, batch_size or self.batch_size
                ) if wanted else ([], 0, {}, 0)
                try:
                    if not batch:
                        done += self._folded(writer.written(), progress)
                        if held:
                            done += self._folded(self._write_held(held), progress)
                        return done
                    folded = self._apply(
                        start, batch, tracked, held, writer, may_hold=batch[-1].position < head
                    )
                except Moved:  # that batch was not written: go on from where the read models are
                    continue
                done += self._folded(folded, progress)

    def _next(
        self, ahead: ReadAhead, held: list[Held], writer: Writer,
        names: Collection[str] | None, until: int | None, size: int,
    ) -> tuple[list[Logged], int, dict[str, int], int]:
        """The next batch to fold, the position before it, where each read model (of `names`)
        stands then (after the batches held or being written, if any) and the head it was
        read towards."""
        before = held[-1] if held else writer.writing
        if before is not None:
            tracked, previous = before.tracked, before.last.recorded_at
        else:
            tracked = {
                name: pos for name, pos in sorted(self.positions().items())
                if names is None or name in names
            }
        start = min(tracked.values(), default=0)
        head = self.app.head_position() if until is None else until
        if start >= head:
            return [], start, tracked, head
        if before is None:
            with self.store.reading() as tx:
                previous = tracking.seen(tx, min(tracked, key=tracked.get))[1]
        decode = any(self.projections[name].decodes for name in tracked)
        batch = ahead.take(start, previous, head)
        if batch is None:
            batch = self._log.read(start, previous, min(size, head - start), head, decode)
        if batch and batch[-1].position < head and self.read_ahead:  # read while this one is applied
            last = batch[-1]
            ahead.read(last.position, last.recorded_at, min(size, head - last.position), head, decode)
        return batch, start, tracked, head

    def _folded(self, counts: list[int], progress: Callable[[int], None] | None) -> int:
        """Tells `progress` and the waiting readers of batches just committed."""
        if not counts:
            return 0
        if progress:
            for count in counts:
                progress(count)
        with self._reached:
            self._reached.notify_all()
        return sum(counts)

    def _apply(
        self, after: int, batch: list[Logged], tracked: dict[str, int], held: list[Held],
        writer: Writer, may_hold: bool,
    ) -> list[int]:
        """Folds `batch`, every event of the log after position `after` up to its last one
        (positions may skip numbers: PostgreSQL spends one on an insert that rolled back),
        into each read model of `tracked` (name → position, as read before), in one
        transaction that also moves each one's tracked position; returns the sizes of the
        batches committed (none if this one is held or being written, see below) or found
        written.

        While more of the log is to be read (`may_hold`), and always on SQLite, each read
        model first folds its events outside the transaction (`_fold_ahead`), so that the
        transaction only writes what that gave, once it finds each tracked position where
        it was expected. On PostgreSQL, that transaction then runs in a thread of its own
        (`Writer`) while the next batch is folded: the time of the database's part no
        longer adds to the folding's. On SQLite, whose writers take turns, when another
        process holds the write lock the batch is held rather than waited for, and the
        next one folded meanwhile; held batches commit, in order, with the first that
        finds the lock free or cannot be held, in the same transaction.
        """
        last = batch[-1]
        chosen = [
            (self.projections[name], pos) for name, pos in tracked.items() if pos < last.position
        ]
        ahead: dict[str, Deferred | None] = {}
        try:
            if may_hold or not self.store.postgres:
                for projection, pos in chosen:
                    if pos >= after:
                        ahead[projection.name] = self._fold_ahead(projection, pos, batch)
            whole = all(ahead.get(p.name) is not None for p, _ in chosen)
            written = writer.written()
            this = Held(
                last, [(p, pos, ahead[p.name]) for p, pos in chosen], len(batch),
                {name: max(pos, last.position) for name, pos in tracked.items()},
            ) if whole and may_hold else None
            if this is not None and self.store.postgres:
                writer.write(this)
                return written
            if this is not None and sum(h.count for h in held) + len(batch) <= HOLD_EVENTS:
                try:
                    with self.store.transaction(wait=False) as tx:
                        self._commit_held(tx, [*held, this])
                except Busy:
                    held.append(this)
                    return written
                counts = written + [h.count for h in held] + [this.count]
            else:
                with self.store.transaction() as tx:
                    self._commit_held(tx, held)
                    for projection, expected in chosen:
                        self._commit(tx, projection, after, batch, expected, ahead.get(projection.name))
                counts = written + [h.count for h in held] + [len(batch)]
        except BaseException:
            forget([p for p, _ in chosen], held)
            raise
        held.clear()
        return counts

    def _write_held(self, held: list[Held]) -> list[int]:
        """Writes the held batches, waiting for the write lock; returns their sizes."""
        try:
            self._write(*held)
        except BaseException:
            forget([], held)
            raise
        counts = [h.count for h in held]
        held.clear()
        return counts

    def _write(self, *held: Held) -> None:
        """Writes batches folded ahead, in order, in one transaction."""
        with self.store.transaction() as tx:
            self._commit_held(tx, held)

    def _fold_ahead(self, projection: Projection, expected: int, batch: list[Logged]) -> Deferred | None:
        """The writes of the events after `expected`, folded outside any transaction; None
        if the read model would rather fold them inside it."""
        events = [e for e in batch if e.position > expected]
        if not projection.folds_ahead(events):
            return None
        name = projection.name
        pending = Deferred(
            self.store, lambda tx: tracking.seen(tx, name)[0] == expected, name, expected
        )
        try:
            projection.process(pending, events)
        except Unsettled:  # it read after writing, or the position is not (yet) where expected
            projection.reset()
            return None
        return pending

    def _commit_held(self, tx: Tx, held: Sequence[Held]) -> None:
        """Writes the held batches, in order; `Moved` if a read model is not where one of
        them expects it (another projector, or a rebuild, moved it meanwhile)."""
        for h in held:
            for projection, expected, pending in h.writes:
                if tracking.tracked(tx, projection.name)[0] != expected:
                    raise Moved(projection.name)
                pending.replay(tx)
                tracking.move(tx, projection.name, h.last.position, h.last.recorded_at)

    def _commit(
        self, tx: Tx, projection: Projection, after: int, batch: list[Logged], expected: int,
        pending: Deferred | None,
    ) -> None:
        pos, _ = tracking.tracked(tx, projection.name)
        if pending is not None and pos == expected:
            pending.replay(tx)
            last = batch[-1]
        else:
            if pending is not None:  # folded from a position it is no longer at
                projection.reset()
            if pos < after:  # moved back (a rebuild): events before the batch are missing
                projection.reset()
                return
            events = [e for e in batch if e.position > pos]
            if not events:
                return  # another projector got there first
            projection.process(tx, events)
            last = events[-1]
        tracking.move(tx, projection.name, last.position, last.recorded_at)

    def rebuild(self, names: Sequence[str] | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Drops the named read models (by default all but those rebuilt only when named)
        and folds the whole log into them again (with every other read model behind it).

        With the database's URL known and a long log, the read models rebuilt alone are
        folded here and the others in a helper process meanwhile (`projections.rebuild`):
        two processors, not one. `progress` is told how many more events every read model
        has folded.
        """
        names = names or [n for n, p in self.projections.items() if p.rebuilt_with_all]
        chosen = [self.projections[n] for n in names]
        with self._lock, self.store.transaction() as tx:
            for p in chosen:
                p.drop(tx)
                p.reset()
                p.create(tx, indexes=False)  # made once the rows are in
                tracking.move(tx, p.name, 0, None)
        with rebuild.page_cache(self.store), rebuild.fewer_collections():
            if rebuild.worth_it(self, self.url):
                return rebuild.rebuild_in_two(self, self.url, progress)
            done = self.catch_up(progress=progress, batch_size=self.rebuild_batch_size)
            self.make_indexes(names)
            return done

    def make_indexes(self, names: Collection[str]) -> None:
        """Makes the named read models' indexes that are not there (a rebuild leaves them out
        until its rows are in; if it was interrupted, the next `setup` makes them)."""
        with self.store.transaction() as tx:
            for name in names:
                self.projections[name].create(tx)

    # ---- running in the background ----------------------------------------------

    def wake(self, position: int | None = None) -> None:
        self._wake.set()

    def start(self, poll_seconds: float = 0.5) -> None:
        """Runs in a thread of this process: after each wake-up, and every `poll_seconds`."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            failed = ""  # the last failure logged, so a lasting one is not logged every round
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    folded = self.catch_up()
                    failed = ""
                    if folded:
                        # Under a stream of writes, let the next events gather a moment, so
                        # one round folds many: each costs every read model a transaction.
                        # A reader waiting for a position cuts it short.
                        self._hurry.wait(GATHER_SECONDS)
                        self._hurry.clear()
                        continue
                except Exception as failure:  # a dropped connection: the next round retries
                    if repr(failure) != failed:
                        failed = repr(failure)
                        log.warning("projection round failed, retrying: %r", failure, exc_info=True)
                    time.sleep(poll_seconds)
                self._wake.wait(poll_seconds)

        self._thread = threading.Thread(target=loop, name="okr-projector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._hurry.set()
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
                self._hurry.set()
                self.wake()
                with self._reached:
                    self._reached.wait(min(remaining, 0.05))
            reached = self.position()
        return reached
