"""Unit tests of drafting an Objective: its details, its key results, and who may edit them when."""

from __future__ import annotations

import math
from dataclasses import replace
from uuid import UUID

import pytest
from builders import (
    ADMIN,
    APPROVER,
    CYCLE_ID,
    LEAD,
    MAINTAIN_ID,
    MEMBER,
    METRIC_ID,
    MILESTONE_ID,
    OBJECTIVE_ID,
    OUTSIDER,
    PARENT_OBJECTIVE_ID,
    TEAM_ID,
    TITLE,
    Clock,
    changes_requested_objective,
    draft_objective,
    maintain_kr,
    metric_kr,
    milestone_kr,
    objective_in,
)

from domain.errors import AlreadyExists, InvalidTransition, InvalidValue, NotAllowed, NotFound
from domain.objective import Objective
from domain.values import KeyResultKind, ObjectiveKind, ObjectiveStatus

pytestmark = pytest.mark.unit

NEW_KR_ID = UUID("40000000-0000-4000-8000-0000000000aa")
NOT_FINITE = [math.nan, math.inf, -math.inf]


def assert_unchanged(objective: Objective, version: int) -> None:
    assert objective.collect_events() == []
    assert objective.version == version


def test_a_team_member_drafts_an_objective_with_no_terms_agreed():
    now = Clock()()

    objective = Objective.draft(
        MEMBER, OBJECTIVE_ID, CYCLE_ID, TEAM_ID, "  Make checkout fast  ", "aspirational",
        "Customers abandon slow checkouts.", PARENT_OBJECTIVE_ID, now,
    )

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Drafted)
    assert e.originator_id == OBJECTIVE_ID
    assert e.actor_id == MEMBER.actor_id
    assert (e.cycle_id, e.team_id, e.parent_id) == (CYCLE_ID, TEAM_ID, PARENT_OBJECTIVE_ID)
    assert e.title == "Make checkout fast"
    assert e.kind == "aspirational"
    assert e.origin_id is None
    assert e.timestamp == now
    assert objective.status is ObjectiveStatus.DRAFT
    assert objective.round == 0
    assert objective.agreed is None
    assert objective.proposal.title == "Make checkout fast"
    assert objective.proposal.kind is ObjectiveKind.ASPIRATIONAL
    assert objective.proposal.key_results == ()


def test_the_parent_teams_lead_may_draft_top_down():
    objective = Objective.draft(
        APPROVER, OBJECTIVE_ID, CYCLE_ID, TEAM_ID, TITLE, "committed", "", None, Clock()(),
    )

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Drafted)
    assert e.actor_id == APPROVER.actor_id


def test_an_outsider_cannot_draft_an_objective_for_the_team():
    with pytest.raises(NotAllowed):
        Objective.draft(
            OUTSIDER, OBJECTIVE_ID, CYCLE_ID, TEAM_ID, TITLE, "committed", "", None, Clock()(),
        )


def test_a_blank_title_is_refused():
    with pytest.raises(InvalidValue):
        Objective.draft(
            LEAD, OBJECTIVE_ID, CYCLE_ID, TEAM_ID, "   ", "committed", "", None, Clock()(),
        )


def test_a_member_adds_a_metric_key_result_to_the_proposal():
    clock = Clock()
    objective = draft_objective(clock, key_results=())
    now = clock()

    objective.add_key_result(MEMBER, metric_kr(id=NEW_KR_ID, weight=2.0), now)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.KeyResultAdded)
    assert e.actor_id == MEMBER.actor_id
    assert e.key_result_id == NEW_KR_ID
    assert (e.kind, e.unit, e.baseline, e.target, e.weight) == ("metric", "ms", 50.0, 10.0, 2.0)
    assert e.timestamp == now
    assert objective.proposal.key_results == (metric_kr(id=NEW_KR_ID, weight=2.0),)
    assert objective.agreed is None


def test_maintain_and_milestone_key_results_can_be_added():
    objective = draft_objective(key_results=())

    objective.add_key_result(LEAD, maintain_kr(), Clock()())
    objective.add_key_result(LEAD, milestone_kr(), Clock()())

    added = objective.collect_events()
    assert [type(e).__name__ for e in added] == ["KeyResultAdded", "KeyResultAdded"]
    assert [kr.kind for kr in objective.proposal.key_results] == [
        KeyResultKind.MAINTAIN, KeyResultKind.MILESTONE,
    ]


def test_a_key_result_id_cannot_be_added_twice():
    objective = draft_objective()
    version = objective.version

    with pytest.raises(AlreadyExists):
        objective.add_key_result(LEAD, metric_kr(), Clock()())

    assert_unchanged(objective, version)


def test_a_metric_whose_baseline_equals_its_target_is_refused():
    objective = draft_objective(key_results=())
    version = objective.version

    with pytest.raises(InvalidValue, match="baseline equals target"):
        objective.add_key_result(LEAD, metric_kr(baseline=10.0, target=10.0), Clock()())

    assert_unchanged(objective, version)


@pytest.mark.parametrize("weight", [0.0, -1.0])
def test_a_key_result_weight_must_be_greater_than_zero(weight):
    objective = draft_objective(key_results=())
    version = objective.version

    with pytest.raises(InvalidValue, match="weight"):
        objective.add_key_result(LEAD, metric_kr(weight=weight), Clock()())

    assert_unchanged(objective, version)


@pytest.mark.parametrize("field", ["baseline", "target", "weight"])
@pytest.mark.parametrize("value", NOT_FINITE, ids=["nan", "inf", "-inf"])
def test_key_result_numbers_must_be_finite(field, value):
    objective = draft_objective(key_results=())
    version = objective.version

    with pytest.raises(InvalidValue, match=field):
        objective.add_key_result(LEAD, replace(metric_kr(), **{field: value}), Clock()())

    assert_unchanged(objective, version)


def test_a_milestone_cannot_have_a_target():
    objective = draft_objective(key_results=())

    with pytest.raises(InvalidValue, match="milestone"):
        objective.add_key_result(LEAD, replace(milestone_kr(), target=1.0), Clock()())


def test_revising_the_title_records_only_the_changed_details():
    clock = Clock()
    objective = draft_objective(clock)

    objective.revise(MEMBER, clock(), title="Make checkout very fast", description=None)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.DetailsRevised)
    assert e.actor_id == MEMBER.actor_id
    assert e.title == "Make checkout very fast"
    assert e.description is None
    assert objective.proposal.title == "Make checkout very fast"


def test_revising_with_the_same_details_records_nothing():
    objective = draft_objective()
    version = objective.version

    objective.revise(LEAD, Clock()(), title=TITLE, kind=ObjectiveKind.COMMITTED)

    assert_unchanged(objective, version)


def test_changing_the_kind_is_its_own_event():
    objective = draft_objective()

    objective.revise(LEAD, Clock()(), kind="aspirational")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.KindChanged)
    assert e.kind == "aspirational"
    assert objective.proposal.kind is ObjectiveKind.ASPIRATIONAL


def test_changing_a_target_records_a_target_change_for_the_drift_audit():
    objective = draft_objective()

    objective.revise_key_result(MEMBER, METRIC_ID, Clock()(), target=15.0)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.KeyResultTargetChanged)
    assert (e.actor_id, e.key_result_id, e.target) == (MEMBER.actor_id, METRIC_ID, 15.0)
    assert objective.proposal.key_result(METRIC_ID).target == 15.0


def test_changing_baseline_and_weight_records_one_event_each():
    objective = draft_objective()

    objective.revise_key_result(LEAD, METRIC_ID, Clock()(), baseline=60.0, weight=3.0)

    baseline, weight = objective.collect_events()
    assert isinstance(baseline, Objective.KeyResultBaselineChanged)
    assert baseline.baseline == 60.0
    assert isinstance(weight, Objective.KeyResultWeightChanged)
    assert weight.weight == 3.0
    assert objective.proposal.key_result(METRIC_ID) == metric_kr(baseline=60.0, weight=3.0)


def test_moving_a_target_onto_the_baseline_is_refused():
    objective = draft_objective()
    version = objective.version

    with pytest.raises(InvalidValue, match="baseline equals target"):
        objective.revise_key_result(LEAD, METRIC_ID, Clock()(), target=50.0)

    assert_unchanged(objective, version)
    assert objective.proposal.key_result(METRIC_ID).target == 10.0


def test_a_milestone_has_no_target_to_revise():
    objective = draft_objective()

    with pytest.raises(InvalidValue, match="milestone"):
        objective.revise_key_result(LEAD, MILESTONE_ID, Clock()(), target=1.0)


def test_removing_a_key_result_takes_it_out_of_the_proposal():
    objective = draft_objective()

    objective.remove_key_result(MEMBER, MILESTONE_ID, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.KeyResultRemoved)
    assert e.key_result_id == MILESTONE_ID
    assert [kr.id for kr in objective.proposal.key_results] == [METRIC_ID]


def test_removing_an_unknown_key_result_is_not_found():
    objective = draft_objective()
    version = objective.version

    with pytest.raises(NotFound):
        objective.remove_key_result(LEAD, MAINTAIN_ID, Clock()())

    assert_unchanged(objective, version)


def test_realigning_records_the_new_parent():
    objective = draft_objective()

    objective.realign(LEAD, None, Clock()())

    [e] = objective.collect_events()
    assert isinstance(e, Objective.Realigned)
    assert e.parent_id is None
    assert objective.proposal.parent_id is None


def test_an_objective_cannot_be_its_own_parent():
    objective = draft_objective()

    with pytest.raises(InvalidValue, match="own parent"):
        objective.realign(LEAD, OBJECTIVE_ID, Clock()())


@pytest.mark.parametrize("editor", [LEAD, MEMBER, APPROVER, ADMIN], ids=lambda s: min(s.roles))
def test_the_team_and_the_level_above_may_edit_a_draft(editor):
    objective = draft_objective()

    objective.revise(editor, Clock()(), description="Every second costs sales.")

    [e] = objective.collect_events()
    assert isinstance(e, Objective.DetailsRevised)
    assert e.actor_id == editor.actor_id


@pytest.mark.parametrize(
    "edit",
    [
        lambda o, now: o.revise(OUTSIDER, now, title="Hijacked"),
        lambda o, now: o.add_key_result(OUTSIDER, metric_kr(id=NEW_KR_ID), now),
        lambda o, now: o.revise_key_result(OUTSIDER, METRIC_ID, now, target=1.0),
        lambda o, now: o.remove_key_result(OUTSIDER, METRIC_ID, now),
        lambda o, now: o.realign(OUTSIDER, None, now),
    ],
    ids=["revise", "add_key_result", "revise_key_result", "remove_key_result", "realign"],
)
def test_an_outsider_cannot_edit_a_draft(edit):
    objective = draft_objective()
    version = objective.version

    with pytest.raises(NotAllowed):
        edit(objective, Clock()())

    assert_unchanged(objective, version)


def test_members_edit_the_terms_after_changes_are_requested():
    objective = changes_requested_objective()

    objective.revise_key_result(MEMBER, METRIC_ID, Clock()(), target=12.0)

    [e] = objective.collect_events()
    assert isinstance(e, Objective.KeyResultTargetChanged)
    assert objective.status is ObjectiveStatus.CHANGES_REQUESTED


def test_editing_an_approved_objective_requires_an_amendment_first():
    objective = objective_in(ObjectiveStatus.APPROVED)
    version = objective.version

    with pytest.raises(InvalidTransition, match="amendment"):
        objective.revise_key_result(LEAD, METRIC_ID, Clock()(), target=5.0)

    assert_unchanged(objective, version)
    assert objective.agreed.key_result(METRIC_ID).target == 10.0
