"""Check-ins and their corrections, and a key result's series as it was known at any time."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from api.deps import CallerDep, Expected, Key, LedgerDep, Position
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS
from api.schemas.objectives import CheckInCreate, CorrectionCreate
from api.schemas.reads import CheckInSeries, CheckInView, CheckInWritten
from domain.application import Recorded
from domain.errors import InvalidValue, NotFound
from projections.check_ins import check_ins_at, key_result_known


def check_in_written(objective_id: UUID, recorded: Recorded, status_code: int = 201) -> Response[CheckInWritten]:
    body = CheckInWritten(recorded.id, objective_id, recorded.version, recorded.position)
    return Response(body, status_code=status_code, headers={"ETag": f'"{recorded.version}"'})


class CheckInController(Controller):
    path = "/objectives/{objective_id:uuid}/key-results/{key_result_id:uuid}/check-ins"
    tags = ["check-ins"]

    @post("/", status_code=201, responses=WRITE_PROBLEMS,
          summary="Record a check-in: a measurement with its confidence (a member or the lead)")
    async def record(self, objective_id: FromPath[UUID], key_result_id: FromPath[UUID], data: JSONBody[CheckInCreate],
                     caller: CallerDep, ledger: LedgerDep, expected: Expected, key: Key) -> Response[CheckInWritten]:
        if data.measured_at is not None and data.measured_at.tzinfo is None:
            raise InvalidValue("measured_at needs a time zone, e.g. 2026-03-03T09:00:00Z")
        recorded = await ledger.run(lambda: ledger.app.record_check_in(
            caller.user_id, objective_id, key_result_id, data.value, data.confidence, data.note,
            data.measured_at, expected_version=expected, idempotency_key=key,
        ))
        return check_in_written(objective_id, recorded)

    @post("/{check_in_id:uuid}/corrections", status_code=201, responses=WRITE_PROBLEMS,
          summary="Correct a check-in's value, with a reason; the original stays in the record")
    async def correct(self, objective_id: FromPath[UUID], key_result_id: FromPath[UUID], check_in_id: FromPath[UUID],
                      data: JSONBody[CorrectionCreate], caller: CallerDep, ledger: LedgerDep, expected: Expected,
                      key: Key) -> Response[CheckInWritten]:
        recorded = await ledger.run(lambda: ledger.app.correct_check_in(
            caller.user_id, objective_id, check_in_id, data.value, data.reason, expected, key,
        ))
        return check_in_written(objective_id, Recorded(check_in_id, recorded.version, recorded.position))


class CheckInSeriesController(Controller):
    path = "/key-results/{key_result_id:uuid}/check-ins"
    tags = ["check-ins"]

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="A key result's check-ins as known at `as_of`, corrections beside what they corrected")
    def series(self, key_result_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep,
               position: Position) -> CheckInSeries:
        with ledger.store.reading() as tx:
            rows = check_ins_at(tx, key_result_id, position)
            if not rows and not key_result_known(tx, key_result_id, position):
                raise NotFound(f"no key result with id {key_result_id} at position {position}")
        check_ins = [msgspec.convert(r, CheckInView, from_attributes=True) for r in rows]
        return CheckInSeries(key_result_id, check_ins, position)
