"""The North Star: stating it and how it reads."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from api.schemas.common import Body

Statement = Annotated[str, Meta(min_length=1, max_length=500, description="1 to 500 characters")]


class NorthStarStatement(Body):
    statement: Statement


class NorthStarView(msgspec.Struct, frozen=True):
    statement: str
    position: int  # the log position the answer describes
