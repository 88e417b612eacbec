"""`okr serve --demo` as a newcomer runs it: a real process on a fresh SQLite file that seeds
the demo, prints tokens and curl lines that work as printed, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_until(process: subprocess.Popen, marker: str, seconds: float) -> list[str]:
    """The lines the process prints up to the one holding `marker` (and the one after it).

    A thread reads them: select() on a buffered pipe says nothing of lines already buffered.
    """
    found: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            found.put(line.rstrip("\n"))
        found.put(None)

    threading.Thread(target=pump, daemon=True).start()
    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = found.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        lines.append(line)
        if marker in line:
            lines.append(found.get(timeout=10) or "")
            return lines
    process.kill()
    pytest.fail(f"{marker!r} not printed within {seconds} s: {lines} {process.stderr.read()[-2000:]}")


def answering(process: subprocess.Popen, base: str, seconds: float = 60) -> None:
    """Waits until `okr serve` answers at `base` (it may still be seeding or loading)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{base}/schema/openapi.json", timeout=2)
            return
        except httpx.HTTPError:
            assert process.poll() is None and time.monotonic() < deadline, "the server never answered"
            time.sleep(0.2)


def stopped(process: subprocess.Popen) -> None:
    """Stops `okr serve` as a service manager would (SIGTERM) and checks it ended cleanly."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    assert process.returncode == 0, process.stderr.read()[-2000:]


def curl_as_request(line: str) -> tuple[str, dict[str, str]]:
    words = shlex.split(line)
    assert words[:2] == ["curl", "-s"] and words[2] == "-H"
    name, _, value = words[3].partition(": ")
    return words[4], {name: value}


def test_okr_serve_demo_prints_curl_lines_that_work(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("OKR_ADMIN_TOKEN", None)
    env.pop("OKR_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port),
         "--database-url", f"sqlite:///{tmp_path / 'okr.db'}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = read_until(process, "how one objective was negotiated", 180)
        curls = [line.strip() for line in lines if line.strip().startswith("curl ")]
        assert len(curls) == 3, lines
        tokens = {line.split(":")[0].strip(): line.rsplit(": ", 1)[1] for line in lines
                  if line.strip().startswith(("administrator:", "team lead", "member ("))}
        assert len(tokens) == 3 and all(len(t) >= 40 for t in tokens.values()), tokens
        answering(process, f"http://127.0.0.1:{port}")
        now, then, negotiation = (httpx.get(url, headers=headers, timeout=30).json()
                                  for url, headers in map(curl_as_request, curls))
        assert now["cycle"]["state"] == "active" and now["roots"]
        assert then["cycle"]["state"] == "closed" and then["position"] < now["position"]
        assert any(r["outcome"] != "approved" for r in negotiation["rounds"])
        assert any(resp["kind"] == "countered" for r in negotiation["rounds"] for resp in r["responses"])
        for token in tokens.values():  # each printed token works
            assert httpx.get(f"http://127.0.0.1:{port}/users/me", headers={"Authorization": f"Bearer {token}"},
                             timeout=10).status_code == 200
        # A client following the live feed does not keep a stopping server from stopping:
        # its stream ends cleanly (it would reconnect with Last-Event-ID).
        member = next(token for who, token in tokens.items() if who.startswith("member"))
        with httpx.stream("GET", f"http://127.0.0.1:{port}/events/stream", params={"after": now["position"]},
                          headers={"Authorization": f"Bearer {member}"}, timeout=30) as stream:
            assert stream.status_code == 200
            asked = time.monotonic()
            process.send_signal(signal.SIGTERM)
            for _ in stream.iter_lines():  # returns once the server ends the stream
                pass
        process.wait(timeout=10)
        assert time.monotonic() - asked < 4
    finally:
        stopped(process)


def test_okr_serve_serves_with_what_it_loaded_left_out_of_the_collectors_walks(tmp_path, monkeypatch):
    import argparse
    import gc
    import io

    import uvicorn
    from rich.console import Console

    from api.serve import COLLECTOR_THRESHOLDS, run_serve

    seen = {}

    def run(self, *args, **kwargs):  # instead of serving: what the collector was set to
        seen["thresholds"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()
        self.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    args = argparse.Namespace(
        host="127.0.0.1", port=free_port(), demo=False, database_url=f"sqlite:///{tmp_path / 'okr.db'}",
    )
    before = gc.get_threshold()
    assert before != COLLECTOR_THRESHOLDS and gc.get_freeze_count() == 0
    try:
        assert run_serve(args, Console(file=io.StringIO()), Console(file=io.StringIO())) == 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert seen["thresholds"] == COLLECTOR_THRESHOLDS
    # The application, its routes and the ledger built before serving are among them.
    assert seen["frozen"] > 10_000


def _raw_exchange(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Sends `request` as it is and reads until the server closes: (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):  # the server closes after refusing
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return status, headers, body


def test_okr_serve_refuses_requests_that_are_not_http_with_a_problem_and_records_nothing(tmp_path):
    from domain.application import ADMIN_ID, OkrApp

    port, url, token = free_port(), f"sqlite:///{tmp_path / 'okr.db'}", "okr-test-admin-" + "7" * 40
    env = {**os.environ, "OKR_ADMIN_TOKEN": token}
    env.pop("OKR_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--database-url", url],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    try:
        answering(process, base)
        app = OkrApp(url)
        before = app.head_position()
        team = json.dumps({"name": "Platform", "lead_id": str(ADMIN_ID)}).encode()
        unreadable = [
            b"THIS IS NOT HTTP\r\n\r\n",
            b"GET /users/me HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",  # a space in a header name
            b"POST /teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 7x\r\n\r\n" + team,
        ]
        for request in unreadable:
            status, headers, body = _raw_exchange(port, request)
            assert status.startswith("HTTP/1.1 400 "), (request, status)
            assert headers["content-type"] == "application/problem+json", (request, headers)
            assert headers["connection"] == "close"
            problem = json.loads(body)
            assert problem["status"] == 400 and problem["type"] == "urn:okr-ledger:problem:bad_request"
            assert "not valid HTTP/1.1" in problem["detail"] and "Name: value" in problem["detail"]
            assert int(headers["content-length"]) == len(body)
        assert app.head_position() == before  # nothing recorded
        # The server goes on serving, and the same POST, readable, is recorded.
        answered = httpx.post(f"{base}/teams", content=team, timeout=10,
                              headers={**auth, "Content-Type": "application/json"})
        assert answered.status_code == 201, answered.text
        assert app.head_position() > before
        app.close()
    finally:
        stopped(process)
