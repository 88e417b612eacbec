"""Hand-built events folded by the negotiation and approval-audit projections into in-memory SQLite."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

import pytest

from projections.audit import ApprovalAuditProjection, approvals
from projections.negotiation import NegotiationProjection, negotiation
from projections.projection import Logged
from projections.store import Tx

pytestmark = pytest.mark.unit

CYCLE, TEAM, LEAD, APPROVER = uuid4(), uuid4(), uuid4(), uuid4()
KR = uuid4()
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture
def tx():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    tx = Tx(conn.cursor(), postgres=False)
    for projection in (NegotiationProjection(), ApprovalAuditProjection()):
        projection.create(tx)
    yield tx
    conn.close()


class Events:
    def __init__(self):
        self.log: list[Logged] = []

    def add(self, type_: str, objective, **attributes) -> Logged:
        position = len(self.log) + 1
        event = SimpleNamespace(originator_id=objective, **attributes)
        logged = Logged(position, f"okr:{type_}", T0 + timedelta(minutes=position), event)
        self.log.append(logged)
        return logged

    def drafted(self, objective, title: str) -> Logged:
        return self.add("Objective.Drafted", objective, actor_id=LEAD, cycle_id=CYCLE,
                        team_id=TEAM, title=title, description="", kind="committed")

    def submitted(self, objective, round_: int, title: str, target: float) -> Logged:
        terms = {"title": title, "kind": "committed", "parent_id": None, "key_results": [
            {"id": str(KR), "title": "Crash rate", "kind": "metric", "unit": "%",
             "baseline": 2.0, "target": target, "direction": None, "weight": 1.0}]}
        return self.add("Objective.Submitted", objective, actor_id=LEAD, round=round_,
                        terms=terms, comment=None)

    def decided(self, type_: str, objective, round_: int, comment=None, **more) -> Logged:
        return self.add(f"Objective.{type_}", objective, actor_id=APPROVER, round=round_,
                        comment=comment, **more)


def fold_in(tx, batch):
    for projection in (NegotiationProjection(), ApprovalAuditProjection()):
        projection.process(tx, batch)


def test_events_outside_a_negotiation_leave_no_rows(tx):
    events = Events()
    objective = uuid4()
    events.add("Cycle.Planned", uuid4(), actor_id=LEAD, name="Q1")
    events.add("Objective.CheckInRecorded", objective, actor_id=LEAD, value=1.0)
    events.add("Objective.DetailsRevised", objective, actor_id=LEAD, title=None, description="x")
    fold_in(tx, events.log)
    assert tx.execute("SELECT COUNT(*) FROM okr_negotiation_steps").fetchone() == (0,)
    assert tx.execute("SELECT COUNT(*) FROM okr_approval_decisions").fetchone() == (0,)


def test_a_decision_carries_the_title_of_the_terms_it_decided_on(tx):
    events = Events()
    objective = uuid4()
    events.drafted(objective, "Ship it")
    events.submitted(objective, 1, "Ship it", 0.5)
    events.decided("ChangesRequested", objective, 1, "Too soft")
    fold_in(tx, events.log)
    # the next batch knows the objective only from the projection's own table
    later = len(events.log)
    events.add("Objective.DetailsRevised", objective, actor_id=LEAD, title="Ship it well",
               description=None)
    events.submitted(objective, 2, "Ship it well", 0.3)
    events.decided("Countered", objective, 2, targets=[{"key_result_id": str(KR), "target": 0.2}])
    events.add("Objective.CounterAccepted", objective, actor_id=LEAD, round=2, comment="Deal")
    fold_in(tx, events.log[later:])
    decisions = approvals(tx, position=len(events.log))
    assert [(d.kind, d.title, d.round) for d in decisions] == [
        ("changes_requested", "Ship it", 1), ("countered", "Ship it well", 2),
        ("counter_accepted", "Ship it well", 2)]
    assert {(d.cycle_id, d.team_id, d.objective_id) for d in decisions} == {(CYCLE, TEAM, objective)}
    assert decisions[0].comment == "Too soft" and decisions[0].actor_id == APPROVER
    assert decisions[2].actor_id == LEAD
    view = negotiation(tx, objective, len(events.log))
    assert view.title == "Ship it well" and view.agreed.key_results[0].target == 0.2
    assert view.drift[0].absolute == -0.3


def test_the_page_size_is_held_within_bounds(tx):
    events = Events()
    objective = uuid4()
    events.drafted(objective, "Ship it")
    for round_ in range(1, 4):
        events.submitted(objective, round_, "Ship it", 0.5)
        events.decided("ChangesRequested", objective, round_)
    fold_in(tx, events.log)
    assert len(approvals(tx, position=100, limit=0)) == 1
    assert len(approvals(tx, position=100, limit=10**9)) == 3
    assert approvals(tx, position=100, cycle_id=uuid4()) == []
