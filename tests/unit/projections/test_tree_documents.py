"""The goal tree's pure pieces: version documents from objectives, rows back from documents,
nesting by parent links and team subtrees."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
import pytest

from api.schemas.reads import GoalTreeView
from domain import rules, scorecard
from domain.objective import Objective
from domain.values import (
    CycleState, Health, KeyResultKind, KeyResultTerms, ObjectiveStatus, Role, Standing, Terms,
)
from projections.tree import documents
from projections.tree.documents import document, nest, team_and_below
from projections.tree.rows import CycleRow, GoalTree, TeamRow
from projections.tree.versions import Encoder, measures

pytestmark = pytest.mark.unit

LEAD = Standing(uuid4(), frozenset({Role.LEAD, Role.MEMBER}))
APPROVER = Standing(uuid4(), frozenset({Role.APPROVER}))
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
KR = KeyResultTerms(uuid4(), "p95 latency", KeyResultKind.METRIC, "ms", baseline=50.0, target=10.0)
DONE = KeyResultTerms(uuid4(), "Status page", KeyResultKind.MILESTONE)


TERMS: dict = {}  # by key: the terms of every version made by `version`


def drafted(parent_id: UUID | None = None) -> Objective:
    objective = Objective.draft(
        LEAD, uuid4(), uuid4(), uuid4(), "Fast checkout", "committed", "", parent_id, T0
    )
    objective.add_key_result(LEAD, KR, T0)
    objective.add_key_result(LEAD, DONE, T0)
    return objective


def approved() -> Objective:
    objective = drafted()
    objective.submit(LEAD, T0)
    objective.approve(APPROVER, T0)
    return objective


def version(objective: Objective, closed_at: datetime | None = None, position: int = 7) -> tuple:
    """As the queries select it: objective_id, cycle_id, team_id, from_position, status, the
    keys of the agreed terms and of those under negotiation, doc."""
    encoder = Encoder()
    oid, _, cid, tid, _, status, agreed, proposal, doc = encoder.row(objective, position, closed_at)
    TERMS.update((key, Terms.from_dict(json.loads(text))) for key, text in encoder.new_terms)
    return oid, cid, tid, position, status, agreed, proposal, doc


def objective_row(version: tuple, **kw):
    """`documents.objective_row`, with the terms of every objective drafted here."""
    return documents.objective_row(version, terms=TERMS, **kw)


def cycle(state: CycleState) -> CycleRow:
    return CycleRow(uuid4(), "Q1", date(2026, 1, 1), date(2026, 3, 31), state, None)


def test_a_draft_document_holds_the_proposal_and_neither_agreed_terms_nor_a_score():
    doc = document(drafted(), closed_at=None)
    assert doc["status"] == "draft" and doc["agreed"] is None
    assert [k["id"] for k in doc["proposal"]["key_results"]] == [str(KR.id), str(DONE.id)]
    assert doc["measures"] == [[None, None, 0.0], [None, None, 0.0]]
    assert (doc["progress"], doc["has_check_ins"], doc["computed_score"]) == (0.0, False, None)


def test_an_approved_objective_shows_the_scorecards_values_and_no_proposal():
    objective = approved()
    objective.record_check_in(LEAD, uuid4(), KR.id, 30.0, 0.7, "", T0, T0)
    first = uuid4()
    objective.record_check_in(LEAD, first, DONE.id, 0, 0.4, "", T0, T0)
    objective.correct_check_in(LEAD, first, 1, "it did ship", T0 + timedelta(hours=1))
    doc = document(objective, closed_at=None)
    assert doc["proposal"] is None and doc["agreed"]["title"] == "Fast checkout"
    assert doc["progress"] == scorecard.progress(objective) == 0.75
    assert doc["measures"] == [[30.0, 0.7, 0.5], [1.0, 0.4, 1.0]]


def test_after_the_close_every_version_carries_the_score_frozen_at_the_close():
    objective = approved()
    objective.record_check_in(LEAD, uuid4(), KR.id, 30.0, 0.7, "", T0, T0)
    closed_at = T0 + timedelta(days=80)
    later = closed_at + timedelta(days=3)
    objective.record_check_in(LEAD, uuid4(), KR.id, 10.0, 1.0, "review", later, later)
    doc = document(objective, closed_at)
    assert doc["computed_score"] == scorecard.frozen_score(objective, closed_at) == 0.25
    assert doc["progress"] == 0.5  # the review measurement moves progress, not the score


def test_the_terms_kept_by_the_encoder_follow_every_change_of_terms_and_are_handed_out_once():
    objective = drafted()
    encoder = Encoder()
    *_, before, _ = encoder.row(objective, 1, None)
    assert encoder.row(objective, 2, None)[7] == before
    objective.revise_key_result(LEAD, KR.id, T0, target=20.0)
    *_, after, _ = encoder.row(objective, 3, None)
    texts = {key: json.loads(text) for key, text in encoder.new_terms}
    assert len(encoder.new_terms) == 2 and after != before
    assert texts[before]["key_results"][0]["target"] == 10.0
    assert texts[after]["key_results"][0]["target"] == 20.0
    assert texts[after] == document(objective, None)["proposal"]


def test_the_encoders_document_kept_from_version_to_version_is_the_one_spelled_out():
    objective = approved()
    encoder = Encoder()
    closed_at = T0 + timedelta(days=80)
    checked: list[str] = []

    def same(closed: datetime | None = None) -> None:
        text = encoder.document(objective, closed)
        assert text == json.dumps(measures(objective, closed), separators=(",", ":"))
        checked.append(text)

    same()
    first = uuid4()
    for day, (kr, value) in enumerate([(KR.id, 30.0), (DONE.id, 0), (KR.id, 20.0), (KR.id, 60.0)]):
        moment = T0 + timedelta(days=day + 1)
        objective.record_check_in(LEAD, first if day == 0 else uuid4(), kr, value, 0.5, "", moment, moment)
        same()
    objective.correct_check_in(LEAD, first, 45.0, "typo", T0 + timedelta(days=9))
    same()
    objective.amend(LEAD, T0 + timedelta(days=10))
    objective.revise_key_result(LEAD, KR.id, T0 + timedelta(days=10), target=5.0)
    same()
    same(closed_at)
    assert len(set(checked)) == len(checked)


def test_health_is_computed_at_now_only_for_agreed_terms_in_an_active_cycle():
    objective = approved()
    objective.record_check_in(LEAD, uuid4(), KR.id, 40.0, 0.7, "", T0, T0)
    now = datetime(2026, 2, 15, tzinfo=UTC)
    row = objective_row(version(objective), team_name="Web", cycle=cycle(CycleState.ACTIVE), now=now)
    expected = rules.expected_progress(date(2026, 1, 1), date(2026, 3, 31), now)
    assert row.health is rules.health(0.125, expected, True) is Health.OFF_TRACK
    assert (row.status, row.version, row.changed_at_position) == (ObjectiveStatus.APPROVED, objective.version, 7)
    assert [kr.current_value for kr in row.key_results] == [40.0, None]
    planning = objective_row(version(objective), team_name="Web", cycle=cycle(CycleState.PLANNING), now=now)
    assert planning.health is None
    draft = objective_row(version(drafted()), team_name="Web", cycle=cycle(CycleState.ACTIVE), now=now)
    assert draft.health is None


def test_a_closed_objective_row_has_a_band_and_flags_from_its_computed_score():
    objective = approved()
    objective.record_check_in(LEAD, uuid4(), DONE.id, 1, 0.9, "", T0, T0)
    row = objective_row(version(objective, closed_at=T0 + timedelta(days=1)), team_name=None,
                        cycle=None, now=T0)
    assert (row.computed_score, row.band.value, [f.value for f in row.flags]) == (
        0.5, "yellow", ["committed_not_met"],
    )


def test_nesting_makes_roots_of_rows_whose_parent_is_not_in_the_answer_and_averages_children():
    top = objective_row(version(approved()), team_name=None, cycle=None, now=T0)
    child = drafted(parent_id=top.id)
    child_row = objective_row(version(child), team_name=None, cycle=None, now=T0)
    stray = objective_row(version(drafted(parent_id=uuid4())), team_name=None, cycle=None, now=T0)
    [root, orphan] = nest([top, child_row, stray])
    assert root.objective.id == top.id and [c.objective.id for c in root.children] == [child_row.id]
    assert root.objective.children_average == child_row.progress
    assert root.children[0].objective.children_average is None
    assert orphan.objective.id == stray.id and orphan.children == ()


def test_a_team_subtree_follows_parent_links_downwards_only():
    company, product, web, sales = (uuid4() for _ in range(4))
    teams = {
        company: TeamRow(company, "Company", None, uuid4()),
        product: TeamRow(product, "Product", company, uuid4()),
        web: TeamRow(web, "Web", product, uuid4()),
        sales: TeamRow(sales, "Sales", company, uuid4()),
    }
    assert team_and_below(teams, product) == {product, web}
    assert team_and_below(teams, company) == {company, product, web, sales}
    assert team_and_below(teams, web) == {web}


def test_a_tree_of_rows_encodes_exactly_as_the_view_the_api_documents():
    # The API answers the rows as they are: field for field, they must read as GoalTreeView.
    active = cycle(CycleState.ACTIVE)
    top = approved()
    top.record_check_in(LEAD, uuid4(), KR.id, 40.0, 0.7, "", T0, T0)
    top.amend(LEAD, T0)
    top.submit(LEAD, T0)
    top.counter(APPROVER, {KR.id: 20.0}, T0)
    closed = approved()
    closed.record_check_in(LEAD, uuid4(), DONE.id, 1, 0.9, "", T0, T0)
    child = drafted(parent_id=top.id)
    rows = [
        objective_row(version(top), team_name="Web", cycle=active, now=T0 + timedelta(days=30)),
        objective_row(version(child), team_name=None, cycle=active, now=T0),
        objective_row(version(closed, closed_at=T0 + timedelta(days=1)), team_name="Web",
                      cycle=None, now=T0),
    ]
    assert rows[0].counter_targets and rows[0].proposal and rows[0].health is not None
    assert rows[2].band is not None and rows[2].flags
    tree = GoalTree(9, active, "Feed everyone", None, nest(rows))
    view = msgspec.convert(tree, GoalTreeView, from_attributes=True)
    assert msgspec.json.encode(tree) == msgspec.json.encode(view)


def test_numbers_stored_as_integers_are_read_back_as_the_floats_the_view_shows():
    text = json.dumps({"title": "Ints", "kind": "committed", "parent_id": None, "key_results": [{
        "id": str(KR.id), "title": "Count", "kind": "metric", "unit": "", "baseline": 0,
        "target": 100, "direction": None, "weight": 1,
    }]})
    terms: dict[str, Terms] = {}
    documents.parsed_terms([("ints", text)], terms)
    stored = (str(uuid4()), str(uuid4()), str(uuid4()), 3, "approved", "ints", None,
              "[2,1,\"\",[],[[40,1,0]],0,true,1,1]")
    row = documents.objective_row(stored, terms=terms, team_name=None, cycle=None, now=T0)
    tree = GoalTree(3, cycle(CycleState.CLOSED), None, None, nest([row]))
    assert msgspec.json.encode(tree) == msgspec.json.encode(
        msgspec.convert(tree, GoalTreeView, from_attributes=True)
    )
    [kr] = row.key_results
    assert [type(v) for v in (kr.baseline, kr.target, kr.weight, kr.current_value, kr.confidence,
                              kr.progress, row.progress, row.computed_score)] == [float] * 8


def test_a_row_made_by_an_earlier_read_takes_this_reads_team_name_and_health():
    objective = approved()
    objective.record_check_in(LEAD, uuid4(), KR.id, 40.0, 0.7, "", T0, T0)
    stored, now = version(objective), datetime(2026, 2, 15, tzinfo=UTC)
    first = objective_row(stored, team_name="Web", cycle=cycle(CycleState.ACTIVE), now=now)
    planning = objective_row(stored, team_name="Mobile", cycle=cycle(CycleState.PLANNING), now=now)
    early = objective_row(stored, team_name="Mobile", cycle=cycle(CycleState.ACTIVE), now=T0)
    assert (first.team_name, first.health) == ("Web", Health.OFF_TRACK)
    assert (planning.team_name, planning.health) == ("Mobile", None)
    assert (early.team_name, early.health) == ("Mobile", Health.ON_TRACK)
    assert objective_row(stored, team_name="Web", cycle=cycle(CycleState.ACTIVE), now=now) == first
