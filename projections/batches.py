"""Batches folded ahead of their transaction: held while another process holds SQLite's
write lock, or being written in a thread of their own while the next one is folded
(PostgreSQL). Either way a batch's rows and tracked positions commit together, once each
read model is found where the batch expects it; a batch that finds one moved writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from projections.projection import Logged, Projection
from projections.store import Deferred


class Held:
    """A batch folded ahead: its last event, each read model's (projection, position
    expected, writes), its size, and where it leaves the read models once written."""

    __slots__ = ("last", "writes", "count", "tracked")

    def __init__(
        self, last: Logged, writes: list[tuple[Projection, int, Deferred]], count: int,
        tracked: dict[str, int],
    ):
        self.last, self.writes, self.count, self.tracked = last, writes, count, tracked


class Moved(Exception):
    """A batch's read model was not where it expected: none of its rows was written."""


def forget(projections: Sequence[Projection], held: list[Held]) -> None:
    """After a rolled-back transaction: whatever these read models and those of the held
    batches cached from the batches it would have written is not in their tables."""
    for projection in [*projections, *(p for h in held for p, _, _ in h.writes)]:
        projection.reset()
    held.clear()


class Writer:
    """Writes one batch folded ahead at a time, in a thread of its own, while the projector
    folds the next: the database does its part of a batch (a COPY, an upsert, the commit)
    without holding the interpreter, which folding needs."""

    def __init__(self, write: Callable[[Held], None]):
        """`write(batch)` writes it in one transaction, or raises."""
        self._write = write
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future | None = None
        self.writing: Held | None = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        try:
            if kind is not None and self._future is not None:
                try:
                    self.written()  # so its read models forget it if it failed
                except BaseException:
                    pass  # the failure that ended the fold is the one raised
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            self._future = self.writing = None

    def write(self, batch: Held) -> None:
        """Starts writing `batch`; the one before must be `written` first."""
        assert self._future is None, "one batch at a time"
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="okr-writer")
        self._future, self.writing = self._pool.submit(self._write, batch), batch

    def written(self) -> list[int]:
        """Waits for the batch being written and returns its size (nothing if there was
        none). If writing it failed, its read models forget what they kept from it (here,
        not in the writer's thread, which never touches them) and the failure is raised."""
        future, batch = self._future, self.writing
        if future is None:
            return []
        self._future = self.writing = None
        try:
            future.result()
        except BaseException:
            forget([], [batch])
            raise
        return [batch.count]
