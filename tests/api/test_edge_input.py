"""Input at the edges of what the types allow: times whose UTC falls outside the years 1 to
9999, the last day of the calendar, bodies that are not UTF-8 or nest without end, values of
another JSON type than documented (never converted), a key result named twice, a check-in
series asked of an id that names no key result, text that shows nothing, `If-Match: *`, and an idempotency key sent
again with another request. Each refusal is problem+json and appends nothing; what is
accepted leaves the read models able to follow."""

from __future__ import annotations

import pytest
from okr_story import a_story

pytestmark = pytest.mark.api

JSON = {"content-type": "application/json"}


@pytest.fixture
def story(api):
    return a_story(api)


def test_a_check_in_measured_before_the_year_1_in_utc_is_refused_and_projections_go_on(api, story):
    objective, kr = story.approved()
    check_ins = f"/objectives/{objective}/key-results/{kr}/check-ins"
    before = api.log()
    api.refused(api.post(check_ins, {"value": 5, "confidence": 0.5, "measured_at": "0001-01-01T00:00:00+01:00"},
                         as_="Max"), 422, "measured_at", "out of range")
    assert api.log() == before
    # the earliest time that is in range is taken, and every read model folds it
    written = api.ok(api.post(check_ins, {"value": 7, "confidence": 0.5, "measured_at": "0001-01-01T01:00:00+01:00"},
                              as_="Max"), 201)
    series = api.ok(api.get(f"/key-results/{kr}/check-ins", params={"min_position": written["position"]}))
    assert [c["value"] for c in series["check_ins"]][-1] == 7
    assert series["check_ins"][-1]["measured_at"].startswith("0001-01-01T00:00:00")


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_as_of_out_of_range_in_utc_is_a_400(api, story, as_of):
    objective, _ = story.approved()
    for path in (f"/objectives/{objective}", f"/cycles/{story.cycle}/tree", "/north-star", "/events"):
        api.refused(api.get(path, params={"as_of": as_of}), 400, "as_of", "out of range")


@pytest.mark.parametrize("as_of", ["1767225600", "2026", "1767225600.5"])
def test_an_as_of_that_is_a_number_is_a_400_not_unix_seconds(api, story, as_of):
    objective, _ = story.approved()
    for path in (f"/objectives/{objective}", f"/cycles/{story.cycle}/tree", "/events"):
        api.refused(api.get(path, params={"as_of": as_of}), 400, "as_of", "RFC 3339")
    # the same moment written as RFC 3339 is answered
    api.ok(api.get(f"/objectives/{objective}", params=api.fresh(as_of="2026-12-31T00:00:00Z")))


def test_an_as_of_before_the_year_1000_is_before_everything(api, story):
    """Stored times are compared as text: a year of three digits must still sort first."""
    objective, _ = story.approved()
    api.refused(api.get(f"/objectives/{objective}", params=api.fresh(as_of="0999-01-01T00:00:00Z")), 404, objective)
    api.refused(api.get(f"/cycles/{story.cycle}/tree", params=api.fresh(as_of="0999-01-01T00:00:00Z")), 404, story.cycle)
    assert api.ok(api.get(f"/objectives/{objective}", params=api.fresh(as_of="9999-01-01T00:00:00Z")))["id"] == objective


def test_a_cycle_must_end_before_the_last_day_of_the_calendar(api):
    before = api.log()
    api.refused(api.post("/cycles", {"name": "Far", "starts_on": "9999-10-01", "ends_on": "9999-12-31"}),
                422, "ends_on", "9999-12-31")
    assert api.log() == before
    cycle = api.ok(api.post("/cycles", {"name": "Far", "starts_on": "9999-10-01", "ends_on": "9999-12-30"}), 201)
    api.ok(api.post(f"/cycles/{cycle['id']}/activate", {}))
    tree = api.ok(api.get(f"/cycles/{cycle['id']}/tree", params=api.fresh()))
    assert tree["cycle"]["state"] == "active" and tree["roots"] == []


def test_a_planned_cycle_reads_as_planning_as_documented(api):
    cycle = api.ok(api.post("/cycles", {"name": "Q3", "starts_on": "2026-07-01", "ends_on": "2026-09-30"}), 201)
    assert api.ok(api.get(f"/cycles/{cycle['id']}", params=api.fresh()))["state"] == "planning"
    schema = api.ok(api.get("/schema/openapi.json"))
    assert schema["components"]["schemas"]["CycleView"]["properties"]["state"]["enum"] == [
        "planning", "active", "closed",
    ]


@pytest.mark.parametrize(("body", "words"), [
    (b'{"value": 5, "confidence": 0.5, "note": "\xff\xfe"}', ("UTF-8",)),
    # Nesting too deep for the parser to follow: refused where the object should begin.
    (b"[" * 20000 + b"]" * 20000, ("expected `object`, got `array`",)),
    (b'{"value": 5, "confidence": ', ("not valid JSON",)),
    (b"", ("no body",)),
])
def test_a_body_that_is_not_json_is_a_400_that_says_why(api, story, body, words):
    objective, kr = story.approved()
    before = api.log()
    api.refused(api.request("POST", f"/objectives/{objective}/key-results/{kr}/check-ins", as_="Max",
                            content=body, headers=JSON), 400, *words)
    assert api.log() == before


def test_a_counter_proposal_names_each_key_result_once(api, story):
    objective = story.draft()
    kr = story.add_metric(objective)
    story.act(objective, "submit", "Lea")
    before = api.log()
    api.refused(api.post(f"/objectives/{objective}/counter",
                         {"key_results": [{"id": kr, "target": 97}, {"id": kr, "target": 98}]}, as_="Pat"),
                422, "at most once")
    assert api.log() == before
    api.ok(api.post(f"/objectives/{objective}/counter", {"key_results": [{"id": kr, "target": 98}]}, as_="Pat"))


@pytest.mark.parametrize(("body", "words"), [
    ({"value": "5", "confidence": 0.5}, ("expected `float`, got `str`", "(at value)")),
    ({"value": 5, "confidence": "0.5"}, ("expected `float`, got `str`", "(at confidence)")),
    ({"value": 5, "confidence": 0.5, "note": 7}, ("expected `str`, got `int`", "(at note)")),
    ({"value": True, "confidence": 0.5}, ("expected `float`, got `bool`", "(at value)")),
])
def test_a_body_value_of_another_json_type_is_refused_not_converted(api, story, body, words):
    objective, kr = story.approved()
    before = api.log()
    api.refused(api.post(f"/objectives/{objective}/key-results/{kr}/check-ins", body, as_="Max"), 400, *words)
    assert api.log() == before


def test_a_nested_body_value_of_another_json_type_is_refused_where_it_is(api, story):
    objective = story.draft()
    kr = story.add_metric(objective)
    story.act(objective, "submit", "Lea")
    draft = story.draft("Another")
    before = api.log()
    api.refused(api.post(f"/objectives/{objective}/counter", {"key_results": [{"id": kr, "target": "98"}]}, as_="Pat"),
                400, "expected `float`, got `str`", "(at key_results[0].target)")
    api.refused(api.post(f"/objectives/{draft}/key-results", {"title": "Shipped", "milestone": "true"}, as_="Lea"),
                400, "expected `bool`, got `str`", "(at milestone)")
    assert api.log() == before


@pytest.mark.parametrize("title", ["\u0000\u200b", "\u200b\u200b", "Launch\u0000"])
def test_a_title_must_show_something_and_hold_no_control_characters(api, story, title):
    before = api.log()
    api.refused(api.post("/objectives", {"cycle_id": story.cycle, "team_id": story.team, "title": title,
                                         "kind": "committed"}, as_="Lea"), 422, "title")
    assert api.log() == before


def test_if_match_star_asks_only_that_the_objective_exists(api, story):
    objective, kr = story.approved()
    written = api.ok(api.post(f"/objectives/{objective}/key-results/{kr}/check-ins",
                              {"value": 93, "confidence": 0.5}, as_="Max", headers={"If-Match": "*"}), 201)
    assert written["version"] > 0
    api.refused(api.post(f"/objectives/{story.cycle}/amend", {}, as_="Lea", headers={"If-Match": "*"}),
                404, story.cycle)


def test_an_idempotency_key_sent_again_with_another_body_is_refused(api, story):
    objective, kr = story.approved()
    check_ins = f"/objectives/{objective}/key-results/{kr}/check-ins"
    key = {"Idempotency-Key": "check-in-7", **JSON}
    first = api.ok(api.request("POST", check_ins, as_="Max", content=b'{"value": 5, "confidence": 0.5}',
                               headers=key), 201)
    before = api.log()
    # the same request again, its keys written in another order: the first answer, nothing new
    again = api.ok(api.request("POST", check_ins, as_="Max", content=b'{"confidence": 0.5, "value": 5}',
                               headers=key), 201)
    assert again["id"] == first["id"] and again["version"] == first["version"]
    assert api.log() == before
    # the key with another value, or for another key result's path: refused, nothing appended
    api.refused(api.request("POST", check_ins, as_="Max", content=b'{"value": 99, "confidence": 0.9}',
                            headers=key), 422, "check-in-7", "other content")
    other_kr = story.add_metric(story.draft("Another"))
    api.refused(api.request("POST", f"/objectives/{objective}/key-results/{other_kr}/check-ins", as_="Max",
                            content=b'{"value": 5, "confidence": 0.5}', headers=key), 422, "other content")
    assert len(api.log()) == len(before) + 2  # only the new draft and its key result


def test_a_tree_for_an_id_that_is_no_team_is_a_404(api, story):
    objective, _ = story.approved()
    api.refused(api.get(f"/cycles/{story.cycle}/tree", params=api.fresh(team_id=objective)), 404, "no team")
    tree = api.ok(api.get(f"/cycles/{story.cycle}/tree", params=api.fresh(team_id=story.team)))
    assert [root["objective"]["id"] for root in tree["roots"]] == [objective]


def test_a_check_in_series_is_a_404_for_an_id_that_names_no_key_result_then(api, story):
    unknown = "00000000-0000-4000-8000-000000000000"
    api.refused(api.get(f"/key-results/{unknown}/check-ins", params=api.fresh()), 404, "no key result", unknown)
    objective, kr = story.approved()
    # known, with nothing measured yet: an empty series, not a 404
    assert api.ok(api.get(f"/key-results/{kr}/check-ins", params=api.fresh()))["check_ins"] == []
    # as of the event before its objective was drafted, the id named nothing
    events = api.ok(api.get("/events", params=api.fresh(limit=1000)))["events"]
    drafted = next(e["position"] for e in events if e["aggregate_id"] == objective)
    before = [e for e in events if e["position"] < drafted][-1]
    api.refused(api.get(f"/key-results/{kr}/check-ins", params={"as_of": before["recorded_at"]}),
                404, "no key result", f"at position {before['position']}")
    # a carried-over objective's key results are known from its draft on
    story.check_in(objective, kr, 93)
    api.ok(api.post(f"/cycles/{story.cycle}/close"))
    carried = story.act(objective, "carry-over", "Lea", {"cycle_id": story.next_cycle}, status=201)
    new_kr = api.ok(api.get(f"/objectives/{carried['id']}", params=api.fresh()))["key_results"][0]["id"]
    assert new_kr != kr
    assert api.ok(api.get(f"/key-results/{new_kr}/check-ins", params=api.fresh()))["check_ins"] == []

