"""Cycles (quarters): planning them and how they read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from api.schemas.common import Body, Name


class CycleCreate(Body):
    name: Name
    starts_on: date
    ends_on: date


class CycleView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    starts_on: date
    ends_on: date
    state: Literal["planning", "active", "closed"]
    closed_at: datetime | None
    position: int  # the log position the answer describes
