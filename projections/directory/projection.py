"""Folds registrations and team memberships into the directory's tables.

Users are append-only rows keyed by the position of their registration, so "registered by
P" is `position <= P` and a page of users is a range of the primary key. A membership is a
row valid from the position that added it until the one that removed it (`to_position`),
so the members of a team as of P are the rows whose interval holds P.
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.projection import Logged, Projection
from projections.store import Tx

USERS_TABLE = "okr_users"
MEMBERS_TABLE = "okr_team_members"

REGISTERED = "okr:User.Registered"
MEMBER_ADDED = "okr:Team.MemberAdded"
MEMBER_REMOVED = "okr:Team.MemberRemoved"

USER_COLUMNS = ("position", "user_id", "name", "email", "admin", "registered_at")
INSERT_MEMBER = (
    f"INSERT INTO {MEMBERS_TABLE} (team_id, user_id, from_position) VALUES (?, ?, ?)"
)
END_MEMBER = (
    f"UPDATE {MEMBERS_TABLE} SET to_position = ?"
    " WHERE team_id = ? AND user_id = ? AND to_position IS NULL"
)


TOPICS = frozenset((REGISTERED, MEMBER_ADDED, MEMBER_REMOVED))


class DirectoryProjection(Projection):
    name = "directory"
    decodes = False  # users and memberships only
    tables = (USERS_TABLE, MEMBERS_TABLE)
    schema = (
        f"CREATE TABLE IF NOT EXISTS {USERS_TABLE} ("
        " position BIGINT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
        " email TEXT NOT NULL, admin BOOLEAN NOT NULL, registered_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {MEMBERS_TABLE} ("
        " team_id TEXT NOT NULL, user_id TEXT NOT NULL, from_position BIGINT NOT NULL,"
        " to_position BIGINT, PRIMARY KEY (team_id, from_position, user_id))",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        users = []
        for logged in batch:
            topic = logged.topic
            if topic not in TOPICS:
                continue
            e = logged.event
            if topic == REGISTERED:
                users.append((
                    logged.position, str(e.originator_id), e.name, e.email, bool(e.admin),
                    logged.recorded_text,
                ))
            elif topic == MEMBER_ADDED:
                tx.execute(INSERT_MEMBER, (str(e.originator_id), str(e.user_id), logged.position))
            elif topic == MEMBER_REMOVED:
                # In log order, so a removal always finds the row its addition wrote.
                tx.execute(END_MEMBER, (logged.position, str(e.originator_id), str(e.user_id)))
        tx.append(USERS_TABLE, USER_COLUMNS, users)
