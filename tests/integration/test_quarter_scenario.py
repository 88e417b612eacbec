"""One quarter from draft to close, adjusted score and carry-over, run unchanged on every store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import scorecard
from domain.errors import Conflict, InvalidTransition
from domain.objective import Objective
from domain.values import ObjectiveStatus

pytestmark = pytest.mark.integration


def topics(app) -> list[str]:
    return [n.topic for n in app.recorder.select_notifications(start=1, limit=10_000)]


def test_a_whole_quarter_from_draft_to_close_and_carry_over(app, clock):
    # Given an organisation of three levels and an active quarter
    admin = app.ensure_admin()
    ceo = app.register_user(admin, "Ada Ceo", "ada@example.org").id
    vp = app.register_user(admin, "Vic Vp", "vic@example.org").id
    lead = app.register_user(admin, "Lea Lead", "lea@example.org").id
    dev = app.register_user(admin, "Dev Member", "dev@example.org").id
    company = app.form_team(admin, "Company", ceo).id
    product = app.form_team(admin, "Product", vp, parent_id=company).id
    mobile = app.form_team(admin, "Mobile", lead, parent_id=product).id
    app.add_member(lead, mobile, dev)
    app.state_north_star(admin, "Every team knows why its work matters")
    q1 = app.plan_cycle(admin, "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)).id
    app.activate_cycle(admin, q1)

    top = app.draft_objective(ceo, q1, company, "Win the mid-market", "aspirational").id
    app.add_key_result(ceo, top, "Mid-market customers", "metric", unit="customers",
                       baseline=10, target=40)
    app.submit(ceo, top)
    app.approve(admin, top, comment="Board agrees")
    middle = app.draft_objective(vp, q1, product, "Make onboarding effortless", "committed",
                                 parent_id=top).id
    app.add_key_result(vp, middle, "Activation rate", "metric", unit="%", baseline=30, target=45)
    app.submit(vp, middle)
    app.approve(ceo, middle)

    # When the mobile team drafts, negotiates and agrees its objective
    objective = app.draft_objective(dev, q1, mobile, "Ship a delightful mobile app",
                                    "committed", parent_id=middle).id
    crashes = app.add_key_result(dev, objective, "Crash rate", "metric", unit="%",
                                 baseline=2.0, target=0.5).id
    rating = app.add_key_result(dev, objective, "Store rating", "maintain", unit="stars",
                                target=4.5, direction="at_least").id
    launch = app.add_key_result(dev, objective, "Offline mode launched", "milestone").id
    first = app.submit(lead, objective, comment="Our proposal")
    app.request_changes(vp, objective, comment="Crash rate target is too soft")
    app.revise_key_result(dev, objective, crashes, target=0.3)
    app.submit(lead, objective)
    app.counter(vp, objective, {crashes: 0.2}, comment="0.2 % is what the market expects")
    app.decline_counter(lead, objective, comment="0.2 is out of reach this quarter")
    app.submit(lead, objective, comment="0.3 with a plan")
    agreed = app.approve(vp, objective, comment="Agreed")

    # Then the terms are agreed and the negotiation counts four rounds
    state = app.repository.get(objective)
    assert state.status is ObjectiveStatus.APPROVED
    assert state.round == 3
    assert state.agreed.key_result(crashes).target == 0.3
    assert agreed.version == state.version and agreed.position >= first.position + 7

    # When the team checks in weekly, corrects one and amends the terms
    clock.set(datetime(2026, 2, 1, 9, tzinfo=UTC))
    wrong = app.record_check_in(dev, objective, crashes, 1.8, 0.6, "first week").id
    app.correct_check_in(dev, objective, wrong, 1.4, "read the wrong dashboard")
    app.record_check_in(dev, objective, rating, 4.6, 0.8)
    app.amend(lead, objective, comment="Add the wearables milestone")
    app.add_key_result(lead, objective, "Watch app", "milestone")
    app.submit(lead, objective)
    app.reject(vp, objective, comment="Not this quarter")
    state = app.repository.get(objective)
    assert state.status is ObjectiveStatus.APPROVED
    assert len(state.agreed.key_results) == 3  # the amendment was rejected: old terms hold
    clock.set(datetime(2026, 3, 20, 9, tzinfo=UTC))
    app.record_check_in(dev, objective, crashes, 0.8, 0.7, measured_at=datetime(2026, 3, 19, tzinfo=UTC))
    app.record_check_in(dev, objective, launch, 1, 1.0, "shipped")

    # When the quarter closes, a review measurement follows, and the lead adjusts the score
    clock.set(datetime(2026, 4, 1, 9, tzinfo=UTC))
    app.close_cycle(admin, q1)
    app.record_check_in(dev, objective, crashes, 0.3, 1.0, "review: the fix landed late")
    app.adjust_score(lead, objective, 0.8, "the crash fix landed a week after the close")

    # Then the computed score is frozen at the close: crash 0.8 → (2-0.8)/(2-0.3)=0.71, rating 1, launch 1
    state = app.repository.get(objective)
    closed_at = app.repository.get(q1).closed_at
    assert scorecard.frozen_score(state, closed_at) == 0.9
    assert scorecard.progress(state) == 1.0  # the review measurement reaches the target
    assert state.adjusted_score == 0.8
    with pytest.raises(InvalidTransition):
        app.amend(lead, objective)

    # When the unfinished top objective is carried into the next quarter
    q2 = app.plan_cycle(admin, "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)).id
    app.record_check_in(ceo, top, app.repository.get(top).agreed.key_results[0].id, 25, 0.5)
    carried = app.carry_over(ceo, top, q2)

    # Then it is a draft in Q2 linked to its origin, starting from the last measured value
    new = app.repository.get(carried.id)
    assert isinstance(new, Objective) and new.status is ObjectiveStatus.DRAFT
    assert new.origin_id == top and new.cycle_id == q2
    assert [kr.baseline for kr in new.proposal.key_results] == [25.0]
    assert app.repository.get(top).carried_into_id == carried.id

    log = topics(app)
    for topic in ("Submitted", "ChangesRequested", "Countered", "CounterDeclined", "Approved",
                  "CheckInRecorded", "CheckInCorrected", "AmendmentStarted", "Rejected",
                  "ScoreAdjusted", "CarriedOver"):
        assert f"okr:Objective.{topic}" in log
    assert "okr:Cycle.Closed" in log


def test_recorded_time_never_decreases_along_the_log(app, clock):
    admin = app.ensure_admin()
    clock.set(datetime(2026, 5, 1, tzinfo=UTC))
    app.plan_cycle(admin, "later", date(2026, 4, 1), date(2026, 6, 30))
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))  # the clock jumps back
    app.plan_cycle(admin, "earlier", date(2026, 1, 1), date(2026, 3, 31))
    stamps = [app.mapper.to_domain_event(n).timestamp
              for n in app.recorder.select_notifications(start=1, limit=100)]
    assert stamps == sorted(set(stamps))  # strictly increasing
    assert stamps[-1] == stamps[-2] + timedelta(microseconds=1)  # after the head, not the clock


def test_a_retried_command_with_the_same_idempotency_key_records_nothing_twice(app):
    admin = app.ensure_admin()
    first = app.plan_cycle(admin, "Q3", date(2026, 7, 1), date(2026, 9, 30), idempotency_key="k-1")
    head = app.head_position()
    again = app.plan_cycle(admin, "Q3", date(2026, 7, 1), date(2026, 9, 30), idempotency_key="k-1")
    assert (again.id, again.version) == (first.id, first.version)
    assert app.head_position() == head
    activated = app.activate_cycle(admin, first.id, idempotency_key="k-2")
    assert app.activate_cycle(admin, first.id, idempotency_key="k-2").version == activated.version
    assert app.head_position() == activated.position


def test_of_two_writers_on_one_version_one_wins_and_the_other_gets_a_conflict(app):
    admin = app.ensure_admin()
    cycle = app.plan_cycle(admin, "Q3", date(2026, 7, 1), date(2026, 9, 30))
    seen = cycle.version  # both writers read this version
    app.activate_cycle(admin, cycle.id, expected_version=seen)
    head = app.head_position()
    with pytest.raises(Conflict) as conflict:
        app.close_cycle(admin, cycle.id, expected_version=seen)
    assert conflict.value.current_version == seen + 1
    assert app.head_position() == head
