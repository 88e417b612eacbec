"""Fixtures for the black-box HTTP tests: a Litestar app over a real SQLite file (or the
test session's PostgreSQL), driven through Litestar's test client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from clocks import SteppingClock
from api_helpers import ADMIN_TOKEN, Api
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings

pytestmark = pytest.mark.api


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 1, 5, 9, tzinfo=UTC))


def _api(url: str, clock: SteppingClock, **settings) -> Iterator[Api]:
    app = create_app(Settings(database_url=url, admin_token=ADMIN_TOKEN, **settings), clock=clock)
    with TestClient(app=app) as client:
        yield Api(client, app.state.ledger, clock)


@pytest.fixture
def api(tmp_path, clock) -> Iterator[Api]:
    """The API on a SQLite file."""
    yield from _api(f"sqlite:///{tmp_path / 'okr.db'}", clock)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api_any(request, tmp_path, clock) -> Iterator[Api]:
    """The API on a SQLite file and on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'okr.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    yield from _api(url, clock)
