"""Questions the goal tree answers, each as of a log position: a cycle's tree, one objective,
the North Star. Clock-dependent values (health) are computed at
the `now` the caller passes: the `as_of` time for a time-travel read, the request's time
otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain import rules
from domain.values import CycleState, Terms
from projections.store import Tx
from projections.timefmt import parsed
from projections.tree import tables
from projections.tree.documents import (
    known_terms, nest, objective_row, parsed_terms, team_and_below,
)
from projections.tree.versions import fields
from projections.tree.rows import CycleRow, GoalTree, ObjectiveRow, TeamRow


TERMS_PER_QUERY = 500


def terms_of(tx: Tx, versions: Sequence[Sequence[Any]]) -> dict[str, Terms]:
    """The terms the stored versions refer to, by key (their agreed and negotiated terms)."""
    keys = {key for version in versions for key in version[5:7] if key is not None}
    found, missing = known_terms(keys)
    missing_keys = sorted(missing)
    for start in range(0, len(missing_keys), TERMS_PER_QUERY):
        chunk = missing_keys[start:start + TERMS_PER_QUERY]
        parsed_terms(tx.execute(tables.terms(len(chunk)), chunk).fetchall(), found)
    return found


def cycle_at(tx: Tx, cycle_id: UUID, position: int) -> CycleRow | None:
    """The cycle as it stood at `position`; None if it was not planned by then."""
    row = tx.execute(tables.CYCLE_AS_OF, (str(cycle_id), position)).fetchone()
    if row is None:
        return None
    cid, name, starts_on, ends_on, state, closed_at = row
    return CycleRow(
        id=UUID(cid), name=name, starts_on=date.fromisoformat(starts_on),
        ends_on=date.fromisoformat(ends_on), state=CycleState(state),
        closed_at=parsed(closed_at) if closed_at else None,
    )


def cycles_at(tx: Tx, position: int) -> list[CycleRow]:
    """Every cycle planned by `position`, as it stood then, by start date and name."""
    ids = tx.execute(
        "SELECT DISTINCT cycle_id FROM okr_cycle_versions WHERE from_position <= ?", (position,)
    ).fetchall()
    cycles = [cycle_at(tx, UUID(cid), position) for (cid,) in ids]
    return sorted((c for c in cycles if c is not None), key=lambda c: (c.starts_on, c.name))


def north_star_at(tx: Tx, position: int) -> str | None:
    row = tx.execute(tables.NORTH_STAR_AS_OF, (position,)).fetchone()
    return row[0] if row else None


def _team(row: tuple) -> TeamRow:
    tid, name, parent, lead = row
    return TeamRow(UUID(tid), name, UUID(parent) if parent else None, UUID(lead))


def teams_at(tx: Tx, position: int) -> dict[UUID, TeamRow]:
    """Every team formed by `position`, with its name, parent and lead as of then."""
    rows = tx.execute(tables.TEAMS_AS_OF, (position, position)).fetchall()
    return {team.id: team for team in map(_team, rows)}


def team_at(tx: Tx, team_id: UUID, position: int) -> TeamRow | None:
    row = tx.execute(tables.TEAM_AS_OF, (str(team_id), position)).fetchone()
    return None if row is None else _team(row)


def epoch_at(tx: Tx, position: int) -> int:
    """The epoch of the versions that `position` falls in (see `tables`)."""
    return tx.execute(tables.EPOCH_AT, (position,)).fetchone()[0] or 0


def members_at(
    tx: Tx, cycle_id: UUID, position: int, teams: Sequence[str] = (), gone: bool = True,
    parent_id: UUID | None = None,
) -> list[tuple]:
    """The stored versions of a cycle's objectives as of `position`, in the order drafted
    (see `tables.members_as_of`): from the latest versions when nothing in the cycle has
    changed since `position`, else each one's from its history."""
    changed = tx.execute(tables.CYCLE_CHANGED, (str(cycle_id),)).fetchone()[0]
    heads = changed is None or changed <= position
    sql = tables.members_as_of(
        teams=len(teams), gone=gone, parent=parent_id is not None, sqlite=not tx.postgres,
        heads=heads,
    )
    params: list[Any] = []
    if not heads:
        epoch = epoch_at(tx, position)
        params += [epoch, epoch, position] if tx.postgres else [epoch, position]
    params += [str(cycle_id), position, *teams]
    if not gone:
        params += tables.GONE_STATUSES
    if parent_id is not None:
        params.append(str(parent_id))
    return tx.execute(sql, params).fetchall()


def goal_tree(
    tx: Tx, cycle_id: UUID, position: int, now: datetime, team_id: UUID | None = None,
    include_gone: bool = False,
) -> GoalTree | None:
    """The cycle's objectives at `position`, nested by parent links, with progress roll-ups.

    With `team_id`, only the objectives of that team and the teams under it (by the team
    hierarchy as of `position`). Rejected and withdrawn objectives are left out unless
    `include_gone`. None if the cycle was not planned by `position`.
    """
    cycle = cycle_at(tx, cycle_id, position)
    if cycle is None:
        return None
    teams = teams_at(tx, position)
    chosen: list[str] = []
    if team_id is not None:
        if team_id not in teams:  # not formed by then: it owns nothing
            return GoalTree(position, cycle, north_star_at(tx, position), team_id, ())
        chosen = sorted(str(t) for t in team_and_below(teams, team_id))
    rows = members_at(tx, cycle_id, position, chosen, gone=include_gone)
    expected = rules.expected_progress(cycle.starts_on, cycle.ends_on, now)
    names = {str(t.id): t.name for t in teams.values()}
    known = terms_of(tx, rows)
    objectives = [
        objective_row(
            version, terms=known, team_name=names.get(version[2]), cycle=cycle, now=now,
            expected=expected,
        ) for version in rows
    ]
    return GoalTree(
        position=position, cycle=cycle, north_star=north_star_at(tx, position),
        team_id=team_id, roots=nest(objectives),
    )


def objective_at(tx: Tx, objective_id: UUID, position: int, now: datetime) -> ObjectiveRow | None:
    """One objective as it stood at `position`; None if it was not drafted by then.

    Its children's average counts the aligned objectives of its cycle at that position,
    rejected and withdrawn ones left out, as in the tree.
    """
    version = tx.execute(
        tables.OBJECTIVE_AS_OF, (epoch_at(tx, position), str(objective_id), position)
    ).fetchone()
    if version is None:
        return None
    _, cycle_id, team_id, *_ = version
    cycle = cycle_at(tx, UUID(cycle_id), position)
    team = team_at(tx, UUID(team_id), position)
    children = members_at(tx, UUID(cycle_id), position, gone=False, parent_id=objective_id)
    average = rules.children_average(fields(child[-1])["progress"] for child in children)
    return objective_row(
        version, terms=terms_of(tx, [version]), team_name=team.name if team else None,
        cycle=cycle, now=now, children_average=average,
    )
