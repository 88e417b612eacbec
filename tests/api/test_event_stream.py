"""`GET /events/stream` over a real socket: events arrive live as they are written, and a
client that reconnects with Last-Event-ID gets exactly what it missed, no gap, no repeat."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from api_helpers import ADMIN_TOKEN
from server_process import api_server

pytestmark = pytest.mark.api

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def events(response: httpx.Response) -> Iterator[dict]:
    """The server-sent events of a streamed response, as {id, event, data}."""
    current: dict = {}
    for line in response.iter_lines():
        if not line:
            if "id" in current:
                yield current
            current = {}
        elif line.startswith(":"):
            continue  # a keep-alive comment
        else:
            field, _, value = line.partition(":")
            current[field] = value.removeprefix(" ")


def take(stream: Iterator[dict], until: int) -> list[dict]:
    """Events from the stream up to and including position `until`."""
    taken = []
    for event in stream:
        taken.append(event)
        if int(event["id"]) >= until:
            return taken
    raise AssertionError("the stream ended")


def plan_cycle(client: httpx.Client, n: int) -> int:
    r = client.post("/cycles", json={"name": f"Q{n}", "starts_on": "2026-01-01", "ends_on": "2026-03-31"},
                    headers=HEADERS)
    assert r.status_code == 201, r.text
    return r.json()["position"]


def test_a_client_sees_events_live_and_resumes_after_reconnecting_without_gaps_or_repeats(tmp_path):
    with api_server(f"sqlite:///{tmp_path / 'okr.db'}", ADMIN_TOKEN, OKR_RATE_LIMIT="0") as base, \
            httpx.Client(base_url=base, timeout=30) as client:
        first = [plan_cycle(client, n) for n in range(3)]
        received: list[dict] = []
        with client.stream("GET", "/events/stream", headers=HEADERS) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = events(response)
            received += take(stream, first[-1])
            # written while connected: they arrive live
            live = [plan_cycle(client, n) for n in range(3, 5)]
            received += take(stream, live[-1])
        last_seen = received[-1]["id"]
        # written while disconnected
        missed = [plan_cycle(client, n) for n in range(5, 8)]
        with client.stream("GET", "/events/stream", headers={**HEADERS, "Last-Event-ID": last_seen}) as response:
            resumed = take(events(response), missed[-1])

        feed = client.get("/events", params={"limit": 1000, "min_position": missed[-1]}, headers=HEADERS).json()
    positions = [int(e["id"]) for e in received + resumed]
    assert positions == [e["position"] for e in feed["events"]]  # every event once, in order
    assert [int(e["id"]) for e in resumed] == missed
    assert all(e["event"] == "Cycle.Planned" for e in resumed)
    assert json.loads(resumed[0]["data"])["payload"]["name"] == "Q5"
