"""The event feed over HTTP: the global log in pages, one objective's events."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import pytest
from okr_story import a_story

from projections.timefmt import parsed

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


ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor_id"}


def as_recorded(value):
    """An event's attribute as the feed's JSON gives it, times parsed back to compare them."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_recorded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_recorded(v) for v in value]
    return value


def shown(payload):
    if isinstance(payload, dict):
        return {k: shown(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [shown(v) for v in payload]
    if isinstance(payload, str) and len(payload) >= 20 and payload[4] == "-" and "T" in payload:
        try:
            return parsed(payload)
        except ValueError:
            return payload
    return payload


def test_each_events_actor_and_payload_are_the_ones_its_stored_event_holds(api_any):
    # The feed keeps no copy of what an event recorded: it is read from the log each time.
    api = api_any
    story = a_story(api)
    objective, kr = story.approved()
    for n, value in enumerate((20, 35, 50)):
        api.clock.advance(days=1)
        key = {"Idempotency-Key": f"week-{n}"}  # each leaves a receipt between two events
        api.ok(api.post(f"/objectives/{objective}/key-results/{kr}/check-ins",
                        {"value": value, "confidence": 0.6}, as_="Max", headers=key), 201)
    app = api.ledger.app
    stored = app.recorder.select_notifications(start=1, limit=10_000)
    assert any(n.topic.startswith("okr:Receipt.") for n in stored)
    expected = {}
    for n in stored:
        if not n.topic.startswith("okr:Receipt."):
            event = app.mapper.to_domain_event(n)
            state = {k: v for k, v in vars(event).items() if k not in ENVELOPE}
            actor = getattr(event, "actor_id", None)
            expected[n.id] = (str(event.originator_id), None if actor is None else str(actor),
                              {k: as_recorded(v) for k, v in state.items()})
    assert any(isinstance(v, datetime) for e in expected.values() for v in shown(e[2]).values())

    def entries(path: str, limit: int) -> list[dict]:
        seen, after = [], 0
        while True:
            page = api.ok(api.get(path, params={"after": after, "limit": limit, **api.fresh()}))
            seen += page["events"]
            if page["next_after"] is None:
                return seen
            after = page["next_after"]

    every = entries("/events", 5)
    assert [e["position"] for e in every] == list(expected)
    mine = entries(f"/objectives/{objective}/events", 3)
    assert [e["type"] for e in mine][-3:] == ["Objective.CheckInRecorded"] * 3
    for e in every + mine:
        aggregate, actor, payload = expected[e["position"]]
        assert (e["aggregate_id"], e["actor_id"]) == (aggregate, actor)
        assert shown(e["payload"]) == shown(payload)


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
