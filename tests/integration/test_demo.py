"""`okr demo`: the seed on a real SQLite file, run again (nothing appended), resumed, refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.cli import main
from api.seed import DemoClock, DemoRefused, count_events, seed_demo
from domain.application import OkrApp
from domain.cycle import Cycle
from domain.objective import Objective
from domain.team import Team
from domain.values import CycleState, Direction, KeyResultKind, ObjectiveKind, ObjectiveStatus

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]


class Interrupted(Exception):
    """Stands for a crash in the middle of a seed."""


def sqlite_url(tmp_path: Path, name: str = "okr.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def seeded(url: str, now: datetime | None = None):
    clock = DemoClock()
    app = OkrApp(url, clock=clock)
    return app, seed_demo(app, clock, now=now)


def aggregates(app: OkrApp, cls: type) -> list:
    ids = {n.originator_id for n in app.recorder.select_notifications(start=1, limit=100_000)}
    return [a for a in map(app.repository.get, ids) if isinstance(a, cls)]


def team_levels(teams: list[Team]) -> int:
    parents = {t.id: t.parent_id for t in teams}

    def depth(team_id):
        return 1 if parents[team_id] is None else 1 + depth(parents[team_id])

    return max(map(depth, parents))


def test_the_demo_seeds_every_kind_of_fact_and_a_second_run_appends_nothing(tmp_path):
    # Given an empty SQLite file, when the demo seeds it
    before = datetime.now(UTC)
    app, summary = seeded(sqlite_url(tmp_path))
    try:
        notifications = app.recorder.select_notifications(start=1, limit=100_000)
        topics = Counter(n.topic for n in notifications)

        # Then it holds two closed quarters and the current one, active
        cycles = sorted(aggregates(app, Cycle), key=lambda c: c.starts_on)
        closed, active = CycleState.CLOSED, CycleState.ACTIVE
        assert [c.state for c in cycles] == [closed, closed, active]
        assert cycles[-1].starts_on <= before.date() <= cycles[-1].ends_on
        assert team_levels(aggregates(app, Team)) >= 3
        assert topics["okr:NorthStar.Stated"] == 1

        # and objectives of each kind and outcome, with every kind of key result
        objectives = aggregates(app, Objective)
        statuses = Counter(o.status for o in objectives)
        for status in ("approved", "rejected", "withdrawn"):
            assert statuses[ObjectiveStatus(status)] >= 1
        assert {o.proposal.kind for o in objectives} == set(ObjectiveKind)
        terms = [kr for o in objectives for kr in (o.agreed or o.proposal).key_results]
        assert {kr.kind for kr in terms} == set(KeyResultKind)
        metrics = [kr for kr in terms if kr.kind is KeyResultKind.METRIC]
        assert any(kr.target > kr.baseline for kr in metrics)
        assert any(kr.target < kr.baseline for kr in metrics)
        assert {kr.direction for kr in terms if kr.kind is KeyResultKind.MAINTAIN} == set(Direction)
        children = [o for o in objectives if o.proposal.parent_id is not None]
        assert len(children) >= 10

        # and the negotiation, the measuring and the closing each left their events
        for event in ("ChangesRequested", "Countered", "CounterDeclined", "CounterAccepted",
                      "Rejected", "Withdrawn", "AmendmentStarted", "CheckInCorrected",
                      "ScoreAdjusted", "CarriedOver"):
            assert topics[f"okr:Objective.{event}"] >= 1, event
        assert topics["okr:Objective.CheckInRecorded"] >= 300
        assert topics["okr:Cycle.Closed"] == 2
        carried = [o for o in objectives if o.origin_id is not None]
        assert carried and all(o.status is ObjectiveStatus.APPROVED for o in carried)

        # and recorded time never decreases, ends before now, and no value was measured later
        events = [app.mapper.to_domain_event(n) for n in notifications]
        stamps = [e.timestamp for e in events]
        assert stamps == sorted(stamps) and stamps[-1] < before
        assert all(e.measured_at <= e.timestamp for e in events if hasattr(e, "measured_at"))

        # and the summary says the same
        assert summary.appended == summary.total == len(notifications)
        assert summary.check_ins == topics["okr:Objective.CheckInRecorded"]
        assert [state for _, _, state in summary.cycles] == ["closed", "closed", "active"]
        head = app.recorder.max_notification_id()
    finally:
        app.close()

    # When it runs again, now and a quarter later, then nothing is appended
    for later in (None, before + timedelta(days=100)):
        again, summary = seeded(sqlite_url(tmp_path), now=later)
        try:
            assert again.recorder.max_notification_id() == head
            assert summary.appended == 0 and summary.total == len(notifications)
        finally:
            again.close()


@pytest.mark.parametrize("crash_after", [1, 400])
def test_an_interrupted_seed_resumes_where_it_stopped(tmp_path, crash_after):
    now = datetime(2026, 5, 20, 12, 30, tzinfo=UTC)
    reference, whole = seeded("memory://", now=now)
    reference.close()

    clock = DemoClock()
    app = OkrApp(sqlite_url(tmp_path), clock=clock)
    try:
        def crash(done, total):
            if done == crash_after:
                raise Interrupted

        with pytest.raises(Interrupted):
            seed_demo(app, clock, now=now, progress=crash)
        resumed = seed_demo(app, clock, now=now + timedelta(minutes=7))
        assert resumed.total == whole.total
        assert count_events(app) == whole.topics
    finally:
        app.close()


@pytest.mark.parametrize("now", [
    datetime(2026, 1, 1, 0, 2, tzinfo=UTC),    # minutes into a quarter: its start is squeezed
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
])
def test_the_demo_fits_before_now_at_the_edges_of_a_quarter(now):
    app, summary = seeded("memory://", now=now)
    stamps = [app.mapper.to_domain_event(n).timestamp
              for n in app.recorder.select_notifications(start=1, limit=100_000)]
    app.close()
    # Squeezed steps take the limit (five minutes before now) plus a microsecond each
    assert stamps == sorted(stamps)
    assert stamps[-1] < now - timedelta(minutes=5) + timedelta(seconds=1)
    assert [state for _, _, state in summary.cycles] == ["closed", "closed", "active"]


def test_the_demo_refuses_a_store_it_did_not_create(tmp_path, capsys):
    url = sqlite_url(tmp_path)
    app = OkrApp(url)
    try:
        admin = app.ensure_admin()
        app.register_user(admin, "Real Person", "real@example.org")
        head = app.head_position()
        clock = DemoClock()
        demo = OkrApp(url, clock=clock)
        with pytest.raises(DemoRefused, match="did not record"):
            seed_demo(demo, clock)
        demo.close()

        assert main(["demo", "--database-url", url]) == 2
        assert "refused" in capsys.readouterr().err
        assert app.head_position() == head
    finally:
        app.close()


def test_bad_input_gives_a_clear_message_and_a_non_zero_exit(capsys):
    assert main(["demo", "--database-url", "mysql://db/okr"]) == 2
    assert "unknown scheme" in capsys.readouterr().err
    assert main(["demo", "--database-url", " "]) == 2
    assert "--database-url is empty" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["seed"])
    assert usage.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_okr_demo_runs_as_a_command_and_a_second_run_appends_nothing(tmp_path):
    env = {**os.environ, "OKR_DATABASE_URL": sqlite_url(tmp_path)}

    def okr_demo() -> subprocess.CompletedProcess:
        return subprocess.run(["uv", "run", "okr", "demo"], cwd=PROJECT, env=env,
                              capture_output=True, text=True, timeout=300)

    first = okr_demo()
    assert first.returncode == 0, first.stderr
    assert "Ottervale demo organisation" in first.stdout
    assert first.stdout.count("closed (") == 2 and "active (" in first.stdout
    appended = int(first.stdout.split(" events appended")[0].split()[-1])
    assert appended > 1000

    second = okr_demo()
    assert second.returncode == 0, second.stderr
    assert "0 events appended" in second.stdout
    assert f"({appended} events in the log)" in second.stdout


@pytest.mark.postgres
def test_the_demo_seeds_postgresql_once(postgres_url):
    app, first = seeded(postgres_url)
    app.close()
    again, second = seeded(postgres_url)
    again.close()
    assert first.appended == first.total > 1000
    assert second.appended == 0 and second.total == first.total
