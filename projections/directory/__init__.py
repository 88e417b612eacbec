"""Who is who: registered users and the members of each team, as of any position."""

from projections.directory.projection import DirectoryProjection
from projections.directory.queries import MAX_LIMIT, members_at, user_at, users_at
from projections.directory.rows import UserRow

__all__ = ["MAX_LIMIT", "DirectoryProjection", "UserRow", "members_at", "user_at", "users_at"]
