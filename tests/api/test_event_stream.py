"""`GET /events/stream` over a real socket: events arrive live as they are written, and a
client that reconnects with Last-Event-ID gets exactly what it missed, no gap, no repeat."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from api_helpers import ADMIN_TOKEN
from server_process import api_server, free_port

from api.app import create_app
from api.routes import events as event_routes
from api.settings import Settings

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


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    """The API served by uvicorn in a thread of this process (so a test can shorten the
    heartbeat); yields its base URL."""
    app = create_app(Settings(f"sqlite:///{tmp_path / 'okr.db'}", admin_token=ADMIN_TOKEN, rate_per_minute=0))
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{uvicorn_server.config.port}"
    event_routes.close_streams(app)
    uvicorn_server.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive(), "the server did not stop"


def test_a_stream_starts_after_the_position_given_as_after(server):
    with httpx.Client(base_url=server, timeout=30) as client:
        written = [plan_cycle(client, n) for n in range(4)]
        with client.stream("GET", "/events/stream", params={"after": written[1]}, headers=HEADERS) as response:
            received = take(events(response), written[-1])
    assert [int(e["id"]) for e in received] == written[2:]


def test_a_quiet_stream_sends_comments_that_clients_do_not_take_for_events(server, monkeypatch):
    monkeypatch.setattr(event_routes, "HEARTBEAT_SECONDS", 0.3)
    with httpx.Client(base_url=server, timeout=30) as client:
        head = plan_cycle(client, 0)
        with client.stream("GET", "/events/stream", params={"after": head}, headers=HEADERS) as response:
            lines = []
            for line in response.iter_lines():
                lines.append(line)
                if len(lines) == 4:
                    break
    # a comment line and the blank line that ends the block: no data, no id, nothing dispatched
    assert lines == [": keep-alive", "", ": keep-alive", ""]


def test_a_malformed_last_event_id_is_refused(server):
    with httpx.Client(base_url=server, timeout=30) as client:
        for bad in ("-1", "latest", "1" * 19):
            response = client.get("/events/stream", headers={**HEADERS, "Last-Event-ID": bad})
            assert response.status_code == 400, (bad, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "last_event_id" in response.json()["detail"]
        assert client.get("/events/stream", headers={"Last-Event-ID": "1"}).status_code == 401


def test_head_answers_the_headers_of_get_and_ends_even_on_the_stream(server):
    """RFC 9110: a server answers HEAD wherever it answers GET, with GET's headers and no body."""
    with httpx.Client(base_url=server, timeout=10) as client:
        head = plan_cycle(client, 0)
        seen = {"min_position": head}
        got = client.get("/cycles", params=seen, headers=HEADERS)
        asked = client.head("/cycles", params=seen, headers=HEADERS)
        assert (asked.status_code, asked.content) == (200, b"")
        assert asked.headers["content-length"] == got.headers["content-length"] != "0"
        assert asked.headers["content-type"] == got.headers["content-type"]
        # the live feed would never end under GET: its HEAD ends once the headers are out
        started = time.monotonic()
        stream = client.head("/events/stream", params={"after": head}, headers=HEADERS)
        assert (stream.status_code, stream.content) == (200, b"")
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert time.monotonic() - started < 5
        assert client.head("/cycles").status_code == 401
        # the connection is still good for the next request
        assert client.get("/cycles", headers=HEADERS).status_code == 200
