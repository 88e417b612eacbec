"""The User aggregate: a person of the organisation, possibly an administrator."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import rules


class User(Aggregate):
    TOPIC = "okr:User"

    class Event(Aggregate.Event):
        TOPIC = "okr:User.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:User.Created"

    @classmethod
    def register(
        cls, actor_id: UUID, user_id: UUID, name: str, email: str, admin: bool, now: datetime
    ) -> User:
        rules.require_text("name", name, 200)
        rules.require_email(email)
        return cls(
            id=user_id, actor_id=actor_id, name=name.strip(), email=email.strip().lower(),
            admin=admin, timestamp=now,
        )

    @event("Registered", topic="okr:User.Registered")
    def __init__(
        self, id: UUID, actor_id: UUID, name: str, email: str, admin: bool, timestamp: datetime
    ) -> None:
        self.name = name
        self.email = email
        self.admin = admin
