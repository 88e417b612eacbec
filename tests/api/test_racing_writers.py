"""Sixteen writers racing on one objective over a real socket, on SQLite and PostgreSQL:
without If-Match every write lands (none lost); with the same If-Match exactly one wins and
the others get 412; with the same Idempotency-Key exactly one check-in is recorded. Never a
500."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from api_helpers import ADMIN_TOKEN
from server_process import api_server

pytestmark = pytest.mark.api

WRITERS = 16


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def base(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    with api_server(url, ADMIN_TOKEN, OKR_RATE_LIMIT="0") as base:
        yield base


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def an_agreed_objective(client: httpx.Client) -> tuple[dict, str, str, int]:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    lead = ok(client.post("/users", json={"name": "Lea", "email": "lea@example.org"}, headers=admin), 201)
    as_lead = {"Authorization": f"Bearer {lead['token']}"}
    team = ok(client.post("/teams", json={"name": "Company", "lead_id": lead["id"]}, headers=admin), 201)["id"]
    cycle = ok(client.post("/cycles", json={"name": "Q1", "starts_on": "2026-01-01", "ends_on": "2026-12-31"},
                           headers=admin), 201)["id"]
    ok(client.post(f"/cycles/{cycle}/activate", headers=admin))
    objective = ok(client.post("/objectives", json={"cycle_id": cycle, "team_id": team, "title": "Grow",
                                                    "kind": "committed"}, headers=as_lead), 201)["id"]
    kr = ok(client.post(f"/objectives/{objective}/key-results", json={"title": "Customers", "baseline": 0,
                                                                      "target": 100}, headers=as_lead), 201)["id"]
    ok(client.post(f"/objectives/{objective}/submit", headers=as_lead))
    approved = ok(client.post(f"/objectives/{objective}/approve", headers=admin))  # the root team's approver
    return as_lead, objective, kr, approved["version"]


def race(base: str, send) -> list[httpx.Response]:
    """Runs `send(client, i)` in WRITERS threads released at the same moment."""
    gate = threading.Barrier(WRITERS)
    answers: list[httpx.Response | None] = [None] * WRITERS

    def run(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            client.get("/schema/openapi.json")  # connected before the gate opens
            gate.wait()
            answers[i] = send(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(a is not None for a in answers)
    return answers


def series(client: httpx.Client, headers: dict, kr: str, position: int) -> list[dict]:
    return ok(client.get(f"/key-results/{kr}/check-ins", params={"min_position": position},
                         headers=headers))["check_ins"]


def test_racing_writers_without_if_match_all_land_and_none_is_lost(base):
    with httpx.Client(base_url=base, timeout=60) as client:
        headers, objective, kr, version = an_agreed_objective(client)
        answers = race(base, lambda c, i: c.post(f"/objectives/{objective}/key-results/{kr}/check-ins",
                                                 json={"value": i, "confidence": 0.5}, headers=headers))
        print(f"\nwithout If-Match: {Counter(a.status_code for a in answers)}")
        assert sorted(a.status_code for a in answers) == [201] * WRITERS
        written = {a.json()["id"]: a.json() for a in answers}
        versions = sorted(w["version"] for w in written.values())
        assert versions == list(range(versions[0], versions[0] + WRITERS))  # one after another
        stored = series(client, headers, kr, max(w["position"] for w in written.values()))
        assert {c["id"] for c in stored} == set(written)
        assert sorted(c["value"] for c in stored) == list(range(WRITERS))


def test_racing_writers_with_the_same_if_match_let_exactly_one_win(base):
    with httpx.Client(base_url=base, timeout=60) as client:
        headers, objective, kr, version = an_agreed_objective(client)
        answers = race(base, lambda c, i: c.post(
            f"/objectives/{objective}/key-results/{kr}/check-ins", json={"value": i, "confidence": 0.5},
            headers={**headers, "If-Match": f'"{version}"'}))
        statuses = sorted(a.status_code for a in answers)
        print(f"\nwith the same If-Match: {Counter(statuses)}")
        assert statuses == [201] + [412] * (WRITERS - 1), statuses
        for lost in (a for a in answers if a.status_code == 412):
            assert lost.headers["content-type"].startswith("application/problem+json")
            assert lost.json()["current_version"] == version + 1
        [won] = [a.json() for a in answers if a.status_code == 201]
        stored = series(client, headers, kr, won["position"])
        assert [c["id"] for c in stored] == [won["id"]]


def test_racing_retries_with_one_idempotency_key_record_one_check_in(base):
    with httpx.Client(base_url=base, timeout=60) as client:
        headers, objective, kr, version = an_agreed_objective(client)
        answers = race(base, lambda c, i: c.post(
            f"/objectives/{objective}/key-results/{kr}/check-ins", json={"value": 42, "confidence": 0.5},
            headers={**headers, "Idempotency-Key": "week-1"}))
        print(f"\none Idempotency-Key: {Counter(a.status_code for a in answers)}, "
              f"{len({a.json()['id'] for a in answers})} distinct check-in id")
        assert sorted(a.status_code for a in answers) == [201] * WRITERS
        assert len({a.json()["id"] for a in answers}) == 1
        stored = series(client, headers, kr, max(a.json()["position"] for a in answers))
        assert len(stored) == 1
        events = ok(client.get(f"/objectives/{objective}/events", params={"limit": 1000}, headers=headers))["events"]
        assert [e["type"] for e in events].count("Objective.CheckInRecorded") == 1
