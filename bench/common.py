"""What the benchmarks share: cached logs and read models, a throwaway PostgreSQL server,
copying a log into it, timing, and the raw rate of reading the log."""

from __future__ import annotations

import hashlib
import os
import pwd
import resource
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from bench.generate import CACHE, GENERATOR_VERSION, cached_log

ROOT = Path(__file__).resolve().parent.parent
WORK = CACHE / "work"


def say(*parts: object) -> None:
    print(*parts, flush=True)


# ---- SQLite files ---------------------------------------------------------------------


def remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def fresh_copy(source: Path, name: str) -> Path:
    """A copy of a cached SQLite file under the work folder, to change freely."""
    WORK.mkdir(parents=True, exist_ok=True)
    target = WORK / f"{name}.db"
    remove_db(target)
    shutil.copyfile(source, target)
    return target


def _code_version() -> str:
    """A digest of the code that writes the read models: cached ones are rebuilt when it changes."""
    digest = hashlib.sha256()
    for folder in ("projections", "domain"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def projected_log(events: int) -> Path:
    """The cached log of about `events` events with every read model built (cached too)."""
    log = cached_log(events, say)
    path = CACHE / f"projected-{events}-g{GENERATOR_VERSION}-{_code_version()}.db"
    if not path.exists():
        from domain.application import OkrApp
        from projections.catalog import projector_for

        for stale in CACHE.glob(f"projected-{events}-*.db"):
            remove_db(stale)
        partial = CACHE / f"projected-{events}.partial.db"
        remove_db(partial)
        shutil.copyfile(log, partial)
        say(f"building the read models of the {events:,}-event log (cached for later runs) ...")
        url = f"sqlite:///{partial}"
        app = OkrApp(url)
        projector = projector_for(app, url)
        started = time.perf_counter()
        done = projector.rebuild()
        say(f"  {done:,} events in {time.perf_counter() - started:.0f} s")
        projector.store.close()
        app.close()
        with sqlite3.connect(partial) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        remove_db(Path(f"{partial}-wal"))
        partial.rename(path)
    return path


# ---- measuring ------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median_time(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    return statistics.median(timed(fn)[0] for _ in range(repeat))


def median_times(fns: Sequence[Callable[[], object]], repeat: int, warmup: int = 1) -> list[float]:
    """The median time of each of `fns`, called in turn, round after round: a slow spell of
    the machine slows them alike, so the ratios between them hold where `median_time` of
    one after the other's would drift."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            spent.append(timed(fn)[0])
    return [statistics.median(spent) for spent in times]


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_log(app, batch: int = 1000) -> int:
    """Reads and decodes the whole notification log as the projector does: the library's
    `select_notifications` in batches, each event through the application's mapper."""
    recorder, mapper = app.recorder, app.mapper
    after, count = 0, 0
    while True:
        notifications = recorder.select_notifications(start=after + 1, limit=batch)
        if not notifications:
            return count
        for n in notifications:
            mapper.to_domain_event(n)
        count += len(notifications)
        after = notifications[-1].id


def raw_read_rate(app, repeat: int = 2) -> tuple[float, int]:
    """Events per second of `read_log` (the best of `repeat` runs), and the log's length."""
    best, count = float("inf"), 0
    for _ in range(repeat):
        seconds, count = timed(lambda: read_log(app))
        best = min(best, seconds)
    return count / best, count


# ---- PostgreSQL -----------------------------------------------------------------------


def _bindir() -> Path:
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        found.append(out)
    for bindir in reversed(found):
        if (Path(bindir) / "initdb").is_file():
            return Path(bindir)
    raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")


def _run_as() -> dict:
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")  # initdb refuses to run as root
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


class Postgres:
    """A throwaway PostgreSQL server on 127.0.0.1 and a free port, as the tests start one.

    Unless `durable`, it neither syncs nor waits for its WAL at a commit: reading and
    rebuilding measure the projections, not the disk. A benchmark of writes wants the
    commits a real server makes.
    """

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self.base = Path(tempfile.mkdtemp(prefix="okr-bench-pg-", dir="/tmp"))
        self.user, self.password = "okr_bench", secrets.token_hex(16)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.bindir, self.run_as = _bindir(), _run_as()

    def _run(self, *args: str) -> None:
        done = subprocess.run(args, cwd=self.base, capture_output=True, text=True, **self.run_as)
        if done.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()} {tail}")

    def start(self) -> Postgres:
        if self.run_as:
            os.chown(self.base, self.run_as["user"], self.run_as["group"])
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.run_as:
            os.chown(pwfile, self.run_as["user"], self.run_as["group"])
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.base / "data"), "-U", self.user,
            f"--pwfile={pwfile}", "--auth=scram-sha-256", "--no-locale", "--encoding=UTF8",
            "--no-sync",
        )
        options = "" if self.durable else (
            "-F -c fsync=off -c full_page_writes=off -c synchronous_commit=off "
        )
        options += (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base}"
            f" -c max_connections=100 -c shared_buffers=256MB -c max_wal_size=4GB"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.base / "data"),
            "-l", str(self.base / "server.log"), "-o", options,
        )
        return self

    def stop(self) -> None:
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.base / "data")],
            cwd=self.base, capture_output=True, **self.run_as,
        )
        shutil.rmtree(self.base, ignore_errors=True)

    def cpu_seconds(self) -> float:
        """Processor seconds the server has used so far: the postmaster, its live backends,
        and the backends it has reaped (Linux's /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        postmaster = int((self.base / "data" / "postmaster.pid").read_text().split()[0])

        def times(pid: int) -> tuple[int, list[int]]:  # (parent pid, utime stime cutime cstime)
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[1]), [int(f) for f in fields[11:15]]

        total = sum(times(postmaster)[1])
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent, used = times(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue  # gone meanwhile
                if parent == postmaster:
                    total += used[0] + used[1]
        return total / tick

    def url(self, dbname: str) -> str:
        return (
            f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@127.0.0.1:{self.port}/{dbname}"
        )

    def create_database(self, dbname: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)


@contextmanager
def postgres(durable: bool = False) -> Iterator[Postgres]:
    server = Postgres(durable)
    try:
        yield server.start()
    finally:
        server.stop()


def copy_log_to_postgres(sqlite_log: Path, url: str) -> int:
    """Copies a cached log's stored events, in order, into the (new) event store at `url`.

    The application creates its table; COPY fills it, so notification ids follow the
    SQLite row ids. Returns the number of events copied.
    """
    import psycopg

    from domain.application import OkrApp

    app = OkrApp(url)  # creates the events table (and its index)
    table = app.recorder.events_table_name
    app.close()
    source = sqlite3.connect(sqlite_log)
    rows = source.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    )
    count = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        cur.execute(f"ANALYZE {table}")
    source.close()
    return count
