"""Fixtures for the store-backed tests: the same suites run on memory, a SQLite file and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from clocks import SteppingClock

from domain.application import OkrApp

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 1, 1, 9, tzinfo=UTC))


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """The URL of an empty store of each kind."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'okr.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store_url(request, tmp_path) -> str:
    """The URL of an empty store that several applications can share (not memory://)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'okr.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_app(store_url: str, clock: SteppingClock) -> Iterator[Callable[..., OkrApp]]:
    """Opens applications on this test's store (several may share one SQLite or PostgreSQL store)."""
    apps: list[OkrApp] = []

    def make(clock_override=None) -> OkrApp:
        app = OkrApp(store_url, clock=clock_override or clock)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app) -> OkrApp:
    return make_app()
