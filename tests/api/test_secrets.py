"""No secret enters the event log, the feed or any read model: after the demo organisation
is seeded and every one of its users holds tokens, nothing stored outside the token table
contains a token or a token's hash."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys

import pytest
from api_helpers import ADMIN_TOKEN, Api
from litestar.testing import TestClient
from server_process import ROOT

from api.app import create_app
from api.settings import Settings

pytestmark = pytest.mark.api


def everything_stored(path) -> str:
    """Every table of the database but the token table, as text (SQL with its data)."""
    with sqlite3.connect(path) as conn:
        lines = [line for line in conn.iterdump() if "okr_tokens" not in line]
    return "\n".join(lines)


def test_no_token_nor_its_hash_is_stored_outside_the_token_table(tmp_path, clock):
    db = tmp_path / "okr.db"
    url = f"sqlite:///{db}"
    seeded = subprocess.run([sys.executable, "-m", "api.cli", "demo", "--database-url", url],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    app = create_app(Settings(database_url=url, admin_token=ADMIN_TOKEN, rate_per_minute=0), clock=clock)
    secrets: list[str] = [ADMIN_TOKEN]
    with TestClient(app=app) as client:
        api = Api(client, app.state.ledger, clock)
        users, after = [], 0
        while True:
            page = api.ok(api.get("/users", params={"after": after, "limit": 10, **api.fresh()}))
            users += [u["id"] for u in page["users"]]
            if page["next_after"] is None:
                break
            after = page["next_after"]
        assert len(users) >= 20
        for user in users:
            secrets.append(api.ok(api.post(f"/users/{user}/tokens"), 201)["token"])
        secrets.append(api.ok(api.post("/users", {"name": "New Comer", "email": "new@example.org"}), 201)["token"])
        feed, after = [], 0
        while page := api.ok(api.get("/events", params={"after": after, "limit": 1000, **api.fresh()}))["events"]:
            feed.append(str(page))
            after = page[-1]["position"]
        app.state.ledger.projector.wait_for(app.state.ledger.app.head_position(), 30)
    hashes = [hashlib.sha256(s.encode()).hexdigest() for s in secrets]
    # the part after the id, which is what the token table hashes
    parts = [s.removeprefix("okr_").partition("_")[2] for s in secrets if s.startswith("okr_")]
    assert all(len(p) >= 40 for p in parts)
    hashes += [hashlib.sha256(p.encode()).hexdigest() for p in parts]
    stored, shown = everything_stored(db), "\n".join(feed)
    assert "New Comer" in stored and "new@example.org" in shown  # the scan does see the data
    for secret in [*secrets, *parts, *hashes]:
        assert secret not in stored and secret not in shown
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM okr_tokens").fetchone()[0] == len(secrets) - 1
