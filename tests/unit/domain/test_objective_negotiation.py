"""Unit tests of the negotiation: every move DESIGN's table allows, its event and the state it leaves."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import (
    ADMIN,
    APPROVER,
    COUNTER_TARGET,
    CYCLE_ID,
    LEAD,
    MAINTAIN_ID,
    MEMBER,
    METRIC_ID,
    MILESTONE_ID,
    OBJECTIVE_ID,
    TEAM_ID,
    Clock,
    amending_objective,
    amendment_in_review_objective,
    approved_objective,
    changes_requested_objective,
    countered_objective,
    draft_objective,
    maintain_kr,
    metric_kr,
    milestone_kr,
    submitted_objective,
)

from domain.objective import Objective
from domain.values import ObjectiveStatus, Role, Standing, Terms

pytestmark = pytest.mark.unit


# --- submit --------------------------------------------------------------------------


def test_the_lead_submits_a_draft_as_round_one_carrying_the_proposed_terms():
    clock = Clock()
    objective = draft_objective(clock)
    now = clock()

    objective.submit(LEAD, now, comment="  please review  ")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Submitted)
    assert e.actor_id == LEAD.actor_id
    assert e.round == 1
    assert e.comment == "please review"
    assert e.timestamp == now
    assert Terms.from_dict(e.terms) == objective.proposal
    assert [kr["id"] for kr in e.terms["key_results"]] == [str(METRIC_ID), str(MILESTONE_ID)]
    assert objective.status is ObjectiveStatus.IN_REVIEW
    assert objective.round == 1
    assert objective.agreed is None


def test_a_blank_comment_is_recorded_as_none():
    objective = draft_objective()

    objective.submit(LEAD, Clock()(), comment="   ")

    [e] = objective.collect_events()
    assert e.comment is None


def test_resubmitting_after_changes_were_requested_opens_round_two_with_the_revised_terms():
    clock = Clock()
    objective = changes_requested_objective(clock)
    objective.revise_key_result(MEMBER, METRIC_ID, clock(), target=15.0)
    objective.collect_events()

    objective.submit(LEAD, clock())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Submitted)
    assert e.round == 2
    assert e.terms["key_results"][0]["target"] == 15.0
    assert objective.status is ObjectiveStatus.IN_REVIEW


def test_rounds_count_up_one_per_submission():
    clock = Clock()
    objective = draft_objective(clock)
    rounds = []

    objective.submit(LEAD, clock())
    objective.request_changes(APPROVER, clock())
    objective.submit(LEAD, clock())
    objective.counter(APPROVER, {METRIC_ID: COUNTER_TARGET}, clock())
    objective.decline_counter(LEAD, clock())
    objective.submit(LEAD, clock())
    objective.approve(APPROVER, clock())
    objective.amend(LEAD, clock())
    objective.submit(LEAD, clock())

    for e in objective.collect_events():
        if isinstance(e, Objective.Submitted):
            rounds.append(e.round)
    assert rounds == [1, 2, 3, 4]
    assert objective.round == 4


# --- responses to a round in review --------------------------------------------------


def test_the_approver_approves_and_the_proposal_becomes_the_agreed_terms():
    clock = Clock()
    objective = submitted_objective(clock)
    now = clock()

    objective.approve(APPROVER, now, comment="go")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Approved)
    assert (e.actor_id, e.round, e.comment, e.timestamp) == (APPROVER.actor_id, 1, "go", now)
    assert objective.status is ObjectiveStatus.APPROVED
    assert objective.agreed == objective.proposal
    assert objective.agreed.key_results == (metric_kr(), milestone_kr())


def test_an_admin_approves_the_root_teams_objective():
    root_admin = Standing(ADMIN.actor_id, frozenset({Role.ADMIN, Role.APPROVER}))
    objective = submitted_objective()

    objective.approve(root_admin, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Approved)
    assert e.actor_id == ADMIN.actor_id


def test_the_approver_requests_changes():
    objective = submitted_objective()

    objective.request_changes(APPROVER, Clock()(), comment="measure outcomes, not outputs")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.ChangesRequested)
    assert (e.actor_id, e.round) == (APPROVER.actor_id, 1)
    assert e.comment == "measure outcomes, not outputs"
    assert objective.status is ObjectiveStatus.CHANGES_REQUESTED
    assert objective.agreed is None


def test_the_approver_counters_with_other_targets_leaving_the_proposal_as_submitted():
    objective = submitted_objective()

    objective.counter(APPROVER, {METRIC_ID: COUNTER_TARGET}, Clock()(), comment="20 ms")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Countered)
    assert (e.actor_id, e.round, e.comment) == (APPROVER.actor_id, 1, "20 ms")
    assert e.targets == [{"key_result_id": str(METRIC_ID), "target": COUNTER_TARGET}]
    assert objective.status is ObjectiveStatus.COUNTERED
    assert objective.counter_targets == {METRIC_ID: COUNTER_TARGET}
    assert objective.proposal.key_result(METRIC_ID).target == 10.0
    assert objective.agreed is None


def test_a_maintain_threshold_can_be_countered():
    objective = submitted_objective(key_results=(metric_kr(), maintain_kr()))

    objective.counter(APPROVER, {MAINTAIN_ID: 99.5, METRIC_ID: 10.0}, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Countered)
    assert objective.counter_targets == {MAINTAIN_ID: 99.5, METRIC_ID: 10.0}


def test_the_approver_rejects_a_first_proposal_for_good():
    objective = submitted_objective()

    objective.reject(APPROVER, Clock()(), comment="not this quarter")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Rejected)
    assert (e.actor_id, e.round, e.comment) == (APPROVER.actor_id, 1, "not this quarter")
    assert objective.status is ObjectiveStatus.REJECTED
    assert objective.agreed is None


# --- responses to a counter-proposal -------------------------------------------------


def test_the_lead_accepts_a_counter_and_the_counter_targets_are_agreed():
    objective = countered_objective()

    objective.accept_counter(LEAD, Clock()(), comment="fair")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CounterAccepted)
    assert (e.actor_id, e.round, e.comment) == (LEAD.actor_id, 1, "fair")
    assert objective.status is ObjectiveStatus.APPROVED
    assert objective.agreed.key_results == (metric_kr(target=COUNTER_TARGET), milestone_kr())
    assert objective.proposal == objective.agreed
    assert objective.counter_targets == {}


def test_the_lead_declines_a_counter_and_the_team_revises_its_terms():
    objective = countered_objective()

    objective.decline_counter(LEAD, Clock()(), comment="10 ms is doable")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CounterDeclined)
    assert (e.actor_id, e.round, e.comment) == (LEAD.actor_id, 1, "10 ms is doable")
    assert objective.status is ObjectiveStatus.CHANGES_REQUESTED
    assert objective.proposal.key_result(METRIC_ID).target == 10.0
    assert objective.counter_targets == {}
    assert objective.agreed is None


# --- withdraw ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [draft_objective, submitted_objective, changes_requested_objective, countered_objective],
    ids=["draft", "in_review", "changes_requested", "countered"],
)
def test_the_lead_withdraws_a_never_approved_objective_for_good(given):
    objective = given()

    objective.withdraw(LEAD, Clock()(), comment="priorities changed")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Withdrawn)
    assert (e.actor_id, e.comment) == (LEAD.actor_id, "priorities changed")
    assert objective.status is ObjectiveStatus.WITHDRAWN
    assert objective.agreed is None


def _amendment_countered(clock=None):
    clock = clock or Clock()
    objective = amendment_in_review_objective(clock)
    objective.counter(APPROVER, {METRIC_ID: 8.0}, clock())
    objective.collect_events()
    return objective


def _amendment_changes_requested(clock=None):
    clock = clock or Clock()
    objective = amendment_in_review_objective(clock)
    objective.request_changes(APPROVER, clock())
    objective.collect_events()
    return objective


@pytest.mark.parametrize(
    "given",
    [
        amending_objective,
        amendment_in_review_objective,
        _amendment_changes_requested,
        _amendment_countered,
    ],
    ids=["amending", "in_review", "changes_requested", "countered"],
)
def test_withdrawing_an_amendment_returns_to_the_terms_agreed_before(given):
    agreed_before = approved_objective().agreed
    objective = given()
    assert objective.agreed == agreed_before

    objective.withdraw(LEAD, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Withdrawn)
    assert objective.status is ObjectiveStatus.APPROVED
    assert objective.agreed == agreed_before
    assert objective.proposal == agreed_before
    assert objective.counter_targets == {}


# --- amendments ----------------------------------------------------------------------


def test_the_lead_starts_an_amendment_and_the_agreed_terms_stay_in_force():
    objective = approved_objective()
    agreed = objective.agreed

    objective.amend(LEAD, Clock()(), comment="new pricing page")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.AmendmentStarted)
    assert (e.actor_id, e.comment) == (LEAD.actor_id, "new pricing page")
    assert objective.status is ObjectiveStatus.AMENDING
    assert objective.agreed == agreed
    assert objective.proposal == agreed


def test_editing_during_an_amendment_changes_the_proposal_only():
    objective = amending_objective()
    agreed = objective.agreed

    objective.revise_key_result(MEMBER, METRIC_ID, Clock()(), target=5.0)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.KeyResultTargetChanged)
    assert objective.proposal.key_result(METRIC_ID).target == 5.0
    assert objective.agreed == agreed
    assert objective.agreed.key_result(METRIC_ID).target == 10.0


def test_approving_an_amendment_replaces_the_agreed_terms():
    objective = amendment_in_review_objective()
    assert objective.round == 2

    objective.approve(APPROVER, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Approved)
    assert e.round == 2
    assert objective.status is ObjectiveStatus.APPROVED
    assert objective.agreed.key_result(METRIC_ID) == metric_kr(target=5.0)
    assert objective.agreed == objective.proposal


def test_accepting_a_counter_to_an_amendment_agrees_the_counter_targets():
    objective = _amendment_countered()

    objective.accept_counter(LEAD, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.CounterAccepted)
    assert e.round == 2
    assert objective.agreed.key_result(METRIC_ID) == metric_kr(target=8.0)


def test_rejecting_an_amendment_returns_to_approved_with_the_old_terms():
    objective = amendment_in_review_objective()
    old_terms = replace(objective.proposal, key_results=(metric_kr(), milestone_kr()))
    assert objective.agreed == old_terms

    objective.reject(APPROVER, Clock()(), comment="keep the agreed target")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Rejected)
    assert (e.round, e.comment) == (2, "keep the agreed target")
    assert objective.status is ObjectiveStatus.APPROVED
    assert objective.agreed == old_terms
    assert objective.proposal == old_terms


# --- replay --------------------------------------------------------------------------


def test_replaying_a_whole_negotiation_rebuilds_the_same_state():
    clock = Clock()
    objective = Objective.draft(
        LEAD, OBJECTIVE_ID, CYCLE_ID, TEAM_ID, "Make checkout fast", "committed", "", None, clock()
    )
    objective.add_key_result(MEMBER, metric_kr(), clock())
    objective.submit(LEAD, clock())
    objective.counter(APPROVER, {METRIC_ID: COUNTER_TARGET}, clock())
    objective.accept_counter(LEAD, clock())
    objective.amend(LEAD, clock())
    objective.revise_key_result(MEMBER, METRIC_ID, clock(), target=15.0)
    objective.submit(LEAD, clock())
    objective.reject(APPROVER, clock())
    events = objective.collect_events()

    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)

    assert vars(rebuilt) == vars(objective)
    assert rebuilt.status is ObjectiveStatus.APPROVED
    assert rebuilt.agreed.key_results == (metric_kr(target=COUNTER_TARGET),)
