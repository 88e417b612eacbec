"""Unit tests of the pure rules: progress, health, scores and value checks."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.rules import (
    children_average,
    expected_progress,
    health,
    key_result_progress,
    objective_progress,
    require_confidence,
    require_finite,
    require_score,
    require_text,
    require_weight,
    round_score,
    score_band,
    score_flags,
    validate_key_result,
)
from domain.values import (
    Band,
    Direction,
    Health,
    KeyResultKind,
    KeyResultTerms,
    ObjectiveKind,
    ScoreFlag,
)

pytestmark = pytest.mark.unit

NOT_FINITE = [math.nan, math.inf, -math.inf]


def metric(baseline: float, target: float, weight: float = 1.0) -> KeyResultTerms:
    return KeyResultTerms(
        id=uuid4(),
        title="a metric",
        kind=KeyResultKind.METRIC,
        baseline=baseline,
        target=target,
        weight=weight,
    )


def maintain(threshold: float, direction: Direction) -> KeyResultTerms:
    return KeyResultTerms(
        id=uuid4(),
        title="stay within bounds",
        kind=KeyResultKind.MAINTAIN,
        target=threshold,
        direction=direction,
    )


def milestone() -> KeyResultTerms:
    return KeyResultTerms(id=uuid4(), title="ship it", kind=KeyResultKind.MILESTONE)


# --- the grading table ------------------------------------------------------------------


def test_launching_three_of_six_features_scores_a_half():
    assert key_result_progress(metric(0, 6), 3) == 0.5


def test_a_milestone_that_is_done_scores_one():
    assert key_result_progress(milestone(), 1) == 1.0


def test_a_milestone_that_is_not_done_scores_zero():
    assert key_result_progress(milestone(), 0) == 0.0


def test_meeting_eight_of_ten_investors_scores_point_eight():
    assert round_score(key_result_progress(metric(0, 10), 8)) == 0.8


def test_growing_fifteen_percent_towards_twenty_scores_point_seven_five():
    assert key_result_progress(metric(0, 20), 15) == 0.75


def test_key_results_at_one_zero_and_zero_with_equal_weights_score_point_three_three():
    assert round_score(objective_progress([(1.0, 1), (0.0, 1), (0.0, 1)])) == 0.33


def test_a_metric_moved_away_from_its_target_scores_zero():
    assert key_result_progress(metric(10, 20), 5) == 0.0


def test_a_decreasing_metric_halfway_down_scores_a_half():
    assert key_result_progress(metric(50, 10), 30) == 0.5


def test_weights_three_and_one_at_one_and_zero_score_point_seven_five():
    assert objective_progress([(1.0, 3), (0.0, 1)]) == 0.75


# --- key result progress ----------------------------------------------------------------


def test_a_key_result_without_check_ins_scores_zero():
    assert key_result_progress(metric(0, 6), None) == 0.0
    assert key_result_progress(milestone(), None) == 0.0


def test_a_metric_overshooting_its_target_is_clamped_to_one():
    assert key_result_progress(metric(0, 6), 9) == 1.0
    assert key_result_progress(metric(50, 10), 0) == 1.0


def test_a_metric_whose_baseline_equals_its_target_has_no_progress_to_compute():
    with pytest.raises(InvalidValue):
        key_result_progress(metric(5, 5), 5)


@pytest.mark.parametrize(("value", "expected"), [(99.9, 1.0), (99.5, 1.0), (99.4, 0.0)])
def test_an_at_least_maintain_scores_one_only_at_or_above_its_threshold(value, expected):
    assert key_result_progress(maintain(99.5, Direction.AT_LEAST), value) == expected


@pytest.mark.parametrize(("value", "expected"), [(150, 1.0), (200, 1.0), (201, 0.0)])
def test_an_at_most_maintain_scores_one_only_at_or_below_its_threshold(value, expected):
    assert key_result_progress(maintain(200, Direction.AT_MOST), value) == expected


@given(
    baseline=st.floats(min_value=-1e12, max_value=1e12),
    target=st.floats(min_value=-1e12, max_value=1e12),
    value=st.floats(min_value=-1e12, max_value=1e12),
)
def test_metric_progress_always_lies_between_zero_and_one(baseline, target, value):
    assume(baseline != target)
    assert 0.0 <= key_result_progress(metric(baseline, target), value) <= 1.0


# --- objective and parent progress ------------------------------------------------------


def test_an_objective_without_key_results_has_zero_progress():
    assert objective_progress([]) == 0.0


def test_children_average_is_the_plain_mean_of_their_progress():
    assert children_average([1.0, 0.5, 0.0]) == 0.5


def test_a_parent_without_children_has_no_children_average():
    assert children_average([]) is None


# --- expected progress and health -------------------------------------------------------

Q1_START = date(2025, 1, 1)
Q1_END = date(2025, 1, 10)  # ten whole days: 1 Jan 00:00 to 11 Jan 00:00 UTC


def test_nothing_is_expected_at_the_start_of_the_cycle():
    assert expected_progress(Q1_START, Q1_END, datetime(2025, 1, 1, tzinfo=UTC)) == 0.0


def test_nothing_is_expected_before_the_cycle_starts():
    assert expected_progress(Q1_START, Q1_END, datetime(2024, 12, 20, tzinfo=UTC)) == 0.0


def test_half_is_expected_halfway_through_the_cycle():
    assert expected_progress(Q1_START, Q1_END, datetime(2025, 1, 6, tzinfo=UTC)) == 0.5


def test_the_last_day_of_the_cycle_counts_in_full():
    just_before_end = datetime(2025, 1, 10, 23, 59, tzinfo=UTC)
    assert 0.99 < expected_progress(Q1_START, Q1_END, just_before_end) < 1.0


def test_everything_is_expected_after_the_cycle_ends():
    assert expected_progress(Q1_START, Q1_END, datetime(2025, 1, 11, tzinfo=UTC)) == 1.0
    assert expected_progress(Q1_START, Q1_END, datetime(2025, 3, 1, tzinfo=UTC)) == 1.0


def test_expected_progress_measures_now_in_utc_whatever_its_zone():
    plus_two = timezone(timedelta(hours=2))
    now = datetime(2025, 1, 6, 2, tzinfo=plus_two)  # 6 Jan 00:00 UTC
    assert expected_progress(Q1_START, Q1_END, now) == 0.5


def test_expected_progress_refuses_a_naive_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        expected_progress(Q1_START, Q1_END, datetime(2025, 1, 6))


def test_expected_progress_refuses_a_cycle_that_ends_before_it_starts():
    with pytest.raises(InvalidValue):
        expected_progress(Q1_END, Q1_START, datetime(2025, 1, 6, tzinfo=UTC))


def test_an_objective_without_check_ins_has_not_started():
    assert health(0.0, 0.5, has_check_ins=False) is Health.NOT_STARTED


def test_an_objective_with_check_ins_is_on_track_when_nothing_is_expected_yet():
    assert health(0.0, 0.0, has_check_ins=True) is Health.ON_TRACK


@pytest.mark.parametrize(
    ("progress", "expected", "result"),
    [
        (0.5, 0.5, Health.ON_TRACK),
        (0.375, 0.5, Health.ON_TRACK),
        (0.37, 0.5, Health.AT_RISK),
        (0.25, 0.5, Health.AT_RISK),
        (0.24, 0.5, Health.OFF_TRACK),
        (0.0, 0.5, Health.OFF_TRACK),
    ],
)
def test_health_compares_progress_with_three_quarters_and_half_of_expected(
    progress, expected, result
):
    assert health(progress, expected, has_check_ins=True) is result


# --- scores -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (0.125, 0.13),
        (0.335, 0.34),
        (0.145, 0.15),
        (0.285, 0.29),
        (0.565, 0.57),
        (0.334, 0.33),
        (1 / 3, 0.33),
        (2 / 3, 0.67),
    ],
)
def test_scores_round_half_up_to_two_decimals(value, rounded):
    assert round_score(value) == rounded


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, Band.RED),
        (0.3, Band.RED),
        (0.4, Band.YELLOW),
        (0.6, Band.YELLOW),
        (0.7, Band.GREEN),
        (1.0, Band.GREEN),
    ],
)
def test_scores_fall_into_red_yellow_and_green_bands(score, band):
    assert score_band(score) is band


def test_a_committed_objective_scoring_below_one_is_flagged_not_met():
    assert score_flags(ObjectiveKind.COMMITTED, 0.9) == (ScoreFlag.COMMITTED_NOT_MET,)


def test_a_committed_objective_scoring_one_is_not_flagged():
    assert score_flags(ObjectiveKind.COMMITTED, 1.0) == ()


def test_an_aspirational_objective_scoring_one_is_flagged_too_safe():
    assert score_flags(ObjectiveKind.ASPIRATIONAL, 1.0) == (ScoreFlag.ASPIRATIONAL_TOO_SAFE,)


def test_an_aspirational_objective_scoring_below_one_is_not_flagged():
    assert score_flags(ObjectiveKind.ASPIRATIONAL, 0.7) == ()


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_FINITE)
def test_a_value_must_be_finite(value):
    with pytest.raises(InvalidValue, match="value"):
        require_finite("value", value)


@pytest.mark.parametrize("value", ["3", None, True])
def test_a_value_must_be_a_number(value):
    with pytest.raises(InvalidValue):
        require_finite("value", value)


def test_a_finite_value_is_returned_as_a_float():
    assert require_finite("value", 3) == 3.0


@pytest.mark.parametrize("value", [*NOT_FINITE, -0.01, 1.01])
def test_a_confidence_must_be_finite_and_between_zero_and_one(value):
    with pytest.raises(InvalidValue, match="confidence"):
        require_confidence(value)


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_a_confidence_between_zero_and_one_is_accepted(value):
    assert require_confidence(value) == value


@pytest.mark.parametrize("value", [*NOT_FINITE, 0.0, -1.0])
def test_a_weight_must_be_finite_and_above_zero(value):
    with pytest.raises(InvalidValue, match="weight"):
        require_weight(value)


def test_a_positive_weight_is_accepted():
    assert require_weight(0.5) == 0.5


@pytest.mark.parametrize("value", [*NOT_FINITE, -0.1, 1.1])
def test_a_score_must_be_finite_and_between_zero_and_one(value):
    with pytest.raises(InvalidValue, match="score"):
        require_score(value)


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_a_score_at_either_end_is_accepted(value):
    assert require_score(value) == value


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_a_text_must_not_be_blank(value):
    with pytest.raises(InvalidValue, match="title: must not be blank"):
        require_text("title", value, 200)


def test_a_text_must_not_exceed_its_maximum_length():
    with pytest.raises(InvalidValue, match="at most 5 characters"):
        require_text("note", "abcdef", 5)


def test_a_text_is_returned_without_surrounding_blanks():
    assert require_text("note", "  hello ", 5) == "hello"


def test_a_metric_whose_baseline_equals_its_target_is_refused():
    with pytest.raises(InvalidValue, match="baseline equals target: a metric key result must move"):
        validate_key_result(metric(5, 5))


@pytest.mark.parametrize("bad", NOT_FINITE)
def test_a_metric_needs_a_finite_baseline_and_target(bad):
    with pytest.raises(InvalidValue, match="baseline"):
        validate_key_result(metric(bad, 10))
    with pytest.raises(InvalidValue, match="target"):
        validate_key_result(metric(0, bad))


def test_a_metric_needs_a_baseline_and_a_target():
    kr = metric(0, 10)
    with pytest.raises(InvalidValue, match="baseline"):
        validate_key_result(KeyResultTerms(kr.id, kr.title, kr.kind, target=10))
    with pytest.raises(InvalidValue, match="target"):
        validate_key_result(KeyResultTerms(kr.id, kr.title, kr.kind, baseline=0))


def test_a_well_formed_key_result_of_each_kind_is_accepted():
    validate_key_result(metric(50, 10))
    validate_key_result(maintain(99.5, Direction.AT_LEAST))
    validate_key_result(milestone())


@pytest.mark.parametrize("bad", [None, *NOT_FINITE])
def test_a_maintain_needs_a_finite_threshold(bad):
    kr = KeyResultTerms(
        uuid4(), "uptime", KeyResultKind.MAINTAIN, target=bad, direction=Direction.AT_LEAST
    )
    with pytest.raises(InvalidValue, match="^threshold: "):  # the field a client sends
        validate_key_result(kr)


def test_a_maintain_needs_a_direction():
    kr = KeyResultTerms(uuid4(), "uptime", KeyResultKind.MAINTAIN, target=99.5)
    with pytest.raises(InvalidValue, match="direction"):
        validate_key_result(kr)


def test_a_maintain_has_no_baseline():
    kr = KeyResultTerms(
        uuid4(),
        "uptime",
        KeyResultKind.MAINTAIN,
        baseline=98,
        target=99.5,
        direction=Direction.AT_LEAST,
    )
    with pytest.raises(InvalidValue, match="baseline"):
        validate_key_result(kr)


@pytest.mark.parametrize(
    ("field", "value"),
    [("baseline", 0.0), ("target", 1.0), ("direction", Direction.AT_LEAST)],
)
def test_a_milestone_has_no_baseline_target_or_direction(field, value):
    kr = KeyResultTerms(uuid4(), "ship it", KeyResultKind.MILESTONE, **{field: value})
    with pytest.raises(InvalidValue, match=field):
        validate_key_result(kr)


@pytest.mark.parametrize("weight", [0.0, -1.0, math.nan, math.inf])
def test_a_key_result_needs_a_finite_weight_above_zero(weight):
    with pytest.raises(InvalidValue, match="weight"):
        validate_key_result(metric(0, 10, weight=weight))


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_key_result_needs_a_title_of_at_most_two_hundred_characters(title):
    kr = KeyResultTerms(uuid4(), title, KeyResultKind.MILESTONE)
    with pytest.raises(InvalidValue, match="title"):
        validate_key_result(kr)
