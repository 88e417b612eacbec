"""Unit tests of scores frozen at the close, adjusted scores, and carrying an objective over."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid5

import pytest
from builders import (
    CYCLE_ID,
    LEAD,
    MEMBER,
    METRIC_ID,
    MILESTONE_ID,
    NEXT_CYCLE_ID,
    OBJECTIVE_ID,
    TEAM_ID,
    TITLE,
    Clock,
    approved_objective,
    maintain_kr,
    metric_kr,
    milestone_kr,
    objective_in,
)

from domain import scorecard
from domain.errors import AlreadyExists, InvalidTransition, InvalidValue, NotAllowed
from domain.objective import Objective
from domain.values import ObjectiveStatus as S

pytestmark = pytest.mark.unit

NEW_OBJECTIVE_ID = UUID("10000000-0000-4000-8000-000000000002")
CHECK_IN_ID = UUID("50000000-0000-4000-8000-000000000001")
LATE_CHECK_IN_ID = UUID("50000000-0000-4000-8000-000000000002")


def check_in(
    objective: Objective, now: datetime, value: float, *, check_in_id: UUID = CHECK_IN_ID,
    key_result_id: UUID = METRIC_ID, measured_at: datetime | None = None,
) -> None:
    objective.record_check_in(
        MEMBER, check_in_id, key_result_id, value, 0.7, "", measured_at, now
    )


def half_way_objective(clock: Clock) -> Objective:
    """Approved; the metric (50 → 10 ms) measured at 30, the milestone not done: progress 0.25."""
    objective = approved_objective(clock)
    check_in(objective, clock(), 30.0)
    objective.collect_events()
    return objective


def snapshot(objective: Objective) -> tuple:
    return (
        objective.version, objective.status, objective.adjusted_score,
        objective.adjustment_reason, objective.carried_into_id,
    )


def assert_unchanged(objective: Objective, before: tuple) -> None:
    assert objective.collect_events() == []
    assert snapshot(objective) == before


# --- the score frozen at the close ---------------------------------------------------


def test_the_frozen_score_counts_check_ins_recorded_at_or_before_the_close():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = objective.check_ins[CHECK_IN_ID].recorded_at

    assert scorecard.frozen_score(objective, closed_at) == 0.25


def test_a_check_in_after_the_close_is_a_review_measurement_that_does_not_change_the_score():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()

    check_in(objective, clock(), 10.0, check_in_id=LATE_CHECK_IN_ID)
    check_in(objective, clock(), 1, check_in_id=UUID(int=7), key_result_id=MILESTONE_ID)

    assert len(objective.collect_events()) == 2
    assert scorecard.frozen_score(objective, closed_at) == 0.25
    assert scorecard.progress(objective) == 1.0


def test_a_late_backfill_of_a_measurement_before_the_close_does_not_change_the_score():
    clock = Clock()
    objective = half_way_objective(clock)
    measured_before_close = objective.check_ins[CHECK_IN_ID].measured_at
    closed_at = clock()

    check_in(
        objective, clock(), 10.0, check_in_id=LATE_CHECK_IN_ID, measured_at=measured_before_close
    )

    objective.collect_events()
    assert scorecard.frozen_score(objective, closed_at) == 0.25


def test_a_correction_counts_towards_the_score_only_if_recorded_before_the_close():
    clock = Clock()
    objective = half_way_objective(clock)
    objective.correct_check_in(LEAD, CHECK_IN_ID, 20.0, "wrong dashboard", clock())
    closed_at = clock()

    objective.correct_check_in(LEAD, CHECK_IN_ID, 10.0, "after-the-fact", clock())

    objective.collect_events()
    # At the close the metric stood at 20 (0.75 of the way); the milestone at 0.
    assert scorecard.frozen_score(objective, closed_at) == 0.38
    assert scorecard.current_value(objective, METRIC_ID) == 10.0


def test_weights_shape_the_score():
    clock = Clock()
    objective = approved_objective(
        clock, key_results=(metric_kr(weight=3.0), milestone_kr(weight=1.0))
    )
    check_in(objective, clock(), 30.0)
    closed_at = clock()

    objective.collect_events()
    assert scorecard.frozen_score(objective, closed_at) == 0.38  # (0.5 × 3 + 0) / 4 = 0.375


# --- adjusted score ------------------------------------------------------------------


def test_the_lead_adjusts_the_score_after_the_close_keeping_the_computed_one():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()
    now = clock()

    objective.adjust_score(LEAD, 0.4, "  the CDN switch landed a day late ", closed_at, now)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.ScoreAdjusted)
    assert e.actor_id == LEAD.actor_id
    assert e.score == 0.4
    assert e.computed_score == 0.25
    assert e.reason == "the CDN switch landed a day late"
    assert e.timestamp == now
    assert objective.adjusted_score == 0.4
    assert objective.adjustment_reason == "the CDN switch landed a day late"
    assert scorecard.frozen_score(objective, closed_at) == 0.25


def test_a_score_is_adjusted_only_after_the_cycle_closed():
    clock = Clock()
    objective = half_way_objective(clock)
    before = snapshot(objective)

    with pytest.raises(InvalidTransition, match="not closed"):
        objective.adjust_score(LEAD, 0.4, "early", None, clock())

    assert_unchanged(objective, before)


@pytest.mark.parametrize(
    "score, reason, detail",
    [
        pytest.param(0.4, "", "reason", id="empty-reason"),
        pytest.param(0.4, "   ", "reason", id="blank-reason"),
        pytest.param(-0.1, "why", "score", id="below-0"),
        pytest.param(1.1, "why", "score", id="above-1"),
        pytest.param(math.nan, "why", "score", id="nan"),
    ],
)
def test_an_adjusted_score_needs_a_reason_and_a_score_between_zero_and_one(score, reason, detail):
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match=detail):
        objective.adjust_score(LEAD, score, reason, closed_at, clock())

    assert_unchanged(objective, before)


def test_only_the_lead_adjusts_the_score():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()

    with pytest.raises(NotAllowed):
        objective.adjust_score(MEMBER, 0.4, "why", closed_at, clock())


def test_an_objective_never_agreed_has_no_score_to_adjust():
    clock = Clock()
    objective = objective_in(S.WITHDRAWN, clock)
    closed_at = clock()

    with pytest.raises(InvalidTransition, match="agreed"):
        objective.adjust_score(LEAD, 0.4, "why", closed_at, clock())


# --- carry-over ----------------------------------------------------------------------


def test_carrying_over_takes_unfinished_key_results_from_their_last_measured_value():
    clock = Clock()
    objective = approved_objective(
        clock, key_results=(metric_kr(), milestone_kr(), maintain_kr())
    )
    check_in(objective, clock(), 30.0)
    check_in(objective, clock(), 1, check_in_id=UUID(int=7), key_result_id=MILESTONE_ID)
    closed_at = clock()
    check_in(objective, clock(), 25.0, check_in_id=LATE_CHECK_IN_ID)  # a review measurement
    objective.collect_events()
    now = clock()

    carried = objective.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, now)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CarriedOver)
    assert e.actor_id == LEAD.actor_id
    assert (e.into_objective_id, e.into_cycle_id) == (NEW_OBJECTIVE_ID, NEXT_CYCLE_ID)
    assert e.timestamp == now
    assert objective.carried_into_id == NEW_OBJECTIVE_ID
    assert objective.status is S.APPROVED
    # The milestone was achieved and stays behind; the metric restarts from 25 ms.
    assert carried == [
        replace(metric_kr(), id=uuid5(NEW_OBJECTIVE_ID, str(METRIC_ID)), baseline=25.0),
        replace(maintain_kr(), id=uuid5(NEW_OBJECTIVE_ID, str(maintain_kr().id))),
    ]


def test_a_metric_never_measured_is_carried_with_its_baseline():
    clock = Clock()
    objective = approved_objective(clock)
    closed_at = clock()

    carried = objective.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())

    assert [kr.baseline for kr in carried] == [50.0, None]


def test_the_carried_over_objective_is_a_draft_linked_to_its_origin():
    clock = Clock()
    origin = half_way_objective(clock)
    closed_at = clock()
    carried = origin.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())
    now = clock()

    objective = Objective.carried_over(LEAD, NEW_OBJECTIVE_ID, origin, NEXT_CYCLE_ID, carried, now)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Drafted)
    assert e.originator_id == NEW_OBJECTIVE_ID
    assert (e.actor_id, e.origin_id, e.cycle_id, e.team_id) == (
        LEAD.actor_id, OBJECTIVE_ID, NEXT_CYCLE_ID, TEAM_ID,
    )
    assert e.title == TITLE
    assert e.timestamp == now
    assert objective.status is S.DRAFT
    assert objective.origin_id == OBJECTIVE_ID
    assert objective.cycle_id == NEXT_CYCLE_ID != CYCLE_ID
    assert objective.agreed is None
    assert objective.proposal.parent_id is None
    assert objective.proposal.key_results == tuple(carried)
    assert objective.proposal.key_result(carried[0].id).baseline == 30.0


def test_a_carried_over_draft_can_be_submitted_as_it_is():
    clock = Clock()
    origin = half_way_objective(clock)
    closed_at = clock()
    carried = origin.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())
    objective = Objective.carried_over(
        LEAD, NEW_OBJECTIVE_ID, origin, NEXT_CYCLE_ID, carried, clock()
    )
    objective.collect_events()

    objective.submit(LEAD, clock())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Submitted)
    assert e.round == 1


def test_carry_over_is_refused_before_the_close():
    clock = Clock()
    objective = half_way_objective(clock)
    before = snapshot(objective)

    with pytest.raises(InvalidTransition, match="not closed"):
        objective.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, None, clock())

    assert_unchanged(objective, before)


def test_an_objective_is_carried_over_once():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()
    objective.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())
    objective.collect_events()
    before = snapshot(objective)

    with pytest.raises(AlreadyExists, match=str(NEW_OBJECTIVE_ID)):
        objective.carry_over(LEAD, UUID(int=99), NEXT_CYCLE_ID, closed_at, clock())

    assert_unchanged(objective, before)


def test_carry_over_into_the_objectives_own_cycle_is_refused():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match="another cycle"):
        objective.carry_over(LEAD, NEW_OBJECTIVE_ID, CYCLE_ID, closed_at, clock())

    assert_unchanged(objective, before)


def test_a_fully_achieved_objective_is_not_carried_over():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock(), 10.0)
    check_in(objective, clock(), 1, check_in_id=UUID(int=7), key_result_id=MILESTONE_ID)
    closed_at = clock()
    objective.collect_events()
    before = snapshot(objective)

    with pytest.raises(InvalidTransition, match="fully achieved"):
        objective.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())

    assert_unchanged(objective, before)


def test_an_objective_never_agreed_is_not_carried_over():
    clock = Clock()
    objective = objective_in(S.REJECTED, clock)
    closed_at = clock()

    with pytest.raises(InvalidTransition, match="agreed"):
        objective.carry_over(LEAD, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())


def test_only_the_lead_carries_an_objective_over():
    clock = Clock()
    objective = half_way_objective(clock)
    closed_at = clock()
    before = snapshot(objective)

    with pytest.raises(NotAllowed):
        objective.carry_over(MEMBER, NEW_OBJECTIVE_ID, NEXT_CYCLE_ID, closed_at, clock())

    assert_unchanged(objective, before)
