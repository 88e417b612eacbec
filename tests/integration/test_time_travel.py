"""Time travel, as a property: for random histories on a SQLite file and on PostgreSQL, every
answer the read models gave at some moment is given again, later, for `as_of` that moment's
time, and again after the read models were rebuilt from the log.

And the negotiation read model on the demo data: request-changes and counter rounds, with
the targets' drift from first proposal to agreement.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from time_travel_history import History, Known, TravelClock

from api.seed import DemoClock, seed_demo
from domain.application import OkrApp
from domain.objective import Objective
from projections.audit import MAX_LIMIT, approvals
from projections.catalog import projector_for, read_models
from projections.feed.queries import position_at
from projections.negotiation import negotiation
from projections.negotiation.rows import CHANGES_REQUESTED, COUNTER_DECLINED, COUNTERED
from projections.runner import Projector
from projections.store import ReadStore, Tx
from projections.tree import TreeProjection, check_ins_at, goal_tree, objective_at
from projections.tree.projection import EPOCH_EVENTS
from projections.tree.rows import GoalTree

pytestmark = pytest.mark.integration

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Histories per backend, and steps per history after the organisation is set up: the whole
# file runs in about a minute on two cores.
EXAMPLES = {"sqlite": 20, "postgres": 15}
STEPS = (40, 80)
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def new_store(request, tmp_path):
    """A function giving the URL of an empty store on each call (one per example): a new
    SQLite file, or this test's PostgreSQL database emptied (quicker than a new database)."""
    if request.param == "sqlite":
        numbers = itertools.count()
        return lambda: f"sqlite:///{tmp_path / f'okr-{next(numbers)}.db'}"
    url = request.getfixturevalue("postgres_url")

    def emptied() -> str:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return url

    return emptied


@dataclass(frozen=True)
class Moment:
    """What the read models answered right after one step of the history."""

    time: datetime  # the clock at that moment: every event so far was recorded at or before it
    position: int  # where the projector stood
    known: Known  # the ids created by then
    answers: dict[tuple, Any]


def answers(tx: Tx, known: Known, position: int, now: datetime) -> dict[tuple, Any]:
    """Every question asked of the read models, as of `position`, with health at `now`."""
    out: dict[tuple, Any] = {("approvals",): approvals(tx, position, limit=MAX_LIMIT)}
    for c in known.cycles:
        out["tree", c] = goal_tree(tx, c, position, now)
        out["approvals", c] = approvals(tx, position, cycle_id=c, limit=MAX_LIMIT)
        if len(known.teams) > 1:  # the second level's subtree, withdrawn and rejected shown
            team = known.teams[1]
            out["subtree", c, team] = goal_tree(tx, c, position, now, team_id=team, include_gone=True)
    for o in known.objectives:
        out["objective", o] = objective_at(tx, o, position, now)
        out["negotiation", o] = negotiation(tx, o, position)
    for k in known.key_results:
        out["check-ins", k] = check_ins_at(tx, k, position)
    return out


def nothing(answer: Any) -> bool:
    """An answer about something that did not exist yet."""
    return answer is None or answer == [] or (isinstance(answer, GoalTree) and not answer.roots)


def agrees_with_the_domain(history: History, live: dict[tuple, Any]) -> None:
    """The live answers describe the aggregates as they are now (the projections are not behind)."""
    for key, row in live.items():
        if key[0] == "objective":
            objective: Objective = history.get(key[1])
            assert (row.version, row.status) == (objective.version, objective.status)
        elif key[0] == "negotiation":
            assert row.status == history.get(key[1]).status.value


def assert_same(moment: Moment, later: dict[tuple, Any], how: str) -> None:
    for key, answer in moment.answers.items():
        assert later[key] == answer, (
            f"{how}: {key[0]} {key[1:]} as of position {moment.position} "
            f"({moment.time.isoformat()}) differs from the answer given then"
        )
    for key in later.keys() - moment.answers.keys():
        assert nothing(later[key]), f"{how}: {key} shows something before it existed"


SETTINGS = settings(
    deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("new_store", BACKENDS, indirect=True)
def test_every_answer_as_of_a_past_moment_is_the_answer_given_at_that_moment(request, new_store):
    backend = request.node.callspec.params["new_store"]
    ran = []

    @settings(SETTINGS, max_examples=EXAMPLES[backend])
    @given(data=st.data())
    def time_travel_holds(data):
        ran.append(time_travels(new_store(), data))

    time_travel_holds()
    summary = (
        f"{backend}: {len(ran)} histories, {sum(r['moments'] for r in ran)} moments, "
        f"{sum(r['events'] for r in ran)} events, {sum(r['refused'] for r in ran)} refused commands; "
        + ", ".join(f"{k} {sum(r[k] for r in ran)}" for k in STORY if any(r[k] for r in ran))
    )
    request.node.user_properties.append(("time travel", summary))
    print(summary)


STORY = ("draft_objective", "submit", "approve", "request_changes", "counter", "accept_counter",
         "decline_counter", "reject", "withdraw", "amend", "record_check_in", "correct_check_in",
         "close_cycle", "adjust_score", "carry_over", "appoint_lead")


def time_travels(url: str, data) -> dict[str, int]:
    """One random history: the answers at every moment, asked again as of that moment's time,
    then again after a rebuild. Returns what the history held."""
    clock = TravelClock()
    app = OkrApp(url, clock=clock)
    # Small batches or one large one: the rebuild folds the log in batches of this size. The
    # tree's versions in one epoch (as in any history this short), or in epochs of a few
    # positions each (at least 4 per objective), so that reads look up carried versions.
    epoch_events = data.draw(st.sampled_from([EPOCH_EVENTS, 2]), "epoch")
    models = [
        TreeProjection(load=lambda i, v: app.repository.get(i, version=v), epoch_events=epoch_events)
        if model.name == "tree" else model for model in read_models(app)
    ]
    batch_size = data.draw(st.sampled_from([1, 3, 1000]), "batch")
    projector = Projector(app, ReadStore(url), models, batch_size=batch_size, url=url)
    store = projector.store
    history = History(app, clock, data)
    moments: list[Moment] = []

    def observe() -> None:
        projector.catch_up()
        position = projector.position()
        assert position == app.head_position()
        with store.reading() as tx:
            live = answers(tx, history.known(), position, clock.current)
        agrees_with_the_domain(history, live)
        moments.append(Moment(clock.current, position, history.known(), live))

    def ask_again(how: str) -> None:
        final = history.known()
        with store.reading() as tx:
            for moment, following in zip(moments, [*moments[1:], None]):
                # As of the moment's time, and of any time before the next moment's events
                # were recorded, the log stood where the projector stood then.
                assert position_at(tx, moment.time) == moment.position, how
                if following is not None:
                    assert position_at(tx, following.time - MICROSECOND) == moment.position, how
                later = answers(tx, final, position_at(tx, moment.time), moment.time)
                assert_same(moment, later, how)

    try:
        observe()  # before the first event
        for build in history.organisation():
            clock.advance(timedelta(minutes=7))
            build()
            observe()
        for _ in range(data.draw(st.integers(STEPS[0], STEPS[1]), "steps")):
            if history.step():
                observe()
        ask_again("as of a past moment")
        assert projector.rebuild() > 0
        assert projector.position() == app.head_position()
        ask_again("after a rebuild")
        events = app.head_position()
    finally:
        store.close()
        app.close()
    return {"moments": len(moments), "events": events, "refused": history.refused} | {
        k: history.kinds.get(k, 0) for k in STORY
    }


# ---- the demo's negotiations -----------------------------------------------------------


def test_the_demo_shows_request_changes_and_counter_rounds_with_target_drift(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    clock = DemoClock()
    app = OkrApp(url, clock=clock)
    projector = projector_for(app, url)
    try:
        seed_demo(app, clock)
        projector.catch_up()
        head = projector.position()
        ids = {n.originator_id for n in app.recorder.select_notifications(start=1, limit=100_000)}
        objectives = [o for o in map(app.repository.get, ids) if isinstance(o, Objective)]
        with projector.store.reading() as tx:
            views = [negotiation(tx, o.id, head) for o in objectives]
            views = [v for v in views if v is not None]

            def responded(view, kind: str) -> bool:
                return any(r.kind == kind for round_ in view.rounds for r in round_.responses)

            def drifted(view) -> list:
                return [d for d in view.drift if d.absolute not in (None, 0.0)]

            # Changes requested in a first round, the terms revised and approved in a second,
            # and a target that moved on the way.
            changed = [v for v in views if responded(v, CHANGES_REQUESTED) and drifted(v)]
            assert changed, "no objective of the demo had changes requested and its target moved"
            view = changed[0]
            first, second = view.rounds[:2]
            assert first.outcome == CHANGES_REQUESTED and second.outcome == "approved"
            assert view.agreed_round == second.number
            [moved, *_] = drifted(view)
            assert moved.agreed == second.terms.key_result(moved.key_result_id).target
            assert moved.first_proposed == first.terms.key_result(moved.key_result_id).target
            assert moved.absolute == pytest.approx(moved.agreed - moved.first_proposed)
            assert [s.kind for s in moved.path] == ["submitted", "submitted"]

            # A counter-proposal declined (the objective goes back to changes requested), the
            # terms resubmitted and approved; and one accepted, agreed on the counter's target.
            declined = [v for v in views if responded(v, COUNTERED) and responded(v, COUNTER_DECLINED)]
            assert declined and any(drifted(v) for v in declined)
            view = next(v for v in declined if drifted(v))
            first = view.rounds[0]
            assert [r.kind for r in first.responses] == [COUNTERED, COUNTER_DECLINED]
            decline = first.responses[1]
            assert negotiation(tx, view.objective_id, decline.position).status == CHANGES_REQUESTED
            [moved, *_] = drifted(view)
            assert [s.kind for s in moved.path] == ["submitted", "countered", "submitted"]
            countered_to = moved.path[1].target
            assert moved.agreed not in (moved.first_proposed, countered_to)  # met half-way

            accepted = [v for v in views if responded(v, "counter_accepted") and drifted(v)]
            assert accepted
            view = accepted[0]
            [moved, *_] = drifted(view)
            assert [s.kind for s in moved.path] == ["submitted", "countered"]
            assert moved.agreed == moved.path[-1].target != moved.first_proposed
            assert view.rounds[0].outcome == "counter_accepted"
    finally:
        projector.store.close()
        app.close()
