"""The goal tree and check-in series read models on every store: the tree, objective details and
check-in series as of any position, equal to the domain's state, and the same whether rebuilt
or folded in batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain import rules, scorecard
from domain.values import Band, CycleState, Health, ObjectiveStatus, ScoreFlag
from projections.check_ins import CheckInsProjection
from projections.runner import Projector
from projections.store import ReadStore
from projections.tree import TreeProjection, check_ins_at, goal_tree, objective_at
from projections.tree.queries import epoch_at, members_at
from projections.tree.tables import CYCLE_CHANGED, GONE_STATUSES, TABLES, VERSION_COLUMNS, members_as_of

pytestmark = pytest.mark.integration

FEB, MAR_19, MAR_20, APR = (datetime(2026, m, d, 9, tzinfo=UTC) for m, d in ((2, 1), (3, 19), (3, 20), (4, 1)))
NOW = datetime(2026, 3, 25, 12, tzinfo=UTC)  # "now" for health, fixed so answers compare


@dataclass
class History:
    q1: UUID
    q2: UUID
    company: UUID
    product: UUID
    mobile_team: UUID
    top: UUID
    middle: UUID
    mobile: UUID
    side: UUID
    carried: UUID
    crashes: UUID
    key_results: list[UUID]
    submitted: int
    countered: int
    approved: int
    first_check_in: int
    corrected: int
    closed: int
    wearables: UUID
    watch: UUID
    wearables_formed: int


def build(app, clock) -> History:
    admin = app.ensure_admin()
    ceo = app.register_user(admin, "Ada Ceo", "ada@example.org").id
    vp = app.register_user(admin, "Vic Vp", "vic@example.org").id
    lead = app.register_user(admin, "Lea Lead", "lea@example.org").id
    dev = app.register_user(admin, "Dev Member", "dev@example.org").id
    company = app.form_team(admin, "Company", ceo).id
    product = app.form_team(admin, "Product", vp, parent_id=company).id
    formed = app.form_team(admin, "Mobile", lead, parent_id=product)
    app.add_member(lead, formed.id, dev)
    app.state_north_star(admin, "Every team knows why its work matters")
    q1 = app.plan_cycle(admin, "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)).id
    app.activate_cycle(admin, q1)

    top = app.draft_objective(ceo, q1, company, "Win the mid-market", "aspirational").id
    top_kr = app.add_key_result(ceo, top, "Customers", "metric", unit="c", baseline=10, target=40).id
    app.submit(ceo, top)
    app.approve(admin, top)
    middle = app.draft_objective(vp, q1, product, "Effortless onboarding", "committed", parent_id=top).id
    activation = app.add_key_result(vp, middle, "Activation", "metric", unit="%", baseline=30, target=45).id
    app.submit(vp, middle)
    app.approve(ceo, middle)

    mobile = app.draft_objective(dev, q1, formed.id, "A delightful app", "committed", parent_id=middle).id
    crashes = app.add_key_result(dev, mobile, "Crash rate", "metric", unit="%", baseline=2.0, target=0.5).id
    rating = app.add_key_result(dev, mobile, "Rating", "maintain", target=4.5, direction="at_least").id
    launch = app.add_key_result(dev, mobile, "Offline mode", "milestone").id
    submitted = app.submit(lead, mobile, comment="Our proposal").position
    countered = app.counter(vp, mobile, {crashes: 0.2}).position
    app.decline_counter(lead, mobile)
    app.revise_key_result(dev, mobile, crashes, target=0.3)
    app.submit(lead, mobile)
    approved = app.approve(vp, mobile).position
    side = app.draft_objective(dev, q1, formed.id, "Side quest", "committed").id
    app.withdraw(lead, side)

    clock.set(FEB)
    first = app.record_check_in(dev, mobile, crashes, 1.8, 0.6, "first week")
    corrected = app.correct_check_in(dev, mobile, first.id, 1.4, "read the wrong dashboard").position
    app.record_check_in(dev, mobile, rating, 4.6, 0.8)
    app.record_check_in(ceo, top, top_kr, 25, 0.5)
    clock.set(MAR_20)
    app.record_check_in(dev, mobile, crashes, 0.8, 0.7, measured_at=MAR_19)
    app.record_check_in(dev, mobile, crashes, 1.1, 0.7, "backfilled", measured_at=FEB.replace(day=15))
    app.record_check_in(dev, mobile, launch, 1, 1.0, "shipped")
    clock.set(APR)
    closed = app.close_cycle(admin, q1).position
    app.record_check_in(dev, mobile, crashes, 0.3, 1.0, "review: the fix landed late")
    app.adjust_score(lead, mobile, 0.8, "the crash fix landed a week after the close")
    q2 = app.plan_cycle(admin, "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)).id
    carried = app.carry_over(ceo, top, q2).id
    wearables = app.form_team(admin, "Wearables", lead, parent_id=formed.id)
    watch = app.draft_objective(lead, q2, wearables.id, "A watch app", "aspirational").id
    return History(
        q1, q2, company, product, formed.id, top, middle, mobile, side, carried, crashes,
        [top_kr, activation, crashes, rating, launch], submitted, countered, approved,
        first.position, corrected, closed, wearables.id, watch, wearables.position,
    )


def loader(app):
    return lambda aggregate_id, version: app.repository.get(aggregate_id, version=version)


def tree_and_series(app) -> list:
    return [TreeProjection(load=loader(app)), CheckInsProjection()]


@pytest.fixture
def read_store(store_url):
    store = ReadStore(store_url)
    yield store
    store.close()


@pytest.fixture
def history(app, clock) -> History:
    return build(app, clock)


@pytest.fixture
def projector(app, read_store, history) -> Projector:
    projector = Projector(app, read_store, tree_and_series(app))
    projector.catch_up()
    return projector


def tree(store, h: History, position: int, **kw):
    with store.reading() as tx:
        return goal_tree(tx, kw.pop("cycle", h.q1), position, NOW, **kw)


def shape(node) -> tuple:
    return (node.objective.title, tuple(shape(c) for c in node.children))


def only(node):
    return {node.objective.id: node.objective} | {
        k: v for c in node.children for k, v in only(c).items()
    }


def objectives(answer) -> dict:
    return {k: v for root in answer.roots for k, v in only(root).items()}


def test_the_tree_now_is_nested_scored_and_headed_by_the_north_star(app, read_store, history, projector):
    h = history
    answer = tree(read_store, h, app.head_position())
    assert answer.north_star == "Every team knows why its work matters"
    assert answer.cycle.state is CycleState.CLOSED
    assert [shape(r) for r in answer.roots] == [
        ("Win the mid-market", (("Effortless onboarding", (("A delightful app", ()),)),)),
    ]
    rows = objectives(answer)
    assert h.side not in rows  # withdrawn: left out of the tree
    top, middle, mobile = rows[h.top], rows[h.middle], rows[h.mobile]
    assert (mobile.computed_score, mobile.band, mobile.flags) == (0.9, Band.GREEN, (ScoreFlag.COMMITTED_NOT_MET,))
    assert (mobile.adjusted_score, mobile.progress) == (0.8, 1.0)  # the review measurement counts for progress
    assert (top.computed_score, top.band, top.flags) == (0.5, Band.YELLOW, ())
    assert (middle.computed_score, middle.band) == (0.0, Band.RED)
    assert middle.children_average == mobile.progress and top.children_average == middle.progress
    assert mobile.health is None and mobile.team_name == "Mobile" and mobile.parent_id == h.middle
    assert top.carried_into_id == h.carried
    carried, _watch = tree(read_store, h, app.head_position(), cycle=h.q2).roots
    assert carried.objective.origin_id == h.top and carried.objective.status is ObjectiveStatus.DRAFT
    with_gone = objectives(tree(read_store, h, app.head_position(), include_gone=True))
    assert with_gone[h.side].status is ObjectiveStatus.WITHDRAWN


def test_the_tree_as_of_earlier_positions_shows_the_negotiation_and_no_scores_before_the_close(
    read_store, history, projector
):
    h = history
    mobile = objectives(tree(read_store, h, h.submitted))[h.mobile]
    assert mobile.status is ObjectiveStatus.IN_REVIEW and mobile.agreed is None
    assert mobile.proposal.key_result(h.crashes).target == 0.5 and mobile.round == 1
    before_approval = objectives(tree(read_store, h, h.approved - 1))[h.mobile]
    assert before_approval.status is ObjectiveStatus.IN_REVIEW and before_approval.round == 2
    assert before_approval.proposal.key_result(h.crashes).target == 0.3
    countered = objectives(tree(read_store, h, h.countered))[h.mobile]
    assert countered.status is ObjectiveStatus.COUNTERED
    assert [(c.key_result_id, c.target) for c in countered.counter_targets] == [(h.crashes, 0.2)]
    approved = objectives(tree(read_store, h, h.approved))[h.mobile]
    assert approved.proposal is None and approved.agreed.key_result(h.crashes).target == 0.3

    before_check_in = objectives(tree(read_store, h, h.first_check_in - 1))[h.mobile]
    assert before_check_in.health is Health.NOT_STARTED and before_check_in.progress == 0.0
    assert [kr.current_value for kr in before_check_in.key_results] == [None, None, None]
    after = objectives(tree(read_store, h, h.first_check_in))[h.mobile]
    assert after.key_results[0].current_value == 1.8 and after.key_results[0].confidence == 0.6

    before_close = tree(read_store, h, h.closed - 1)
    assert before_close.cycle.state is CycleState.ACTIVE
    for row in objectives(before_close).values():
        assert (row.computed_score, row.band, row.flags) == (None, None, ())
    rows = objectives(before_close)
    assert rows[h.mobile].health is Health.ON_TRACK and rows[h.top].health is Health.AT_RISK
    assert rows[h.middle].health is Health.NOT_STARTED
    at_close = objectives(tree(read_store, h, h.closed))
    assert at_close[h.mobile].computed_score == 0.9 and at_close[h.mobile].adjusted_score is None


def test_a_team_subtree_holds_that_team_and_the_teams_below_it(app, read_store, history, projector):
    h, head = history, app.head_position()
    assert [shape(r) for r in tree(read_store, h, head, team_id=h.product).roots] == [
        ("Effortless onboarding", (("A delightful app", ()),)),
    ]
    assert [shape(r) for r in tree(read_store, h, head, team_id=h.mobile_team).roots] == [
        ("A delightful app", ()),
    ]
    assert tree(read_store, h, head, team_id=h.company).roots == tree(read_store, h, head).roots
    # The team hierarchy as of the position: Wearables, under Mobile, was formed in Q2.
    q2 = dict(cycle=h.q2)
    assert [shape(r) for r in tree(read_store, h, head, team_id=h.product, **q2).roots] == [
        ("A watch app", ()),
    ]
    assert tree(read_store, h, h.wearables_formed - 1, team_id=h.wearables, **q2).roots == ()
    assert tree(read_store, h, head, team_id=h.wearables, **q2).roots[0].objective.id == h.watch


def test_the_check_in_series_shows_corrections_beside_the_original_as_known_then(
    app, read_store, history, projector
):
    h = history
    with read_store.reading() as tx:
        series = check_ins_at(tx, h.crashes, app.head_position())
        before = check_ins_at(tx, h.crashes, h.corrected - 1)
        at_first = check_ins_at(tx, h.crashes, h.first_check_in - 1)
    assert [(c.value, c.current_value) for c in series] == [(1.8, 1.4), (1.1, 1.1), (0.8, 0.8), (0.3, 0.3)]
    [correction] = series[0].corrections
    assert (correction.value, correction.reason, correction.position) == (1.4, "read the wrong dashboard", h.corrected)
    assert series[1].note == "backfilled" and series[1].measured_at < series[2].measured_at
    assert series[1].recorded_at > series[2].recorded_at  # valid time orders, recorded time differs
    [only_one] = before
    assert (only_one.value, only_one.current_value, only_one.corrections) == (1.8, 1.8, ())
    assert at_first == []


def versions_by_position(app) -> list[dict[UUID, int]]:
    """For each position, every aggregate's version after that prefix of the log."""
    seen: dict[UUID, int] = {}
    out = [dict(seen)]
    for n in app.recorder.select_notifications(start=1, limit=100_000):
        seen[n.originator_id] = n.originator_version
        out.append(dict(seen))
    return out


def test_an_objective_in_detail_equals_the_domains_state_at_every_position(app, read_store, history, projector):
    h = history
    closed_at = app.repository.get(h.q1).closed_at
    q1 = app.repository.get(h.q1)
    expected_now = rules.expected_progress(q1.starts_on, q1.ends_on, NOW)
    with read_store.reading() as tx:
        for position, versions in enumerate(versions_by_position(app)):
            for oid in (h.top, h.middle, h.mobile, h.side, h.carried, h.watch):
                row = objective_at(tx, oid, position, NOW)
                if oid not in versions:
                    assert row is None
                    continue
                state = app.repository.get(oid, version=versions[oid])
                assert (row.version, row.status, row.round) == (state.version, state.status, state.round)
                assert row.agreed == state.agreed and row.title == (state.agreed or state.proposal).title
                assert row.progress == scorecard.progress(state)
                assert [kr.current_value for kr in row.key_results] == [
                    scorecard.current_value(state, kr.id) for kr in (state.agreed or state.proposal).key_results
                ]
                is_closed = state.cycle_id == h.q1 and position >= h.closed
                scored = is_closed and state.agreed is not None
                assert row.computed_score == (scorecard.frozen_score(state, closed_at) if scored else None)
                assert row.adjusted_score == state.adjusted_score
                active = state.cycle_id == h.q1 and versions[h.q1] == 2
                if active and state.agreed is not None:
                    assert row.health is rules.health(
                        row.progress, expected_now, bool(state.check_ins)
                    )
                else:
                    assert row.health is None


def answers_at_every_position(app, store, h: History) -> list:
    out = []
    with store.reading() as tx:
        for p in range(app.head_position() + 1):
            out.append((
                goal_tree(tx, h.q1, p, NOW), goal_tree(tx, h.q2, p, NOW),
                goal_tree(tx, h.q1, p, NOW, team_id=h.product, include_gone=True),
                [objective_at(tx, o, p, NOW) for o in (h.top, h.middle, h.mobile, h.side, h.carried)],
                [check_ins_at(tx, k, p) for k in h.key_results],
            ))
    return out


def test_a_rebuild_answers_exactly_as_incremental_processing_did(app, read_store, history):
    h = history
    incremental = Projector(app, read_store, tree_and_series(app), batch_size=5)
    for position in range(1, app.head_position() + 1, 3):  # as if new events trickled in
        incremental.catch_up(until=position)
    incremental.catch_up()
    before = answers_at_every_position(app, read_store, h)
    assert incremental.rebuild() == app.head_position()
    assert answers_at_every_position(app, read_store, h) == before


def looked_up(tx, cycle: UUID, position: int, gone: bool = True) -> list[tuple]:
    """A cycle's versions as of `position`, looked up in the versions' history."""
    epoch = epoch_at(tx, position)
    params = [epoch, epoch, position] if tx.postgres else [epoch, position]
    params += [str(cycle), position, *(() if gone else GONE_STATUSES)]
    return tx.execute(members_as_of(gone=gone, sqlite=not tx.postgres), params).fetchall()


def test_reads_after_a_cycles_latest_change_take_the_latest_versions_and_agree_with_history(
    app, read_store, history
):
    h = history
    # folded in batches of 4, so that heads are replaced across transactions too
    Projector(app, read_store, tree_and_series(app), batch_size=4).catch_up()
    with read_store.reading() as tx:
        columns = ", ".join(VERSION_COLUMNS)
        heads = tx.execute(f"SELECT {columns} FROM okr_objective_heads ORDER BY objective_id").fetchall()
        latest = tx.execute(
            f"SELECT {columns} FROM okr_objective_versions v WHERE from_position = (SELECT"
            " MAX(from_position) FROM okr_objective_versions w WHERE w.objective_id = v.objective_id)"
            " ORDER BY objective_id"
        ).fetchall()
        assert heads == latest
        assert {UUID(row[0]) for row in heads} >= {h.top, h.middle, h.mobile, h.side, h.carried}
        paths = set()
        for cycle in (h.q1, h.q2):
            changed = tx.execute(CYCLE_CHANGED, (str(cycle),)).fetchone()[0]
            for position in range(app.head_position() + 1):
                paths.add(position >= changed)
                from_history = looked_up(tx, cycle, position, gone=False)
                assert members_at(tx, cycle, position, gone=False) == from_history, (cycle, position)
                assert members_at(tx, cycle, position) == looked_up(tx, cycle, position)
        assert paths == {True, False}  # both ways were taken


def test_versions_in_short_epochs_answer_as_one_history_and_start_where_the_log_says(
    app, read_store, history
):
    h = history

    def fold(epoch_events: int, batch_size: int) -> Projector:
        tree = TreeProjection(load=loader(app), epoch_events=epoch_events)
        return Projector(app, read_store, [tree, CheckInsProjection()], batch_size=batch_size)

    fold(10**9, 1000).catch_up()  # one epoch
    whole = answers_at_every_position(app, read_store, h)
    with read_store.reading() as tx:
        assert tx.execute("SELECT COUNT(*) FROM okr_tree_epochs").fetchone()[0] == 0
        versions = tx.execute("SELECT COUNT(*) FROM okr_objective_versions").fetchone()[0]
    # Epochs of at least 3 positions, and 4 per objective carried over: five here.
    fold(3, 7).rebuild()
    with read_store.reading() as tx:
        epochs = tx.execute("SELECT starts_at, carried FROM okr_tree_epochs ORDER BY 1").fetchall()
        carried = tx.execute("SELECT COUNT(*) FROM okr_objective_versions").fetchone()[0] - versions
    assert len(epochs) >= 4 and carried == sum(count for _, count in epochs) > 0
    starts = [start for start, _ in epochs]
    assert all(b - a >= max(3, 4 * count) for (a, count), b in zip(epochs, starts[1:]))
    assert answers_at_every_position(app, read_store, h) == whole
    by_seven = rows(read_store)
    fold(3, 1).rebuild()  # batches of one: the epochs start at the same positions
    assert rows(read_store) == by_seven


def rows(store, tables=TABLES) -> dict[str, list[tuple]]:
    with store.reading() as tx:
        return {t: tx.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}


def test_batches_of_one_and_of_a_thousand_write_the_same_rows(app, read_store, history):
    tables = (*TABLES, *CheckInsProjection.tables)
    one = Projector(app, read_store, tree_and_series(app), batch_size=1)
    one.catch_up()
    by_one = rows(read_store, tables)
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    objective_events = sum(n.topic.startswith("okr:Objective.") for n in notifications)
    # One version per objective event, and one per scored objective at the close.
    assert len(by_one["okr_objective_versions"]) == objective_events + 3
    assert len(by_one["okr_check_ins"]) == sum(n.topic.endswith(".CheckInRecorded") for n in notifications)
    Projector(app, read_store, tree_and_series(app), batch_size=1000).rebuild()
    assert rows(read_store, tables) == by_one


def test_a_projection_that_forgets_its_aggregates_loads_them_and_writes_the_same_rows(
    app, read_store, history
):
    Projector(app, read_store, [TreeProjection(load=loader(app))]).catch_up()
    expected = rows(read_store)
    loads = []

    def counting(aggregate_id, version):
        loads.append(aggregate_id)
        return app.repository.get(aggregate_id, version=version)

    # A cache of one aggregate, and a restart half-way (a new projection, nothing cached).
    first = Projector(app, read_store, [TreeProjection(load=counting, cache_size=1)], batch_size=7)
    first.rebuild()
    first.catch_up()
    half = app.head_position() // 2
    with read_store.transaction() as tx:
        for table in TABLES:
            tx.execute(f"DROP TABLE {table}")
        tx.execute("UPDATE okr_tracking SET position = 0, recorded_at = NULL WHERE projection = 'tree'")
    Projector(app, read_store, [TreeProjection(load=counting, cache_size=1)], batch_size=7).catch_up(until=half)
    Projector(app, read_store, [TreeProjection(load=counting)], batch_size=7).catch_up()
    assert loads  # the misses were loaded, not skipped
    assert rows(read_store) == expected
