"""How objectives were negotiated, and every approval decision, read back from the projections
on every store: rounds, responses, drift, time per round, amendments, as-of reads and rebuilds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from projections.audit import MAX_LIMIT, ApprovalAuditProjection, approvals
from projections.negotiation import NegotiationProjection, negotiation
from projections.runner import Projector
from projections.store import ReadStore

pytestmark = pytest.mark.integration

JAN = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday


def at(clock, moment: datetime) -> None:
    """The next command is stamped exactly `moment` (the stepping clock ticks a second first)."""
    clock.set(moment - timedelta(seconds=1))


def projections():
    return [NegotiationProjection(), ApprovalAuditProjection()]


def answers(tx, position: int, objectives: list[UUID]):
    return (
        {o: negotiation(tx, o, position) for o in objectives},
        approvals(tx, position, limit=MAX_LIMIT),
    )


class Watcher:
    """After every command: catch up, then note what the read models answered at that position."""

    def __init__(self, app, store: ReadStore):
        self.store = store
        self.projector = Projector(app, store, projections())
        self.objectives: list[UUID] = []
        self.seen: dict[int, tuple] = {}
        app.on_recorded.append(self)

    def __call__(self, position: int) -> None:
        self.projector.catch_up()
        with self.store.reading() as tx:
            self.seen[position] = answers(tx, position, list(self.objectives))


@dataclass
class Story:
    people: dict[str, UUID] = field(default_factory=dict)
    ids: dict[str, UUID] = field(default_factory=dict)
    at: dict[str, int] = field(default_factory=dict)  # positions of chosen commands


def negotiate(app, clock, watcher: Watcher) -> Story:
    s = Story()
    admin = app.ensure_admin()
    for name in ("ceo", "vp", "lead", "dev", "wes"):
        s.people[name] = app.register_user(admin, name.title(), f"{name}@example.org").id
    p = s.people
    company = app.form_team(admin, "Company", p["ceo"]).id
    product = app.form_team(admin, "Product", p["vp"], parent_id=company).id
    s.ids["mobile"] = app.form_team(admin, "Mobile", p["lead"], parent_id=product).id
    s.ids["web"] = app.form_team(admin, "Web", p["wes"], parent_id=product).id
    app.add_member(p["lead"], s.ids["mobile"], p["dev"])
    s.ids["q1"] = app.plan_cycle(admin, "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)).id
    s.ids["q2"] = app.plan_cycle(admin, "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)).id
    app.activate_cycle(admin, s.ids["q1"])

    # The mobile team's objective: changes requested, a counter declined, then approved
    o = s.ids["app"] = app.draft_objective(
        p["dev"], s.ids["q1"], s.ids["mobile"], "Ship a delightful mobile app", "committed").id
    watcher.objectives.append(o)
    s.at["drafted"] = app.head_position()
    crashes = s.ids["crashes"] = app.add_key_result(
        p["dev"], o, "Crash rate", "metric", unit="%", baseline=2.0, target=0.5).id
    s.ids["rating"] = app.add_key_result(
        p["dev"], o, "Store rating", "maintain", unit="stars", target=4.5, direction="at_least").id
    app.add_key_result(p["dev"], o, "Offline mode launched", "milestone")
    at(clock, JAN + timedelta(hours=1))
    app.submit(p["lead"], o, comment="Our proposal")
    at(clock, JAN + timedelta(hours=3))
    app.request_changes(p["vp"], o, comment="Crash rate target is too soft")
    app.revise_key_result(p["dev"], o, crashes, target=0.3)
    at(clock, JAN + timedelta(days=1))
    app.submit(p["lead"], o)
    at(clock, JAN + timedelta(days=2))
    countered = app.counter(p["vp"], o, {crashes: 0.2}, comment="0.2 % is what the market expects")
    s.at["counter"] = countered.position
    at(clock, JAN + timedelta(days=2, hours=3))
    app.decline_counter(p["lead"], o, comment="0.2 is out of reach this quarter")
    at(clock, JAN + timedelta(days=3))
    app.submit(p["lead"], o, comment="0.3 with a plan")
    at(clock, JAN + timedelta(days=3, minutes=30))
    s.at["agreed"] = app.approve(p["vp"], o, comment="Agreed").position

    # The web team's objective: countered and the counter accepted
    web = s.ids["site"] = app.draft_objective(
        p["wes"], s.ids["q1"], s.ids["web"], "Convert more visitors", "aspirational").id
    watcher.objectives.append(web)
    s.ids["conversion"] = app.add_key_result(
        p["wes"], web, "Conversion", "metric", unit="%", baseline=2.0, target=3.0).id
    at(clock, JAN + timedelta(days=4))
    app.submit(p["wes"], web)
    at(clock, JAN + timedelta(days=4, hours=1))
    app.counter(p["vp"], web, {s.ids["conversion"]: 4.0}, comment="Aim higher")
    at(clock, JAN + timedelta(days=4, hours=2))
    app.accept_counter(p["wes"], web, comment="Deal")

    # The mobile team amends its agreed terms; the amendment is rejected
    at(clock, datetime(2026, 2, 1, 9, tzinfo=UTC))
    s.at["amend"] = app.amend(p["lead"], o, comment="Add the wearables milestone").position
    app.revise_objective(p["dev"], o, title="Ship a delightful mobile and watch app")
    app.add_key_result(p["dev"], o, "Watch app launched", "milestone")
    app.revise_key_result(p["dev"], o, s.ids["rating"], target=4.7)
    at(clock, datetime(2026, 2, 2, 9, tzinfo=UTC))
    app.submit(p["lead"], o)
    at(clock, datetime(2026, 2, 2, 13, tzinfo=UTC))
    app.reject(p["vp"], o, comment="Not this quarter")

    # Next quarter's objective, approved at once
    nxt = s.ids["next"] = app.draft_objective(
        p["lead"], s.ids["q2"], s.ids["mobile"], "Keep the app fast", "committed").id
    watcher.objectives.append(nxt)
    app.add_key_result(p["lead"], nxt, "Cold start", "metric", unit="ms", baseline=900, target=600)
    at(clock, datetime(2026, 3, 20, 9, tzinfo=UTC))
    app.submit(p["lead"], nxt)
    at(clock, datetime(2026, 3, 21, 9, tzinfo=UTC))
    app.approve(p["vp"], nxt)
    return s


@pytest.fixture
def read_store(store_url):
    store = ReadStore(store_url)
    yield store
    store.close()


@pytest.fixture
def told(app, clock, read_store):
    watcher = Watcher(app, read_store)
    story = negotiate(app, clock, watcher)
    Projector(app, read_store, projections()).catch_up()
    return story, watcher


def test_the_rounds_show_who_submitted_what_and_each_response(app, read_store, told):
    s, _ = told
    p = s.people
    with read_store.reading() as tx:
        view = negotiation(tx, s.ids["app"], app.head_position())
    assert view.title == "Ship a delightful mobile app" and view.status == "approved"
    assert (view.cycle_id, view.team_id) == (s.ids["q1"], s.ids["mobile"])
    assert [(r.number, r.submitted_by, r.comment) for r in view.rounds] == [
        (1, p["lead"], "Our proposal"), (2, p["lead"], None), (3, p["lead"], "0.3 with a plan"),
        (4, p["lead"], None)]
    assert [[(x.kind, x.actor_id, x.comment) for x in r.responses] for r in view.rounds] == [
        [("changes_requested", p["vp"], "Crash rate target is too soft")],
        [("countered", p["vp"], "0.2 % is what the market expects"),
         ("counter_declined", p["lead"], "0.2 is out of reach this quarter")],
        [("approved", p["vp"], "Agreed")],
        [("rejected", p["vp"], "Not this quarter")]]
    [counter] = view.rounds[1].responses[0].counter
    assert (counter.key_result_id, counter.target) == (s.ids["crashes"], 0.2)
    crash_targets = [[kr.target for kr in r.terms.key_results][0] for r in view.rounds]
    assert crash_targets == [0.5, 0.3, 0.3, 0.3]
    assert view.rounds[0].submitted_at == JAN + timedelta(hours=1)


def test_time_per_round_and_to_agreement_come_from_the_recorded_times(app, read_store, told):
    s, _ = told
    with read_store.reading() as tx:
        view = negotiation(tx, s.ids["app"], app.head_position())
        site = negotiation(tx, s.ids["site"], app.head_position())
    assert [(r.outcome, r.duration) for r in view.rounds] == [
        ("changes_requested", timedelta(hours=2)),
        ("counter_declined", timedelta(hours=27)),
        ("approved", timedelta(minutes=30)),
        ("rejected", timedelta(hours=4))]
    assert view.time_to_agreement == timedelta(days=3, minutes=-30)
    assert view.first_agreed_at == view.agreed_at == JAN + timedelta(days=3, minutes=30)
    assert [(r.outcome, r.duration) for r in site.rounds] == [("counter_accepted", timedelta(hours=2))]
    assert site.time_to_agreement == timedelta(hours=2)


def test_target_drift_runs_from_first_proposal_to_the_agreed_target(app, read_store, told):
    s, _ = told
    with read_store.reading() as tx:
        view = negotiation(tx, s.ids["app"], app.head_position())
        site = negotiation(tx, s.ids["site"], app.head_position())
    crashes, rating = view.drift  # milestones have no target to drift
    assert crashes.key_result_id == s.ids["crashes"] and crashes.unit == "%"
    assert (crashes.first_proposed, crashes.agreed, crashes.absolute, crashes.relative) == (
        0.5, 0.3, -0.2, -0.4)
    assert [(t.round, t.kind, t.target) for t in crashes.path] == [
        (1, "submitted", 0.5), (2, "submitted", 0.3), (2, "countered", 0.2),
        (3, "submitted", 0.3), (4, "submitted", 0.3)]
    # the rejected amendment proposed 4.7; the agreed threshold stays 4.5
    assert [t.target for t in rating.path] == [4.5, 4.5, 4.5, 4.7]
    assert (rating.agreed, rating.absolute, rating.relative) == (4.5, 0.0, 0.0)
    [conversion] = site.drift
    assert (conversion.first_proposed, conversion.agreed, conversion.absolute, conversion.relative) == (
        3.0, 4.0, 1.0, pytest.approx(1 / 3))
    assert [kr.target for kr in site.agreed.key_results] == [4.0]


def test_an_amendment_is_a_later_round_and_the_agreed_terms_survive_its_rejection(app, read_store, told):
    s, _ = told
    p = s.people
    with read_store.reading() as tx:
        view = negotiation(tx, s.ids["app"], app.head_position())
        amending = negotiation(tx, s.ids["app"], s.at["amend"] + 1)
    assert [r.amendment for r in view.rounds] == [False, False, False, True]
    started = view.rounds[3].amendment_started
    assert (started.actor_id, started.comment) == (p["lead"], "Add the wearables milestone")
    assert view.rounds[3].terms.title == "Ship a delightful mobile and watch app"
    assert len(view.rounds[3].terms.key_results) == 4
    assert view.agreed_round == 3 and view.agreed.title == "Ship a delightful mobile app"
    assert [kr.target for kr in view.agreed.key_results] == [0.3, 4.5, None]
    assert view.between_rounds == ()
    # while the amendment was being drafted, it stood between the rounds
    assert amending.status == "amending" and len(amending.rounds) == 3
    assert [r.kind for r in amending.between_rounds] == ["amendment_started"]
    assert amending.title == "Ship a delightful mobile and watch app"


def test_as_of_the_counter_the_negotiation_shows_only_what_was_known_then(app, read_store, told):
    s, _ = told
    with read_store.reading() as tx:
        then = negotiation(tx, s.ids["app"], s.at["counter"])
        before = negotiation(tx, s.ids["app"], s.at["drafted"] - 1)
        drafted = negotiation(tx, s.ids["app"], s.at["drafted"])
        decisions = approvals(tx, s.at["counter"])
    assert before is None
    assert drafted.status == "draft" and drafted.rounds == ()
    assert then.status == "countered" and len(then.rounds) == 2
    assert then.rounds[1].outcome == "open" and then.rounds[1].awaiting == "team"
    assert then.rounds[1].duration is None
    assert then.agreed is None and then.time_to_agreement is None
    assert [t.target for t in then.drift[0].path] == [0.5, 0.3, 0.2]
    assert then.drift[0].agreed is None
    assert [d.kind for d in decisions] == ["changes_requested", "countered"]


def test_the_audit_lists_every_decision_filtered_by_cycle_and_team(app, read_store, told):
    s, _ = told
    p, ids = s.people, s.ids
    head = app.head_position()
    with read_store.reading() as tx:
        everything = approvals(tx, head)
        mobile = approvals(tx, head, team_id=ids["mobile"])
        web = approvals(tx, head, team_id=ids["web"])
        q1 = approvals(tx, head, cycle_id=ids["q1"])
        q2 = approvals(tx, head, cycle_id=ids["q2"])
        q1_web = approvals(tx, head, cycle_id=ids["q1"], team_id=ids["web"])
    assert [(d.kind, d.objective_id, d.round, d.actor_id) for d in everything] == [
        ("changes_requested", ids["app"], 1, p["vp"]),
        ("countered", ids["app"], 2, p["vp"]),
        ("counter_declined", ids["app"], 2, p["lead"]),
        ("approved", ids["app"], 3, p["vp"]),
        ("countered", ids["site"], 1, p["vp"]),
        ("counter_accepted", ids["site"], 1, p["wes"]),
        ("rejected", ids["app"], 4, p["vp"]),
        ("approved", ids["next"], 1, p["vp"])]
    # the title as it stood when each decision was taken
    assert [d.title for d in everything if d.objective_id == ids["app"]] == [
        "Ship a delightful mobile app"] * 4 + ["Ship a delightful mobile and watch app"]
    assert everything[0].comment == "Crash rate target is too soft"
    assert everything[0].recorded_at == JAN + timedelta(hours=3)
    assert [d.position for d in everything] == sorted(d.position for d in everything)
    assert {d.team_id for d in mobile} == {ids["mobile"]} and len(mobile) == 6
    assert [d.objective_id for d in web] == [ids["site"]] * 2 == [d.objective_id for d in q1_web]
    assert len(q1) == 7 and [d.objective_id for d in q2] == [ids["next"]]
    assert {d.cycle_id for d in q1} == {ids["q1"]}


def test_the_audit_pages_on_from_the_last_position_seen(app, read_store, told):
    head = app.head_position()
    with read_store.reading() as tx:
        everything = approvals(tx, head)
        pages, after = [], 0
        while page := approvals(tx, head, after=after, limit=3):
            pages.append(page)
            after = page[-1].position
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [d for page in pages for d in page] == everything


def test_every_position_answers_as_the_projections_did_then_and_a_rebuild_answers_the_same(
    app, read_store, told,
):
    s, watcher = told
    objectives = [s.ids["app"], s.ids["site"], s.ids["next"]]
    head = app.head_position()
    assert len(watcher.seen) > 40
    with read_store.reading() as tx:
        for position, then in watcher.seen.items():
            assert answers(tx, position, list(then[0])) == then, position
        incremental = [answers(tx, position, objectives) for position in range(head + 1)]
    # a rebuild in small batches, so objectives are looked up across batches
    rebuilt = Projector(app, read_store, projections(), batch_size=5)
    assert rebuilt.rebuild() == head
    with read_store.reading() as tx:
        assert [answers(tx, position, objectives) for position in range(head + 1)] == incremental
