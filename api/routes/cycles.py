"""Cycles: planned, activated and closed by an administrator; read by everyone."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from api.deps import CallerDep, Expected, Key, LedgerDep, Position
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS, written
from api.schemas.common import Written
from api.schemas.cycles import CycleCreate, CycleView
from domain.errors import NotFound
from projections.tree import cycle_at, cycles_at
from projections.tree.rows import CycleRow


def view(row: CycleRow, position: Position) -> CycleView:
    return CycleView(row.id, row.name, row.starts_on, row.ends_on, row.state.value, row.closed_at, position)


class CycleController(Controller):
    path = "/cycles"
    tags = ["cycles"]

    @post("/", sync_to_thread=True, status_code=201, responses=WRITE_PROBLEMS,
          summary="Plan a cycle (administrator)")
    def plan(self, data: JSONBody[CycleCreate], caller: CallerDep, ledger: LedgerDep, key: Key) -> Response[Written]:
        recorded = ledger.app.plan_cycle(
            caller.user_id, data.name, data.starts_on, data.ends_on, idempotency_key=key,
        )
        return written(recorded, 201)

    @post("/{cycle_id:uuid}/activate", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Activate a planned cycle (administrator)")
    def activate(self, cycle_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
                 key: Key) -> Response[Written]:
        return written(ledger.app.activate_cycle(caller.user_id, cycle_id, expected, key))

    @post("/{cycle_id:uuid}/close", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Close an active cycle, freezing its scores (administrator)")
    def close(self, cycle_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
              key: Key) -> Response[Written]:
        return written(ledger.app.close_cycle(caller.user_id, cycle_id, expected, key))

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS, summary="Every cycle, as of `as_of`")
    def list_cycles(self, caller: CallerDep, ledger: LedgerDep, position: Position) -> list[CycleView]:
        with ledger.store.reading() as tx:
            return [view(row, position) for row in cycles_at(tx, position)]

    @get("/{cycle_id:uuid}", sync_to_thread=True, responses=READ_PROBLEMS, summary="One cycle, as of `as_of`")
    def one(self, cycle_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, position: Position) -> CycleView:
        with ledger.store.reading() as tx:
            row = cycle_at(tx, cycle_id, position)
        if row is None:
            raise NotFound(f"no cycle with id {cycle_id}" + (" at that time" if position else ""))
        return view(row, position)
