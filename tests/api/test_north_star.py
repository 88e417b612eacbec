"""The North Star over HTTP: stated and restated by an administrator, read as of any time."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.api

WHY = "Every team knows how its work moves the company"


def test_an_administrator_states_the_north_star_and_everyone_reads_it_as_of_any_time(api_any):
    api = api_any
    api.given_user("Dev")
    api.refused(api.get("/north-star", as_="Dev", params=api.fresh()), 404, "north star")
    stated = api.put("/north-star", {"statement": WHY})
    assert api.ok(stated)["version"] == 1 and stated.headers["etag"] == '"1"'
    moment = api.clock.current.isoformat()
    api.clock.advance(days=30)
    restated = api.ok(api.put("/north-star", {"statement": "Customers run on us"}))
    assert restated["id"] == api.ok(stated)["id"] and restated["version"] == 2

    now = api.ok(api.get("/north-star", as_="Dev", params=api.fresh()))
    then = api.ok(api.get("/north-star", as_="Dev", params=api.fresh(as_of=moment)))
    assert (now["statement"], then["statement"]) == ("Customers run on us", WHY)
    assert then["position"] < now["position"]


def test_the_same_statement_again_records_nothing(api):
    api.ok(api.put("/north-star", {"statement": WHY}))
    before = api.log()
    assert api.ok(api.put("/north-star", {"statement": f"  {WHY} "}))["version"] == 1
    assert api.log() == before


def test_only_an_administrator_states_the_north_star(api):
    api.given_user("Dev")
    before = api.log()
    api.refused(api.put("/north-star", {"statement": WHY}, "Dev"), 403, "administrator")
    api.refused(api.put("/north-star", {"statement": WHY}, None), 401, "token")
    assert api.log() == before


@pytest.mark.parametrize("body, status, word", [
    ({}, 400, "statement"),
    ({"statement": ""}, 400, "statement"),
    ({"statement": "x" * 501}, 400, "statement"),
    ({"statement": 42}, 400, "statement"),
    ({"statement": WHY, "mission": "x"}, 400, "mission"),
    ({"statement": "   "}, 422, "statement"),
])
def test_a_malformed_statement_is_refused_and_nothing_changes(api, body, status, word):
    before = api.log()
    api.refused(api.put("/north-star", body), status, word)
    assert api.log() == before


def test_as_of_before_the_north_star_was_stated_gives_404(api):
    moment = api.clock.current.isoformat()
    api.clock.advance(days=1)
    api.ok(api.put("/north-star", {"statement": WHY}))
    api.refused(api.get("/north-star", params=api.fresh(as_of=moment)), 404, "north star")
