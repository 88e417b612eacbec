"""Teams over HTTP: formed and given leads by an administrator, members managed by the lead,
read with their members as of any time."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.api

UNKNOWN = "3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11"


def test_an_administrator_forms_teams_that_everyone_reads_with_their_members(api_any):
    api = api_any
    ceo, lead, dev = api.given_user("Ceo"), api.given_user("Lea"), api.given_user("Dev")
    formed = api.post("/teams", {"name": "Company", "lead_id": ceo})
    company = api.ok(formed, 201)
    assert company["version"] == 1 and formed.headers["etag"] == '"1"'
    mobile = api.given_team("Mobile", "Lea", parent=company["id"], members=["Dev"])

    read = api.ok(api.get(f"/teams/{mobile}", as_="Dev", params=api.fresh()))
    assert (read["name"], read["parent_id"], read["lead_id"], read["members"]) == ("Mobile", company["id"], lead, [dev])
    teams = api.ok(api.get("/teams", as_="Dev", params=api.fresh()))
    assert [(t["name"], t["parent_id"], t["members"]) for t in teams] == [
        ("Company", None, []), ("Mobile", company["id"], [dev]),
    ]


def test_the_lead_adds_and_removes_members_and_as_of_shows_who_was_in_the_team_then(api_any):
    api = api_any
    for name in ("Lea", "Dev", "Ops"):
        api.given_user(name)
    team = api.given_team("Mobile", "Lea")
    added = api.ok(api.post(f"/teams/{team}/members", {"user_id": api.user_id("Dev")}, as_="Lea"))
    assert added["id"] == team and added["version"] == 2
    api.ok(api.post(f"/teams/{team}/members", {"user_id": api.user_id("Ops")}, as_="Lea"))
    moment = api.clock.current.isoformat()
    api.clock.advance(days=1)
    removed = api.ok(api.delete(f"/teams/{team}/members/{api.user_id('Dev')}", as_="Lea"))
    assert removed["version"] == 4

    now = api.ok(api.get(f"/teams/{team}", params=api.fresh()))
    then = api.ok(api.get(f"/teams/{team}", params=api.fresh(as_of=moment)))
    assert now["members"] == [api.user_id("Ops")]
    assert then["members"] == [api.user_id("Dev"), api.user_id("Ops")]
    assert then["position"] < now["position"]


def test_a_member_who_rejoins_is_listed_once_in_the_order_they_rejoined(api):
    for name in ("Lea", "Dev", "Ops"):
        api.given_user(name)
    team = api.given_team("Mobile", "Lea", members=["Dev", "Ops"])
    api.ok(api.delete(f"/teams/{team}/members/{api.user_id('Dev')}"))
    api.ok(api.post(f"/teams/{team}/members", {"user_id": api.user_id("Dev")}))
    assert api.ok(api.get(f"/teams/{team}", params=api.fresh()))["members"] == [api.user_id("Ops"), api.user_id("Dev")]


def test_an_administrator_appoints_a_new_lead_who_then_manages_members(api):
    for name in ("Lea", "Max", "Dev"):
        api.given_user(name)
    team = api.given_team("Mobile", "Lea")
    appointed = api.ok(api.put(f"/teams/{team}/lead", json={"user_id": api.user_id("Max")}))
    assert appointed["version"] == 2
    assert api.ok(api.get(f"/teams/{team}", params=api.fresh()))["lead_id"] == api.user_id("Max")
    api.ok(api.post(f"/teams/{team}/members", {"user_id": api.user_id("Dev")}, as_="Max"))
    before = api.log()
    api.refused(api.post(f"/teams/{team}/members", {"user_id": api.user_id("Lea")}, as_="Lea"), 403, "lead")
    assert api.log() == before


def test_a_retried_formation_with_the_same_idempotency_key_records_nothing(api):
    lead = api.given_user("Lea")
    first = api.ok(api.post("/teams", {"name": "Mobile", "lead_id": lead}, headers={"Idempotency-Key": "t1"}), 201)
    before = api.log()
    again = api.ok(api.post("/teams", {"name": "Mobile", "lead_id": lead}, headers={"Idempotency-Key": "t1"}), 201)
    assert (again["id"], again["version"]) == (first["id"], first["version"]) and api.log() == before


@pytest.mark.parametrize("who, method, path, body", [
    ("Dev", "POST", "/teams", {"name": "Rogue", "lead_id": "{lea}"}),
    ("Dev", "POST", "/teams/{team}/members", {"user_id": "{ops}"}),
    ("Dev", "DELETE", "/teams/{team}/members/{dev}", None),
    ("Lea", "PUT", "/teams/{team}/lead", {"user_id": "{dev}"}),
])
def test_a_caller_without_the_role_is_refused_with_403_and_nothing_changes(api, who, method, path, body):
    ids = {"lea": api.given_user("Lea"), "dev": api.given_user("Dev"), "ops": api.given_user("Ops")}
    ids["team"] = api.given_team("Mobile", "Lea", members=["Dev"])
    body = body and {k: v.format(**ids) for k, v in body.items()}
    before = api.log()
    api.refused(api.request(method, path.format(**ids), who, json=body), 403)
    assert api.log() == before


@pytest.mark.parametrize("method, path, body, word", [
    ("POST", "/teams", {"name": "Ghost", "lead_id": UNKNOWN}, UNKNOWN),
    ("POST", "/teams", {"name": "Orphan", "lead_id": "{lea}", "parent_id": UNKNOWN}, "parent"),
    ("POST", f"/teams/{UNKNOWN}/members", {"user_id": "{lea}"}, "team"),
    ("POST", "/teams/{team}/members", {"user_id": UNKNOWN}, UNKNOWN),
    ("DELETE", "/teams/{team}/members/{lea}", None, "not a member"),
    ("PUT", "/teams/{team}/lead", {"user_id": UNKNOWN}, UNKNOWN),
    ("PUT", f"/teams/{UNKNOWN}/lead", {"user_id": "{lea}"}, "team"),
])
def test_an_unknown_team_or_user_gives_404_and_nothing_changes(api, method, path, body, word):
    ids = {"lea": api.given_user("Lea")}
    ids["team"] = api.given_team("Mobile", "Lea")
    body = body and {k: v.format(**ids) for k, v in body.items()}
    before = api.log()
    api.refused(api.request(method, path.format(**ids), json=body), 404, word)
    assert api.log() == before


def test_adding_someone_who_is_already_a_member_gives_409(api):
    for name in ("Lea", "Dev"):
        api.given_user(name)
    team = api.given_team("Mobile", "Lea", members=["Dev"])
    before = api.log()
    api.refused(api.post(f"/teams/{team}/members", {"user_id": api.user_id("Dev")}), 409, "already a member")
    assert api.log() == before


@pytest.mark.parametrize("body, status, word", [
    ({"name": "Mobile"}, 400, "lead_id"),
    ({"name": "", "lead_id": "{lea}"}, 400, "name"),
    ({"name": "   ", "lead_id": "{lea}"}, 422, "name"),
    ({"name": "Mobile", "lead_id": "not-a-uuid"}, 400, "lead_id"),
    ({"name": "Mobile", "lead_id": "{lea}", "colour": "red"}, 400, "colour"),
])
def test_a_malformed_team_is_refused_and_nothing_changes(api, body, status, word):
    lea = api.given_user("Lea")
    body = {k: v.format(lea=lea) for k, v in body.items()}
    before = api.log()
    api.refused(api.post("/teams", body), status, word)
    assert api.log() == before


def test_a_team_unknown_then_or_now_gives_404(api):
    api.given_user("Lea")
    moment = api.clock.current.isoformat()
    api.clock.advance(hours=1)
    team = api.given_team("Mobile", "Lea")
    api.refused(api.get(f"/teams/{team}", params=api.fresh(as_of=moment)), 404, team)
    assert api.ok(api.get("/teams", params=api.fresh(as_of=moment))) == []
    api.refused(api.get(f"/teams/{UNKNOWN}", params=api.fresh()), 404, UNKNOWN)


def test_teams_need_a_valid_token(api):
    api.refused(api.get("/teams", as_=None), 401, "token")
    api.refused(api.post("/teams", {"name": "x", "lead_id": UNKNOWN}, as_="okr_nonsense"), 401, "token")


def test_a_stale_if_match_on_a_team_write_gives_412_and_changes_nothing(api):
    lead = api.given_user("Lea Lead")
    member = api.given_user("Max Member")
    team = api.given_team("Company", "Lea Lead")
    before = api.log()
    body = api.refused(api.post(f"/teams/{team}/members", {"user_id": str(member)}, as_="Lea Lead",
                                headers={"If-Match": '"5"'}), 412, "version")
    assert body["current_version"] == 1 and api.log() == before
    added = api.post(f"/teams/{team}/members", {"user_id": str(member)}, as_="Lea Lead",
                     headers={"If-Match": '"1"'})
    assert api.ok(added)["version"] == 2 and added.headers["etag"] == '"2"'
    assert lead


def test_a_stale_if_match_on_the_north_star_gives_412(api):
    api.ok(api.request("PUT", "/north-star", json={"statement": "Every team knows why"}))
    before = api.log()
    api.refused(api.request("PUT", "/north-star", json={"statement": "Again"}, headers={"If-Match": '"3"'}),
                412, "version")
    assert api.log() == before
    assert api.ok(api.request("PUT", "/north-star", json={"statement": "Again"}, headers={"If-Match": '"1"'}))["version"] == 2
