"""Tokens over HTTP: more of them for a user, revoked by their owner or an administrator, and
never written to the event log or the feed."""

from __future__ import annotations

import hashlib

import pytest

from projections.feed.queries import events_after

pytestmark = pytest.mark.api


def test_a_user_asks_for_another_token_and_both_work(api_any):
    api = api_any
    ada = api.given_user("Ada")
    issued = api.ok(api.post(f"/users/{ada}/tokens", as_="Ada"), 201)
    assert issued["token"].startswith("okr_") and issued["token"] != api.tokens["Ada"]
    for token in (issued["token"], api.tokens["Ada"]):
        assert api.ok(api.get("/users/me", as_=token, params=api.fresh()))["id"] == ada


def test_an_administrator_issues_a_token_for_anyone_but_a_user_only_for_themself(api):
    ada = api.given_user("Ada")
    api.given_user("Bob")
    assert api.ok(api.post(f"/users/{ada}/tokens"), 201)["token"]
    before = api.log()
    api.refused(api.post(f"/users/{ada}/tokens", as_="Bob"), 403, "administrator")
    assert api.log() == before


def test_a_token_for_an_unknown_user_gives_404(api):
    unknown = "3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11"
    api.refused(api.post(f"/users/{unknown}/tokens"), 404, unknown)


def test_a_revoked_token_gets_401_from_then_on(api_any):
    api = api_any
    ada = api.given_user("Ada")
    spare = api.ok(api.post(f"/users/{ada}/tokens", as_="Ada"), 201)
    before = api.log()
    revoked = api.delete(f"/tokens/{spare['token_id']}", as_="Ada")
    assert revoked.status_code == 204, revoked.text
    api.refused(api.get("/users/me", as_=spare["token"]), 401, "revoked")
    assert api.ok(api.get("/users/me", as_="Ada", params=api.fresh()))["id"] == ada
    assert api.log() == before


def test_an_administrator_revokes_a_users_first_token(api):
    ada = api.ok(api.post("/users", {"name": "Ada", "email": "ada@example.org"}), 201)
    assert api.delete(f"/tokens/{ada['token_id']}").status_code == 204
    api.refused(api.get("/users", as_=ada["token"]), 401, "token")


def test_revoking_someone_elses_token_is_refused(api):
    api.given_user("Ada")
    bob = api.given_user("Bob")
    bobs = api.ok(api.post(f"/users/{bob}/tokens", as_="Bob"), 201)
    api.refused(api.delete(f"/tokens/{bobs['token_id']}", as_="Ada"), 403, "administrator")
    assert api.ok(api.get("/users/me", as_=bobs["token"], params=api.fresh()))["name"] == "Bob"


def test_an_unknown_or_already_revoked_token_gives_404(api):
    ada = api.given_user("Ada")
    spare = api.ok(api.post(f"/users/{ada}/tokens"), 201)
    assert api.delete(f"/tokens/{spare['token_id']}").status_code == 204
    api.refused(api.delete(f"/tokens/{spare['token_id']}"), 404, "revoked")
    unknown = "3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11"
    api.refused(api.delete(f"/tokens/{unknown}"), 404, unknown)


def test_a_retried_registration_after_its_token_was_revoked_does_not_bring_it_back(api):
    body, key = {"name": "Ada", "email": "ada@example.org"}, {"Idempotency-Key": "k"}
    ada = api.ok(api.post("/users", body, headers=key), 201)
    assert api.delete(f"/tokens/{ada['token_id']}").status_code == 204
    retry = api.ok(api.post("/users", body, headers=key), 201)
    assert retry["token"] is None
    api.refused(api.get("/users", as_=ada["token"]), 401, "token")


def test_tokens_and_their_hashes_never_reach_the_event_log_or_the_feed(api):
    ada = api.given_user("Ada")
    api.given_team("Core", "Ada")
    tokens = [api.tokens["Ada"], api.ok(api.post(f"/users/{ada}/tokens", as_="Ada"), 201)["token"]]
    # okr_<id>_<secret>: the secret itself may hold "_"
    secrets = [t.removeprefix("okr_").partition("_")[2] for t in tokens]
    assert all(len(s) >= 40 for s in secrets)
    hashes = [hashlib.sha256(s.encode()).hexdigest() for s in [*tokens, *secrets]]

    log = b"".join(topic.encode() + state for _, topic, state in api.log())
    head = api.ledger.app.head_position()
    api.ledger.projector.wait_for(head, 5)
    with api.ledger.store.reading() as tx:
        feed = repr(events_after(tx, api.ledger.payloads, 0, 1000)).encode()
    assert b"ada@example.com" in log and b"ada@example.com" in feed  # the scan does see the payloads
    for secret in [*tokens, *secrets, *hashes]:
        assert secret.encode() not in log and secret.encode() not in feed
