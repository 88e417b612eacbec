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

    def ok(self, response, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.text)
        return response.json()

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
