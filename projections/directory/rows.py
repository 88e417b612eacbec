"""Rows of the directory: the people of the organisation as registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class UserRow:
    """A registered user; `position` is where the registration sits in the log (a page cursor)."""

    id: UUID
    name: str
    email: str
    admin: bool
    registered_at: datetime
    position: int
