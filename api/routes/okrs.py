"""Objectives: drafted and edited, their key results, every step of their negotiation, the
score after the close and the carry-over; and an objective as it reads."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from api.deps import CallerDep, Expected, Key, LedgerDep, Moment, Position
from api.ledger import Ledger
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS
from api.schemas.objectives import (
    CarryOverRequest, KeyResultCreate, KeyResultPatch, ObjectiveCreate, ObjectivePatch,
    ObjectiveWritten, ScoreAdjustment,
)
from api.schemas.reads import ObjectiveAnswer, ObjectiveView
from domain.application import Recorded
from domain.errors import InvalidValue, NotFound
from domain.okrs import KEEP
from projections.tree import objective_at


def objective_written(ledger: Ledger, recorded: Recorded, status_code: int = 200) -> Response[ObjectiveWritten]:
    # The status at the version written, so a retried request answers as the first did.
    objective = ledger.app.repository.get(recorded.id, version=recorded.version)
    body = ObjectiveWritten(recorded.id, objective.status.value, recorded.version, recorded.position)
    return Response(body, status_code=status_code, headers={"ETag": f'"{recorded.version}"'})


def key_result_shape(data: KeyResultCreate) -> dict:
    """The kind and measures of a key result from the body's shape, or InvalidValue."""
    given = {k for k in ("baseline", "target", "threshold", "direction") if getattr(data, k) is not None}
    if data.milestone:
        if given:
            raise InvalidValue(f"a milestone has no {', '.join(sorted(given))}: send only title (and weight)")
        return {"kind": "milestone"}
    if data.threshold is not None or data.direction is not None:
        if data.threshold is None or data.direction is None or given & {"baseline", "target"}:
            raise InvalidValue("a maintained key result takes `threshold` and `direction` (at_least or at_most), "
                               "and no baseline or target")
        return {"kind": "maintain", "unit": data.unit, "target": data.threshold, "direction": data.direction}
    if data.baseline is None or data.target is None:
        raise InvalidValue("a metric key result needs `baseline` and `target` (or send `threshold` and "
                           "`direction` for a maintained level, or `milestone: true`)")
    return {"kind": "metric", "unit": data.unit, "baseline": data.baseline, "target": data.target}


class ObjectiveController(Controller):
    path = "/objectives"
    tags = ["objectives"]

    @post("/", sync_to_thread=True, status_code=201, responses=WRITE_PROBLEMS,
          summary="Draft an objective (a member or the lead of the team, the parent team's lead, an administrator)")
    def draft(self, data: JSONBody[ObjectiveCreate], caller: CallerDep, ledger: LedgerDep,
              key: Key) -> Response[ObjectiveWritten]:
        recorded = ledger.app.draft_objective(
            caller.user_id, data.cycle_id, data.team_id, data.title, data.kind,
            description=data.description, parent_id=data.parent_id, idempotency_key=key,
        )
        return objective_written(ledger, recorded, 201)

    @patch("/{objective_id:uuid}", sync_to_thread=True, responses=WRITE_PROBLEMS,
           summary="Edit a draft's title, description, kind or parent")
    def revise(self, objective_id: FromPath[UUID], data: JSONBody[ObjectivePatch], caller: CallerDep,
               ledger: LedgerDep, expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if not fields:
            raise InvalidValue("nothing to change: send title, description, kind or parent_id")
        recorded = ledger.app.revise_objective(
            caller.user_id, objective_id, title=fields.get("title"), description=fields.get("description"),
            kind=fields.get("kind"), parent_id=fields.get("parent_id", KEEP),
            expected_version=expected, idempotency_key=key,
        )
        return objective_written(ledger, recorded)

    @get("/{objective_id:uuid}", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="An objective: status, agreed terms, terms under negotiation, key results with values and progress")
    def read(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, position: Position,
             moment: Moment) -> Response[ObjectiveAnswer]:
        with ledger.store.reading() as tx:
            row = objective_at(tx, objective_id, position, moment)
        if row is None:
            raise NotFound(f"no objective with id {objective_id} at position {position}")
        view = msgspec.convert(row, ObjectiveView, from_attributes=True)
        answer = ObjectiveAnswer(**msgspec.structs.asdict(view), position=position)
        return Response(answer, headers={"ETag": f'"{row.version}"'})

    # ---- key results --------------------------------------------------------------------

    @post("/{objective_id:uuid}/key-results", sync_to_thread=True, status_code=201, responses=WRITE_PROBLEMS,
          summary="Add a key result: a metric, a maintained level or a milestone")
    def add_key_result(self, objective_id: FromPath[UUID], data: JSONBody[KeyResultCreate], caller: CallerDep,
                       ledger: LedgerDep, expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        recorded = ledger.app.add_key_result(
            caller.user_id, objective_id, data.title, weight=data.weight, expected_version=expected,
            idempotency_key=key, **key_result_shape(data),
        )
        objective = ledger.app.repository.get(objective_id, version=recorded.version)
        body = ObjectiveWritten(recorded.id, objective.status.value, recorded.version, recorded.position)
        return Response(body, status_code=201, headers={"ETag": f'"{recorded.version}"'})

    @patch("/{objective_id:uuid}/key-results/{key_result_id:uuid}", sync_to_thread=True, responses=WRITE_PROBLEMS,
           summary="Edit a key result of a draft (title, unit, baseline, target or threshold, weight)")
    def revise_key_result(self, objective_id: FromPath[UUID], key_result_id: FromPath[UUID],
                          data: JSONBody[KeyResultPatch], caller: CallerDep, ledger: LedgerDep,
                          expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if not changes:
            raise InvalidValue("nothing to change: send title, unit, baseline, target or weight")
        recorded = ledger.app.revise_key_result(
            caller.user_id, objective_id, key_result_id, expected_version=expected, idempotency_key=key, **changes,
        )
        return objective_written(ledger, Recorded(objective_id, recorded.version, recorded.position))

    @delete("/{objective_id:uuid}/key-results/{key_result_id:uuid}", sync_to_thread=True, status_code=200,
            responses=WRITE_PROBLEMS, summary="Remove a key result from a draft")
    def remove_key_result(self, objective_id: FromPath[UUID], key_result_id: FromPath[UUID], caller: CallerDep,
                          ledger: LedgerDep, expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        recorded = ledger.app.remove_key_result(caller.user_id, objective_id, key_result_id, expected, key)
        return objective_written(ledger, recorded)

    # ---- after the close ----------------------------------------------------------------

    @post("/{objective_id:uuid}/score", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Adjust the score of an objective of a closed cycle, with a reason (the team's lead)")
    def adjust_score(self, objective_id: FromPath[UUID], data: JSONBody[ScoreAdjustment], caller: CallerDep,
                     ledger: LedgerDep, expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        recorded = ledger.app.adjust_score(caller.user_id, objective_id, data.score, data.reason, expected, key)
        return objective_written(ledger, recorded)

    @post("/{objective_id:uuid}/carry-over", sync_to_thread=True, status_code=201, responses=WRITE_PROBLEMS,
          summary="Carry an unfinished objective of a closed cycle into an open one, as a new draft (the lead)")
    def carry_over(self, objective_id: FromPath[UUID], data: JSONBody[CarryOverRequest], caller: CallerDep,
                   ledger: LedgerDep, expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        recorded = ledger.app.carry_over(caller.user_id, objective_id, data.cycle_id, expected_version=expected,
                                         idempotency_key=key)
        return objective_written(ledger, recorded, 201)
