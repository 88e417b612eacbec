"""Group commit: commands that arrive together are decided one after another and saved in
one transaction, so concurrent writers share one database commit (one fsync) instead of
queueing for one each. Each caller still gets its own result or its own error.

The first caller to find no commit under way leads: it takes every command queued so far,
has the cache forget what other processes changed since the last group (one look at the
log for the whole group), runs each one's decision (`work(now)`) in arrival order, and
saves all their aggregates with a single `save()`. A command whose decision touches an
aggregate an earlier command of the same group already changed is decided again after that
group is saved, against the saved state, so two commands never write from the same stale
version. If the shared save fails (another process appended to one of the aggregates
first), the cache is refreshed and each command is decided and saved again on its own, so
one conflict costs nobody else their write.

A caller that must not block (the HTTP server's event loop) submits its command instead
and is told the outcome; a thread of the committer leads the groups such commands start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

Work = Callable[[datetime], tuple[Aggregate, ...]]


@dataclass(eq=False)
class Command:
    """One caller's command waiting in the queue, and then its outcome."""

    # Decides the command at `now` and returns the aggregates to save (none: nothing to
    # save, e.g. a retry answered from its receipt; the caller knows its answer).
    decide: Work
    aggregates: tuple[Aggregate, ...] = ()
    position: int = 0
    error: BaseException | None = None
    settled: bool = False
    # Told when the command is saved or refused, in the committer's thread: it must be
    # quick and must not raise (it hands the outcome over, e.g. to an event loop).
    on_settled: Callable[[Command], None] | None = None

    def settle(self) -> None:
        self.settled = True
        if self.on_settled is not None:
            self.on_settled(self)

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.settle()


class GroupCommitter:
    def __init__(self, save: Callable[..., list[Any]], now: Callable[[], datetime],
                 lock: threading.RLock, refresh: Callable[[], None],
                 on_conflict: Callable[[], None]):
        self._save = save
        self._now = now
        self._write_lock = lock
        # Brings the cached aggregates up to date with what other processes appended; the
        # group's decisions load from that cache without checking the log each (and
        # `on_conflict` refreshes before a command is decided again).
        self._refresh = refresh
        self._on_conflict = on_conflict
        self._queue: list[Command] = []
        self._queue_lock = threading.Lock()
        self._leading = False
        # The thread that leads groups started by `submit`, and its wake-up call.
        self._thread: threading.Thread | None = None
        self._summoned = threading.Event()

    def run(self, command: Command) -> Command:
        """Queues the command and returns once it is saved or refused."""
        done = threading.Event()
        command.on_settled = lambda _: done.set()
        if self._queue_up(command):
            self._lead()
        done.wait()
        return command

    def submit(self, command: Command) -> None:
        """Queues the command and returns at once; `command.on_settled` is told the outcome.

        For callers that must not block, such as an event loop: the group such a command
        starts is led by the committer's own thread, so no thread waits per command.
        """
        if self._queue_up(command):
            with self._queue_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name="okr-committer", daemon=True)
                    self._thread.start()
            self._summoned.set()

    def _queue_up(self, command: Command) -> bool:
        """Queues the command; True if nobody is leading, and the caller must."""
        with self._queue_lock:
            self._queue.append(command)
            lead = not self._leading
            if lead:
                self._leading = True
        return lead

    def _serve(self) -> None:
        while True:
            self._summoned.wait()
            self._summoned.clear()
            try:
                self._lead()
            except Exception:  # every command of the group was failed with it; keep serving
                continue

    def _lead(self) -> None:
        while True:
            # The queue is taken only once the lock is held: whoever queued while the last
            # group was being saved joins this one.
            with self._write_lock:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                    if not group:
                        self._leading = False
                        return
                try:
                    self._commit(group)
                except BaseException as e:  # an interrupt: never leave a follower waiting
                    with self._queue_lock:
                        waiting, self._queue, self._leading = self._queue, [], False
                    for command in [*group, *waiting]:
                        if not command.settled:
                            command.fail(e)
                    raise

    def _commit(self, group: list[Command]) -> None:
        try:
            self._refresh()
        except Exception as e:  # the database is out of reach
            for command in group:
                command.fail(e)
            return
        decided: list[Command] = []
        touched: set[UUID] = set()
        for n, command in enumerate(group):
            outcome = self._decide(command)
            if isinstance(command.error, (OperationalError, InterfaceError)):
                # The database is out of reach: the rest of the group would only wait for
                # the same error, one after another.
                for waiting in group[n + 1:]:
                    waiting.fail(command.error)
                break
            if outcome is None:
                continue
            if touched & {a.id for a in outcome}:
                # Decided from a version an earlier command of this group changes: save
                # those first, then decide this one again from what they saved.
                self._save_group(decided)
                decided, touched = [], set()
                outcome = self._decide(command)
                if outcome is None:
                    continue
            command.aggregates = outcome
            decided.append(command)
            touched |= {a.id for a in outcome}
        self._save_group(decided)

    def _decide(self, command: Command) -> tuple[Aggregate, ...] | None:
        try:
            now = self._now()
            aggregates = tuple(command.decide(now))
        except Exception as e:
            command.fail(e)
            return None
        if not aggregates:
            command.settle()
            return None
        return aggregates

    def _save_group(self, decided: list[Command]) -> None:
        if not decided:
            return
        try:
            recordings = self._save(*[a for c in decided for a in c.aggregates])
        except IntegrityError:
            try:
                self._on_conflict()
            except Exception as e:
                for command in decided:
                    command.fail(e)
                return
            if len(decided) == 1:
                decided[0].fail(IntegrityError())
                return
            for command in decided:  # alone, so only the command that conflicts fails
                outcome = self._decide(command)
                if outcome is not None:
                    command.aggregates = outcome
                    self._save_group([command])
            return
        except Exception as e:
            for command in decided:
                command.fail(e)
            return
        last: dict[UUID, int] = {}
        for r in recordings:
            oid = r.domain_event.originator_id
            last[oid] = max(last.get(oid, 0), r.notification.id)
        for command in decided:
            command.position = max((last.get(a.id, 0) for a in command.aggregates), default=0)
            command.settle()
