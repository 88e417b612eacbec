"""Users over HTTP: registered by an administrator with a token shown once, read by everyone,
page by page and as of any time."""

from __future__ import annotations

import pytest

from projections.projection import MAX_POSITION

pytestmark = pytest.mark.api

ADA = {"name": "Ada Lovelace", "email": "ada@example.org"}


def test_an_administrator_registers_a_user_whose_token_then_works(api_any):
    api = api_any
    created = api.post("/users", ADA)
    user = api.ok(created, 201)
    assert (user["name"], user["email"], user["admin"]) == ("Ada Lovelace", "ada@example.org", False)
    assert user["version"] == 1 and user["position"] > 0 and created.headers["etag"] == '"1"'
    assert user["token"].startswith("okr_") and user["token_id"]

    me = api.ok(api.get("/users/me", as_=user["token"], params={"min_position": user["position"]}))
    assert (me["id"], me["name"], me["email"], me["admin"]) == (user["id"], "Ada Lovelace", "ada@example.org", False)
    assert api.ok(api.get(f"/users/{user['id']}", as_=user["token"])) == me


def test_an_administrator_may_register_another_administrator(api):
    grace = api.given_user("Grace", admin=True)
    assert api.ok(api.get("/users/me", as_="Grace", params=api.fresh()))["admin"] is True
    api.ok(api.post("/users", ADA, as_="Grace"), 201)
    assert api.ok(api.get(f"/users/{grace}", params=api.fresh()))["admin"] is True


def test_the_email_is_kept_in_lower_case_and_a_second_user_with_it_gets_409(api):
    assert api.ok(api.post("/users", {"name": "Ada", "email": "Ada@Example.org"}), 201)["email"] == "ada@example.org"
    before = api.log()
    api.refused(api.post("/users", {"name": "Another Ada", "email": "ADA@example.org"}), 409, "ada@example.org")
    assert api.log() == before


def test_a_retry_with_the_same_idempotency_key_records_nothing_and_shows_no_second_secret(api_any):
    api = api_any
    first = api.ok(api.post("/users", ADA, headers={"Idempotency-Key": "hire-ada"}), 201)
    before = api.log()
    retry = api.ok(api.post("/users", ADA, headers={"Idempotency-Key": "hire-ada"}), 201)
    assert api.log() == before
    assert (retry["id"], retry["token_id"], retry["version"]) == (first["id"], first["token_id"], 1)
    assert retry["token"] is None and retry["position"] >= first["position"]
    assert api.ok(api.get("/users/me", as_=first["token"], params=api.fresh()))["id"] == first["id"]


@pytest.mark.parametrize("email", ["ada", "ada@example", "ada @example.org", "@example.org", ""])
def test_an_email_that_is_not_an_address_is_refused_with_400(api, email):
    before = api.log()
    api.refused(api.post("/users", {"name": "Ada", "email": email}), 400, "email")
    assert api.log() == before


@pytest.mark.parametrize("body, word", [
    ({"email": "ada@example.org"}, "name"),
    ({"name": "", "email": "ada@example.org"}, "name"),
    ({"name": "x" * 201, "email": "ada@example.org"}, "name"),
    ({**ADA, "role": "admin"}, "role"),
    ({**ADA, "admin": "yes"}, "admin"),
])
def test_a_malformed_registration_is_refused_with_400(api, body, word):
    before = api.log()
    api.refused(api.post("/users", body), 400, word)
    assert api.log() == before


def test_a_blank_name_is_refused_with_422(api):
    before = api.log()
    api.refused(api.post("/users", {"name": "   ", "email": "ada@example.org"}), 422, "name")
    assert api.log() == before


def test_only_an_administrator_registers_users(api):
    api.given_user("Bob")
    before = api.log()
    api.refused(api.post("/users", ADA, as_="Bob"), 403, "administrator")
    assert api.log() == before


def test_users_need_a_valid_token(api):
    before = api.log()
    api.refused(api.post("/users", ADA, as_=None), 401, "token")
    api.refused(api.get("/users", as_="okr_nonsense"), 401, "token")
    api.refused(api.get("/users/me", as_=None), 401, "token")
    assert api.log() == before


def test_the_users_come_a_page_at_a_time_in_the_order_registered(api):
    names = ["Ada", "Bob", "Cy", "Di", "Ed"]
    for name in names:
        api.given_user(name)
    pages, after = [], 0
    while after is not None:
        page = api.ok(api.get("/users", as_="Cy", params=api.fresh(after=after, limit=2)))
        pages.append([u["name"] for u in page["users"]])
        after = page["next_after"]
    assert pages == [["Administrator", "Ada"], ["Bob", "Cy"], ["Di", "Ed"], []]


@pytest.mark.parametrize("params, word", [({"limit": 1001}, "limit"), ({"limit": 0}, "limit"),
                                          ({"after": -1}, "after"), ({"after": "x"}, "after"),
                                          ({"after": MAX_POSITION + 1}, "after")])
def test_a_bad_page_is_refused_with_400(api, params, word):
    logged = api.log()
    api.refused(api.get("/users", params=params), 400, word)
    assert api.log() == logged


def test_a_page_after_the_last_position_a_cursor_may_name_is_empty(api):
    # The bound every paged route shares: /events and /audit/approvals refuse beyond it too.
    page = api.ok(api.get("/users", params=api.fresh(after=MAX_POSITION)))
    assert page["users"] == [] and page["next_after"] is None


def test_as_of_a_time_before_a_registration_the_user_is_not_there(api):
    ada = api.given_user("Ada")
    moment = api.clock.current.isoformat()
    api.clock.advance(days=1)
    bob = api.given_user("Bob")

    then = api.ok(api.get("/users", params=api.fresh(as_of=moment)))
    assert [u["id"] for u in then["users"]][1:] == [ada]
    api.refused(api.get(f"/users/{bob}", params=api.fresh(as_of=moment)), 404, bob)
    assert api.ok(api.get(f"/users/{bob}", params=api.fresh()))["name"] == "Bob"


def test_an_unknown_user_gives_404(api):
    unknown = "3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11"
    api.refused(api.get(f"/users/{unknown}", params=api.fresh()), 404, unknown)
    api.refused(api.get("/users/not-a-uuid"), 404)
