"""Shapes shared by every resource: the result of a write, limits on text, pages."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from domain.rules import TEXT_MAX_LENGTH

Name = Annotated[str, Meta(min_length=1, max_length=200, description="1 to 200 characters")]
Text = Annotated[str, Meta(max_length=TEXT_MAX_LENGTH, description=f"at most {TEXT_MAX_LENGTH} characters")]
Comment = Annotated[str, Meta(max_length=TEXT_MAX_LENGTH)]
Number = Annotated[float, Meta(description="a finite number")]
Limit = Annotated[int, Meta(ge=1, le=1000)]


class Body(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A request body: unknown fields are refused, so a typo never passes silently."""


class Written(msgspec.Struct, frozen=True):
    """What a write returns: the resource it changed, its new version (also the ETag) and
    the log position of its last event (pass it as `min_position` to read your write)."""

    id: UUID
    version: int
    position: int
