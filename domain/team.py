"""The Team aggregate: a team in the organisation's tree, with its lead and members."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import rules
from domain.errors import AlreadyExists, InvalidValue, NotFound


class Team(Aggregate):
    TOPIC = "okr:Team"

    class Event(Aggregate.Event):
        TOPIC = "okr:Team.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:Team.Created"

    @classmethod
    def form(
        cls, actor_id: UUID, team_id: UUID, name: str, lead_id: UUID, parent_id: UUID | None,
        now: datetime,
    ) -> Team:
        rules.require_text("name", name, 200)
        if parent_id == team_id:
            raise InvalidValue("a team cannot be its own parent: choose another parent_id")
        return cls(
            id=team_id, actor_id=actor_id, name=name.strip(), lead_id=lead_id,
            parent_id=parent_id, timestamp=now,
        )

    @event("Formed", topic="okr:Team.Formed")
    def __init__(
        self, id: UUID, actor_id: UUID, name: str, lead_id: UUID, parent_id: UUID | None,
        timestamp: datetime,
    ) -> None:
        self.name = name
        self.lead_id = lead_id
        self.parent_id = parent_id
        self.members: list[UUID] = []

    def add_member(self, actor_id: UUID, user_id: UUID, now: datetime) -> None:
        if user_id in self.members:
            raise AlreadyExists(f"user {user_id} is already a member of team {self.name!r}")
        self._member_added(actor_id=actor_id, user_id=user_id, timestamp=now)

    @event("MemberAdded", topic="okr:Team.MemberAdded")
    def _member_added(self, actor_id: UUID, user_id: UUID, timestamp: datetime) -> None:
        self.members.append(user_id)

    def remove_member(self, actor_id: UUID, user_id: UUID, now: datetime) -> None:
        if user_id not in self.members:
            raise NotFound(f"user {user_id} is not a member of team {self.name!r}")
        self._member_removed(actor_id=actor_id, user_id=user_id, timestamp=now)

    @event("MemberRemoved", topic="okr:Team.MemberRemoved")
    def _member_removed(self, actor_id: UUID, user_id: UUID, timestamp: datetime) -> None:
        self.members.remove(user_id)

    def appoint_lead(self, actor_id: UUID, lead_id: UUID, now: datetime) -> None:
        if lead_id != self.lead_id:
            self._lead_appointed(actor_id=actor_id, lead_id=lead_id, timestamp=now)

    @event("LeadAppointed", topic="okr:Team.LeadAppointed")
    def _lead_appointed(self, actor_id: UUID, lead_id: UUID, timestamp: datetime) -> None:
        self.lead_id = lead_id
