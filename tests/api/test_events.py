"""The event feed over HTTP: the global log in pages, one objective's events."""

from __future__ import annotations

import pytest
from okr_story import a_story

pytestmark = pytest.mark.api


def test_the_feed_pages_through_the_whole_log_in_order(api):
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


def test_a_page_larger_than_the_limit_is_refused(api):
    api.refused(api.get("/events", params={"limit": 1001}), 400, "limit")
    api.refused(api.get("/events", params={"after": -1}), 400, "after")
