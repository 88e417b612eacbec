"""The approval audit: every decision on a negotiation round in the organisation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from api.deps import CallerDep, LedgerDep, Position
from api.routes.responses import READ_PROBLEMS
from api.schemas.reads import ApprovalDecisionView, ApprovalPage
from projections.audit.queries import MAX_LIMIT, approvals
from projections.projection import MAX_POSITION


class ApprovalAuditController(Controller):
    path = "/audit/approvals"
    tags = ["audit"]

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="Every approval decision (approve, request changes, counter, reject, and the team's answers to counters)")
    def decisions(
        self, caller: CallerDep, ledger: LedgerDep, position: Position,
        cycle_id: Annotated[UUID | None, Parameter(required=False)] = None,
        team_id: Annotated[UUID | None, Parameter(required=False)] = None,
        after: Annotated[int, Parameter(ge=0, le=MAX_POSITION, description="the `next_after` of the previous page")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT)] = 100,
    ) -> ApprovalPage:
        with ledger.store.reading() as tx:
            rows = approvals(tx, position, cycle_id=cycle_id, team_id=team_id, after=after, limit=limit)
        # A full page may be followed by more (or by an empty last page).
        return ApprovalPage(
            decisions=[msgspec.convert(r, ApprovalDecisionView, from_attributes=True) for r in rows],
            next_after=rows[-1].position if len(rows) == limit else None, position=position,
        )
