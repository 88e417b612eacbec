"""Unit tests of refused negotiation moves: wrong status, wrong person, own round, bad counters.

Every refusal must leave the objective exactly as it was: no pending event, the
same version, status, proposal and agreed terms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from uuid import UUID

import pytest
from builders import (
    ADMIN,
    APPROVER,
    COUNTER_TARGET,
    LEAD,
    LEAD_APPROVER,
    MEMBER,
    METRIC_ID,
    MILESTONE_ID,
    OUTSIDER,
    Clock,
    approved_objective,
    countered_objective,
    draft_objective,
    metric_kr,
    objective_in,
    submitted_objective,
)

from domain.errors import InvalidTransition, InvalidValue, NotAllowed, NotFound, OwnRound
from domain.objective import Objective
from domain.values import ObjectiveStatus as S
from domain.values import Standing

pytestmark = pytest.mark.unit

UNKNOWN_KR_ID = UUID("40000000-0000-4000-8000-0000000000ee")
NEW_KR_ID = UUID("40000000-0000-4000-8000-0000000000aa")

Command = Callable[[Objective, Standing, object], None]

# Each command with the standing that is allowed to give it, so only the status can refuse it.
COMMANDS: dict[str, tuple[Standing, Command]] = {
    "submit": (LEAD, lambda o, s, now: o.submit(s, now)),
    "approve": (APPROVER, lambda o, s, now: o.approve(s, now)),
    "request_changes": (APPROVER, lambda o, s, now: o.request_changes(s, now)),
    "counter": (APPROVER, lambda o, s, now: o.counter(s, {METRIC_ID: COUNTER_TARGET}, now)),
    "reject": (APPROVER, lambda o, s, now: o.reject(s, now)),
    "accept_counter": (LEAD, lambda o, s, now: o.accept_counter(s, now)),
    "decline_counter": (LEAD, lambda o, s, now: o.decline_counter(s, now)),
    "withdraw": (LEAD, lambda o, s, now: o.withdraw(s, now)),
    "amend": (LEAD, lambda o, s, now: o.amend(s, now)),
    "revise": (MEMBER, lambda o, s, now: o.revise(s, now, title="Another title")),
    "add_key_result": (MEMBER, lambda o, s, now: o.add_key_result(s, metric_kr(id=NEW_KR_ID), now)),
    "revise_key_result": (
        MEMBER, lambda o, s, now: o.revise_key_result(s, METRIC_ID, now, target=12.0),
    ),
    "remove_key_result": (MEMBER, lambda o, s, now: o.remove_key_result(s, MILESTONE_ID, now)),
    "realign": (MEMBER, lambda o, s, now: o.realign(s, None, now)),
}

EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED, S.AMENDING}
ALLOWED_IN: dict[str, set[S]] = {
    "submit": EDITABLE,
    "approve": {S.IN_REVIEW},
    "request_changes": {S.IN_REVIEW},
    "counter": {S.IN_REVIEW},
    "reject": {S.IN_REVIEW},
    "accept_counter": {S.COUNTERED},
    "decline_counter": {S.COUNTERED},
    "withdraw": {S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.COUNTERED, S.AMENDING},
    "amend": {S.APPROVED},
    "revise": EDITABLE,
    "add_key_result": EDITABLE,
    "revise_key_result": EDITABLE,
    "remove_key_result": EDITABLE,
    "realign": EDITABLE,
}

REFUSED = [
    pytest.param(name, status, id=f"{name}-from-{status.value}")
    for name in COMMANDS
    for status in S
    if status not in ALLOWED_IN[name]
]


def snapshot(objective: Objective) -> tuple:
    return (
        objective.version, objective.status, objective.round, objective.proposal,
        objective.agreed, dict(objective.counter_targets),
    )


def assert_unchanged(objective: Objective, before: tuple) -> None:
    assert objective.collect_events() == []
    assert snapshot(objective) == before


@pytest.mark.parametrize("name, status", REFUSED)
def test_a_command_not_allowed_in_a_status_is_refused_and_changes_nothing(name, status):
    clock = Clock()
    objective = objective_in(status, clock)
    before = snapshot(objective)
    standing, command = COMMANDS[name]

    with pytest.raises(InvalidTransition):
        command(objective, standing, clock())

    assert_unchanged(objective, before)


def test_every_status_is_covered_by_the_refusal_table():
    assert {status for _, status in (p.values for p in REFUSED)} == set(S)


def test_submitting_without_key_results_is_refused():
    objective = draft_objective(key_results=())
    before = snapshot(objective)

    with pytest.raises(InvalidValue, match="key result"):
        objective.submit(LEAD, Clock()())

    assert_unchanged(objective, before)


# --- wrong person --------------------------------------------------------------------

WRONG_PERSON = [
    pytest.param(S.DRAFT, MEMBER, "submit", id="member-submits"),
    pytest.param(S.DRAFT, APPROVER, "submit", id="approver-submits-the-teams-draft"),
    pytest.param(S.DRAFT, OUTSIDER, "revise", id="outsider-edits"),
    pytest.param(S.CHANGES_REQUESTED, OUTSIDER, "revise_key_result", id="outsider-edits-targets"),
    pytest.param(S.AMENDING, OUTSIDER, "add_key_result", id="outsider-edits-an-amendment"),
    pytest.param(S.IN_REVIEW, LEAD, "approve", id="lead-approves-own-teams-objective"),
    pytest.param(S.IN_REVIEW, MEMBER, "approve", id="member-approves"),
    pytest.param(S.IN_REVIEW, ADMIN, "approve", id="admin-of-a-non-root-team-approves"),
    pytest.param(S.IN_REVIEW, LEAD, "request_changes", id="lead-requests-changes"),
    pytest.param(S.IN_REVIEW, LEAD, "counter", id="lead-counters"),
    pytest.param(S.IN_REVIEW, LEAD, "reject", id="lead-rejects"),
    pytest.param(S.COUNTERED, APPROVER, "accept_counter", id="approver-accepts-counter"),
    pytest.param(S.COUNTERED, MEMBER, "decline_counter", id="member-declines-counter"),
    pytest.param(S.DRAFT, MEMBER, "withdraw", id="member-withdraws"),
    pytest.param(S.IN_REVIEW, APPROVER, "withdraw", id="approver-withdraws"),
    pytest.param(S.APPROVED, MEMBER, "amend", id="member-amends"),
    pytest.param(S.APPROVED, APPROVER, "amend", id="approver-amends"),
]


@pytest.mark.parametrize("status, standing, name", WRONG_PERSON)
def test_a_command_from_someone_without_the_role_is_not_allowed(status, standing, name):
    clock = Clock()
    objective = objective_in(status, clock)
    before = snapshot(objective)
    _, command = COMMANDS[name]

    with pytest.raises(NotAllowed) as refused:
        command(objective, standing, clock())

    assert not isinstance(refused.value, OwnRound)
    assert_unchanged(objective, before)


# --- own round -----------------------------------------------------------------------


def _submitted_by(standing: Standing, clock: Clock) -> Objective:
    objective = draft_objective(clock, by=standing)
    objective.submit(standing, clock())
    objective.collect_events()
    return objective


@pytest.mark.parametrize("name", ["approve", "request_changes", "counter", "reject"])
def test_a_lead_who_is_also_the_approver_cannot_respond_to_their_own_round(name):
    clock = Clock()
    objective = _submitted_by(LEAD_APPROVER, clock)
    before = snapshot(objective)
    _, command = COMMANDS[name]

    with pytest.raises(OwnRound, match="round 1"):
        command(objective, LEAD_APPROVER, clock())

    assert_unchanged(objective, before)


def test_another_approver_may_respond_to_the_round_a_lead_approver_submitted():
    clock = Clock()
    objective = _submitted_by(LEAD_APPROVER, clock)

    objective.approve(APPROVER, clock())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Approved)
    assert e.actor_id == APPROVER.actor_id


def test_the_approver_who_countered_cannot_accept_their_own_counter():
    clock = Clock()
    objective = countered_objective(clock, by=LEAD_APPROVER)
    before = snapshot(objective)

    with pytest.raises(OwnRound, match="counter-proposal"):
        objective.accept_counter(LEAD_APPROVER, clock())

    assert_unchanged(objective, before)


def test_the_approver_who_countered_cannot_decline_their_own_counter_either():
    clock = Clock()
    objective = countered_objective(clock, by=LEAD_APPROVER)
    before = snapshot(objective)

    with pytest.raises(OwnRound):
        objective.decline_counter(LEAD_APPROVER, clock())

    assert_unchanged(objective, before)


# --- bad counter-proposals -----------------------------------------------------------

BAD_COUNTERS = [
    pytest.param({}, InvalidValue, "at least one", id="no-targets"),
    pytest.param({METRIC_ID: 10.0}, InvalidValue, "changes no target", id="unchanged-target"),
    pytest.param({MILESTONE_ID: 1.0}, InvalidValue, "milestone", id="a-milestone"),
    pytest.param({UNKNOWN_KR_ID: 5.0}, NotFound, str(UNKNOWN_KR_ID), id="unknown-key-result"),
    pytest.param({METRIC_ID: 50.0}, InvalidValue, "baseline equals target", id="target-on-baseline"),
    pytest.param({METRIC_ID: math.nan}, InvalidValue, "finite", id="nan-target"),
    pytest.param({METRIC_ID: math.inf}, InvalidValue, "finite", id="inf-target"),
]


@pytest.mark.parametrize("targets, error, detail", BAD_COUNTERS)
def test_a_counter_proposal_must_change_a_target_of_a_known_non_milestone_key_result(
    targets, error, detail
):
    clock = Clock()
    objective = submitted_objective(clock)
    before = snapshot(objective)

    with pytest.raises(error, match=detail):
        objective.counter(APPROVER, targets, clock())

    assert_unchanged(objective, before)


def test_an_approved_objective_cannot_be_edited_without_amending():
    clock = Clock()
    objective = approved_objective(clock)
    before = snapshot(objective)

    with pytest.raises(InvalidTransition, match="amendment"):
        objective.revise(LEAD, clock(), title="Quietly changed")

    assert_unchanged(objective, before)


@pytest.mark.parametrize(
    "name, action",
    [
        ("approve", "approve it"),
        ("request_changes", "request changes"),
        ("counter", "counter-propose"),
        ("reject", "reject it"),
    ],
)
def test_a_review_outside_in_review_says_which_move_was_refused(name, action):
    clock = Clock()
    objective = draft_objective(clock)
    standing, command = COMMANDS[name]

    with pytest.raises(InvalidTransition) as refused:
        command(objective, standing, clock())

    assert refused.value.detail == (
        f"objective is draft: only an objective in_review can be reviewed, "
        f"so you cannot {action} now"
    )
