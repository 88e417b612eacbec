"""The negotiation of an objective: each step as its own route, and how it was negotiated."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from api.deps import CallerDep, Expected, Key, LedgerDep, Position
from api.routes.okrs import objective_written
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS
from api.schemas.objectives import CounterProposal, ObjectiveWritten, Remark
from api.schemas.reads import NegotiationView
from domain.errors import InvalidValue, NotFound
from projections.negotiation.queries import negotiation

NO_REMARK = Remark()


class NegotiationController(Controller):
    path = "/objectives/{objective_id:uuid}"
    tags = ["negotiation"]

    def _respond(self, action: str, objective_id: UUID, data: Remark | None, caller, ledger, expected, key):
        comment = (data or NO_REMARK).comment
        recorded = getattr(ledger.app, action)(caller.user_id, objective_id, comment, expected, key)
        return objective_written(ledger, recorded)

    @post("/submit", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Submit the terms for approval (the team's lead): a new round")
    def submit(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
               key: Key, data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("submit", objective_id, data, caller, ledger, expected, key)

    @post("/approve", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Approve the round (the parent team's lead; an administrator for the root team)")
    def approve(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
                key: Key, data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("approve", objective_id, data, caller, ledger, expected, key)

    @post("/request-changes", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Ask the team to change its proposal (the approver)")
    def request_changes(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep,
                        expected: Expected, key: Key,
                        data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("request_changes", objective_id, data, caller, ledger, expected, key)

    @post("/counter", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Counter-propose targets (the approver)")
    def counter(self, objective_id: FromPath[UUID], data: JSONBody[CounterProposal], caller: CallerDep,
                ledger: LedgerDep, expected: Expected, key: Key) -> Response[ObjectiveWritten]:
        targets = {kr.id: kr.target for kr in data.key_results}
        if len(targets) < len(data.key_results):
            raise InvalidValue("key_results: name each key result at most once, with its one new target")
        recorded = ledger.app.counter(caller.user_id, objective_id, targets, data.comment, expected, key)
        return objective_written(ledger, recorded)

    @post("/accept-counter", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Accept the counter-proposal: its terms are agreed (the team's lead)")
    def accept_counter(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep,
                       expected: Expected, key: Key,
                       data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("accept_counter", objective_id, data, caller, ledger, expected, key)

    @post("/decline-counter", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Decline the counter-proposal and revise (the team's lead)")
    def decline_counter(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep,
                        expected: Expected, key: Key,
                        data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("decline_counter", objective_id, data, caller, ledger, expected, key)

    @post("/reject", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Reject the objective (the approver)")
    def reject(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
               key: Key, data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("reject", objective_id, data, caller, ledger, expected, key)

    @post("/withdraw", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Withdraw the objective from negotiation (the team's lead)")
    def withdraw(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
                 key: Key, data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("withdraw", objective_id, data, caller, ledger, expected, key)

    @post("/amend", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Start amending agreed terms; they stay in force until the amendment is agreed (the lead)")
    def amend(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, expected: Expected,
              key: Key, data: JSONBody[Remark | None] = None) -> Response[ObjectiveWritten]:
        return self._respond("amend", objective_id, data, caller, ledger, expected, key)

    @get("/negotiation", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="How the objective was negotiated: rounds, responses, what was agreed, target drift")
    def read(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep,
             position: Position) -> NegotiationView:
        with ledger.store.reading() as tx:
            found = negotiation(tx, objective_id, position)
        if found is None:
            raise NotFound(f"no objective with id {objective_id} at position {position}")
        return msgspec.convert({**_attributes(found), "position": position}, NegotiationView, from_attributes=True)


def _attributes(row) -> dict:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}
