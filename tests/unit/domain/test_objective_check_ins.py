"""Unit tests of check-ins and their corrections: valid time, recorded time, and what counts as current."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from builders import (
    APPROVER,
    LEAD,
    MAINTAIN_ID,
    MEMBER,
    METRIC_ID,
    MILESTONE_ID,
    OUTSIDER,
    Clock,
    amending_objective,
    approved_objective,
    objective_in,
)

from domain import scorecard
from domain.errors import AlreadyExists, InvalidTransition, InvalidValue, NotAllowed, NotFound
from domain.objective import Objective
from domain.values import Correction
from domain.values import ObjectiveStatus as S

pytestmark = pytest.mark.unit

CHECK_IN_ID = UUID("50000000-0000-4000-8000-000000000001")
LATER_CHECK_IN_ID = UUID("50000000-0000-4000-8000-000000000002")
UNKNOWN_CHECK_IN_ID = UUID("50000000-0000-4000-8000-0000000000ee")


def check_in(
    objective: Objective, now: datetime, value: float = 30.0, *,
    check_in_id: UUID = CHECK_IN_ID, key_result_id: UUID = METRIC_ID,
    confidence: float = 0.7, measured_at: datetime | None = None, by=MEMBER,
) -> None:
    objective.record_check_in(
        by, check_in_id, key_result_id, value, confidence, "", measured_at, now
    )


def snapshot(objective: Objective) -> tuple:
    return objective.version, objective.status, dict(objective.check_ins)


def assert_unchanged(objective: Objective, before: tuple) -> None:
    assert objective.collect_events() == []
    assert snapshot(objective) == before


# --- recording -----------------------------------------------------------------------


def test_a_member_records_a_check_in_whose_recorded_time_is_the_event_timestamp():
    clock = Clock()
    objective = approved_objective(clock)
    measured_at = clock()
    now = clock()

    objective.record_check_in(
        MEMBER, CHECK_IN_ID, METRIC_ID, 30, 0.8, "after the CDN switch", measured_at, now
    )

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CheckInRecorded)
    assert e.actor_id == MEMBER.actor_id
    assert (e.check_in_id, e.key_result_id) == (CHECK_IN_ID, METRIC_ID)
    assert (e.value, e.confidence, e.note) == (30.0, 0.8, "after the CDN switch")
    assert e.measured_at == measured_at
    assert e.timestamp == now
    recorded = objective.check_ins[CHECK_IN_ID]
    assert (recorded.measured_at, recorded.recorded_at) == (measured_at, now)
    assert recorded.corrections == ()
    assert scorecard.current_value(objective, METRIC_ID) == 30.0


def test_measured_at_defaults_to_now():
    clock = Clock()
    objective = approved_objective(clock)
    now = clock()

    check_in(objective, now, measured_at=None)

    [e] = objective.collect_events()
    assert e.measured_at == now == e.timestamp


def test_the_lead_records_a_milestone_as_done():
    clock = Clock()
    objective = approved_objective(clock)

    check_in(objective, clock(), 1, key_result_id=MILESTONE_ID, by=LEAD)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CheckInRecorded)
    assert (e.key_result_id, e.value) == (MILESTONE_ID, 1.0)


def test_check_ins_continue_against_the_agreed_terms_while_an_amendment_is_negotiated():
    clock = Clock()
    objective = amending_objective(clock)

    check_in(objective, clock())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CheckInRecorded)
    assert objective.status is S.AMENDING


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.COUNTERED, S.REJECTED, S.WITHDRAWN]
)
def test_no_check_in_before_the_terms_are_agreed(status):
    clock = Clock()
    objective = objective_in(status, clock)
    before = snapshot(objective)

    with pytest.raises(InvalidTransition, match="approved"):
        check_in(objective, clock())

    assert_unchanged(objective, before)


@pytest.mark.parametrize("standing", [OUTSIDER, APPROVER], ids=["outsider", "approver"])
def test_only_the_team_records_check_ins(standing):
    clock = Clock()
    objective = approved_objective(clock)
    before = snapshot(objective)

    with pytest.raises(NotAllowed):
        check_in(objective, clock(), by=standing)

    assert_unchanged(objective, before)


def test_a_measurement_cannot_be_in_the_future():
    clock = Clock()
    objective = approved_objective(clock)
    now = clock()
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match="future"):
        check_in(objective, now, measured_at=now + timedelta(seconds=1))

    assert_unchanged(objective, before)


def test_a_measurement_needs_a_time_zone():
    clock = Clock()
    objective = approved_objective(clock)
    now = clock()

    with pytest.raises(InvalidValue, match="time zone"):
        check_in(objective, now, measured_at=now.replace(tzinfo=None))


@pytest.mark.parametrize("confidence", [-0.01, 1.01, math.nan], ids=["below-0", "above-1", "nan"])
def test_confidence_must_be_between_zero_and_one(confidence):
    clock = Clock()
    objective = approved_objective(clock)
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match="confidence"):
        check_in(objective, clock(), confidence=confidence)

    assert_unchanged(objective, before)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_a_check_in_value_must_be_finite(value):
    clock = Clock()
    objective = approved_objective(clock)
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match="value"):
        check_in(objective, clock(), value)

    assert_unchanged(objective, before)


@pytest.mark.parametrize("value", [0.5, 2.0, -1.0])
def test_a_milestone_check_in_is_zero_or_one(value):
    clock = Clock()
    objective = approved_objective(clock)
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match="milestone"):
        check_in(objective, clock(), value, key_result_id=MILESTONE_ID)

    assert_unchanged(objective, before)


def test_a_check_in_on_a_key_result_outside_the_agreed_terms_is_not_found():
    clock = Clock()
    objective = approved_objective(clock)

    with pytest.raises(NotFound):
        check_in(objective, clock(), key_result_id=MAINTAIN_ID)


def test_a_check_in_id_is_recorded_once():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock())
    objective.collect_events()
    before = snapshot(objective)

    with pytest.raises(AlreadyExists):
        check_in(objective, clock(), 25.0)

    assert_unchanged(objective, before)


# --- which value is current ----------------------------------------------------------


def test_the_latest_measurement_is_current_even_when_recorded_before_an_older_backfill():
    clock = Clock()
    objective = approved_objective(clock)
    monday, tuesday = clock(), clock()
    check_in(objective, clock(), 30.0, check_in_id=CHECK_IN_ID, measured_at=tuesday)
    objective.collect_events()

    check_in(objective, clock(), 45.0, check_in_id=LATER_CHECK_IN_ID, measured_at=monday)

    [e] = objective.collect_events()
    assert e.measured_at == monday
    assert scorecard.latest_check_in(objective, METRIC_ID).id == CHECK_IN_ID
    assert scorecard.current_value(objective, METRIC_ID) == 30.0


def test_a_newer_measurement_replaces_the_current_value():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock(), 30.0, check_in_id=CHECK_IN_ID)
    objective.collect_events()

    check_in(objective, clock(), 20.0, check_in_id=LATER_CHECK_IN_ID)

    objective.collect_events()
    assert scorecard.current_value(objective, METRIC_ID) == 20.0
    # 50 → 10 ms, now at 20: three quarters of the way; the milestone is not done.
    assert scorecard.progress(objective) == pytest.approx((0.75 + 0.0) / 2)


def test_a_key_result_without_check_ins_has_no_current_value_and_no_progress():
    objective = approved_objective()

    assert scorecard.current_value(objective, METRIC_ID) is None
    assert scorecard.progress(objective) == 0.0


# --- corrections ---------------------------------------------------------------------


def test_a_correction_is_a_new_event_and_history_keeps_the_original_value():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock(), 30.0)
    objective.collect_events()
    recorded_before_correction = objective.check_ins[CHECK_IN_ID].recorded_at
    now = clock()

    objective.correct_check_in(LEAD, CHECK_IN_ID, 35.0, "  read the p50 by mistake ", now)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CheckInCorrected)
    assert (e.actor_id, e.check_in_id, e.value) == (LEAD.actor_id, CHECK_IN_ID, 35.0)
    assert e.reason == "read the p50 by mistake"
    assert e.timestamp == now
    corrected = objective.check_ins[CHECK_IN_ID]
    assert corrected.value == 30.0
    assert corrected.corrections == (
        Correction(value=35.0, reason="read the p50 by mistake", recorded_at=now,
                   actor_id=LEAD.actor_id),
    )
    assert corrected.value_as_of() == 35.0
    assert corrected.value_as_of(recorded_before_correction) == 30.0
    assert scorecard.current_value(objective, METRIC_ID) == 35.0


def test_a_second_correction_supersedes_the_first():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock(), 30.0)
    objective.correct_check_in(MEMBER, CHECK_IN_ID, 35.0, "typo", clock())
    objective.collect_events()

    objective.correct_check_in(MEMBER, CHECK_IN_ID, 33.0, "typo again", clock())

    [e] = objective.collect_events()
    assert e.value == 33.0
    assert [c.value for c in objective.check_ins[CHECK_IN_ID].corrections] == [35.0, 33.0]
    assert scorecard.current_value(objective, METRIC_ID) == 33.0


def test_correcting_an_unknown_check_in_is_not_found():
    clock = Clock()
    objective = approved_objective(clock)
    before = snapshot(objective)

    with pytest.raises(NotFound):
        objective.correct_check_in(LEAD, UNKNOWN_CHECK_IN_ID, 1.0, "typo", clock())

    assert_unchanged(objective, before)


@pytest.mark.parametrize(
    "value, reason, detail",
    [
        pytest.param(35.0, "", "reason", id="empty-reason"),
        pytest.param(35.0, "   ", "reason", id="blank-reason"),
        pytest.param(math.nan, "typo", "value", id="nan-value"),
        pytest.param(math.inf, "typo", "value", id="inf-value"),
    ],
)
def test_a_correction_needs_a_reason_and_a_finite_value(value, reason, detail):
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock())
    objective.collect_events()
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match=detail):
        objective.correct_check_in(LEAD, CHECK_IN_ID, value, reason, clock())

    assert_unchanged(objective, before)


def test_a_milestone_correction_is_zero_or_one():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock(), 0, key_result_id=MILESTONE_ID)
    objective.collect_events()

    with pytest.raises(InvalidValue, match="milestone"):
        objective.correct_check_in(LEAD, CHECK_IN_ID, 0.5, "half done", clock())


def test_only_the_team_corrects_check_ins():
    clock = Clock()
    objective = approved_objective(clock)
    check_in(objective, clock())
    objective.collect_events()
    before = snapshot(objective)

    with pytest.raises(NotAllowed):
        objective.correct_check_in(OUTSIDER, CHECK_IN_ID, 35.0, "typo", clock())

    assert_unchanged(objective, before)
