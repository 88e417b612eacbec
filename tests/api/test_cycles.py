"""Cycles over HTTP: planned, activated, closed by an administrator; read by anyone with a token."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.api


def test_an_administrator_plans_and_activates_a_cycle_that_everyone_then_reads(api_any):
    api = api_any
    created = api.ok(api.post("/cycles", {"name": "2026-Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}), 201)
    assert created["version"] == 1 and created["position"] > 0
    activated = api.post(f"/cycles/{created['id']}/activate", headers={"If-Match": '"1"'})
    assert api.ok(activated)["version"] == 2 and activated.headers["etag"] == '"2"'

    cycle = api.ok(api.get(f"/cycles/{created['id']}", params={"min_position": api.ok(activated)["position"]}))
    assert cycle["state"] == "active" and cycle["name"] == "2026-Q1"
    assert [c["id"] for c in api.ok(api.get("/cycles"))] == [created["id"]]


def test_an_unknown_field_is_refused_and_nothing_is_recorded(api):
    before = api.log()
    api.refused(api.post("/cycles", {"name": "Q", "starts_on": "2026-01-01", "ends_on": "2026-03-31", "nmae": "x"}),
                400, "nmae")
    assert api.log() == before


def test_a_stale_if_match_gives_412_and_changes_nothing(api):
    created = api.ok(api.post("/cycles", {"name": "2026-Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}), 201)
    before = api.log()
    body = api.refused(api.post(f"/cycles/{created['id']}/activate", headers={"If-Match": '"7"'}), 412, "version")
    assert body["current_version"] == 1
    assert api.log() == before


def test_no_token_gives_401(api):
    api.refused(api.get("/cycles", as_=None), 401, "token")
    api.refused(api.get("/cycles", as_="okr_nonsense"), 401, "token")
