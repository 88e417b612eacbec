"""Check-in writes over HTTP with 16 concurrent clients against the raw rate of `app.save()`
on the same store, in the same run; and the latency of a 1,000-objective tree read under
that load.

  1. A fresh store gets an organisation, an active cycle and 1,000 approved
     objectives (through the use cases).
  2. Raw: one thread records a check-in on an objective aggregate and calls `app.save()`,
     over and over: one event, one transaction, one commit each (the baseline), before the
     load and again after it; the ratio is taken against the mean of the two.
  3. The server (`okr serve`: uvicorn, one process, projections in-process) is
     started on a free port; 16 client threads (one keep-alive connection each over a
     plain socket, see `Connection`) POST check-ins to 16 objectives for `--seconds`,
     while one more client reads the tree of the cycle twice a second. Writes/s ÷ raw
     saves/s is the ratio (target ≥ 0.5).

Both on SQLite (the embedded default: a file, its WAL synced at every commit) and on a
throwaway PostgreSQL server that syncs its WAL at every commit.

    uv run python -m bench.http_writes              # 1,000 objectives, 15 s of load, each store
    uv run python -m bench.http_writes --objectives 200 --seconds 5 --no-postgres
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import httpx

from bench.common import ROOT, postgres, say

CLIENTS = 16
READ_EVERY = 0.5  # seconds between tree reads
ADMIN_TOKEN = "okr-bench-admin-" + "0" * 40


def organise(url: str, objectives: int) -> dict:
    """An organisation with `objectives` approved objectives of one team in an active cycle."""
    from domain.application import OkrApp
    from projections.store import ReadStore
    from api.tokens import Tokens

    app = OkrApp(url)
    admin = app.ensure_admin()
    lead = app.register_user(admin, "Lea Lead", "lea@example.org").id
    team = app.form_team(admin, "Company", lead).id
    today = datetime.now(UTC).date()
    cycle = app.plan_cycle(admin, "Now", date(today.year, 1, 1), date(today.year, 12, 31)).id
    app.activate_cycle(admin, cycle)
    made = []
    for i in range(objectives):
        oid = app.draft_objective(lead, cycle, team, f"Objective {i}", "committed").id
        kr = app.add_key_result(lead, oid, "Customers", "metric", baseline=0, target=100).id
        app.submit(lead, oid)
        app.approve(admin, oid)
        made.append((oid, kr))
    store = ReadStore(url)
    token = Tokens(store).issue(lead, datetime.now(UTC)).token
    store.close()
    head = app.head_position()
    app.close()
    return {"lead": lead, "cycle": cycle, "objectives": made, "token": token, "head": head}


def raw_saves(url: str, org: dict, count: int) -> float:
    """Saves per second of `app.save(objective)` with one check-in each, one thread."""
    from domain.application import OkrApp
    from domain.values import Role, Standing

    app = OkrApp(url)
    oid, kr = org["objectives"][-1]
    objective = app.repository.get(oid)
    standing = Standing(org["lead"], frozenset({Role.LEAD, Role.MEMBER}))
    started = time.perf_counter()
    for i in range(count):
        objective.record_check_in(standing, uuid4(), kr, float(i % 100), 0.5, "", None, app.now())
        app.save(objective)
    seconds = time.perf_counter() - started
    app.close()
    return count / seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, **env: str) -> subprocess.Popen:
    # The per-token rate limit is off: one token drives all 16 clients here.
    env = {**os.environ, "OKR_DATABASE_URL": url, "OKR_ADMIN_TOKEN": ADMIN_TOKEN, "OKR_RATE_LIMIT": "0", **env}
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


class Connection:
    """One keep-alive HTTP/1.1 connection over a plain socket, each request written in one
    piece and each answer framed by its Content-Length (all the server sends here).

    The clients share the server's two processors: `http.client` spent about 250 µs of
    processor time per request (most of it parsing the answer's headers with the email
    package), this about 75 µs, which the server gets instead.
    """

    def __init__(self, host: str, port: int, token: str):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n".encode()
        self.buffer = bytearray()

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """(status, body) of one exchange."""
        lines = f"{method} {path} HTTP/1.1\r\n".encode() + self.head
        if body is not None:
            lines += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self.sock.sendall(lines + b"\r\n" + (body or b""))
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head = bytes(self.buffer[:end]).split(b"\r\n")
        del self.buffer[:end + 4]
        length = next(
            int(value) for name, _, value in (line.partition(b":") for line in head[1:])
            if name.strip().lower() == b"content-length"
        )
        while len(self.buffer) < length:
            self._receive()
        data = bytes(self.buffer[:length])
        del self.buffer[:length]
        return int(head[0].split()[1]), data

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def _client_process(base: str, token: str, targets: list[tuple[str, str]], seconds: float,
                    tree_path: str | None, results) -> None:
    """One load process: a thread per target objective (one keep-alive connection each),
    and optionally a thread reading the tree."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds
    writes: list[float] = []
    reads: list[float] = []
    failures: list[str] = []

    def writer(i: int, oid: str, kr: str) -> None:
        conn = Connection(host, int(port), token)
        rng = random.Random(i)
        path = f"/objectives/{oid}/key-results/{kr}/check-ins"
        while time.monotonic() < deadline:
            body = json.dumps({"value": rng.uniform(0, 100), "confidence": 0.7}).encode()
            started = time.perf_counter()
            status, data = conn.request("POST", path, body)
            if status == 201:
                writes.append(time.perf_counter() - started)
            else:
                failures.append(f"{status} {data[:200]!r}")
        conn.close()

    def reader() -> None:
        # A dashboard's pace (two reads a second), so the latency is that of a read under the
        # write load rather than a 17th client hammering the server.
        conn = Connection(host, int(port), token)
        while time.monotonic() < deadline:
            time.sleep(READ_EVERY)
            started = time.perf_counter()
            status, data = conn.request("GET", tree_path)
            if status == 200:
                reads.append(time.perf_counter() - started)
            else:
                failures.append(f"tree {status} {data[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=writer, args=(i, str(o), str(k))) for i, (o, k) in enumerate(targets)]
    if tree_path:
        threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((writes, reads, failures))


def load(base: str, org: dict, seconds: float, with_reads: bool = True, processes: int = 4) -> dict:
    """CLIENTS writers spread over `processes` client processes, plus one tree reader."""
    results = multiprocessing.Queue()
    targets = org["objectives"][:CLIENTS]
    workers = [
        multiprocessing.Process(target=_client_process, args=(
            base, org["token"], targets[p::processes], seconds,
            f"/cycles/{org['cycle']}/tree" if with_reads and p == 0 else None, results,
        ))
        for p in range(processes)
    ]
    for w in workers:
        w.start()
    writes: list[float] = []
    reads: list[float] = []
    failures: list[str] = []
    for _ in workers:
        w_writes, w_reads, w_failures = results.get(timeout=seconds + 120)
        writes += w_writes
        reads += w_reads
        failures += w_failures
    for w in workers:
        w.join()
    return {"writes": len(writes), "rate": len(writes) / seconds, "write_latency": writes,
            "reads": reads, "failures": failures}


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) >= 2 else float("nan")


def measure(url: str, store: str, args: argparse.Namespace) -> None:
    """The figures on one store."""
    say(f"{store}: setting up {args.objectives:,} approved objectives ...")
    org = organise(url, max(args.objectives, CLIENTS))
    before = raw_saves(url, org, args.raw)
    port = free_port()
    server = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        # the server's projections catch up with the set-up before the clock starts
        httpx.get(f"{base}/cycles/{org['cycle']}", params={"min_position": org["head"]},
                  headers={"Authorization": f"Bearer {org['token']}"}, timeout=60).raise_for_status()
        result = load(base, org, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Measured again once the server has stopped: these machines speed up and slow down over
    # a minute, and a baseline taken on one side of the load alone would tilt the ratio.
    after = raw_saves(url, org, args.raw)
    raw = (before + after) / 2
    say(f"{store}: raw app.save() of one check-in, one thread: {raw:8,.0f} saves/s "
        f"(mean of {before:,.0f} before the load and {after:,.0f} after it)")
    rate, reads = result["rate"], result["reads"]
    say(f"{store}: HTTP check-ins, {CLIENTS} clients, real socket: {rate:8,.0f} writes/s "
        f"({result['writes']:,} in {args.seconds:.0f} s; p50 {quantile(result['write_latency'], 0.5) * 1e3:.1f} ms,"
        f" p99 {quantile(result['write_latency'], 0.99) * 1e3:.1f} ms)")
    say(f"{store}: ratio HTTP ÷ raw: {rate / raw:.2f} (target ≥ 0.50)")
    say(f"{store}: tree of {args.objectives:,} objectives under that load: {len(reads)} reads, "
        f"p50 {quantile(reads, 0.5) * 1e3:.1f} ms, p99 {quantile(reads, 0.99) * 1e3:.1f} ms")
    if result["failures"]:
        say(f"{store}: {len(result['failures'])} failed requests, e.g. {result['failures'][0]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objectives", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--raw", type=int, default=2000, help="saves in each raw baseline")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    if not args.no_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="okr-bench-http-"))
        measure(f"sqlite:///{folder / 'okr.db'}", "sqlite", args)
    if not args.no_postgres:
        # A server that syncs its WAL at every commit, as a real one does: the commit each
        # raw save waits for is what group commit shares among the HTTP writers.
        with postgres(durable=True) as server:
            measure(server.create_database("okr_http"), "postgresql", args)


if __name__ == "__main__":
    main()
