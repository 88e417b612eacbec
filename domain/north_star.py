"""The North Star: the organisation's one statement of why, to which the top objectives align."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import rules

NORTH_STAR_ID = uuid5(UUID("6f0c2a57-3f0e-4d7e-9a53-5b8a3d1b0e11"), "north-star")


class NorthStar(Aggregate):
    TOPIC = "okr:NorthStar"

    class Event(Aggregate.Event):
        TOPIC = "okr:NorthStar.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:NorthStar.Created"

    @classmethod
    def state(cls, actor_id: UUID, statement: str, now: datetime) -> NorthStar:
        rules.require_text("statement", statement, 500)
        return cls(id=NORTH_STAR_ID, actor_id=actor_id, statement=statement.strip(), timestamp=now)

    @event("Stated", topic="okr:NorthStar.Stated")
    def __init__(self, id: UUID, actor_id: UUID, statement: str, timestamp: datetime) -> None:
        self.statement = statement

    def restate(self, actor_id: UUID, statement: str, now: datetime) -> None:
        rules.require_text("statement", statement, 500)
        if statement.strip() != self.statement:
            self._restated(actor_id=actor_id, statement=statement.strip(), timestamp=now)

    @event("Restated", topic="okr:NorthStar.Restated")
    def _restated(self, actor_id: UUID, statement: str, timestamp: datetime) -> None:
        self.statement = statement
