"""The question this read model answers: how was this objective negotiated, as of a position?"""

from __future__ import annotations

import json
from uuid import UUID

from projections.negotiation.fold import fold
from projections.negotiation.projection import TABLE
from projections.negotiation.rows import NegotiationView, Step
from projections.store import Tx
from projections.timefmt import parsed


def steps(tx: Tx, objective_id: UUID, position: int) -> list[Step]:
    """The objective's negotiation steps recorded at or before `position`, in log order."""
    rows = tx.execute(
        "SELECT position, recorded_at, kind, actor_id, round, comment, data"
        f" FROM {TABLE} WHERE objective_id = ? AND position <= ? ORDER BY position",
        (str(objective_id), position),
    ).fetchall()
    return [
        Step(
            position=pos, recorded_at=parsed(recorded), kind=kind, actor_id=UUID(actor),
            round=round_, comment=comment, data=json.loads(data) if data else None,
        )
        for pos, recorded, kind, actor, round_, comment, data in rows
    ]


def negotiation(tx: Tx, objective_id: UUID, position: int) -> NegotiationView | None:
    """The negotiation after exactly the log's first `position` events; None if not drafted by then."""
    return fold(objective_id, steps(tx, objective_id, position))
