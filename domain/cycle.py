"""The Cycle aggregate: a planning period that moves planning → active → closed."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import rules
from domain.errors import InvalidTransition
from domain.values import CycleState


class Cycle(Aggregate):
    TOPIC = "okr:Cycle"

    class Event(Aggregate.Event):
        TOPIC = "okr:Cycle.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:Cycle.Created"

    @classmethod
    def plan(
        cls, actor_id: UUID, cycle_id: UUID, name: str, starts_on: date, ends_on: date,
        now: datetime,
    ) -> Cycle:
        rules.require_text("name", name, 100)
        rules.require_cycle_dates(starts_on, ends_on)
        return cls(
            id=cycle_id, actor_id=actor_id, name=name.strip(), starts_on=starts_on,
            ends_on=ends_on, timestamp=now,
        )

    @event("Planned", topic="okr:Cycle.Planned")
    def __init__(
        self, id: UUID, actor_id: UUID, name: str, starts_on: date, ends_on: date, timestamp: datetime
    ) -> None:
        self.name = name
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.state = CycleState.PLANNING
        self.closed_at: datetime | None = None

    def activate(self, actor_id: UUID, now: datetime) -> None:
        if self.state is not CycleState.PLANNING:
            raise InvalidTransition(
                f"cycle {self.name!r} is {self.state.value}: only a planning cycle can be activated"
            )
        self._activated(actor_id=actor_id, timestamp=now)

    @event("Activated", topic="okr:Cycle.Activated")
    def _activated(self, actor_id: UUID, timestamp: datetime) -> None:
        self.state = CycleState.ACTIVE

    def close(self, actor_id: UUID, now: datetime) -> None:
        if self.state is not CycleState.ACTIVE:
            raise InvalidTransition(
                f"cycle {self.name!r} is {self.state.value}: only an active cycle can be closed"
            )
        self._closed(actor_id=actor_id, timestamp=now)

    @event("Closed", topic="okr:Cycle.Closed")
    def _closed(self, actor_id: UUID, timestamp: datetime) -> None:
        self.state = CycleState.CLOSED
        self.closed_at = timestamp

    @property
    def is_closed(self) -> bool:
        return self.state is CycleState.CLOSED
