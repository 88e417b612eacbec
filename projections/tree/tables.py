"""The goal tree's temporal tables, and the as-of lookups they are indexed for.

Every row is valid from `from_position` until the next row of the same key. "As of P"
means the row with the greatest `from_position <= P`, found through the primary key on
(key, from_position) (for objectives, a unique index on (epoch, objective_id,
from_position), see below), so its cost depends on how many keys are asked for, never on
how long the log is. Objectives never change cycle or team, so a
cycle's members are a small table of their own, read first.

Each objective's latest version is also kept in a table of its own, as small as the number
of objectives (`okr_objective_heads`), written in the same transaction as the versions. A
read at or after a cycle's latest change (the tree now, most reads) takes its rows from
there, so it never reaches into the history at all.

A read of the history looks in one epoch of it. The versions are split into epochs of at
least 20,000 positions (and four times as many as there are objectives); each epoch starts
with a copy of every objective's latest version before it (`CARRY`), so the version of an
objective as of a position is found among that position's epoch's rows alone. Lookups of
a thousand objectives then land in one stretch of the index as large as an epoch, however
long the history. With one index over the whole history, the thousand lookups took 1.4x as
long in a log of 1M events as in one of 10k (the index's pages they touched no longer in
the processor's caches); in epochs, as long.
"""

from __future__ import annotations

TABLES = (
    "okr_objective_versions", "okr_objective_heads", "okr_tree_epochs", "okr_objective_terms",
    "okr_cycle_objectives", "okr_cycle_versions", "okr_team_versions", "okr_north_star_versions",
)

SCHEMA = (
    # One row per objective event (and one per objective with agreed terms at its cycle's
    # close): the whole state at that version. `parent_id` and `status` are columns, to find
    # children without parsing every document; the terms agreed and under negotiation are
    # rows of their own, referred to by key (see versions.py); the rest is a JSON document.
    # Its key is the unique index `VERSIONS_KEY`, which a rebuild makes once the rows are in.
    "CREATE TABLE IF NOT EXISTS okr_objective_versions ("
    " objective_id TEXT NOT NULL, from_position BIGINT NOT NULL, cycle_id TEXT NOT NULL,"
    " team_id TEXT NOT NULL, parent_id TEXT, status TEXT NOT NULL, agreed_id TEXT,"
    " proposal_id TEXT, doc TEXT NOT NULL, epoch BIGINT NOT NULL)",
    # Where each epoch of the versions starts, and how many objectives it carried over.
    "CREATE TABLE IF NOT EXISTS okr_tree_epochs ("
    " starts_at BIGINT PRIMARY KEY, carried BIGINT NOT NULL)",
    # The latest of each objective's versions, with the same columns.
    "CREATE TABLE IF NOT EXISTS okr_objective_heads ("
    " objective_id TEXT PRIMARY KEY, from_position BIGINT NOT NULL, cycle_id TEXT NOT NULL,"
    " team_id TEXT NOT NULL, parent_id TEXT, status TEXT NOT NULL, agreed_id TEXT,"
    " proposal_id TEXT, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS okr_objective_heads_cycle"
    " ON okr_objective_heads (cycle_id, from_position)",
    "CREATE TABLE IF NOT EXISTS okr_objective_terms ("
    " terms_id TEXT PRIMARY KEY, terms TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS okr_cycle_objectives ("
    " cycle_id TEXT NOT NULL, objective_id TEXT NOT NULL, team_id TEXT NOT NULL,"
    " from_position BIGINT NOT NULL, PRIMARY KEY (cycle_id, objective_id))",
    "CREATE TABLE IF NOT EXISTS okr_cycle_versions ("
    " cycle_id TEXT NOT NULL, from_position BIGINT NOT NULL, name TEXT NOT NULL,"
    " starts_on TEXT NOT NULL, ends_on TEXT NOT NULL, state TEXT NOT NULL, closed_at TEXT,"
    " PRIMARY KEY (cycle_id, from_position))",
    "CREATE TABLE IF NOT EXISTS okr_team_versions ("
    " team_id TEXT NOT NULL, from_position BIGINT NOT NULL, name TEXT NOT NULL,"
    " parent_id TEXT, lead_id TEXT NOT NULL, PRIMARY KEY (team_id, from_position))",
    "CREATE TABLE IF NOT EXISTS okr_north_star_versions ("
    " from_position BIGINT PRIMARY KEY, statement TEXT NOT NULL)",
)

# Every as-of read of an objective goes through it. Folding writes each version row once, at
# a new position, so only reads need it: a rebuild sorts a million rows into it once rather
# than inserting each one into it (a sixth of the tree's rebuild).
VERSIONS_KEY = (
    "CREATE UNIQUE INDEX IF NOT EXISTS okr_objective_versions_key"
    " ON okr_objective_versions (epoch, objective_id, from_position)"
)
INDEXES = (VERSIONS_KEY,)

VERSIONS = "okr_objective_versions"
VERSION_COLUMNS = (
    "objective_id", "from_position", "cycle_id", "team_id", "parent_id", "status", "agreed_id",
    "proposal_id", "doc",
)
HEADS = "okr_objective_heads"
# Versions rows are `VERSION_COLUMNS` (as heads rows are) and their epoch.
VERSIONS_WITH_EPOCH = (*VERSION_COLUMNS, "epoch")
OBJECTIVES = f"SELECT COUNT(*) FROM {HEADS}"
LATEST_EPOCH = "SELECT starts_at, carried FROM okr_tree_epochs ORDER BY starts_at DESC LIMIT 1"
EPOCH_AT = "SELECT MAX(starts_at) FROM okr_tree_epochs WHERE starts_at <= ?"
INSERT_EPOCH = "INSERT INTO okr_tree_epochs (starts_at, carried) VALUES (?, ?)"
CARRY = (
    f"INSERT INTO {VERSIONS} ({', '.join(VERSIONS_WITH_EPOCH)})"
    f" SELECT {', '.join(VERSION_COLUMNS)}, ? FROM {HEADS}"
)
# The position of the latest version of any of a cycle's objectives.
CYCLE_CHANGED = f"SELECT MAX(from_position) FROM {HEADS} WHERE cycle_id = ?"
# Terms rows are keyed by their content: written again, they change nothing.
INSERT_TERMS = (
    "INSERT INTO okr_objective_terms (terms_id, terms) VALUES (?, ?)"
    " ON CONFLICT (terms_id) DO NOTHING"
)
INSERT_MEMBER = (
    "INSERT INTO okr_cycle_objectives (cycle_id, objective_id, team_id, from_position)"
    " VALUES (?, ?, ?, ?)"
)
INSERT_CYCLE = (
    "INSERT INTO okr_cycle_versions (cycle_id, from_position, name, starts_on, ends_on, state,"
    " closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
INSERT_TEAM = (
    "INSERT INTO okr_team_versions (team_id, from_position, name, parent_id, lead_id)"
    " VALUES (?, ?, ?, ?, ?)"
)
INSERT_NORTH_STAR = "INSERT INTO okr_north_star_versions (from_position, statement) VALUES (?, ?)"
# The statements of the rarer rows, in the order a batch writes them (after the terms and
# versions), so that rows refer only to rows already written.
INSERTS = (INSERT_MEMBER, INSERT_CYCLE, INSERT_TEAM, INSERT_NORTH_STAR)

# The version of one objective as of a position: a backward probe of the primary key.
_LATEST = (
    "SELECT MAX(w.from_position) FROM okr_objective_versions w"
    " WHERE w.epoch = ? AND w.objective_id = m.objective_id AND w.from_position <= ?"
)


# A stored version as `documents.objective_row` takes it. The terms it refers to are read
# apart (`terms`): most are known already, from answers before.
_VERSION = (
    "v.objective_id, v.cycle_id, v.team_id, v.from_position, v.status, v.agreed_id,"
    " v.proposal_id, v.doc"
)


def terms(count: int) -> str:
    """The texts of `count` terms, by key."""
    return (
        "SELECT terms_id, terms FROM okr_objective_terms"
        f" WHERE terms_id IN ({', '.join('?' * count)})"
    )


GONE_STATUSES = ("rejected", "withdrawn")


# On SQLite the version's row is found by its row id, which the index holds: one seek of
# the index and one of the table per objective, instead of two of the index (the latest
# position, then its row) and one of the table. With 1M events in the log, the as-of read
# of 1,000 objectives grew 1.33x from 10k events the other way.
_LATEST_ROW = (
    "SELECT w.rowid FROM okr_objective_versions w"
    " WHERE w.epoch = ? AND w.objective_id = m.objective_id AND w.from_position <= ?"
    " ORDER BY w.from_position DESC LIMIT 1"
)


def members_as_of(
    teams: int = 0, gone: bool = True, parent: bool = False, sqlite: bool = False,
    heads: bool = False,
) -> str:
    """A cycle's objectives and their versions as of a position, in the order drafted.

    Parameters, in order: the position's epoch (`EPOCH_AT`; on PostgreSQL twice) and the
    position (neither with `heads`), cycle_id, position; then `teams` team ids to keep;
    then, unless `gone`, the GONE_STATUSES to leave out; then, with `parent`, the parent
    id. With `heads`, their latest versions: those as of the position only if it is at or
    after the cycle's latest change (`CYCLE_CHANGED`).
    """
    if heads:
        join = f"{HEADS} v ON v.objective_id = m.objective_id"
    else:
        latest = (
            f"v.rowid = ({_LATEST_ROW})" if sqlite
            else f"v.epoch = ? AND v.from_position = ({_LATEST})"
        )
        join = f"okr_objective_versions v ON v.objective_id = m.objective_id AND {latest}"
    sql = (
        f"SELECT {_VERSION} FROM okr_cycle_objectives m JOIN {join}"
        " WHERE m.cycle_id = ? AND m.from_position <= ?"
    )
    if teams:
        sql += f" AND m.team_id IN ({', '.join('?' * teams)})"
    if not gone:
        sql += " AND v.status NOT IN (?, ?)"
    if parent:
        sql += " AND v.parent_id = ?"
    return sql + " ORDER BY m.from_position"


OBJECTIVE_AS_OF = (  # parameters: the position's epoch, objective_id, position
    f"SELECT {_VERSION} FROM okr_objective_versions v WHERE v.epoch = ?"
    " AND v.objective_id = ? AND v.from_position <= ? ORDER BY v.from_position DESC LIMIT 1"
)

CLOSED_AT = (  # the cycle's latest version, for the projection itself
    "SELECT closed_at FROM okr_cycle_versions WHERE cycle_id = ?"
    " ORDER BY from_position DESC LIMIT 1"
)
CLOSED_AT_ALL = (  # every cycle's, likewise
    "SELECT c.cycle_id, c.closed_at FROM okr_cycle_versions c WHERE c.from_position ="
    " (SELECT MAX(w.from_position) FROM okr_cycle_versions w WHERE w.cycle_id = c.cycle_id)"
)

CYCLE_AS_OF = (
    "SELECT cycle_id, name, starts_on, ends_on, state, closed_at FROM okr_cycle_versions"
    " WHERE cycle_id = ? AND from_position <= ? ORDER BY from_position DESC LIMIT 1"
)

TEAMS_AS_OF = (
    "SELECT t.team_id, t.name, t.parent_id, t.lead_id FROM okr_team_versions t"
    " WHERE t.from_position <= ? AND NOT EXISTS (SELECT 1 FROM okr_team_versions n"
    " WHERE n.team_id = t.team_id AND n.from_position > t.from_position"
    " AND n.from_position <= ?)"
)

TEAM_AS_OF = (
    "SELECT team_id, name, parent_id, lead_id FROM okr_team_versions"
    " WHERE team_id = ? AND from_position <= ? ORDER BY from_position DESC LIMIT 1"
)

NORTH_STAR_AS_OF = (
    "SELECT statement FROM okr_north_star_versions WHERE from_position <= ?"
    " ORDER BY from_position DESC LIMIT 1"
)
