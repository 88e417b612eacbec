"""Use cases that shape the organisation: users, teams, the North Star and cycles (admin work)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID, uuid4, uuid5

from domain.cycle import Cycle
from domain.errors import AlreadyExists, Conflict, InvalidValue
from domain.north_star import NORTH_STAR_ID, NorthStar
from domain.team import Team
from domain.user import User

if TYPE_CHECKING:
    from domain.application import OkrApp, Recorded

USER_NAMESPACE = UUID("a3a0f3c1-54f4-4b8e-8d6e-0c7f1f9b2d44")


def user_id_for(email: str) -> UUID:
    """Users are keyed by their email, so two registrations of one address collide in the log."""
    return uuid5(USER_NAMESPACE, email.strip().lower())


class OrganisationCases:
    def register_user(
        self: OkrApp, actor_id: UUID, name: str, email: str, admin: bool = False,
        idempotency_key: str | None = None,
    ) -> Recorded:
        self._require_admin(actor_id, "register users")

        def work(now):
            user = User.register(actor_id, user_id_for(email), name, email, admin, now)
            if self._exists(user.id):
                raise AlreadyExists(f"a user with email {user.email} is already registered")
            return (user,)

        return self._execute("register_user", actor_id, idempotency_key, work)

    def form_team(
        self: OkrApp, actor_id: UUID, name: str, lead_id: UUID, parent_id: UUID | None = None,
        team_id: UUID | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        self._require_admin(actor_id, "form teams")

        def work(now):
            self._require_user(lead_id)
            if parent_id is not None:
                self._load(Team, parent_id, "parent team")
            return (Team.form(actor_id, team_id or uuid4(), name, lead_id, parent_id, now),)

        return self._execute("form_team", actor_id, idempotency_key, work)

    def add_member(
        self: OkrApp, actor_id: UUID, team_id: UUID, user_id: UUID,
        idempotency_key: str | None = None, expected_version: int | None = None,
    ) -> Recorded:
        def work(now):
            team = self._load(Team, team_id, "team")
            self._check_version(team, expected_version)
            if actor_id != team.lead_id:
                self._require_admin(actor_id, "add members to a team they do not lead")
            self._require_user(user_id)
            team.add_member(actor_id, user_id, now)
            return (team,)

        return self._execute("add_member", actor_id, idempotency_key, work)

    def remove_member(
        self: OkrApp, actor_id: UUID, team_id: UUID, user_id: UUID,
        idempotency_key: str | None = None, expected_version: int | None = None,
    ) -> Recorded:
        def work(now):
            team = self._load(Team, team_id, "team")
            self._check_version(team, expected_version)
            if actor_id != team.lead_id:
                self._require_admin(actor_id, "remove members from a team they do not lead")
            team.remove_member(actor_id, user_id, now)
            return (team,)

        return self._execute("remove_member", actor_id, idempotency_key, work)

    def appoint_lead(
        self: OkrApp, actor_id: UUID, team_id: UUID, lead_id: UUID,
        idempotency_key: str | None = None, expected_version: int | None = None,
    ) -> Recorded:
        self._require_admin(actor_id, "appoint team leads")

        def work(now):
            team = self._load(Team, team_id, "team")
            self._check_version(team, expected_version)
            self._require_user(lead_id)
            team.appoint_lead(actor_id, lead_id, now)
            return (team,)

        return self._execute("appoint_lead", actor_id, idempotency_key, work)

    def state_north_star(
        self: OkrApp, actor_id: UUID, statement: str, idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> Recorded:
        self._require_admin(actor_id, "state the North Star")

        def work(now):
            if not self._exists(NORTH_STAR_ID):
                if expected_version not in (None, 0):
                    raise Conflict(
                        f"no North Star has been stated yet, not version {expected_version}",
                        current_version=0,
                    )
                return (NorthStar.state(actor_id, statement, now),)
            star = self._load(NorthStar, NORTH_STAR_ID, "North Star")
            self._check_version(star, expected_version)
            star.restate(actor_id, statement, now)
            return (star,)

        return self._execute("state_north_star", actor_id, idempotency_key, work)

    def plan_cycle(
        self: OkrApp, actor_id: UUID, name: str, starts_on: date, ends_on: date,
        cycle_id: UUID | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        self._require_admin(actor_id, "plan cycles")
        if not isinstance(starts_on, date) or not isinstance(ends_on, date):
            raise InvalidValue("starts_on and ends_on must be dates (YYYY-MM-DD)")
        return self._execute("plan_cycle", actor_id, idempotency_key, lambda now: (
            Cycle.plan(actor_id, cycle_id or uuid4(), name, starts_on, ends_on, now),
        ))

    def activate_cycle(
        self: OkrApp, actor_id: UUID, cycle_id: UUID, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        return self._cycle_command(
            "activate_cycle", actor_id, cycle_id, expected_version, idempotency_key,
            lambda cycle, now: cycle.activate(actor_id, now),
        )

    def close_cycle(
        self: OkrApp, actor_id: UUID, cycle_id: UUID, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        return self._cycle_command(
            "close_cycle", actor_id, cycle_id, expected_version, idempotency_key,
            lambda cycle, now: cycle.close(actor_id, now),
        )

    def _cycle_command(self: OkrApp, name, actor_id, cycle_id, expected_version, key, change):
        self._require_admin(actor_id, "move cycles through planning, active and closed")

        def work(now):
            cycle = self._load(Cycle, cycle_id, "cycle")
            self._check_version(cycle, expected_version)
            change(cycle, now)
            return (cycle,)

        return self._execute(name, actor_id, key, work)
