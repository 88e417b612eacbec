"""PostgreSQL stopped under load: requests fail fast with 503 and Retry-After (never hang
on the pool), the server recovers by itself when the database returns, and no
acknowledged write is lost."""

from __future__ import annotations

import threading
import time
from uuid import UUID

import httpx
import pytest
from api_helpers import ADMIN_TOKEN
from server_process import api_server

from domain.application import OkrApp
from domain.cycle import Cycle

pytestmark = [pytest.mark.api, pytest.mark.postgres]

WRITERS = 4


def test_writes_fail_fast_while_postgres_is_down_and_resume_when_it_returns(stoppable_postgres):
    url = stoppable_postgres.new_database()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    acked: list[str] = []
    answers: list[tuple[float, int, float, str | None]] = []  # (sent at, status, seconds, Retry-After)
    hung: list[str] = []
    stop = threading.Event()

    def write(i: int, client: httpx.Client) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            sent = time.monotonic()
            try:
                r = client.post("/cycles", json={
                    "name": f"w{i}-{n}", "starts_on": "2026-01-01", "ends_on": "2026-03-31",
                }, headers={**headers, "Idempotency-Key": f"w{i}-{n}"})
            except httpx.TimeoutException as e:
                hung.append(repr(e))
                continue
            answers.append((sent, r.status_code, time.monotonic() - sent, r.headers.get("retry-after")))
            if r.status_code == 201:
                acked.append(r.json()["id"])
            elif r.status_code == 503:
                assert r.headers["content-type"].startswith("application/problem+json")
                time.sleep(0.05)

    with api_server(url, ADMIN_TOKEN, OKR_RATE_LIMIT="0") as base:
        clients = [httpx.Client(base_url=base, timeout=30) for _ in range(WRITERS)]
        threads = [threading.Thread(target=write, args=(i, c)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        stopped_at = time.monotonic()
        stoppable_postgres.stop()
        time.sleep(10)
        started_at = time.monotonic()
        stoppable_postgres.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            s == 201 and sent > started_at for sent, s, _, _ in answers
        ):
            time.sleep(0.1)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        for c in clients:
            c.close()

    # answered while the database was down (a request sent just before the restart may wait
    # for a connection until the database is back, and then succeed)
    during = [a for a in answers if stopped_at + 0.5 < a[0] and a[0] + a[2] < started_at]
    refused = [a for a in answers if a[1] == 503]
    recovered = [a for a in answers if a[1] == 201 and a[0] > started_at]
    first_refusal = min((a[0] + a[2] for a in refused), default=float("nan")) - stopped_at
    print(
        f"\noutage: {len(answers)} answers, {len(acked)} writes acknowledged; while down "
        f"{len(during)} requests, all 503: {all(a[1] == 503 for a in during)}; first 503 "
        f"{first_refusal:.2f} s after the stop; slowest 503 {max(a[2] for a in refused):.2f} s; "
        f"first write after the restart {min(a[0] + a[2] for a in recovered) - started_at:.2f} s "
        f"after it"
    )
    assert not hung, hung
    assert {s for _, s, _, _ in answers} <= {201, 503}, sorted({s for _, s, _, _ in answers})
    assert during and all(a[1] == 503 and a[3] == "1" for a in during), [
        (round(a[0] - stopped_at, 2), a[1], round(a[2], 2)) for a in during if a[1] != 503
    ] + [round(started_at - stopped_at, 2)]
    assert max(a[2] for a in refused) < 10, "a request waited on the pool instead of failing fast"
    assert recovered, "no write succeeded after the database came back"

    # Every acknowledged write is in the log.
    app = OkrApp(url)
    try:
        for cycle_id in acked:
            assert isinstance(app.repository.get(UUID(cycle_id)), Cycle)
    finally:
        app.close()
