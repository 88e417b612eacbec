"""A cycle's goal tree, as it stands or stood at any moment."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.params import FromPath, Parameter

from api.deps import CallerDep, LedgerDep, Moment, Position
from api.routes.responses import READ_PROBLEMS
from api.schemas.reads import GoalTreeView
from domain.errors import NotFound
from projections.projection import MAX_POSITION
from projections.tree import goal_tree, team_at


class GoalTreeController(Controller):
    path = "/cycles/{cycle_id:uuid}/tree"
    tags = ["cycles"]

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="The cycle's aligned objectives with progress roll-ups, optionally from one team down")
    def tree(self, cycle_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, position: Position,
             moment: Moment,
             team_id: Annotated[UUID | None, Parameter(required=False, description="only this team and the teams under it")] = None,
             ) -> GoalTreeView:
        with ledger.store.reading() as tx:
            found = goal_tree(tx, cycle_id, position, moment, team_id=team_id)
            # A team formed after `position` owned nothing then; an id no team has is a mistake.
            unknown_team = team_id is not None and found is not None and not found.roots and \
                team_at(tx, team_id, MAX_POSITION) is None
        if found is None:
            raise NotFound(f"no cycle with id {cycle_id} at position {position}")
        if unknown_team:
            raise NotFound(f"no team with id {team_id}: pass the id of a team, or leave team_id out")
        # The rows are laid out field for field as GoalTreeView, which documents the answer
        # (a test in tests/unit/projections/test_tree_documents.py holds them to it), so they
        # are answered as they are: converting every objective of a tree into a view cost
        # about twice as much as encoding it.
        return found  # type: ignore[return-value]
