"""The pure fold from negotiation steps to the view of how an objective was negotiated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from projections.negotiation import CounterTarget, Step, TargetStep, fold

pytestmark = pytest.mark.unit

OBJECTIVE, CYCLE, TEAM = uuid4(), uuid4(), uuid4()
LEAD, APPROVER = uuid4(), uuid4()
CRASHES, RATING, LAUNCH = uuid4(), uuid4(), uuid4()
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def terms(crashes: float = 0.5, rating: float = 4.5, title: str = "Ship it", extra=()) -> dict:
    return {
        "title": title, "kind": "committed", "parent_id": None,
        "key_results": [
            {"id": str(CRASHES), "title": "Crash rate", "kind": "metric", "unit": "%",
             "baseline": 2.0, "target": crashes, "direction": None, "weight": 1.0},
            {"id": str(RATING), "title": "Store rating", "kind": "maintain", "unit": "stars",
             "baseline": None, "target": rating, "direction": "at_least", "weight": 1.0},
            {"id": str(LAUNCH), "title": "Offline mode", "kind": "milestone", "unit": "",
             "baseline": None, "target": None, "direction": None, "weight": 1.0},
            *extra,
        ],
    }


class Log:
    """Steps one hour apart, numbered from position 1."""

    def __init__(self):
        self.steps: list[Step] = []

    def add(self, kind: str, actor: UUID = APPROVER, round: int | None = None,
            comment: str | None = None, data=None, hours: float = 1) -> Step:
        previous = self.steps[-1].recorded_at if self.steps else T0
        step = Step(len(self.steps) + 1, previous + timedelta(hours=hours), kind, actor,
                    round, comment, data)
        self.steps.append(step)
        return step

    def drafted(self, title: str = "Ship it") -> Step:
        return self.add("drafted", LEAD, data={
            "cycle_id": str(CYCLE), "team_id": str(TEAM), "title": title})

    def submitted(self, round: int, hours: float = 1, comment: str | None = None, **kw) -> Step:
        return self.add("submitted", LEAD, round, comment, terms(**kw), hours)

    def countered(self, round: int, targets: dict[UUID, float], comment=None, hours: float = 1):
        data = [{"key_result_id": str(k), "target": t} for k, t in targets.items()]
        return self.add("countered", APPROVER, round, comment, data, hours)

    def view(self, upto: int | None = None):
        return fold(OBJECTIVE, [s for s in self.steps if upto is None or s.position <= upto])


def test_nothing_is_known_before_the_objective_is_drafted():
    assert fold(OBJECTIVE, []) is None


def test_a_draft_has_no_rounds_and_no_agreement():
    log = Log()
    log.drafted("Make onboarding effortless")
    log.add("revised", LEAD, data={"title": "Make onboarding delightful"})
    view = log.view()
    assert (view.cycle_id, view.team_id) == (CYCLE, TEAM)
    assert view.title == "Make onboarding delightful" and view.status == "draft"
    assert view.rounds == () and view.agreed is None and view.drift == ()
    assert view.time_to_agreement is None and view.last_position == 2


def test_a_round_approved_at_once_takes_the_time_from_submission_to_approval():
    log = Log()
    log.drafted()
    submitted = log.submitted(1, comment="Our proposal")
    approved = log.add("approved", round=1, comment="Fine", hours=2.5)
    view = log.view()
    [round_] = view.rounds
    assert (round_.number, round_.submitted_by, round_.submitted_at, round_.comment) == (
        1, LEAD, submitted.recorded_at, "Our proposal")
    assert [(r.kind, r.actor_id, r.comment) for r in round_.responses] == [("approved", APPROVER, "Fine")]
    assert round_.outcome == "approved" and round_.closed_at == approved.recorded_at
    assert round_.duration == timedelta(hours=2.5) and round_.awaiting is None
    assert not round_.amendment
    assert view.status == "approved" and view.agreed.title == "Ship it" and view.agreed_round == 1
    assert view.time_to_agreement == timedelta(hours=2.5)


def test_an_open_round_waits_for_the_approver_then_for_the_team_after_a_counter():
    log = Log()
    log.drafted()
    log.submitted(1)
    assert log.view().rounds[0].awaiting == "approver"
    assert log.view().rounds[0].outcome == "open" and log.view().rounds[0].duration is None
    log.countered(1, {CRASHES: 0.2}, "Aim higher")
    view = log.view()
    assert view.status == "countered" and view.rounds[0].awaiting == "team"
    assert view.rounds[0].responses[0].counter == (CounterTarget(CRASHES, 0.2),)
    assert view.agreed is None and view.drift[0].agreed is None


def test_an_accepted_counter_agrees_the_submitted_terms_with_the_countered_targets():
    log = Log()
    log.drafted()
    log.submitted(1, crashes=0.5)
    log.countered(1, {CRASHES: 0.2})
    log.add("counter_accepted", LEAD, 1, "Deal", hours=3)
    view = log.view()
    assert view.rounds[0].outcome == "counter_accepted"
    assert view.rounds[0].duration == timedelta(hours=4)
    assert [kr.target for kr in view.agreed.key_results] == [0.2, 4.5, None]
    crashes = view.drift[0]
    assert (crashes.first_proposed, crashes.agreed, crashes.absolute, crashes.relative) == (
        0.5, 0.2, -0.3, -0.6)


def test_the_whole_negotiation_gives_rounds_drift_and_time_to_agreement():
    log = Log()
    log.drafted()
    log.submitted(1, crashes=0.5, hours=1)                              # 10:00
    log.add("changes_requested", round=1, comment="Too soft", hours=2)  # 12:00
    log.submitted(2, crashes=0.3, hours=20)                             # next day 08:00
    log.countered(2, {CRASHES: 0.2}, hours=24)
    log.add("counter_declined", LEAD, 2, "Out of reach", hours=3)
    log.submitted(3, crashes=0.3, hours=1)
    log.add("approved", round=3, hours=0.5)
    view = log.view()
    assert [(r.number, r.outcome, r.duration) for r in view.rounds] == [
        (1, "changes_requested", timedelta(hours=2)),
        (2, "counter_declined", timedelta(hours=27)),
        (3, "approved", timedelta(hours=0.5)),
    ]
    assert view.time_to_agreement == timedelta(hours=2 + 20 + 24 + 3 + 1 + 0.5)
    crashes, rating = view.drift  # the milestone has no target, so no drift
    assert [(s.round, s.kind, s.target) for s in crashes.path] == [
        (1, "submitted", 0.5), (2, "submitted", 0.3), (2, "countered", 0.2), (3, "submitted", 0.3)]
    assert (crashes.agreed, crashes.absolute, crashes.relative) == (0.3, -0.2, -0.4)
    assert (rating.key_result_id, rating.absolute, rating.relative) == (RATING, 0.0, 0.0)
    assert isinstance(crashes.path[0], TargetStep) and crashes.path[0].actor_id == LEAD


def test_an_amendment_is_a_later_round_and_its_rejection_keeps_the_agreed_terms():
    log = Log()
    log.drafted()
    log.submitted(1)
    log.add("approved", round=1)
    started = log.add("amendment_started", LEAD, comment="Raise the bar")
    assert log.view().status == "amending"
    assert [r.kind for r in log.view().between_rounds] == ["amendment_started"]
    log.add("revised", LEAD, data={"title": "Ship it well"})
    log.submitted(2, rating=4.8, title="Ship it well")
    assert log.view().between_rounds == ()
    log.add("rejected", round=2, comment="Not now")
    view = log.view()
    assert [(r.number, r.amendment) for r in view.rounds] == [(1, False), (2, True)]
    assert view.rounds[1].amendment_started.position == started.position
    assert view.rounds[1].amendment_started.comment == "Raise the bar"
    assert view.status == "approved" and view.title == "Ship it" and view.agreed_round == 1
    assert view.drift[1].agreed == 4.5 and view.drift[1].path[-1].target == 4.8


def test_an_approved_amendment_replaces_the_agreed_terms_and_keeps_the_first_agreement_time():
    log = Log()
    log.drafted()
    log.submitted(1, rating=4.5)
    first = log.add("approved", round=1)
    log.add("amendment_started", LEAD)
    log.submitted(2, rating=4.2, extra=[{"id": str(uuid4()), "title": "Watch app", "kind": "metric",
                                         "unit": "users", "baseline": 0, "target": 100}])
    log.add("changes_requested", round=2)
    log.submitted(3, rating=4.3)
    agreed = log.add("approved", round=3)
    view = log.view()
    assert [(r.number, r.amendment) for r in view.rounds] == [(1, False), (2, True), (3, True)]
    assert view.agreed_round == 3 and view.agreed_at == agreed.recorded_at
    assert view.first_agreed_at == first.recorded_at
    rating, watch = view.drift[1], view.drift[2]
    assert (rating.first_proposed, rating.agreed) == (4.5, 4.3)
    assert rating.relative == pytest.approx(-0.2 / 4.5)
    assert watch.agreed is None and watch.absolute is None  # dropped from the agreed terms
    assert watch.relative is None  # proposed from 0: no relative drift


def test_withdrawing_an_open_round_closes_it_and_ends_the_negotiation():
    log = Log()
    log.drafted()
    log.submitted(1)
    log.add("withdrawn", LEAD, comment="Priorities changed", hours=5)
    view = log.view()
    assert view.status == "withdrawn"
    assert view.rounds[0].outcome == "withdrawn" and view.rounds[0].duration == timedelta(hours=5)


def test_withdrawing_an_unsubmitted_amendment_returns_to_the_agreed_terms_between_rounds():
    log = Log()
    log.drafted()
    log.submitted(1)
    log.add("approved", round=1)
    log.add("amendment_started", LEAD, comment="Maybe more")
    log.add("revised", LEAD, data={"title": "Something else"})
    log.add("withdrawn", LEAD, comment="No after all")
    view = log.view()
    assert view.status == "approved" and view.title == "Ship it"
    assert [(r.kind, r.comment) for r in view.between_rounds] == [
        ("amendment_started", "Maybe more"), ("withdrawn", "No after all")]
    assert len(view.rounds) == 1


def test_a_rejection_without_agreed_terms_is_final():
    log = Log()
    log.drafted()
    log.submitted(1)
    log.add("rejected", round=1, comment="Not aligned")
    view = log.view()
    assert view.status == "rejected" and view.agreed is None
    assert view.rounds[0].outcome == "rejected"


def test_a_prefix_of_the_steps_shows_only_what_was_known_then():
    log = Log()
    log.drafted()
    log.submitted(1, crashes=0.5)
    counter = log.countered(1, {CRASHES: 0.2})
    log.add("counter_declined", LEAD, 1)
    log.submitted(2, crashes=0.3)
    log.add("approved", round=2)
    then = log.view(upto=counter.position)
    assert len(then.rounds) == 1 and then.rounds[0].outcome == "open"
    assert then.last_position == counter.position and then.agreed is None
    assert [s.target for s in then.drift[0].path] == [0.5, 0.2]
    assert log.view().drift[0].agreed == 0.3
