"""The projection worker (`okr project`) killed with SIGKILL at random moments and restarted,
again and again, ends with exactly the rows a clean rebuild writes: no event lost, none
counted twice, every tracked position at the head of the log. Also: `okr project` stops
cleanly on SIGTERM, and `okr rebuild` shows its progress and refuses unknown names."""

from __future__ import annotations

import hashlib
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from domain.application import OkrApp
from domain.objective import Objective
from domain.values import KeyResultKind, KeyResultTerms, Role, Standing
from projections.catalog import NAMES, projector_for, read_models

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEED = 20260105
KILLS = 12  # at least 10 must happen before the worker reaches the head


# ---- a large event log, built fast ----------------------------------------------------


class Tick:
    """A clock that moves a fixed step on every reading, so recorded time follows the log."""

    def __init__(self, start: datetime, step: timedelta):
        self.current, self.step = start, step

    def __call__(self) -> datetime:
        self.current += self.step
        return self.current


@dataclass(frozen=True)
class Log:
    head: int
    seconds: float
    teams: list[UUID]


def build_log(url: str, objectives: int, check_ins_each: int, seed: int = SEED) -> Log:
    """An organisation with four teams, `objectives` negotiated objectives in one cycle, and
    `check_ins_each` check-ins on each, with corrections, membership changes, the cycle's
    close (a version per scored objective) and adjusted scores along the way.

    The organisation goes through the use cases; objectives are driven through the
    Objective aggregate itself, with the standing the use cases would work out, and saved
    hundreds of events per `app.save(...)`: one transaction each, not one per command.
    Each object's events are taken in the order they are saved, so recorded time never
    decreases along the log.
    """
    started = time.monotonic()
    rng = random.Random(seed)

    def new_id() -> UUID:
        return UUID(int=rng.getrandbits(128), version=4)

    clock = Tick(datetime(2026, 1, 5, 9, tzinfo=UTC), timedelta(seconds=90))
    app = OkrApp(url, clock=clock)
    try:
        admin = app.ensure_admin()
        ceo = app.register_user(admin, "Ada Ceo", "ceo@example.org").id
        leads = [app.register_user(admin, f"Lead {i}", f"lead{i}@example.org").id for i in range(4)]
        members = [app.register_user(admin, f"Member {i}", f"member{i}@example.org").id for i in range(8)]
        company = app.form_team(admin, "Company", ceo).id
        teams = [app.form_team(admin, f"Team {i}", leads[i], parent_id=company).id for i in range(4)]
        for i, member in enumerate(members[:4]):
            app.add_member(leads[i], teams[i], member)
        app.state_north_star(admin, "Every team knows why its work matters")
        q1 = app.plan_cycle(admin, "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)).id
        app.activate_cycle(admin, q1)
        app.plan_cycle(admin, "2026-Q2", date(2026, 4, 1), date(2026, 6, 30))

        approver = Standing(ceo, frozenset({Role.APPROVER}))
        lead_of, metric, milestone, objs = {}, {}, {}, []
        for i in range(objectives):
            team = i % 4
            lead = lead_of[i] = Standing(leads[team], frozenset({Role.LEAD, Role.MEMBER}))
            o = Objective.draft(
                lead, new_id(), q1, teams[team], f"Objective {i}",
                "aspirational" if i % 3 == 0 else "committed", "", None, clock(),
            )
            metric[i] = KeyResultTerms(
                id=new_id(), title="Revenue", kind=KeyResultKind.METRIC, unit="k€",
                baseline=10.0, target=110.0,
            )
            milestone[i] = KeyResultTerms(id=new_id(), title="Launch", kind=KeyResultKind.MILESTONE)
            o.add_key_result(lead, metric[i], clock())
            o.add_key_result(lead, milestone[i], clock())
            if i % 7 == 0:
                o.revise(lead, clock(), title=f"Objective {i}, sharpened")
            o.submit(lead, clock(), comment="our proposal")
            if i % 5 == 0:
                o.counter(approver, {metric[i].id: 130.0}, clock(), comment="stretch it")
                o.accept_counter(lead, clock())
            elif i % 11 == 0:
                o.request_changes(approver, clock(), comment="too vague")
                o.revise(lead, clock(), title=f"Objective {i}, clearer")
                o.submit(lead, clock())
                o.approve(approver, clock())
            else:
                o.approve(approver, clock(), comment="agreed")
            objs.append(o)
            if len(objs) % 50 == 0:
                app.save(*objs[-50:])
        app.save(*objs)

        per_save = 5  # check-ins per objective per save: 5 × objectives events a transaction
        close_at = (check_ins_each * 3 // 5) // per_save * per_save
        closed_at = None
        outside, joined = members[4:], set()
        for first in range(0, check_ins_each, per_save):
            for i, o in enumerate(objs):
                for n in range(first, min(first + per_save, check_ins_each)):
                    if n % 25 == 24:
                        o.record_check_in(
                            lead_of[i], new_id(), milestone[i].id, float(n > check_ins_each // 2),
                            0.9, "", None, clock(),
                        )
                        continue
                    check_in = new_id()
                    value = 10.0 + 100.0 * n / check_ins_each + rng.uniform(-5, 5)
                    o.record_check_in(
                        lead_of[i], check_in, metric[i].id, round(value, 2),
                        round(rng.random(), 2), f"week {n}" if n % 3 else "", None, clock(),
                    )
                    if rng.random() < 0.01:
                        o.correct_check_in(lead_of[i], check_in, round(value + 1, 2), "typo", clock())
                if closed_at is not None and first == close_at and i % 9 == 0:
                    o.adjust_score(lead_of[i], 0.7, "landed a week late", closed_at, clock())
            app.save(*objs)
            # Team events between check-ins, so restarts meet them with nothing cached.
            team = (first // per_save) % 4
            if outside[team] in joined:
                app.remove_member(leads[team], teams[team], outside[team])
                joined.remove(outside[team])
            else:
                app.add_member(leads[team], teams[team], outside[team])
                joined.add(outside[team])
            if first + per_save == close_at:
                closed = app.close_cycle(admin, q1)
                closed_at = app.repository.get(q1).closed_at
                assert closed.position
        return Log(app.head_position(), time.monotonic() - started, teams)
    finally:
        app.close()


# ---- the worker as a real process ---------------------------------------------------------


def okr(*args: str) -> subprocess.Popen:
    """`okr ...` as a process of its own (not through `uv run`, whose child a kill would miss)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("OKR_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def okr_run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("OKR_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )


def first_line(process: subprocess.Popen, seconds: float) -> str:
    """The first line the process prints (its "caught up" line), waiting at most `seconds`."""
    waiting = select.poll()  # (select() refuses descriptors numbered past 1023)
    waiting.register(process.stdout, select.POLLIN)
    if not waiting.poll(seconds * 1000):
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"nothing printed within {seconds} s: {out} {err[-2000:]}")
    return process.stdout.readline()


class Tracking:
    """Reads the tracked positions from the read database, as an outside observer."""

    def __init__(self, url: str):
        if url.startswith("postgresql://"):
            import psycopg

            self._conn = psycopg.connect(url, autocommit=True)
        else:
            self._conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)

    def positions(self) -> dict[str, int]:
        try:
            rows = self._conn.execute("SELECT projection, position FROM okr_tracking").fetchall()
        except Exception:  # the worker has not created the table yet
            if hasattr(self._conn, "rollback"):
                self._conn.rollback()
            return {}
        return dict(rows)

    def close(self) -> None:
        self._conn.close()


def dump(url: str) -> dict[str, tuple[int, str, list]]:
    """Every read table: (row count, digest of its rows in order, the rows) and the tracking."""
    app = OkrApp(url)
    projector = projector_for(app, url)
    try:
        tables = [t for p in read_models(app) for t in p.tables] + ["okr_tracking"]
        out = {}
        with projector.store.reading() as tx:
            for table in tables:
                tx.execute(f"SELECT * FROM {table} LIMIT 0")
                columns = len(tx._cursor.description)
                order = ", ".join(str(c) for c in range(1, columns + 1))
                rows = tx.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
                rows = [tuple(r) for r in rows]
                out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest(), rows)
        return out
    finally:
        projector.store.close()
        app.close()


def differences(a: dict, b: dict) -> list[str]:
    found = []
    for table in sorted(set(a) | set(b)):
        (na, ha, ra), (nb, hb, rb) = a.get(table, (0, "", [])), b.get(table, (0, "", []))
        if ha != hb:
            only_a, only_b = set(ra) - set(rb), set(rb) - set(ra)
            found.append(
                f"{table}: {na} rows vs {nb}; only after the crashes: {sorted(only_a)[:3]}; "
                f"only in the rebuild: {sorted(only_b)[:3]}"
            )
    return found


def start_worker(url: str, batch_size: int) -> subprocess.Popen:
    return okr("project", "--database-url", url, "--batch-size", str(batch_size),
               "--poll-seconds", "0.2")


def crash_and_resume(
    url: str, head: int, batch_size: int, rng: random.Random, pause: float
) -> dict:
    """Starts `okr project`, SIGKILLs it at a random moment, restarts it; `KILLS` times, then
    lets it reach the head and stops it with SIGTERM.

    The moments are spread over the log: each kill waits until a projection has passed a
    random position and the tracked positions have moved since the last kill, then comes up
    to `pause` seconds later. The positions are drawn one in each of `KILLS` equal stretches
    of the log between its first twentieth and nine tenths, so however quick the worker, one
    life cannot pass the targets of several kills and leave too few events for the rest.
    """
    tracking = Tracking(url)
    kills, positions, lives = 0, [], []
    stretch = head * (0.9 - 0.05) / KILLS
    targets = [int(head * 0.05 + stretch * (k + rng.random())) for k in range(KILLS)]
    last: dict[str, int] = {}
    started = time.monotonic()
    worker = start_worker(url, batch_size)
    try:
        while kills < KILLS:
            born = time.monotonic()
            # Wait until it committed something since the last kill, past the target...
            while (
                not (now := tracking.positions()) or now == last
                or max(now.values()) < targets[kills]
            ):
                assert worker.poll() is None, worker.communicate()
                assert time.monotonic() - born < 60, f"no progress in 60 s from {now}"
                time.sleep(0.01)
            if min(now.values()) >= head:
                break  # it reached the end: nothing left to interrupt
            # ...then kill it somewhere in the next few batches, and start another.
            time.sleep(rng.uniform(0, pause))
            worker.send_signal(signal.SIGKILL)
            worker.communicate(timeout=10)  # and close its pipes
            assert worker.returncode == -signal.SIGKILL
            kills += 1
            last = tracking.positions()
            positions.append(min(last.values()))
            lives.append(round(time.monotonic() - born, 2))
            worker = start_worker(url, batch_size)
            if min(last.values()) >= head:
                break  # it reached the end just before the kill
        crash_seconds = time.monotonic() - started
        # The last one runs to the head of the log, keeps up, and stops on SIGTERM.
        line = first_line(worker, 120)
        assert f"caught up at position {head}" in line, (line, tracking.positions())
        head_seconds = time.monotonic() - started
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
        assert worker.returncode == 0, err
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        tracking.close()
    return {
        "kills": kills, "min position at each kill": positions, "seconds alive": lives,
        "seconds to the last kill": round(crash_seconds, 1),
        "seconds to the head": round(head_seconds, 1),
    }


def check_exactly_once(url: str, head: int, batch_size: int, seed: int, pause: float) -> None:
    report = crash_and_resume(url, head, batch_size, random.Random(seed), pause)
    print(f"crash test on {url.split(':')[0]}: head {head}, {report}")
    assert report["kills"] >= 10, report

    resumed = dump(url)
    assert {name: pos for name, pos, _ in resumed["okr_tracking"][2]} == {n: head for n in NAMES}

    app = OkrApp(url)
    projector = projector_for(app, url)
    try:
        started = time.monotonic()
        assert projector.rebuild(NAMES) > 0
        print(f"in-process rebuild of {head} events: {time.monotonic() - started:.1f} s")
        assert projector.positions() == {n: head for n in NAMES}
    finally:
        projector.store.close()
        app.close()
    rebuilt = dump(url)
    assert not differences(resumed, rebuilt), "\n".join(differences(resumed, rebuilt))


@pytest.mark.postgres
def test_a_worker_killed_at_random_moments_writes_exactly_what_a_rebuild_writes_postgres(postgres_url):
    log = build_log(postgres_url, objectives=200, check_ins_each=250)
    print(f"\nbuilt {log.head} events on PostgreSQL in {log.seconds:.1f} s")
    assert log.head >= 50_000
    check_exactly_once(postgres_url, log.head, batch_size=500, seed=SEED, pause=0.4)


def test_a_worker_killed_at_random_moments_writes_exactly_what_a_rebuild_writes_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    log = build_log(url, objectives=100, check_ins_each=150)
    print(f"\nbuilt {log.head} events on SQLite in {log.seconds:.1f} s")
    check_exactly_once(url, log.head, batch_size=200, seed=SEED + 1, pause=0.15)


# ---- stopping and rebuilding from the command line ----------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def small_log(request, tmp_path) -> tuple[str, Log]:
    url = (
        f"sqlite:///{tmp_path / 'okr.db'}" if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    return url, build_log(url, objectives=8, check_ins_each=20)


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_okr_project_keeps_up_across_a_hole_in_the_log_and_stops_cleanly_on_sigterm(small_log):
    url, log = small_log
    head = log.head
    worker = okr("project", "--database-url", url, "--poll-seconds", "0.2")
    tracking = Tracking(url)
    try:
        assert f"okr project: caught up at position {head}" in first_line(worker, 60)
        assert tracking.positions() == {n: head for n in NAMES}
        # A write that loses a race first: on PostgreSQL its insert rolls back and leaves a
        # hole in the positions, right after the one every projection is at.
        app = OkrApp(url)
        try:
            admin = app.ensure_admin()
            team = log.teams[0]
            stale = app.repository.get(team)
            app.appoint_lead(admin, team, admin)
            stale.appoint_lead(admin, admin, app.now())
            with pytest.raises(IntegrityError):
                app.save(stale)
            # Then new events, projected while it runs (LISTEN on PostgreSQL, polling on SQLite).
            new = app.state_north_star(admin, "Say it again").position
        finally:
            app.close()
        wait_until(lambda: tracking.positions() == {n: new for n in NAMES}, 30, "the new event")
        stopping = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
        assert time.monotonic() - stopping < 5
    finally:
        tracking.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert f"stopped at position {new}" in err
    assert "Traceback" not in err


def test_okr_project_stops_cleanly_on_sigint_in_the_middle_of_catching_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    head = build_log(url, objectives=40, check_ins_each=60).head
    worker = okr("project", "--database-url", url, "--batch-size", "50")
    tracking = Tracking(url)
    try:
        wait_until(lambda: bool(tracking.positions()) and 0 < min(tracking.positions().values()),
                   60, "the first batch")
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=30)
        stopped = tracking.positions()
    finally:
        tracking.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert "Traceback" not in err
    assert min(stopped.values()) < head  # it stopped between batches, not at the end
    assert f"stopped at position {min(stopped.values())}" in err


def test_okr_rebuild_shows_progress_and_the_position_of_each_read_model(small_log):
    url, log = small_log
    head = log.head
    done = okr_run("rebuild", "--database-url", url, "--batch-size", "100")
    assert done.returncode == 0, done.stderr
    assert f"{head}/{head}" in done.stderr  # the progress bar, at its end
    assert "events/s" in done.stdout
    for name in NAMES:
        assert re.search(rf"^ +{name} +position {head}$", done.stdout, re.MULTILINE), done.stdout
    one = okr_run("rebuild", "tree", "--database-url", url)
    assert one.returncode == 0, one.stderr
    assert "rebuilt tree from" in one.stdout


def test_okr_rebuild_refuses_an_unknown_read_model_and_lists_the_valid_ones(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    done = okr_run("rebuild", "nosuch", "--database-url", url)
    assert done.returncode == 2
    assert "'nosuch'" in done.stderr
    for name in NAMES:
        assert name in done.stderr
    assert not (tmp_path / "okr.db").exists()  # refused before opening anything


def test_okr_project_and_rebuild_refuse_bad_settings(tmp_path):
    assert okr_run("project", "--database-url", "memory://").returncode == 2
    assert okr_run("rebuild", "--database-url", "nosuch://x").returncode == 2
    assert okr_run("project", "--batch-size", "0").returncode == 2
    assert okr_run("project", "--poll-seconds", "-1").returncode == 2
