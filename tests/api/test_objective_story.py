"""An objective's whole life over HTTP: negotiated through every kind of round, measured and
corrected, closed and scored, carried over; read now, as of earlier moments, and right
after each write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from okr_story import a_story

pytestmark = pytest.mark.api


def test_a_whole_negotiation_from_draft_to_amendment(api_any):
    api = api_any
    story = a_story(api)
    # Given a draft with a key result
    objective = story.draft()
    kr = story.add_metric(objective, target=95)
    # When it is negotiated: changes requested, a counter declined, approved, then amended
    assert story.act(objective, "submit", "Lea", {"comment": "our proposal"})["status"] == "in_review"
    assert story.act(objective, "request-changes", "Pat", {"comment": "aim higher"})["status"] == "changes_requested"
    api.ok(api.request("PATCH", f"/objectives/{objective}/key-results/{kr}", json={"target": 97}, as_="Lea"))
    story.act(objective, "submit", "Lea")
    assert story.act(objective, "counter", "Pat", {"key_results": [{"id": kr, "target": 99.5}],
                                                   "comment": "99.5 is the market"})["status"] == "countered"
    story.act(objective, "decline-counter", "Lea", {"comment": "out of reach"})
    story.act(objective, "submit", "Lea", {"comment": "97 with a plan"})
    approved = story.act(objective, "approve", "Pat", {"comment": "agreed"})
    assert approved["status"] == "approved"
    assert story.act(objective, "amend", "Lea", {"comment": "add a milestone"})["status"] == "amending"
    api.ok(api.post(f"/objectives/{objective}/key-results", {"title": "Offline mode", "milestone": True}, as_="Lea"), 201)
    story.act(objective, "submit", "Lea")
    last = story.act(objective, "approve", "Pat")

    # Then the negotiation read tells the story round by round
    negotiation = api.ok(api.get(f"/objectives/{objective}/negotiation", params={"min_position": last["position"]}))
    assert [r["outcome"] for r in negotiation["rounds"]] == [
        "changes_requested", "counter_declined", "approved", "approved",
    ]
    assert negotiation["rounds"][1]["responses"][0]["counter"] == [{"key_result_id": kr, "target": 99.5}]
    assert negotiation["rounds"][3]["amendment"] is True
    [drift] = [d for d in negotiation["drift"] if d["key_result_id"] == kr]
    assert (drift["first_proposed"], drift["agreed"]) == (95, 97)
    # and the objective reads with its agreed terms and version
    read = api.get(f"/objectives/{objective}", params={"min_position": last["position"]})
    body = api.ok(read)
    assert body["status"] == "approved" and body["version"] == last["version"]
    assert read.headers["etag"] == f'"{last["version"]}"'
    assert [k["title"] for k in body["agreed"]["key_results"]] == ["Crash-free sessions", "Offline mode"]
    # and the approval audit lists every decision
    audit = api.ok(api.get("/audit/approvals", params={"cycle_id": story.cycle, "min_position": last["position"]}))
    assert [d["kind"] for d in audit["decisions"]] == [
        "changes_requested", "countered", "counter_declined", "approved", "approved",
    ]


def test_check_ins_and_a_correction_read_as_a_series_and_as_progress(api):
    story = a_story(api)
    objective, kr = story.approved()
    # When the team checks in twice and corrects the first
    first = story.check_in(objective, kr, 92)
    second = story.check_in(objective, kr, 95, confidence=0.8)
    fixed = api.ok(api.post(f"/objectives/{objective}/key-results/{kr}/check-ins/{first['id']}/corrections",
                            {"value": 93, "reason": "read the wrong dashboard"}, as_="Max"), 201)
    # Then the series shows the correction beside what it corrected
    series = api.ok(api.get(f"/key-results/{kr}/check-ins", params={"min_position": fixed["position"]}))
    assert [c["id"] for c in series["check_ins"]] == [first["id"], second["id"]]
    corrected = series["check_ins"][0]
    assert (corrected["value"], corrected["current_value"]) == (92, 93)
    assert corrected["corrections"][0]["reason"] == "read the wrong dashboard"
    # and the objective's progress follows the latest measurement: (95 − 90) / (99 − 90)
    body = api.ok(api.get(f"/objectives/{objective}", params={"min_position": fixed["position"]}))
    assert body["key_results"][0]["current_value"] == 95
    assert body["progress"] == pytest.approx(5 / 9)


def test_a_close_freezes_the_score_the_lead_adjusts_it_and_carries_the_rest_over(api):
    story = a_story(api)
    objective, kr = story.approved()
    story.check_in(objective, kr, 93)
    closed = api.ok(api.post(f"/cycles/{story.cycle}/close"))
    scored = story.act(objective, "score", "Lea", {"score": 0.5, "reason": "the outage was not ours"})
    carried = story.act(objective, "carry-over", "Lea", {"cycle_id": story.next_cycle}, status=201)
    assert carried["status"] == "draft" and carried["id"] != objective

    body = api.ok(api.get(f"/objectives/{objective}", params={"min_position": carried["position"]}))
    assert body["computed_score"] == pytest.approx(0.33)
    assert (body["adjusted_score"], body["adjustment_reason"]) == (0.5, "the outage was not ours")
    assert body["carried_into_id"] == carried["id"]
    new = api.ok(api.get(f"/objectives/{carried['id']}", params={"min_position": carried["position"]}))
    assert new["origin_id"] == objective and new["cycle_id"] == story.next_cycle
    assert new["key_results"][0]["baseline"] == 93  # starts from the last measured value
    assert closed["position"] < scored["position"] < carried["position"]


def test_the_tree_as_of_a_past_moment_shows_what_it_showed_then(api, clock):
    story = a_story(api)
    parent = api.ok(api.post("/objectives", {"cycle_id": story.cycle, "team_id": story.company,
                                            "title": "Win the mid-market", "kind": "aspirational"}, as_="Pat"), 201)["id"]
    story.add_metric(parent, "Customers", 10, 40, as_="Pat")
    story.act(parent, "submit", "Pat")
    story.act(parent, "approve", "admin")  # the root team's approver
    child = story.draft("Onboard faster", parent_id=parent)
    story.add_metric(child, "Activation", 30, 45)
    story.act(child, "submit", "Lea")
    before_approval = clock.current  # nothing is recorded between now and the approval
    clock.advance(hours=1)
    approval = story.act(child, "approve", "Pat")

    now = api.ok(api.get(f"/cycles/{story.cycle}/tree", params={"min_position": approval["position"]}))
    [root] = now["roots"]
    assert root["objective"]["id"] == parent
    assert [(c["objective"]["id"], c["objective"]["status"]) for c in root["children"]] == [(child, "approved")]

    then = api.ok(api.get(f"/cycles/{story.cycle}/tree", params={
        "as_of": (before_approval + timedelta(minutes=30)).isoformat(), "min_position": approval["position"]}))
    [root_then] = then["roots"]
    assert [(c["objective"]["id"], c["objective"]["status"]) for c in root_then["children"]] == [(child, "in_review")]
    assert then["position"] == approval["position"] - 1
    # and before the cycle was planned there was no such cycle
    api.refused(api.get(f"/cycles/{story.cycle}/tree", params={"as_of": "2000-01-01T00:00:00Z"}), 404, "cycle")


def test_a_read_with_the_position_of_a_write_sees_the_write(api):
    story = a_story(api)
    objective, kr = story.approved()
    for value in (91, 92, 93, 94, 95):
        written = story.check_in(objective, kr, value)
        body = api.ok(api.get(f"/objectives/{objective}", params={"min_position": written["position"]}))
        assert body["version"] == written["version"] and body["key_results"][0]["current_value"] == value


def test_a_retried_check_in_with_the_same_idempotency_key_is_recorded_once(api):
    story = a_story(api)
    objective, kr = story.approved()
    headers = {"Idempotency-Key": "week-1"}
    first = api.post(f"/objectives/{objective}/key-results/{kr}/check-ins", {"value": 92, "confidence": 0.6},
                     as_="Max", headers=headers)
    log = api.log()
    again = api.post(f"/objectives/{objective}/key-results/{kr}/check-ins", {"value": 92, "confidence": 0.6},
                     as_="Max", headers=headers)
    assert api.ok(first, 201)["id"] == api.ok(again, 201)["id"]
    assert api.ok(again, 201)["version"] == api.ok(first, 201)["version"]
    assert api.log() == log


def test_measured_at_in_the_past_is_valid_time_not_recorded_time(api, clock):
    story = a_story(api)
    objective, kr = story.approved()
    measured = (clock.current - timedelta(days=2)).astimezone(UTC)
    written = story.check_in(objective, kr, 91, measured_at=measured.isoformat())
    series = api.ok(api.get(f"/key-results/{kr}/check-ins", params={"min_position": written["position"]}))
    [entry] = series["check_ins"]
    assert datetime.fromisoformat(entry["measured_at"]) == measured
    assert datetime.fromisoformat(entry["recorded_at"]) > measured
