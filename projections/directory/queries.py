"""The questions the directory answers, as of a position: who is registered, who is in which team."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from projections.directory.projection import MEMBERS_TABLE, USERS_TABLE
from projections.directory.rows import UserRow
from projections.store import Tx
from projections.timefmt import parsed

MAX_LIMIT = 1000  # the largest page a caller may ask for; larger asks get this many

COLUMNS = "user_id, name, email, admin, registered_at, position"
# A membership holds at P when it was added at or before P and not removed by then.
HELD = "from_position <= ? AND (to_position IS NULL OR to_position > ?)"


def _user(row: tuple) -> UserRow:
    user_id, name, email, admin, registered, position = row
    return UserRow(UUID(user_id), name, email, bool(admin), parsed(registered), position)


def user_at(tx: Tx, user_id: UUID, position: int) -> UserRow | None:
    row = tx.execute(
        f"SELECT {COLUMNS} FROM {USERS_TABLE} WHERE user_id = ? AND position <= ?",
        (str(user_id), position),
    ).fetchone()
    return None if row is None else _user(row)


def users_at(tx: Tx, position: int, after: int = 0, limit: int = 100) -> list[UserRow]:
    """Users registered after position `after` and at or before `position`, in the order they
    were registered. Page on by passing the last user's position as `after`; `limit` is held
    to 1..MAX_LIMIT."""
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM {USERS_TABLE} WHERE position > ? AND position <= ?"
        " ORDER BY position LIMIT ?",
        (after, position, max(1, min(int(limit), MAX_LIMIT))),
    ).fetchall()
    return [_user(r) for r in rows]


def members_at(tx: Tx, team_ids: Iterable[UUID], position: int) -> dict[UUID, list[UUID]]:
    """The members of each of `team_ids` as of `position`, in the order they joined."""
    wanted = [str(t) for t in team_ids]
    members: dict[UUID, list[UUID]] = {UUID(t): [] for t in wanted}
    if not wanted:
        return members
    rows = tx.execute(
        f"SELECT team_id, user_id FROM {MEMBERS_TABLE}"
        f" WHERE team_id IN ({', '.join('?' * len(wanted))}) AND {HELD}"
        " ORDER BY from_position",
        (*wanted, position, position),
    ).fetchall()
    for team_id, user_id in rows:
        members[UUID(team_id)].append(UUID(user_id))
    return members
