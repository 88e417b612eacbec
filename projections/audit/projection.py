"""Folds every approval decision into one append-only table, with the objective it was about.

The objective's cycle, team and title come from this projection's own small table (kept from
Drafted, DetailsRevised and Submitted), never from the application. Each decision row copies
them as they were when it was taken, so an as-of read is a filter on position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.audit.rows import (
    APPROVED, CHANGES_REQUESTED, COUNTER_ACCEPTED, COUNTER_DECLINED, COUNTERED, REJECTED,
)
from projections.projection import Logged, Projection
from projections.store import Tx

DECISIONS_TABLE = "okr_approval_decisions"
OBJECTIVES_TABLE = "okr_audit_objectives"

DECISIONS = {
    "okr:Objective.Approved": APPROVED,
    "okr:Objective.ChangesRequested": CHANGES_REQUESTED,
    "okr:Objective.Countered": COUNTERED,
    "okr:Objective.Rejected": REJECTED,
    "okr:Objective.CounterAccepted": COUNTER_ACCEPTED,
    "okr:Objective.CounterDeclined": COUNTER_DECLINED,
}
DRAFTED = "okr:Objective.Drafted"
# A round decides on the terms submitted, so the title a decision is about is the last
# submitted one; DetailsRevised keeps it right for drafts not yet submitted.
TITLED = ("okr:Objective.DetailsRevised", "okr:Objective.Submitted")

DECISION_COLUMNS = (
    "position", "recorded_at", "kind", "objective_id", "title", "cycle_id", "team_id", "round",
    "actor_id", "comment",
)
OBJECTIVE_COLUMNS = ("objective_id", "cycle_id", "team_id", "title")
UPDATE_TITLE = f"UPDATE {OBJECTIVES_TABLE} SET title = ? WHERE objective_id = ?"


def _title(topic: str, event: Any) -> str | None:
    if topic == "okr:Objective.Submitted":
        return event.terms["title"]
    return event.title


class _Objectives:
    """The objectives one batch touches: read from the table at most once, written once."""

    def __init__(self, tx: Tx):
        self.tx = tx
        self.known: dict[str, list[str | None]] = {}  # id → [cycle_id, team_id, title]
        self.new: set[str] = set()
        self.retitled: set[str] = set()

    def get(self, objective_id: str) -> list[str | None]:
        found = self.known.get(objective_id)
        if found is None:
            row = self.tx.execute(
                f"SELECT cycle_id, team_id, title FROM {OBJECTIVES_TABLE} WHERE objective_id = ?",
                (objective_id,),
            ).fetchone()
            # An objective drafted before the log this projection saw: its decisions
            # still count, without cycle, team or title.
            found = self.known[objective_id] = list(row) if row else [None, None, None]
        return found

    def drafted(self, objective_id: str, cycle_id: str, team_id: str, title: str) -> None:
        self.known[objective_id] = [cycle_id, team_id, title]
        self.new.add(objective_id)

    def retitle(self, objective_id: str, title: str) -> None:
        objective = self.get(objective_id)
        if objective[2] != title:
            objective[2] = title
            self.retitled.add(objective_id)

    def save(self) -> None:
        self.tx.append(OBJECTIVES_TABLE, OBJECTIVE_COLUMNS, [(i, *self.known[i]) for i in self.new])
        self.tx.executemany(
            UPDATE_TITLE, [(self.known[i][2], i) for i in self.retitled - self.new]
        )


class ApprovalAuditProjection(Projection):
    name = "approval_audit"
    decodes = False  # approval decisions and drafts only
    tables = (DECISIONS_TABLE, OBJECTIVES_TABLE)
    schema = (
        f"CREATE TABLE IF NOT EXISTS {OBJECTIVES_TABLE} ("
        " objective_id TEXT PRIMARY KEY, cycle_id TEXT, team_id TEXT, title TEXT)",
        f"CREATE TABLE IF NOT EXISTS {DECISIONS_TABLE} ("
        " position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, kind TEXT NOT NULL,"
        " objective_id TEXT NOT NULL, title TEXT, cycle_id TEXT, team_id TEXT, round INTEGER,"
        " actor_id TEXT NOT NULL, comment TEXT)",
    )
    indexes = (
        f"CREATE INDEX IF NOT EXISTS {DECISIONS_TABLE}_cycle ON {DECISIONS_TABLE} (cycle_id, position)",
        f"CREATE INDEX IF NOT EXISTS {DECISIONS_TABLE}_team ON {DECISIONS_TABLE} (team_id, position)",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        objectives = _Objectives(tx)
        decisions = []
        for logged in batch:
            topic = logged.topic
            if topic in DECISIONS:
                e = logged.event
                objective_id = str(e.originator_id)
                cycle_id, team_id, title = objectives.get(objective_id)
                decisions.append((
                    logged.position, logged.recorded_text, DECISIONS[topic], objective_id,
                    title, cycle_id, team_id, e.round, str(e.actor_id), e.comment,
                ))
            elif topic == DRAFTED:
                e = logged.event
                objectives.drafted(str(e.originator_id), str(e.cycle_id), str(e.team_id), e.title)
            elif topic in TITLED:
                title = _title(topic, logged.event)
                if title is not None:
                    objectives.retitle(str(logged.event.originator_id), title)
        objectives.save()
        tx.append(DECISIONS_TABLE, DECISION_COLUMNS, decisions)
