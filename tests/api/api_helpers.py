"""Given/when/then helpers for the HTTP tests: an `Api` that speaks HTTP to the app under
test, knows the tokens it was given, and can fingerprint the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.testing import TestClient

ADMIN_TOKEN = "okr-test-admin-token-0123456789abcdef0123456789abcdef"
PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: TestClient
    ledger: Any
    clock: Any
    tokens: dict[str, str] = field(default_factory=lambda: {"admin": ADMIN_TOKEN})
    user_ids: dict[str, str] = field(default_factory=dict)  # name given to given_user → id

    def request(self, method: str, path: str, as_: str | None = "admin", json: Any = None,
                headers: dict[str, str] | None = None, **kwargs):
        all_headers = dict(headers or {})
        if as_ is not None:
            all_headers.setdefault("Authorization", f"Bearer {self.tokens.get(as_, as_)}")
        return self.client.request(method, path, json=json, headers=all_headers, **kwargs)

    def get(self, path: str, as_: str | None = "admin", **kwargs):
        return self.request("GET", path, as_, **kwargs)

    def post(self, path: str, json: Any = None, as_: str | None = "admin", **kwargs):
        return self.request("POST", path, as_, json=json, **kwargs)

    def put(self, path: str, json: Any = None, as_: str | None = "admin", **kwargs):
        return self.request("PUT", path, as_, json=json, **kwargs)

    def delete(self, path: str, as_: str | None = "admin", **kwargs):
        return self.request("DELETE", path, as_, **kwargs)

    def ok(self, response, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.text)
        return response.json()

    # ---- the organisation ---------------------------------------------------------------

    def given_user(self, name: str, email: str | None = None, admin: bool = False) -> str:
        """Registers a user (as the administrator); their token is then `tokens[name]`."""
        email = email or f"{name.lower().replace(' ', '.')}@example.com"
        user = self.ok(self.post("/users", {"name": name, "email": email, "admin": admin}), 201)
        self.tokens[name] = user["token"]
        self.user_ids[name] = user["id"]
        return user["id"]

    def user_id(self, who: str) -> str:
        """The id of a user named in given_user ("admin" is the administrator), or `who` itself."""
        if who == "admin":
            return str(self.ledger.admin_id)
        return self.user_ids.get(who, who)

    def given_team(self, name: str, lead: str, parent: str | None = None, members=()) -> str:
        """Forms a team (as the administrator) led by `lead`, under `parent` (a team id), with
        `members`; users are named as in given_user, or by id."""
        body = {"name": name, "lead_id": self.user_id(lead)}
        if parent is not None:
            body["parent_id"] = parent
        team = self.ok(self.post("/teams", body), 201)
        for member in members:
            self.ok(self.post(f"/teams/{team['id']}/members", {"user_id": self.user_id(member)}))
        return team["id"]

    def fresh(self, **params) -> dict:
        """Query parameters for a read that sees every write made so far (`min_position`)."""
        return {"min_position": self.ledger.app.head_position(), **params}

    # ---- the event log ----------------------------------------------------------------

    def log(self) -> list[tuple[int, str, bytes]]:
        """Every stored event (position, topic, bytes): equal before and after means nothing
        was appended or changed."""
        recorder = self.ledger.app.recorder
        events, after = [], 0
        while batch := recorder.select_notifications(start=after + 1, limit=1000):
            events += [(n.id, n.topic, bytes(n.state)) for n in batch]
            after = batch[-1].id
        return events

    def refused(self, response, status: int, *words: str) -> dict:
        """Asserts a problem+json answer with `status` whose detail mentions each word."""
        assert response.status_code == status, (response.status_code, response.text)
        assert response.headers["content-type"].startswith(PROBLEM), response.headers
        body = response.json()
        assert body["status"] == status and body["detail"], body
        for word in words:
            assert word.lower() in body["detail"].lower(), (word, body["detail"])
        return body
