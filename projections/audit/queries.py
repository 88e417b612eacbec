"""The question this read model answers: which approval decisions were taken, as of a position?"""

from __future__ import annotations

from uuid import UUID

from projections.audit.projection import DECISIONS_TABLE
from projections.audit.rows import ApprovalDecision
from projections.store import Tx
from projections.timefmt import parsed

MAX_LIMIT = 1000  # the largest page a caller may ask for; larger asks get this many

COLUMNS = "position, recorded_at, kind, objective_id, title, cycle_id, team_id, round, actor_id, comment"


def _uuid(text: str | None) -> UUID | None:
    return UUID(text) if text else None


def _decision(row: tuple) -> ApprovalDecision:
    position, recorded, kind, objective, title, cycle, team, round_, actor, comment = row
    return ApprovalDecision(
        position=position, recorded_at=parsed(recorded), kind=kind, objective_id=UUID(objective),
        title=title, cycle_id=_uuid(cycle), team_id=_uuid(team), round=round_,
        actor_id=UUID(actor), comment=comment,
    )


def approvals(
    tx: Tx, position: int, cycle_id: UUID | str | None = None, team_id: UUID | str | None = None,
    after: int = 0, limit: int = 100,
) -> list[ApprovalDecision]:
    """Decisions recorded after position `after` and at or before `position`, oldest first.

    Page on by passing the last decision's position as `after`; `limit` is held to 1..MAX_LIMIT.
    """
    sql = f"SELECT {COLUMNS} FROM {DECISIONS_TABLE} WHERE position > ? AND position <= ?"
    params: list = [after, position]
    if cycle_id is not None:
        sql += " AND cycle_id = ?"
        params.append(str(cycle_id))
    if team_id is not None:
        sql += " AND team_id = ?"
        params.append(str(team_id))
    params.append(max(1, min(int(limit), MAX_LIMIT)))
    rows = tx.execute(sql + " ORDER BY position LIMIT ?", params).fetchall()
    return [_decision(r) for r in rows]
