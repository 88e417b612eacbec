"""`okr serve`: the HTTP API (uvicorn) with the projections in-process; with `--demo`, the
demo organisation seeded first and, printed, the tokens and curl lines to try it with."""

from __future__ import annotations

import argparse
import gc
import secrets
import signal
import shlex
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlencode
from uuid import UUID

from rich.console import Console

from api.seed.organisation import DOMAIN
from api.settings import Settings
from domain.organisation import user_id_for

DEMO_LEAD, DEMO_MEMBER = f"tom.becker@{DOMAIN}", f"jonas.weber@{DOMAIN}"
# After a stop is asked for, requests still running get this long before they are cancelled.
STOP_SECONDS = 5
# The cyclic garbage collector's thresholds while serving (Python's are 700, 10, 10).
COLLECTOR_THRESHOLDS = (50_000, 50, 1_000)


def add_serve(commands: argparse._SubParsersAction) -> None:
    from api.cli import _add_database_url

    serve = commands.add_parser(
        "serve", help="run the HTTP API",
        description=(
            "Runs the HTTP API (OpenAPI at /schema). On the embedded default the projections run "
            "in this process; with OKR_PROJECTIONS=workers they are left to `okr project`."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--demo", action="store_true",
                       help="seed the demo organisation first and print tokens and example requests")
    _add_database_url(serve)
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace, out: Console, err: Console) -> int:
    import uvicorn

    from api.app import create_app
    from api.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _store_url, _shown, run_demo
    from api.ledger import Ledger
    from api.protocol import ProblemHttpProtocol

    try:
        url = _store_url(args)
        settings = Settings.from_env(database_url=url)
    except ValueError as bad:
        err.print(f"okr serve: {bad}", markup=False)
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        err.print(f"okr serve: --port must be between 1 and 65535, not {args.port}", markup=False)
        return EXIT_USAGE
    if args.demo:
        seeded = run_demo(args, out, err)
        if seeded != EXIT_OK:
            return seeded
        if settings.admin_token is None:
            # Only for this run: the printed token is the administrator's until the server stops.
            settings = replace(settings, admin_token=secrets.token_urlsafe(32))
    try:
        ledger = Ledger(settings)
    except Exception as failed:  # the store cannot be opened
        err.print(f"okr serve: cannot open the store at {_shown(url)}: {failed}", markup=False)
        return EXIT_FAILED
    base = f"http://{args.host}:{args.port}"
    if args.demo:
        print_demo(ledger, base, out)
    else:
        out.print(f"okr serve: {base} (OpenAPI at {base}/schema) on {_shown(url)}", markup=False)
    # uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again for whatever
    # handler was there before: this one lets `okr serve` end with exit 0, as `okr project` does.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server = _server_class()(uvicorn.Config(
        create_app(settings, ledger=ledger), host=args.host, port=args.port, log_level="warning",
        timeout_graceful_shutdown=STOP_SECONDS, http=ProblemHttpProtocol,
    ))
    settle_collector()
    try:
        server.run()
    except SystemExit:  # uvicorn could not listen; it logged why and stopped the application
        pass
    if not server.started:
        err.print(f"okr serve: not started on {base} (the error is above)", markup=False)
        return EXIT_FAILED
    err.print("okr serve: stopped", markup=False)
    return EXIT_OK


def settle_collector() -> None:
    """Leaves what the server has loaded by now out of the collector's walks from here on, and
    has it walk the rest less often.

    A server keeps what it loads for its whole life (modules, the application and its
    routes, cached aggregates, the read models' caches), and nearly nothing it makes forms
    a reference cycle. With Python's thresholds, under 16 writers the collector walked all
    of it over and over: 1.44 s of a 10 s load, each full collection about 84 ms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def _server_class():
    import uvicorn

    from api.routes.events import close_streams

    class Server(uvicorn.Server):
        """Ends the event streams as soon as a stop is asked for: uvicorn waits for every open
        response before it stops, and a stream is never done by itself."""

        def handle_exit(self, sig, frame) -> None:
            close_streams(self.config.app)
            super().handle_exit(sig, frame)

    return Server


def print_demo(ledger, base: str, out: Console) -> None:
    """Tokens for an administrator, a team lead and a member, and three requests to try."""
    from projections.audit.queries import approvals
    from projections.tree import cycles_at

    ledger.app.ensure_admin()
    now = datetime.now(UTC)
    lead = ledger.tokens.issue(user_id_for(DEMO_LEAD), now).token
    member = ledger.tokens.issue(user_id_for(DEMO_MEMBER), now).token
    ledger.projector.catch_up()
    position = ledger.projector.position()
    with ledger.store.reading() as tx:
        cycles = cycles_at(tx, position)
        countered = [d for d in approvals(tx, position, limit=1000) if d.kind == "countered"]
    active = next(c for c in cycles if c.state.value == "active")
    closed = max((c for c in cycles if c.closed_at is not None), key=lambda c: c.closed_at)
    negotiated: UUID = countered[-1].objective_id
    auth = f"Authorization: Bearer {member}"

    def curl(path: str, **params: str) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"curl -s -H {shlex.quote(auth)} {shlex.quote(base + path + query)}"

    lines = [
        f"okr-ledger is serving the demo organisation at {base}",
        f"  OpenAPI: {base}/schema (browsable), {base}/schema/openapi.json",
        f"  tokens (send as `Authorization: Bearer <token>`):",
        f"    administrator: {ledger.settings.admin_token}",
        f"    team lead ({DEMO_LEAD}): {lead}",
        f"    member ({DEMO_MEMBER}): {member}",
        f"  the goal tree of {active.name} now:",
        f"    {curl(f'/cycles/{active.id}/tree')}",
        f"  the goal tree of {closed.name} as it stood when it closed:",
        f"    {curl(f'/cycles/{closed.id}/tree', as_of=closed.closed_at.isoformat())}",
        "  how one objective was negotiated (a counter-proposal and more):",
        f"    {curl(f'/objectives/{negotiated}/negotiation')}",
    ]
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)
