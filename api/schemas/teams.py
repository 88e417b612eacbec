"""Teams: forming one, its members and lead, and how a team reads."""

from __future__ import annotations

from uuid import UUID

import msgspec

from api.schemas.common import Body, Name


class TeamCreate(Body):
    name: Name
    lead_id: UUID
    parent_id: UUID | None = None


class Membership(Body):
    user_id: UUID


class LeadAppointment(Body):
    user_id: UUID


class TeamView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    parent_id: UUID | None
    lead_id: UUID
    members: list[UUID]  # in the order they joined
    position: int  # the log position the answer describes
