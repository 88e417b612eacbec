"""Refused writes to objectives: each a problem+json with the status of the error table and a
detail that says what to fix, and not one event appended."""

from __future__ import annotations

import pytest
from okr_story import a_story

pytestmark = pytest.mark.api

UNKNOWN = "3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11"


@pytest.fixture
def story(api):
    return a_story(api)


def refused(api, response, status: int, *words: str) -> dict:
    return api.refused(response, status, *words)


def test_each_refusal_has_its_status_and_appends_nothing(api, story):
    objective, kr = story.approved()
    draft = story.draft("Another")
    check_ins = f"/objectives/{objective}/key-results/{kr}/check-ins"
    cases = [
        # (request, status, words in the detail)
        (lambda: api.post(f"/objectives/{UNKNOWN}/submit", {}, as_="Lea"), 404, UNKNOWN),
        (lambda: api.post(f"/objectives/{objective}/key-results/{UNKNOWN}/check-ins",
                          {"value": 1, "confidence": 0.5}, as_="Max"), 404, UNKNOWN),
        (lambda: api.post(f"/objectives/{draft}/approve", {}, as_="Pat"), 409, "draft"),
        (lambda: api.post(f"/objectives/{objective}/submit", {}, as_="Lea"), 409, "approved"),
        (lambda: api.post(f"/objectives/{draft}/submit", {}, as_="Max"), 403, "lead"),
        (lambda: api.post(check_ins, {"value": 95, "confidence": 1.5}, as_="Max"), 400, "confidence"),
        (lambda: api.post(check_ins, {"value": 95, "confidence": 0.5, "mood": "great"}, as_="Max"), 400, "mood"),
        (lambda: api.request("POST", check_ins, as_="Max", content=b'{"value": 1e999, "confidence": 0.5}',
                             headers={"content-type": "application/json"}), 400, "out of range"),
        (lambda: api.post(check_ins, {"value": 95, "confidence": 0.5, "measured_at": "2999-01-01T00:00:00Z"},
                          as_="Max"), 422, "future"),
        (lambda: api.post(check_ins, {"value": 95, "confidence": 0.5}, as_="Max",
                          headers={"If-Match": '"1"'}), 412, "version"),
        (lambda: api.post(f"/objectives/{draft}/key-results", {"title": "Both", "milestone": True, "target": 3},
                          as_="Lea"), 422, "milestone"),
        (lambda: api.post(f"/objectives/{draft}/key-results", {"title": "Half", "baseline": 3}, as_="Lea"),
         422, "target"),
        (lambda: api.request("PATCH", f"/objectives/{draft}", json={}, as_="Lea"), 422, "nothing to change"),
        (lambda: api.post("/objectives", {"cycle_id": story.cycle, "team_id": story.team, "title": "",
                                          "kind": "committed"}, as_="Lea"), 400, "title"),
        (lambda: api.post("/objectives", {"cycle_id": story.cycle, "team_id": story.team, "title": "T",
                                          "kind": "stretch"}, as_="Lea"), 400, "kind"),
        (lambda: api.post(f"/objectives/{objective}/counter", {"key_results": []}, as_="Pat"), 400, "key_results"),
    ]
    for send, status, *words in cases:
        before = api.log()
        body = refused(api, send(), status, *words)
        assert body["type"].startswith("urn:okr-ledger:problem:")
        assert api.log() == before, body


def test_a_stale_if_match_names_the_current_version(api, story):
    objective, kr = story.approved()
    current = api.ok(api.get(f"/objectives/{objective}", params=api.fresh()))["version"]
    body = refused(api, api.post(f"/objectives/{objective}/amend", {}, as_="Lea",
                                 headers={"If-Match": f'"{current - 1}"'}), 412, "version")
    assert body["current_version"] == current
    assert api.ok(api.post(f"/objectives/{objective}/amend", {}, as_="Lea",
                           headers={"If-Match": f'"{current}"'}))["version"] == current + 1


def test_a_malformed_if_match_is_a_400(api, story):
    objective, _ = story.approved()
    before = api.log()
    refused(api, api.post(f"/objectives/{objective}/amend", {}, as_="Lea", headers={"If-Match": "yesterday"}),
            400, "if_match")
    assert api.log() == before


def test_an_idempotency_key_reused_for_another_request_is_refused(api, story):
    objective, kr = story.approved()
    headers = {"Idempotency-Key": "k-1"}
    api.ok(api.post(f"/objectives/{objective}/key-results/{kr}/check-ins", {"value": 91, "confidence": 0.5},
                    as_="Lea", headers=headers), 201)
    before = api.log()
    refused(api, api.post(f"/objectives/{objective}/amend", {}, as_="Lea", headers=headers), 422,
            "already used", "new key")
    assert api.log() == before
