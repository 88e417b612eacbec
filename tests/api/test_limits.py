"""Limits over HTTP: body size, string lengths, page sizes and the per-token rate limit,
each refused with a clear 4xx problem and nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from api_helpers import ADMIN_TOKEN, Api
from litestar.testing import TestClient
from okr_story import a_story

from api.app import create_app
from api.settings import Settings

pytestmark = pytest.mark.api

CYCLE = {"name": "2026-Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}


def test_a_body_over_the_size_limit_gets_413(api):
    before = api.log()
    api.refused(api.post("/cycles", {**CYCLE, "name": "x" * 70_000}), 413, "too large")
    assert api.log() == before


def test_a_string_over_its_length_limit_gets_400_naming_the_field(api):
    before = api.log()
    body = api.refused(api.post("/cycles", {**CYCLE, "name": "x" * 201}), 400, "length", "name")
    assert body["errors"][0]["key"] == "name"
    assert api.log() == before


def test_the_rate_limit_gives_429_with_retry_after_to_that_token_only(tmp_path, clock):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'okr.db'}", admin_token=ADMIN_TOKEN,
                        rate_per_minute=60, rate_burst=3)
    app = create_app(settings, clock=clock)
    with TestClient(app=app) as client:
        api = Api(client, app.state.ledger, clock)
        assert [api.get("/cycles").status_code for _ in range(3)] == [200, 200, 200]
        before = api.log()
        refused = api.post("/cycles", CYCLE)
        body = api.refused(refused, 429, "too many requests", "retry")
        assert refused.headers["retry-after"] == "1" and body["type"].endswith("too_many_requests")
        assert api.log() == before
        # another caller is not affected
        token = app.state.ledger.tokens.issue(app.state.ledger.admin_id, datetime.now(UTC)).token
        assert api.get("/cycles", as_=token).status_code == 200


def test_a_list_over_its_length_limit_gets_400(api):
    story = a_story(api)
    objective, kr = story.approved()
    before = api.log()
    too_many = [{"id": kr, "target": 99}] * 51
    api.refused(api.post(f"/objectives/{objective}/counter", {"key_results": too_many}, as_="Pat"),
                400, "length", "key_results")
    assert api.log() == before
