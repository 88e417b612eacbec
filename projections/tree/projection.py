"""Folds the log into the goal tree's temporal tables, one version row per objective event.

The projection keeps the aggregates it folds (objectives, cycles, teams, the North Star)
in a bounded LRU and evolves them with each event's own `mutate`, so the domain's rules
are applied, never re-implemented. On a miss (a restart, an eviction, or a batch another
projector processed) it loads the aggregate at the event's version through `load`.

An objective's check-ins would make the kept objectives grow with the log, and scanning
them for each new version would make folding quadratic. So once a check-in is superseded
for good (`scorecard.deciding_check_ins`: no longer the latest of its key result, nor the
latest recorded by its cycle's close) the kept objective forgets it. Before the close is
known, that is only right if the close comes after the check-ins forgotten; when it does
not (clocks of several writers disagreeing), the objective is loaded whole again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import scorecard
from domain.values import CheckIn
from projections import tracking
from projections.projection import Logged, Projection
from projections.store import Tx
from projections.timefmt import parsed, stored
from projections.tree import tables as sql
from projections.tree.mutation import Mutator
from projections.tree.versions import Encoder, fields

Load = Callable[[UUID, int], Aggregate]

_FREEZE_SQL = sql.members_as_of(heads=True)
_UNKNOWN: Any = object()
_RECORDED_AT = attrgetter("recorded_at")
CHECK_IN_RECORDED = "Objective.CheckInRecorded"
CHECK_IN_CORRECTED = "Objective.CheckInCorrected"
CYCLE_CLOSED = "Cycle.Closed"
# An objective forgets its superseded check-ins once it holds more than this many times as
# many as it needs (and a few): then now and then, not at every check-in.
SLACK_FACTOR, SLACK = 4, 8

# The versions' epochs (see tables.py) span at least this many positions, and this many
# times as many as the objectives they start with.
EPOCH_EVENTS, EPOCH_FACTOR = 20_000, 4

# Stands in, for the moment its correction is applied, for a check-in already forgotten.
_FORGOTTEN = CheckIn(
    id=UUID(int=0), key_result_id=UUID(int=0), value=0.0, confidence=0.0, note="",
    measured_at=None, recorded_at=None, actor_id=UUID(int=0),
)


class _Epoch:
    """The versions' current epoch: where it starts and how many objectives it carried over;
    how many objectives there are, as of the position folded up to; and the fewest
    positions an epoch spans."""

    __slots__ = ("start", "carried", "objectives", "events")

    def __init__(self, start: int, carried: int, objectives: int, events: int):
        self.start, self.carried, self.objectives, self.events = start, carried, objectives, events

    def next_start(self) -> int:
        return self.start + max(self.events, EPOCH_FACTOR * self.carried)


class _Batch:
    """The rows one batch writes: versions appended in bulk, each objective's latest among
    them as its head, the rest with one `executemany` per table."""

    def __init__(
        self, tx: Tx, encoder: Encoder, closed_at: dict[int, datetime | None], epoch: _Epoch,
    ):
        self.tx = tx
        self.encoder = encoder
        self.epoch = epoch
        self._next_epoch = epoch.next_start()
        self.versions: list[tuple] = []
        self.heads: dict[str, tuple] = {}  # by objective id
        self.rows: dict[str, list[tuple]] = {statement: [] for statement in sql.INSERTS}
        self._closed_at = closed_at  # by the cycle id's number

    def add(self, statement: str, row: tuple) -> None:
        self.rows[statement].append(row)

    def flush(self) -> None:
        tx, terms = self.tx, self.encoder.new_terms
        tx.executemany(sql.INSERT_TERMS, terms)
        terms.clear()
        tx.append(sql.VERSIONS, sql.VERSIONS_WITH_EPOCH, self.versions)
        self.versions.clear()
        tx.upsert(sql.HEADS, sql.VERSION_COLUMNS, list(self.heads.values()))
        self.heads.clear()
        for statement, rows in self.rows.items():
            tx.executemany(statement, rows)
            rows.clear()

    def closed_at(self, cycle_id: UUID) -> datetime | None:
        found = self._closed_at.get(cycle_id.int, _UNKNOWN)
        if found is _UNKNOWN:
            row = self.tx.execute(sql.CLOSED_AT, (str(cycle_id),)).fetchone()
            found = self._closed_at[cycle_id.int] = parsed(row[0]) if row and row[0] else None
        return found

    def cycle_changed(self, cycle_id: UUID, closed_at: datetime | None) -> None:
        self._closed_at[cycle_id.int] = closed_at

    def version(
        self, objective: Any, position: int, closed_at: datetime | None,
        latest: dict[int, CheckIn] | None = None,
    ) -> tuple:
        if position >= self._next_epoch:
            self._start_epoch(position)
        row = self.encoder.row(objective, position, closed_at, latest)
        self.versions.append((*row, self.epoch.start))
        self.heads[row[0]] = row
        return row

    def _start_epoch(self, position: int) -> None:
        """Starts an epoch at `position`, the first version due in it, with every objective's
        latest version before it: where it starts depends on the log alone, not on batches."""
        self.flush()
        epoch = self.epoch
        self.tx.execute(sql.CARRY, (position,))
        self.tx.execute(sql.INSERT_EPOCH, (position, epoch.objectives))
        epoch.start, epoch.carried = position, epoch.objectives
        self._next_epoch = epoch.next_start()


class TreeProjection(Projection):
    """The goal tree, objective details and check-in series, as of any position.

    `load(aggregate_id, version)` returns an aggregate at a version, e.g.
    `lambda id, v: app.repository.get(id, version=v)`.
    """

    name = "tree"
    tables = sql.TABLES
    schema = sql.SCHEMA
    indexes = sql.INDEXES
    rebuilt_alone = True
    # 2: terms in rows of their own; check-ins moved to the `check_ins` read model
    # 3: the versions' key an index made once a rebuild's rows are in
    # 4: each objective's latest version in a table of its own
    # 5: the versions in epochs
    layout = 5

    def __init__(self, load: Load, cache_size: int = 10_000, epoch_events: int = EPOCH_EVENTS):
        self._load = load
        self._epoch_events = epoch_events
        self._cache_size = cache_size
        # By the id's number (`UUID.int`): hashed far quicker than a UUID, event after event.
        self._aggregates: OrderedDict[int, Aggregate] = OrderedDict()
        self._encoder = Encoder()
        self._mutate = Mutator()
        # Kept objectives that forgot superseded check-ins, with the latest recorded time
        # among the check-ins they had when forgetting without knowing the close (or None).
        self._forgot: dict[int, datetime | None] = {}
        # Kept objectives' latest check-in of each key result (see `_latest_of`).
        self._latest: dict[int, tuple[Aggregate, int, dict[int, CheckIn]]] = {}
        self._route: dict[str, Any] = {}  # each topic's handler (or None), found once
        self._through: int | None = None  # the position folded up to, batch after batch
        # When each cycle closed (None: open), by its id's number, and the versions' epoch,
        # as of `_through`: read from the tables before a batch's first write, then kept up
        # to date by the events. Another projector may have folded some since, so they are
        # read again after any gap; kept, they let a batch fold ahead of the one before it
        # being written (no read at all).
        self._closed_at: dict[int, datetime | None] = {}
        self._epoch: _Epoch | None = None

    def reset(self) -> None:
        self._aggregates.clear()
        self._forgot.clear()
        self._latest.clear()
        self._encoder = Encoder()
        self._through = None
        self._epoch = None

    def folds_ahead(self, batch: Sequence[Logged]) -> bool:
        # A close writes a version of each scored objective, found among the heads written
        # so far, this batch's included.
        return not any(logged.type == CYCLE_CLOSED for logged in batch)

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        start = tracking.position(tx, self.name)
        if start != self._through:  # after a gap: another projector folded what came between
            self._epoch = None
        if self._epoch is None:
            self._epoch = self._read_back(tx)
        work = _Batch(tx, self._encoder, self._closed_at, self._epoch)
        route = self._route
        for logged in batch:
            handler = route.get(logged.topic, _UNKNOWN)
            if handler is _UNKNOWN:
                handler = route[logged.topic] = self._handlers.get(logged.type.partition(".")[0])
            if handler is not None:
                handler(self, work, logged)
        work.flush()
        self._through = batch[-1].position

    def _read_back(self, tx: Tx) -> _Epoch:
        """Every cycle's close time, and the versions' epoch, as the tables hold them: read
        all at once, so that nothing is read once the batch has written (see `Deferred`)."""
        self._closed_at.clear()
        for cycle_id, closed_at in tx.execute(sql.CLOSED_AT_ALL).fetchall():
            self._closed_at[UUID(cycle_id).int] = parsed(closed_at) if closed_at else None
        found = tx.execute(sql.LATEST_EPOCH).fetchone()
        objectives = tx.execute(sql.OBJECTIVES).fetchone()[0]
        return _Epoch(*(found or (0, 0)), objectives, self._epoch_events)

    # ---- folding ------------------------------------------------------------------

    def _cached(self, aggregate_id: UUID, version: int) -> Aggregate | None:
        aggregate = self._aggregates.get(aggregate_id.int)
        return aggregate if aggregate is not None and aggregate.version == version else None

    def _keep(self, aggregate: Aggregate) -> Aggregate:
        key = aggregate.id.int
        if self._aggregates.get(key) is aggregate:  # evolved in place
            self._aggregates.move_to_end(key)
            return aggregate
        self._forgot.pop(key, None)  # a new or reloaded aggregate: whole
        self._aggregates[key] = aggregate
        self._aggregates.move_to_end(key)
        if len(self._aggregates) > self._cache_size:
            evicted, _ = self._aggregates.popitem(last=False)
            self._forgot.pop(evicted, None)
            self._latest.pop(evicted, None)
        return aggregate

    def _fold(self, event: Any) -> Aggregate:
        """The aggregate after `event`: the cached one evolved by it, or loaded at its version."""
        version = event.originator_version
        if version == 1:
            return self._keep(event.mutate(None))
        cached = self._cached(event.originator_id, version - 1)
        if cached is not None:
            return self._keep(self._mutate(event, cached))
        return self._keep(self._load(event.originator_id, version))

    def _at(self, aggregate_id: UUID, version: int) -> Aggregate:
        cached = self._cached(aggregate_id, version)
        return cached if cached is not None else self._keep(self._load(aggregate_id, version))

    # ---- objectives: forgetting superseded check-ins ----------------------------------

    def _fold_objective(self, logged: Logged) -> Aggregate:
        event = logged.event
        if logged.type == CHECK_IN_CORRECTED and event.originator_id.int in self._forgot:
            cached = self._cached(event.originator_id, event.originator_version - 1)
            if cached is not None and event.check_in_id not in cached.check_ins:
                # The correction of a forgotten check-in changes no value shown: apply the
                # event (its version and time) to a stand-in, then forget that too.
                cached.check_ins[event.check_in_id] = _FORGOTTEN
                self._mutate(event, cached)
                del cached.check_ins[event.check_in_id]
                return self._keep(cached)
        return self._fold(event)

    def _latest_of(self, objective: Aggregate, logged: Logged) -> dict[int, CheckIn]:
        """`scorecard.latest_check_ins_by_number(objective)`, after `logged`: kept from the
        objective's version before and brought up to date by this one event (only check-ins
        and corrections change them), rather than worked out from all its check-ins."""
        key = objective.id.int
        kept = self._latest.get(key)
        if kept is None or kept[0] is not objective or kept[1] != objective.version - 1:
            latest = scorecard.latest_check_ins_by_number(objective)
        else:
            latest = kept[2]
            kind = logged.type
            if kind == CHECK_IN_RECORDED or kind == CHECK_IN_CORRECTED:
                check_in = objective.check_ins.get(logged.event.check_in_id)
                if check_in is not None:  # (a forgotten one's correction changes nothing)
                    kr = check_in.key_result_id.int
                    found = latest.get(kr)
                    if kind == CHECK_IN_RECORDED:
                        if scorecard.displaces(check_in, found):
                            latest[kr] = check_in
                    elif found is not None and found.id == check_in.id:
                        latest[kr] = check_in  # corrected: the same check-in, another value
        self._latest[key] = (objective, objective.version, latest)
        return latest

    def _whole_enough(self, objective: Aggregate, closed_at: datetime | None) -> Aggregate:
        """`objective`, or loaded whole again if it forgot check-ins its close may count."""
        if closed_at is not None:
            horizon = self._forgot.get(objective.id.int)
            if horizon is not None and horizon > closed_at:
                return self._keep(self._load(objective.id, objective.version))
        return objective

    def _forget(
        self, objective: Aggregate, closed_at: datetime | None, latest: dict[int, CheckIn]
    ) -> None:
        """Forgets the check-ins superseded for good (with `closed_at`: for the frozen score
        too), once there are a few of them: never one that is `latest`."""
        check_ins = objective.check_ins
        if len(check_ins) <= SLACK_FACTOR * len(latest) + SLACK:
            return
        deciding = scorecard.deciding_check_ins(objective, closed_at, latest)
        key = objective.id.int
        horizon = self._forgot.get(key)
        if closed_at is None:
            newest = max(map(_RECORDED_AT, check_ins.values()))
            horizon = newest if horizon is None or newest > horizon else horizon
        self._forgot[key] = horizon
        keep = {id(c) for c in deciding}
        kept = [(check_in_id, c) for check_in_id, c in check_ins.items() if id(c) in keep]
        check_ins.clear()  # the same dict, in the same order, with the deciding ones alone
        check_ins.update(kept)

    # ---- events -------------------------------------------------------------------

    def _objective(self, work: _Batch, logged: Logged) -> None:
        kind = logged.type
        objective = self._fold_objective(logged)
        closed_at = work.closed_at(objective.cycle_id)
        objective = self._whole_enough(objective, closed_at)
        latest = self._latest_of(objective, logged)
        if kind == CHECK_IN_RECORDED:  # the only event that adds check-ins
            self._forget(objective, closed_at, latest)
        row = work.version(objective, logged.position, closed_at, latest)
        if logged.event.originator_version == 1:  # (objective_id, _, cycle_id, team_id, ...)
            work.add(sql.INSERT_MEMBER, (row[2], row[0], row[3], logged.position))
            work.epoch.objectives += 1

    def _cycle(self, work: _Batch, logged: Logged) -> None:
        cycle = self._fold(logged.event)
        work.cycle_changed(cycle.id, cycle.closed_at)
        work.add(sql.INSERT_CYCLE, (
            str(cycle.id), logged.position, cycle.name, cycle.starts_on.isoformat(),
            cycle.ends_on.isoformat(), cycle.state.value,
            stored(cycle.closed_at) if cycle.closed_at else None,
        ))
        if cycle.closed_at is not None and logged.type == CYCLE_CLOSED:
            self._freeze_scores(work, cycle.id, cycle.closed_at, logged.position)

    def _freeze_scores(
        self, work: _Batch, cycle_id: UUID, closed_at: datetime, position: int
    ) -> None:
        """A new version, with its computed score, for each objective with agreed terms."""
        work.flush()  # the heads, as of the close
        rows = work.tx.execute(_FREEZE_SQL, (str(cycle_id), position)).fetchall()
        scored = [
            (UUID(objective_id), fields(text)["version"])
            for objective_id, _, _, _, _, agreed, _, text in rows if agreed is not None
        ]
        for objective_id, version in scored:
            objective = self._at(objective_id, version)
            work.version(self._whole_enough(objective, closed_at), position, closed_at)

    def _team(self, work: _Batch, logged: Logged) -> None:
        event = logged.event
        # Loaded when not cached (a restart, an eviction), so a restarted projector writes
        # exactly the versions an uninterrupted one would.
        version = event.originator_version
        before = None if version == 1 else self._at(event.originator_id, version - 1)
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
