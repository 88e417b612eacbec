"""Users and their tokens: registering someone, and how a user reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from api.schemas.common import Body, Name

Email = Annotated[str, Meta(
    min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    description="an address like name@example.org", examples=["ada@example.org"],
)]


class UserCreate(Body):
    name: Name
    email: Email
    admin: bool = False


class UserCreated(msgspec.Struct, frozen=True):
    """A registered user with their first token. `token` is shown once: a retry of the same
    registration (same Idempotency-Key) answers with the same user and `token: null`."""

    id: UUID
    name: str
    email: str
    admin: bool
    token_id: UUID
    token: str | None
    version: int
    position: int


class UserView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    email: str
    admin: bool
    registered_at: datetime
    registered_position: int  # where the registration sits in the log: the cursor for `after`
    position: int  # the log position the answer describes


class UserPage(msgspec.Struct, frozen=True):
    """Users in the order they were registered; pass `next_after` as `after` for the next page
    (null on the last page)."""

    users: list[UserView]
    next_after: int | None
    position: int


class TokenIssued(msgspec.Struct, frozen=True):
    """A new token: send it as `Authorization: Bearer <token>`. It is shown this once."""

    token_id: UUID
    token: str
