"""Folds the log into the goal tree's temporal tables, one version row per objective event.

The projection keeps the aggregates it folds (objectives, cycles, teams, the North Star)
in a bounded LRU and evolves them with each event's own `mutate`, so the domain's rules
are applied, never re-implemented. On a miss (a restart, an eviction, or a batch another
projector processed) it loads the aggregate at the event's version through `load`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from projections.projection import Logged, Projection
from projections.store import Tx
from projections.timefmt import parsed, stored
from projections.tree import tables as sql
from projections.tree.documents import Encoder

Load = Callable[[UUID, int], Aggregate]

_FREEZE_SQL = sql.members_as_of()


class _Batch:
    """The rows one batch writes, sent with one `executemany` per table."""

    def __init__(self, tx: Tx, encoder: Encoder):
        self.tx = tx
        self.encoder = encoder
        self.rows: dict[str, list[tuple]] = {statement: [] for statement in sql.INSERTS}
        self._closed_at: dict[UUID, datetime | None] = {}

    def add(self, statement: str, row: tuple) -> None:
        self.rows[statement].append(row)

    def flush(self) -> None:
        for statement, rows in self.rows.items():
            self.tx.executemany(statement, rows)
            rows.clear()

    def closed_at(self, cycle_id: UUID) -> datetime | None:
        # Read from the table once per batch, not cached across batches: another projector
        # may have processed the close since.
        if cycle_id not in self._closed_at:
            row = self.tx.execute(sql.CLOSED_AT, (str(cycle_id),)).fetchone()
            self._closed_at[cycle_id] = parsed(row[0]) if row and row[0] else None
        return self._closed_at[cycle_id]

    def cycle_changed(self, cycle_id: UUID, closed_at: datetime | None) -> None:
        self._closed_at[cycle_id] = closed_at

    def version(self, objective: Any, position: int, closed_at: datetime | None) -> tuple:
        row = self.encoder.row(objective, position, closed_at)
        self.add(sql.INSERT_VERSION, row)
        return row


class TreeProjection(Projection):
    """The goal tree, objective details and check-in series, as of any position.

    `load(aggregate_id, version)` returns an aggregate at a version, e.g.
    `lambda id, v: app.repository.get(id, version=v)`.
    """

    name = "tree"
    tables = sql.TABLES
    schema = sql.SCHEMA

    def __init__(self, load: Load, cache_size: int = 10_000):
        self._load = load
        self._cache_size = cache_size
        self._aggregates: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._encoder = Encoder()

    def reset(self) -> None:
        self._aggregates.clear()
        self._encoder = Encoder()

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        work = _Batch(tx, self._encoder)
        for logged in batch:
            handler = self._handlers.get(logged.type.partition(".")[0])
            if handler is not None:
                handler(self, work, logged)
        work.flush()

    # ---- folding ------------------------------------------------------------------

    def _cached(self, aggregate_id: UUID, version: int) -> Aggregate | None:
        aggregate = self._aggregates.get(aggregate_id)
        return aggregate if aggregate is not None and aggregate.version == version else None

    def _keep(self, aggregate: Aggregate) -> Aggregate:
        self._aggregates[aggregate.id] = aggregate
        self._aggregates.move_to_end(aggregate.id)
        if len(self._aggregates) > self._cache_size:
            self._aggregates.popitem(last=False)
        return aggregate

    def _fold(self, event: Any) -> Aggregate:
        """The aggregate after `event`: the cached one evolved by it, or loaded at its version."""
        version = event.originator_version
        if version == 1:
            return self._keep(event.mutate(None))
        cached = self._cached(event.originator_id, version - 1)
        if cached is not None:
            return self._keep(event.mutate(cached))
        return self._keep(self._load(event.originator_id, version))

    def _at(self, aggregate_id: UUID, version: int) -> Aggregate:
        cached = self._cached(aggregate_id, version)
        return cached if cached is not None else self._keep(self._load(aggregate_id, version))

    # ---- events -------------------------------------------------------------------

    def _objective(self, work: _Batch, logged: Logged) -> None:
        event = logged.event
        objective = self._fold(event)
        oid, _, cid, tid, *_ = work.version(
            objective, logged.position, work.closed_at(objective.cycle_id)
        )
        if event.originator_version == 1:
            work.add(sql.INSERT_MEMBER, (cid, oid, tid, logged.position))
        if logged.type == "Objective.CheckInRecorded":
            work.add(sql.INSERT_CHECK_IN, (
                oid, str(event.check_in_id), str(event.key_result_id), logged.position,
                event.value, event.confidence, event.note, stored(event.measured_at),
                stored(logged.recorded_at), str(event.actor_id),
            ))
        elif logged.type == "Objective.CheckInCorrected":
            work.add(sql.INSERT_CORRECTION, (
                oid, str(event.check_in_id), logged.position, event.value, event.reason,
                str(event.actor_id), stored(logged.recorded_at),
            ))

    def _cycle(self, work: _Batch, logged: Logged) -> None:
        cycle = self._fold(logged.event)
        work.cycle_changed(cycle.id, cycle.closed_at)
        work.add(sql.INSERT_CYCLE, (
            str(cycle.id), logged.position, cycle.name, cycle.starts_on.isoformat(),
            cycle.ends_on.isoformat(), cycle.state.value,
            stored(cycle.closed_at) if cycle.closed_at else None,
        ))
        if cycle.closed_at is not None and logged.type == "Cycle.Closed":
            self._freeze_scores(work, cycle.id, cycle.closed_at, logged.position)

    def _freeze_scores(
        self, work: _Batch, cycle_id: UUID, closed_at: datetime, position: int
    ) -> None:
        """A new version, with its computed score, for each objective with agreed terms."""
        work.flush()
        rows = work.tx.execute(_FREEZE_SQL, (position, str(cycle_id), position)).fetchall()
        for objective_id, _, _, _, text in rows:
            doc = json.loads(text)
            if doc["agreed"] is not None:
                work.version(self._at(UUID(objective_id), doc["version"]), position, closed_at)

    def _team(self, work: _Batch, logged: Logged) -> None:
        event = logged.event
        before = self._cached(event.originator_id, event.originator_version - 1)
        shown = None if before is None else (before.name, before.parent_id, before.lead_id)
        team = self._fold(event)
        # Membership is not part of the tree: only name, parent and lead make a new version.
        if shown != (team.name, team.parent_id, team.lead_id):
            work.add(sql.INSERT_TEAM, (
                str(team.id), logged.position, team.name,
                None if team.parent_id is None else str(team.parent_id), str(team.lead_id),
            ))

    def _north_star(self, work: _Batch, logged: Logged) -> None:
        star = self._fold(logged.event)
        work.add(sql.INSERT_NORTH_STAR, (logged.position, star.statement))

    _handlers: dict[str, Callable[[TreeProjection, _Batch, Logged], None]] = {
        "Objective": _objective,
        "Cycle": _cycle,
        "Team": _team,
        "NorthStar": _north_star,
    }
