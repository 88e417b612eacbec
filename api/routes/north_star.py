"""The North Star: stated and restated by an administrator; read by everyone, as of any time."""

from __future__ import annotations

from litestar import Controller, Response, get, put
from litestar.params import JSONBody

from api.deps import CallerDep, Expected, Key, LedgerDep, Position
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS, written
from api.schemas.common import Written
from api.schemas.north_star import NorthStarStatement, NorthStarView
from domain.errors import NotFound
from projections.tree import north_star_at


class NorthStarController(Controller):
    path = "/north-star"
    tags = ["north star"]

    @put("/", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
         summary="State or restate the North Star (administrator)")
    def state(self, data: JSONBody[NorthStarStatement], caller: CallerDep, ledger: LedgerDep,
              key: Key, expected: Expected) -> Response[Written]:
        return written(ledger.app.state_north_star(caller.user_id, data.statement, key, expected))

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS, summary="The North Star, as of `as_of`")
    def read(self, caller: CallerDep, ledger: LedgerDep, position: Position) -> NorthStarView:
        with ledger.store.reading() as tx:
            statement = north_star_at(tx, position)
        if statement is None:
            raise NotFound(f"no North Star had been stated (as of log position {position})")
        return NorthStarView(statement, position)
