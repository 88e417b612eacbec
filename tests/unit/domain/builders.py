"""Given-steps for unit tests of the Objective aggregate: users, a stepping clock, objectives in each status.

Every builder drives the objective through its public commands (never by setting
attributes), then collects the events it produced, so a test's `collect_events()`
after its own command returns only what that command did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.objective import Objective
from domain.values import (
    Direction,
    KeyResultKind,
    KeyResultTerms,
    ObjectiveKind,
    ObjectiveStatus,
    Role,
    Standing,
)

# --- who acts ------------------------------------------------------------------------

LEAD = Standing(UUID("00000000-0000-4000-8000-00000000000a"), frozenset({Role.LEAD}))
MEMBER = Standing(UUID("00000000-0000-4000-8000-00000000000b"), frozenset({Role.MEMBER}))
APPROVER = Standing(UUID("00000000-0000-4000-8000-00000000000c"), frozenset({Role.APPROVER}))
ADMIN = Standing(UUID("00000000-0000-4000-8000-00000000000d"), frozenset({Role.ADMIN}))
OUTSIDER = Standing(UUID("00000000-0000-4000-8000-00000000000e"), frozenset())
# A lead who is also the approver of the same team (e.g. leads both it and its parent).
LEAD_APPROVER = Standing(
    UUID("00000000-0000-4000-8000-00000000000f"), frozenset({Role.LEAD, Role.APPROVER})
)

# --- what is negotiated --------------------------------------------------------------

OBJECTIVE_ID = UUID("10000000-0000-4000-8000-000000000001")
CYCLE_ID = UUID("20000000-0000-4000-8000-000000000001")
NEXT_CYCLE_ID = UUID("20000000-0000-4000-8000-000000000002")
TEAM_ID = UUID("30000000-0000-4000-8000-000000000001")
PARENT_OBJECTIVE_ID = UUID("10000000-0000-4000-8000-0000000000ff")

METRIC_ID = UUID("40000000-0000-4000-8000-000000000001")
MILESTONE_ID = UUID("40000000-0000-4000-8000-000000000002")
MAINTAIN_ID = UUID("40000000-0000-4000-8000-000000000003")

TITLE = "Make checkout fast"
COUNTER_TARGET = 20.0


def metric_kr(
    id: UUID = METRIC_ID, baseline: float = 50.0, target: float = 10.0, weight: float = 1.0
) -> KeyResultTerms:
    """p95 checkout latency from 50 ms down to 10 ms: a decreasing metric."""
    return KeyResultTerms(
        id=id, title="p95 checkout latency", kind=KeyResultKind.METRIC, unit="ms",
        baseline=baseline, target=target, weight=weight,
    )


def milestone_kr(id: UUID = MILESTONE_ID, weight: float = 1.0) -> KeyResultTerms:
    return KeyResultTerms(
        id=id, title="Status page live", kind=KeyResultKind.MILESTONE, weight=weight
    )


def maintain_kr(
    id: UUID = MAINTAIN_ID, threshold: float = 99.9, weight: float = 1.0
) -> KeyResultTerms:
    return KeyResultTerms(
        id=id, title="Availability", kind=KeyResultKind.MAINTAIN, unit="%",
        target=threshold, direction=Direction.AT_LEAST, weight=weight,
    )


def default_key_results() -> tuple[KeyResultTerms, ...]:
    return (metric_kr(), milestone_kr())


# --- when ----------------------------------------------------------------------------


class Clock:
    """A clock that moves forward by `step` on every call, starting one step after `start`."""

    def __init__(
        self,
        start: datetime = datetime(2025, 1, 6, 9, 0, tzinfo=UTC),
        step: timedelta = timedelta(hours=1),
    ):
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


# --- objectives in each status -------------------------------------------------------


def draft_objective(
    clock: Clock | None = None,
    key_results: Sequence[KeyResultTerms] | None = None,
    kind: ObjectiveKind = ObjectiveKind.COMMITTED,
    by: Standing = LEAD,
) -> Objective:
    clock = clock or Clock()
    objective = Objective.draft(
        by, OBJECTIVE_ID, CYCLE_ID, TEAM_ID, TITLE, kind, "Customers abandon slow checkouts.",
        PARENT_OBJECTIVE_ID, clock(),
    )
    for kr in default_key_results() if key_results is None else key_results:
        objective.add_key_result(by, kr, clock())
    objective.collect_events()
    return objective


def submitted_objective(clock: Clock | None = None, by: Standing = LEAD, **draft) -> Objective:
    clock = clock or Clock()
    objective = draft_objective(clock, **draft)
    objective.submit(by, clock(), comment="first proposal")
    objective.collect_events()
    return objective


def changes_requested_objective(clock: Clock | None = None, **draft) -> Objective:
    clock = clock or Clock()
    objective = submitted_objective(clock, **draft)
    objective.request_changes(APPROVER, clock(), comment="too vague")
    objective.collect_events()
    return objective


def countered_objective(
    clock: Clock | None = None, by: Standing = APPROVER, **draft
) -> Objective:
    """In review of round 1, then countered: the metric's target 10 ms becomes 20 ms."""
    clock = clock or Clock()
    objective = submitted_objective(clock, **draft)
    objective.counter(by, {METRIC_ID: COUNTER_TARGET}, clock(), comment="20 ms is realistic")
    objective.collect_events()
    return objective


def approved_objective(clock: Clock | None = None, **draft) -> Objective:
    clock = clock or Clock()
    objective = submitted_objective(clock, **draft)
    objective.approve(APPROVER, clock(), comment="agreed")
    objective.collect_events()
    return objective


def amending_objective(clock: Clock | None = None, **draft) -> Objective:
    clock = clock or Clock()
    objective = approved_objective(clock, **draft)
    objective.amend(LEAD, clock(), comment="scope changed")
    objective.collect_events()
    return objective


def amendment_in_review_objective(clock: Clock | None = None, **draft) -> Objective:
    """An approved objective whose amendment (metric target 10 → 5 ms) is submitted as round 2."""
    clock = clock or Clock()
    objective = amending_objective(clock, **draft)
    objective.revise_key_result(MEMBER, METRIC_ID, clock(), target=5.0)
    objective.submit(LEAD, clock(), comment="more ambitious")
    objective.collect_events()
    return objective


def rejected_objective(clock: Clock | None = None, **draft) -> Objective:
    clock = clock or Clock()
    objective = submitted_objective(clock, **draft)
    objective.reject(APPROVER, clock(), comment="not a priority")
    objective.collect_events()
    return objective


def withdrawn_objective(clock: Clock | None = None, **draft) -> Objective:
    clock = clock or Clock()
    objective = draft_objective(clock, **draft)
    objective.withdraw(LEAD, clock(), comment="no longer needed")
    objective.collect_events()
    return objective


OBJECTIVE_IN: dict[ObjectiveStatus, Callable[..., Objective]] = {
    ObjectiveStatus.DRAFT: draft_objective,
    ObjectiveStatus.IN_REVIEW: submitted_objective,
    ObjectiveStatus.CHANGES_REQUESTED: changes_requested_objective,
    ObjectiveStatus.COUNTERED: countered_objective,
    ObjectiveStatus.APPROVED: approved_objective,
    ObjectiveStatus.AMENDING: amending_objective,
    ObjectiveStatus.REJECTED: rejected_objective,
    ObjectiveStatus.WITHDRAWN: withdrawn_objective,
}


def objective_in(status: ObjectiveStatus, clock: Clock | None = None, **draft) -> Objective:
    """An objective brought to `status` by the shortest path of commands."""
    objective = OBJECTIVE_IN[status](clock, **draft)
    assert objective.status is status
    return objective
