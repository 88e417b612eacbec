"""Stores every negotiation step of every objective as an append-only row keyed by position.

The rows are facts that never change, so the negotiation as of position P is the fold of
the rows at or before P: one index range read, however long the log has grown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from projections.negotiation.rows import (
    AMENDMENT_STARTED, APPROVED, CHANGES_REQUESTED, COUNTER_ACCEPTED, COUNTER_DECLINED, COUNTERED,
    DRAFTED, REJECTED, REVISED, SUBMITTED, WITHDRAWN,
)
from projections.projection import Logged, Projection
from projections.store import Tx

TABLE = "okr_negotiation_steps"
COLUMNS = ("objective_id", "position", "recorded_at", "kind", "actor_id", "round", "comment", "data")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _drafted(e: Any) -> str:
    return _json({"cycle_id": str(e.cycle_id), "team_id": str(e.team_id), "title": e.title})


def _revised(e: Any) -> str:
    return _json({"title": e.title})


# topic → (kind, what the row keeps beyond who, when, round and comment)
STEPS: dict[str, tuple[str, Callable[[Any], str] | None]] = {
    "okr:Objective.Drafted": (DRAFTED, _drafted),
    "okr:Objective.DetailsRevised": (REVISED, _revised),
    "okr:Objective.Submitted": (SUBMITTED, lambda e: _json(e.terms)),
    "okr:Objective.Approved": (APPROVED, None),
    "okr:Objective.ChangesRequested": (CHANGES_REQUESTED, None),
    "okr:Objective.Countered": (COUNTERED, lambda e: _json(e.targets)),
    "okr:Objective.CounterAccepted": (COUNTER_ACCEPTED, None),
    "okr:Objective.CounterDeclined": (COUNTER_DECLINED, None),
    "okr:Objective.Rejected": (REJECTED, None),
    "okr:Objective.Withdrawn": (WITHDRAWN, None),
    "okr:Objective.AmendmentStarted": (AMENDMENT_STARTED, None),
}


class NegotiationProjection(Projection):
    name = "negotiation"
    decodes = False  # negotiation steps only
    tables = (TABLE,)
    schema = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " objective_id TEXT NOT NULL, position BIGINT NOT NULL, recorded_at TEXT NOT NULL,"
        " kind TEXT NOT NULL, actor_id TEXT NOT NULL, round INTEGER, comment TEXT, data TEXT,"
        " PRIMARY KEY (objective_id, position))",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        rows = []
        for logged in batch:
            step = STEPS.get(logged.topic)
            if step is None:
                continue  # check-ins, scores, other aggregates: not part of a negotiation
            kind, data_of = step
            e = logged.event
            if kind == REVISED and e.title is None:
                continue  # only the description changed
            rows.append((
                str(e.originator_id), logged.position, logged.recorded_text, kind,
                str(e.actor_id), getattr(e, "round", None), getattr(e, "comment", None),
                data_of(e) if data_of else None,
            ))
        tx.append(TABLE, COLUMNS, rows)
