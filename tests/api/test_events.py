"""The event feed over HTTP: the global log in pages, one objective's events."""

from __future__ import annotations

import pytest
from okr_story import a_story

pytestmark = pytest.mark.api


def test_the_feed_pages_through_the_whole_log_in_order(api_any):
    api = api_any
    story = a_story(api)
    objective, _ = story.approved()
    seen, after = [], 0
    while True:
        page = api.ok(api.get("/events", params={"after": after, "limit": 7, **api.fresh()}))
        seen += page["events"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    positions = [e["position"] for e in seen]
    assert positions == sorted(set(positions))
    assert {e["type"] for e in seen} >= {"User.Registered", "Team.Formed", "Objective.Approved"}
    # every event recorded in the log is in the feed, receipts (bookkeeping) aside
    logged = [p for p, topic, _ in api.log() if not topic.startswith("okr:Receipt.")]
    assert positions == logged


def test_an_objectives_events_in_order_with_actor_and_payload(api):
    story = a_story(api)
    objective, kr = story.approved()
    page = api.ok(api.get(f"/objectives/{objective}/events", params=api.fresh()))
    assert [e["type"] for e in page["events"]] == [
        "Objective.Drafted", "Objective.KeyResultAdded", "Objective.Submitted", "Objective.Approved",
    ]
    assert [e["version"] for e in page["events"]] == [1, 2, 3, 4]
    approved = page["events"][-1]
    assert approved["actor_id"] == api.user_id("Pat") and approved["aggregate_id"] == objective
    assert kr in str(page["events"][1]["payload"])


def test_an_objectives_events_in_pages_and_as_of_a_past_moment(api):
    story = a_story(api)
    objective, kr = story.approved()
    before_checkin = api.ledger.app.head_position()
    api.clock.advance(days=1)
    story.check_in(objective, kr, 95)
    pages, after = [], 0
    while True:
        page = api.ok(api.get(f"/objectives/{objective}/events", params=api.fresh(after=after, limit=2)))
        pages.append([e["type"].removeprefix("Objective.") for e in page["events"]])
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert pages == [["Drafted", "KeyResultAdded"], ["Submitted", "Approved"], ["CheckInRecorded"]]
    # as of a moment before the check-in: the events known then, and the position they answer at
    then = api.ok(api.get(f"/objectives/{objective}/events", params={"min_position": before_checkin,
                                                                       "as_of": "2026-01-05T12:00:00Z"}))
    assert [e["type"] for e in then["events"]][-1] == "Objective.Approved"
    assert then["position"] <= before_checkin


def test_the_events_of_an_unknown_objective_or_of_another_aggregate_are_not_found(api):
    story = a_story(api)
    logged = api.log()
    for missing in ("3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11", story.team, story.cycle):
        api.refused(api.get(f"/objectives/{missing}/events", params=api.fresh()), 404, "no objective", missing)
        api.refused(api.get(f"/objectives/{missing}/events", params=api.fresh(after=1)), 404, missing)
    assert api.log() == logged


def test_the_feed_needs_a_token_and_a_page_within_its_limits(api):
    a_story(api)
    logged = api.log()
    api.refused(api.get("/events", as_=None), 401)
    api.refused(api.get("/events", as_="not-a-token"), 401)
    api.refused(api.get("/events", params={"limit": 1001}), 400, "limit")
    api.refused(api.get("/events", params={"limit": 0}), 400, "limit")
    api.refused(api.get("/events", params={"after": -1}), 400, "after")
    api.refused(api.get("/events", params={"after": "latest"}), 400, "after")
    assert api.log() == logged
