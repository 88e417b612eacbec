"""Teams: formed and given leads by an administrator; members added and removed by the lead
(or an administrator); read by everyone, with their members, as of any time."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody

from api.deps import CallerDep, Expected, Key, LedgerDep, Position
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS, written
from api.schemas.common import Written
from api.schemas.teams import LeadAppointment, Membership, TeamCreate, TeamView
from domain.errors import NotFound
from projections.directory import members_at
from projections.tree import team_at, teams_at
from projections.tree.rows import TeamRow


def view(row: TeamRow, members: list[UUID], position: int) -> TeamView:
    return TeamView(row.id, row.name, row.parent_id, row.lead_id, members, position)


class TeamController(Controller):
    path = "/teams"
    tags = ["teams"]

    @post("/", sync_to_thread=True, status_code=201, responses=WRITE_PROBLEMS,
          summary="Form a team under a parent team, or at the root (administrator)")
    def form(self, data: JSONBody[TeamCreate], caller: CallerDep, ledger: LedgerDep, key: Key) -> Response[Written]:
        recorded = ledger.app.form_team(
            caller.user_id, data.name, data.lead_id, data.parent_id, idempotency_key=key,
        )
        return written(recorded, 201)

    @post("/{team_id:uuid}/members", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
          summary="Add a member (the team's lead or an administrator)")
    def add_member(self, team_id: FromPath[UUID], data: JSONBody[Membership], caller: CallerDep,
                   ledger: LedgerDep, key: Key, expected: Expected) -> Response[Written]:
        return written(ledger.app.add_member(caller.user_id, team_id, data.user_id, key, expected))

    @delete("/{team_id:uuid}/members/{user_id:uuid}", sync_to_thread=True, status_code=200,
            responses=WRITE_PROBLEMS, summary="Remove a member (the team's lead or an administrator)")
    def remove_member(self, team_id: FromPath[UUID], user_id: FromPath[UUID], caller: CallerDep,
                      ledger: LedgerDep, key: Key, expected: Expected) -> Response[Written]:
        return written(ledger.app.remove_member(caller.user_id, team_id, user_id, key, expected))

    @put("/{team_id:uuid}/lead", sync_to_thread=True, status_code=200, responses=WRITE_PROBLEMS,
         summary="Appoint the team's lead (administrator)")
    def appoint_lead(self, team_id: FromPath[UUID], data: JSONBody[LeadAppointment], caller: CallerDep,
                     ledger: LedgerDep, key: Key, expected: Expected) -> Response[Written]:
        return written(ledger.app.appoint_lead(caller.user_id, team_id, data.user_id, key, expected))

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="Every team with its lead and members, as of `as_of`")
    def list_teams(self, caller: CallerDep, ledger: LedgerDep, position: Position) -> list[TeamView]:
        with ledger.store.reading() as tx:
            teams = teams_at(tx, position)
            members = members_at(tx, teams, position)
        rows = sorted(teams.values(), key=lambda t: (t.name, str(t.id)))
        return [view(row, members[row.id], position) for row in rows]

    @get("/{team_id:uuid}", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="One team with its lead and members, as of `as_of`")
    def one(self, team_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, position: Position) -> TeamView:
        with ledger.store.reading() as tx:
            row = team_at(tx, team_id, position)
            members = members_at(tx, [team_id], position)
        if row is None:
            raise NotFound(f"no team with id {team_id} (as of log position {position})")
        return view(row, members[team_id], position)
