"""Shared fixtures: a throwaway PostgreSQL server for the session and a fresh database per test."""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, unquote, urlsplit

import pytest
from pytest_postgresql.janitor import DatabaseJanitor

REQUIRE_POSTGRES = "OKR_REQUIRE_POSTGRES"
# An existing server to use instead of starting one (docker-compose, a CI service).
# Its user must be allowed to CREATE DATABASE.
EXTERNAL_POSTGRES = "OKR_TEST_POSTGRES_URL"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, dbname: str) -> str:
        credentials = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"postgresql://{credentials}@{self.host}:{self.port}/{dbname}"


class PostgresUnavailable(Exception):
    """Raised when no PostgreSQL server can be had; the message says what was missing."""


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _postgres_bindir() -> Path:
    candidates = []
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    # Debian installs the server outside PATH; the newest major version wins.
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: _version(Path(p).parent.name), reverse=True)
    if initdb := shutil.which("initdb"):
        candidates.append(str(Path(initdb).resolve().parent))
    for bindir in candidates:
        if bindir and (Path(bindir) / "initdb").is_file() and (Path(bindir) / "pg_ctl").is_file():
            return Path(bindir)
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) in `pg_config --bindir`, "
        "/usr/lib/postgresql/*/bin or PATH; install the `postgresql` package"
    )


def _run_as() -> dict:
    # initdb and postgres refuse to run as root, so under root they run as `postgres`.
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and no `postgres` OS user to run initdb as"
        ) from None
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(base: Path) -> PostgresServer:
    bindir, run_as = _postgres_bindir(), _run_as()
    server = PostgresServer("127.0.0.1", _free_port(), "okr_test", secrets.token_hex(16))
    if run_as:
        os.chown(base, run_as["user"], run_as["group"])
    (base / "pwfile").write_text(server.password + "\n")
    if run_as:
        os.chown(base / "pwfile", run_as["user"], run_as["group"])

    def run(*args: str) -> None:
        done = subprocess.run(args, cwd=base, capture_output=True, text=True, **run_as)
        if done.returncode != 0:
            log = base / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()} {tail}")

    run(
        str(bindir / "initdb"),
        "-D",
        str(base / "data"),
        "-U",
        server.user,
        f"--pwfile={base / 'pwfile'}",
        "--auth=scram-sha-256",
        "--no-locale",
        "--encoding=UTF8",
        "--no-sync",
    )
    _pg_ctl_start(base, server)
    return server


def _pg_ctl_start(base: Path, server: PostgresServer) -> None:
    # Durability is pointless for a throwaway cluster; speed is not.
    options = (
        f"-F -c fsync=off -c full_page_writes=off -c synchronous_commit=off "
        f"-c listen_addresses=127.0.0.1 -p {server.port} -k {base} "
        f"-c max_connections=300"
    )
    done = subprocess.run(
        [str(_postgres_bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(base / "data"),
         "-l", str(base / "server.log"), "-o", options],
        cwd=base, capture_output=True, text=True, **_run_as(),
    )
    if done.returncode != 0:
        raise PostgresUnavailable(f"pg_ctl start failed: {done.stderr.strip()}")


def _stop_server(base: Path, mode: str = "immediate") -> None:
    pg_ctl = _postgres_bindir() / "pg_ctl"
    subprocess.run(
        [str(pg_ctl), "stop", "-w", "-m", mode, "-D", str(base / "data")],
        cwd=base,
        capture_output=True,
        **_run_as(),
    )


def _external_server(url: str) -> PostgresServer:
    parts = urlsplit(url)
    return PostgresServer(
        parts.hostname or "localhost",
        parts.port or 5432,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(f"{REQUIRE_POSTGRES}=1 but PostgreSQL is unavailable: {reason}", pytrace=False)
    hint = "" if os.environ.get(EXTERNAL_POSTGRES) else f" (or set {EXTERNAL_POSTGRES})"
    pytest.skip(f"PostgreSQL unavailable: {reason}{hint}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, started on first use and stopped at the end."""
    if url := os.environ.get(EXTERNAL_POSTGRES):
        yield _external_server(url)
        return
    # Under /tmp because TMPDIR may sit in root's home, which `postgres` cannot enter.
    base = Path(tempfile.mkdtemp(prefix="okr-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    try:
        server = _start_server(base)
    except PostgresUnavailable as missing:
        reason = str(missing)
    else:
        reason = ""
    if reason:  # reported outside `except`, so the report is not a chained traceback
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(reason)
    try:
        yield server
    finally:
        _stop_server(base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def make_postgres_url(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """A function that returns the URL of another new, empty database on each call.

    Every database it made is dropped after the test.
    """
    janitors: list[DatabaseJanitor] = []

    def make() -> str:
        janitor = DatabaseJanitor(
            user=postgres_server.user,
            password=postgres_server.password,
            host=postgres_server.host,
            port=postgres_server.port,
            dbname=f"test_{uuid.uuid4().hex}",
            connection_timeout=5,
        )
        refusal = ""
        try:
            janitor.init()
        except Exception as refused:  # e.g. OKR_TEST_POSTGRES_URL points at nothing
            # The janitor wraps the real cause in "Failed after N attempts".
            cause = refused.__cause__ or refused
            where = f"{postgres_server.host}:{postgres_server.port}"
            refusal = f"cannot create a database on {where}: {cause}"
        if refusal:
            _unavailable(refusal)
        janitors.append(janitor)
        return postgres_server.url(janitor.dbname)

    yield make
    # Drop terminates leftover connections, so a test that forgot to close its
    # application's pool does not block the drop.
    for janitor in janitors:
        janitor.drop()


@pytest.fixture
def postgres_url(make_postgres_url: Callable[[], str]) -> str:
    """The URL of a new, empty database of this test's own, dropped after the test."""
    return make_postgres_url()


class StoppablePostgres:
    """A PostgreSQL server of one test's own, to stop and start again (an outage)."""

    def __init__(self, base: Path, server: PostgresServer):
        self.base, self.server = base, server

    def stop(self) -> None:
        _stop_server(self.base, mode="fast")

    def start(self) -> None:
        _pg_ctl_start(self.base, self.server)

    def new_database(self, dbname: str = "okr") -> str:
        import psycopg

        with psycopg.connect(self.server.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.server.url(dbname)


@pytest.fixture
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    if os.environ.get(EXTERNAL_POSTGRES):
        pytest.skip(f"an outage needs a server of the test's own, not {EXTERNAL_POSTGRES}")
    base = Path(tempfile.mkdtemp(prefix="okr-pg-outage-", dir="/tmp" if os.geteuid() == 0 else None))
    try:
        server = _start_server(base)
    except PostgresUnavailable as missing:
        reason = str(missing)
    else:
        reason = ""
    if reason:
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(reason)
    try:
        yield StoppablePostgres(base, server)
    finally:
        _stop_server(base)
        shutil.rmtree(base, ignore_errors=True)
