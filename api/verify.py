"""`okr verify`: walks the event log against the hash chain and names the first stored
event that was altered, removed or slipped in. Exit 0: intact; 1: a finding (or the store
failed); 2: bad input."""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from projections.chain import verify

EXPLAINED = {
    "altered": "its stored bytes no longer match the chain",
    "missing": "the chain has a link for it but the log no longer holds it",
    "inserted": "the log holds it but the chain never linked it",
}


def add_verify(commands: argparse._SubParsersAction) -> None:
    from api.cli import _add_database_url

    verify_parser = commands.add_parser(
        "verify", help="prove that no stored event was altered",
        description=(
            "Recomputes the hash chain over every stored event (each link covers the event's "
            "stored bytes and the link before it) and compares it with the chain the `chain` "
            "read model kept as the events arrived. Names the first event that does not match."
        ),
    )
    _add_database_url(verify_parser)
    verify_parser.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace, out: Console, err: Console) -> int:
    from api.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _close, _open, _projector_url, _shown

    url = _projector_url("verify", args, err)
    if url is None:
        return EXIT_USAGE
    opened = _open("verify", url, 1000, err)
    if opened is None:
        return EXIT_FAILED
    app, projector = opened
    try:
        progress = Progress(
            TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TextColumn("events"),
            TimeElapsedColumn(), console=err, transient=True,
        )
        task = progress.add_task("verify", total=app.head_position())
        started = time.monotonic()
        with progress:
            result = verify(app.recorder, projector.store, lambda n: progress.advance(task, n))
        seconds = time.monotonic() - started
    except Exception as failed:  # psycopg or sqlite3: the store is out of reach
        err.print(f"okr verify: the store at {_shown(url)} failed: {failed}", markup=False)
        return EXIT_FAILED
    finally:
        _close(app, projector)
    finding = result.finding
    if finding is not None:
        what = f" ({finding.topic}, aggregate {finding.aggregate_id}, version {finding.version})" \
            if finding.topic else ""
        err.print(
            f"okr verify: the event at position {finding.position}{what} is {finding.problem}: "
            f"{EXPLAINED[finding.problem]}; {result.checked} events before it verified",
            markup=False,
        )
        return EXIT_FAILED
    tail = f"; {result.unchained} newer events not yet chained (run `okr project`)" if result.unchained else ""
    out.print(f"okr verify: intact: {result.checked} events verified in {seconds:.1f} s{tail}", markup=False)
    return EXIT_OK
