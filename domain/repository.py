"""The repository: aggregates kept between commands, checked against the log once per
command group rather than once per load."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.application import Cache, LRUCache, Repository, project_aggregate
from eventsourcing.persistence import ApplicationRecorder, Recording

# Beyond this many new events, forgetting the whole cache costs less than reading which
# aggregates they belong to.
FORGET_ALL_AFTER = 1000


class FollowingRepository(Repository[UUID]):
    """A repository whose cache follows the log.

    The library can bring a cached aggregate up to date on each load (its fast-forward),
    which costs a query per load: a check-in loads the objective, its cycle and the teams
    and users behind the caller's roles. Here every aggregate in the cache instead reflects
    every event up to log position `seen`, and `refresh()` reads the log's head and forgets
    the aggregates that the events after `seen` (another process's) changed. The committer
    refreshes once per command group, and again after a conflict before deciding anew; a
    load outside a command's decision (is a token's manager an administrator, a user read
    back after registering) refreshes first by itself. A save puts the saved aggregates in
    the cache and moves `seen` over their events, forgetting what other processes appended
    just before them.

    Why positions suffice: the library's PostgreSQL recorder holds the events table's lock
    while it inserts, so positions are handed out in commit order and once a position is
    visible every lower one is committed or was never used; SQLite has a single writer.
    Reading the head and then the events up to it misses nothing, and the positions of our
    own events show whether anything came in between. A write by another process after the
    refresh and before our save either touches an aggregate we save, and the version's
    unique key refuses our save (the committer refreshes; a command of a group is decided
    again, one alone answers Conflict), or one we only read, which then shows as a gap
    before our positions and is forgotten after the save. Such a command stood on the state
    as of the refresh, as it stood on the state as of its loads when they fast-forwarded.

    Cached aggregates are never changed, only replaced or forgotten, so one may be looked at
    without a copy while other threads refresh and save.
    """

    def __init__(self, recorder: ApplicationRecorder, **kwargs: Any):
        super().__init__(fastforward=False, **kwargs)
        self._recorder = recorder
        self._maxsize = kwargs.get("cache_maxsize")
        # The cache's contents, `seen` and `_generation` change together under this lock.
        self._guard = threading.Lock()
        # One thread at a time reads the new events, so two do not read the same ones.
        self._refreshing = threading.Lock()
        # Moves whenever `seen` does or aggregates are forgotten. A load that missed the
        # cache keeps what it read only if this did not move meanwhile: it may have read
        # before a save or a refresh that moved on, and would put back an older state.
        self._generation = 0
        self._deciding = threading.local()
        # The cache is empty, so it reflects everything up to the head.
        self.seen = recorder.max_notification_id() or 0

    @contextmanager
    def deciding(self) -> Iterator[None]:
        """Loads in this block (in this thread) rely on the refresh at the start of their
        command group instead of each checking the log."""
        before = getattr(self._deciding, "on", False)
        self._deciding.on = True
        try:
            yield
        finally:
            self._deciding.on = before

    def get(self, aggregate_id: UUID, *, version: int | None = None,
            projector_func: Any = project_aggregate, fastforward_skipping: bool = False,
            deepcopy_from_cache: bool = True) -> Any:
        if version is not None or self.cache is None:
            return super().get(aggregate_id, version=version, projector_func=projector_func,
                               deepcopy_from_cache=deepcopy_from_cache)
        if not getattr(self._deciding, "on", False):
            self.refresh()
        try:
            aggregate = self.cache.get(aggregate_id)
        except KeyError:
            with self._guard:
                generation = self._generation
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            with self._guard:
                if generation == self._generation:
                    self.cache.put(aggregate_id, aggregate)
        if deepcopy_from_cache and self.deepcopy_from_cache:
            aggregate = deepcopy(aggregate)
        return aggregate

    def refresh(self) -> None:
        """Forgets the cached aggregates that events appended since `seen` changed."""
        if self.cache is None:
            return
        with self._refreshing:
            head = self._recorder.max_notification_id() or 0
            seen = self.seen
            if head <= seen:
                return
            changed = self._changed(seen, head)
            with self._guard:
                self._forget(changed)
                self.seen = max(self.seen, head)

    def saved(self, recordings: Sequence[Recording], aggregates: Mapping[UUID, Any]) -> None:
        """Puts just saved aggregates in the cache, after forgetting those that other
        processes changed since `seen` (the positions before ours that we did not see)."""
        if self.cache is None:
            return
        positions = sorted(r.notification.id for r in recordings)
        # Events saved without their aggregate leave a cached one behind them.
        changed: set[UUID] | None = {
            r.domain_event.originator_id for r in recordings
            if r.domain_event.originator_id not in aggregates
        }
        if positions:
            first, last = positions[0], positions[-1]
            # Ours are consecutive (the insert holds the table's lock); were they not,
            # the events among them would be another process's too.
            upto = first - 1 if last - first + 1 == len(positions) else last
            seen = self.seen
            if upto > seen:
                # Another process appended since the refresh, or PostgreSQL skipped the
                # positions a rolled-back insert had taken.
                try:
                    others = self._changed(seen, upto)
                except Exception:
                    others = None  # our events are in: forget everything rather than fail the save
                changed = None if others is None else changed | others
        with self._guard:
            self._forget(changed)
            for aggregate_id, aggregate in aggregates.items():
                self.cache.put(aggregate_id, aggregate)
            if positions:
                self.seen = max(self.seen, positions[-1])

    def _changed(self, after: int, upto: int) -> set[UUID] | None:
        """The aggregates the events after `after` up to `upto` belong to; None for more
        events than are worth reading."""
        if upto - after > FORGET_ALL_AFTER:
            return None
        notifications = self._recorder.select_notifications(
            start=after + 1, limit=upto - after, stop=upto
        )
        return {n.originator_id for n in notifications}

    def _forget(self, changed: set[UUID] | None) -> None:
        if changed is None:
            # A new cache: the library's LRUCache.clear() (9.5) empties its recency list
            # but keeps its entries.
            self.cache = LRUCache(self._maxsize) if self._maxsize > 0 else Cache()
        else:
            for aggregate_id in changed:
                try:
                    self.cache.get(aggregate_id, evict=True)
                except KeyError:
                    pass
        self._generation += 1
