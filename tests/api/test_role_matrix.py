"""Every write route × every kind of caller: who may, who may not (403), who is nobody (401).

The organisation: an administrator; Company (led by Pat, the parent-team lead) with Team A
(led by Lea, with member Max) and Team B (led by Bo, with member Oz, the member of another
team); Rev, a member of Team A whose token was revoked. Each case is played on a fresh
objective (or team, or cycle) brought to the state the route needs, so only the caller
differs. A refused case also leaves the event log untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

pytestmark = pytest.mark.api

CALLERS = ("admin", "Pat", "Lea", "Max", "Oz", None, "revoked")
Y = "ok"  # a 2xx


@dataclass
class Org:
    api: object
    company: str
    team_a: str
    team_b: str
    cycle: str
    next_cycle: str
    ready_after_close: list[dict] = field(default_factory=list)


@pytest.fixture
def org(api) -> Org:
    for name in ("Pat", "Lea", "Max", "Bo", "Oz", "Rev"):
        api.given_user(name)
    company = api.given_team("Company", "Pat")
    team_a = api.given_team("Team A", "Lea", parent=company, members=["Max", "Rev"])
    team_b = api.given_team("Team B", "Bo", parent=company, members=["Oz"])
    cycle = api.ok(api.post("/cycles", {"name": "Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}), 201)["id"]
    api.ok(api.post(f"/cycles/{cycle}/activate"))
    following = api.ok(api.post("/cycles", {"name": "Q2", "starts_on": "2026-04-01", "ends_on": "2026-06-30"}), 201)["id"]
    revoked = api.ok(api.post(f"/users/{api.user_id('Rev')}/tokens"), 201)
    assert api.delete(f"/tokens/{revoked['token_id']}").status_code == 204
    api.tokens["revoked"] = revoked["token"]
    return Org(api, company, team_a, team_b, cycle, following)


# ---- bringing an objective of Team A to the state a route needs ---------------------------


def drafted(org: Org) -> dict:
    api = org.api
    objective = api.ok(api.post("/objectives", {
        "cycle_id": org.cycle, "team_id": org.team_a, "title": "Ship it", "kind": "committed",
    }, as_="Lea"), 201)["id"]
    kr = api.ok(api.post(f"/objectives/{objective}/key-results", {
        "title": "Customers", "unit": "customers", "baseline": 0, "target": 10,
    }, as_="Lea"), 201)["id"]
    return {"objective": objective, "kr": kr}


def step(org: Org, ids: dict, action: str, as_: str, body: dict | None = None) -> dict:
    org.api.ok(org.api.post(f"/objectives/{ids['objective']}/{action}", body or {}, as_=as_))
    return ids


def submitted(org: Org) -> dict:
    return step(org, drafted(org), "submit", "Lea")


def countered(org: Org) -> dict:
    ids = submitted(org)
    return step(org, ids, "counter", "Pat", {"key_results": [{"id": ids["kr"], "target": 20}]})


def approved(org: Org) -> dict:
    return step(org, submitted(org), "approve", "Pat")


def checked_in(org: Org) -> dict:
    ids = approved(org)
    ids["check_in"] = org.api.ok(org.api.post(
        f"/objectives/{ids['objective']}/key-results/{ids['kr']}/check-ins",
        {"value": 4, "confidence": 0.5}, as_="Lea"), 201)["id"]
    return ids


def closed(org: Org) -> dict:
    """An agreed objective with a check-in, in the closed cycle: one per caller, all made
    before the (one) close."""
    if not org.ready_after_close:
        org.ready_after_close = [checked_in(org) for _ in CALLERS]
        org.api.ok(org.api.post(f"/cycles/{org.cycle}/close"))
    return org.ready_after_close.pop()


def new_member(org: Org) -> dict:
    api = org.api
    user = api.given_user(f"Member {len(api.user_ids)}")
    api.ok(api.post(f"/teams/{org.team_a}/members", {"user_id": user}))
    return {"user": user}


def new_user(org: Org) -> dict:
    return {"user": org.api.given_user(f"User {len(org.api.user_ids)}")}


@dataclass(frozen=True)
class Case:
    name: str
    given: Callable[[Org], dict]
    method: str
    path: str
    body: Callable[[Org, dict], dict | None]
    allowed: tuple[str, ...]


def objective_case(name, given, action, allowed, body=lambda o, ids: {}):
    return Case(name, given, "POST", "/objectives/{objective}/" + action, body, allowed)


EDITORS = ("admin", "Pat", "Lea", "Max")
LEAD = ("Lea",)
APPROVER = ("Pat",)
MEASURERS = ("Lea", "Max")
ADMIN = ("admin",)

CASES = [
    Case("draft", lambda o: {}, "POST", "/objectives",
         lambda o, ids: {"cycle_id": o.cycle, "team_id": o.team_a, "title": "T", "kind": "committed"}, EDITORS),
    Case("revise", drafted, "PATCH", "/objectives/{objective}", lambda o, ids: {"title": "New title"}, EDITORS),
    Case("add key result", drafted, "POST", "/objectives/{objective}/key-results",
         lambda o, ids: {"title": "Launch", "milestone": True}, EDITORS),
    Case("revise key result", drafted, "PATCH", "/objectives/{objective}/key-results/{kr}",
         lambda o, ids: {"target": 12}, EDITORS),
    Case("remove key result", drafted, "DELETE", "/objectives/{objective}/key-results/{kr}", lambda o, ids: None, EDITORS),
    objective_case("submit", drafted, "submit", LEAD),
    objective_case("approve", submitted, "approve", APPROVER),
    objective_case("request changes", submitted, "request-changes", APPROVER),
    objective_case("counter", submitted, "counter", APPROVER,
                   lambda o, ids: {"key_results": [{"id": ids["kr"], "target": 15}]}),
    objective_case("reject", submitted, "reject", APPROVER),
    objective_case("accept counter", countered, "accept-counter", LEAD),
    objective_case("decline counter", countered, "decline-counter", LEAD),
    objective_case("withdraw", submitted, "withdraw", LEAD),
    objective_case("amend", approved, "amend", LEAD),
    Case("check in", approved, "POST", "/objectives/{objective}/key-results/{kr}/check-ins",
         lambda o, ids: {"value": 5, "confidence": 0.6}, MEASURERS),
    Case("correct", checked_in, "POST", "/objectives/{objective}/key-results/{kr}/check-ins/{check_in}/corrections",
         lambda o, ids: {"value": 3, "reason": "misread"}, MEASURERS),
    objective_case("adjust score", closed, "score", LEAD, lambda o, ids: {"score": 0.5, "reason": "fair"}),
    objective_case("carry over", closed, "carry-over", LEAD, lambda o, ids: {"cycle_id": o.next_cycle}),
    Case("register user", new_user, "POST", "/users",
         lambda o, ids: {"name": "N", "email": f"n-{ids['user']}@example.org"}, ADMIN),
    Case("form team", lambda o: {}, "POST", "/teams", lambda o, ids: {"name": "C", "lead_id": o.api.user_id("Bo")}, ADMIN),
    Case("add member", new_user, "POST",
         "/teams/{team_a}/members", lambda o, ids: {"user_id": ids["user"]}, ("admin", "Lea")),
    Case("remove member", new_member, "DELETE", "/teams/{team_a}/members/{user}",
         lambda o, ids: None, ("admin", "Lea")),
    Case("appoint lead", lambda o: {}, "PUT", "/teams/{team_b}/lead", lambda o, ids: {"user_id": o.api.user_id("Oz")}, ADMIN),
    Case("state north star", lambda o: {}, "PUT", "/north-star", lambda o, ids: {"statement": "Why"}, ADMIN),
    Case("plan cycle", lambda o: {}, "POST", "/cycles",
         lambda o, ids: {"name": "Q9", "starts_on": "2026-07-01", "ends_on": "2026-09-30"}, ADMIN),
    Case("activate cycle", lambda o: {}, "POST", "/cycles/{next_cycle}/activate", lambda o, ids: None, ADMIN),
    Case("close cycle", lambda o: {}, "POST", "/cycles/{cycle}/close", lambda o, ids: None, ADMIN),
    Case("issue token for Max", lambda o: {"user": o.api.user_id("Max")}, "POST", "/users/{user}/tokens",
         lambda o, ids: None, ("admin", "Max")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_write_route_admits_exactly_the_callers_it_should(org, case):
    api = org.api
    # Those allowed go last: a cycle is activated or closed only once.
    for caller in sorted(CALLERS, key=lambda c: c in case.allowed):
        ids = case.given(org)
        path = case.path.format(**{**vars(org), **ids})
        before = api.log()
        response = api.request(case.method, path, as_=caller, json=case.body(org, ids))
        if caller in (None, "revoked"):
            api.refused(response, 401, "token")
        elif caller in case.allowed:
            assert 200 <= response.status_code < 300, (case.name, caller, response.status_code, response.text)
        else:
            api.refused(response, 403)
        if not 200 <= response.status_code < 300:
            assert api.log() == before, (case.name, caller)


def test_nobody_approves_a_round_they_submitted(org):
    api = org.api
    # the administrator leads the root team, whose approver is an administrator
    root = api.given_team("Root", "admin")
    objective = api.ok(api.post("/objectives", {"cycle_id": org.cycle, "team_id": root, "title": "T",
                                                "kind": "committed"}), 201)["id"]
    api.ok(api.post(f"/objectives/{objective}/key-results", {"title": "Launch", "milestone": True}), 201)
    api.ok(api.post(f"/objectives/{objective}/submit", {}))
    before = api.log()
    body = api.refused(api.post(f"/objectives/{objective}/approve", {}), 403, "submitted")
    assert body["type"].endswith("own_round")
    assert api.log() == before
