"""The `okr` command line: one subcommand per job, each with a clear message and exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.seed import DemoClock, DemoFailed, DemoRefused, render, seed_demo
from domain.application import OkrApp
from domain.persistence import database_url, environment_for

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okr", description="okr-ledger: an event-sourced backend for OKRs."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser(
        "demo",
        help="seed a sample organisation (safe to run again: it appends nothing twice)",
        description=(
            "Seeds Ottervale, a fictional company, into the event log: a North Star, three "
            "levels of teams, two closed quarters and the current one, negotiations, weekly "
            "check-ins, corrections, adjusted scores and carry-overs. Refuses a store that "
            "holds events it did not record."
        ),
    )
    _add_database_url(demo)
    demo.set_defaults(handler=run_demo)
    return parser


def _add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", metavar="URL",
        help="where the event log lives (default: $OKR_DATABASE_URL, else sqlite:///./okr.db)",
    )


def _store_url(args: argparse.Namespace) -> str:
    if args.database_url is None:
        url = database_url()
    elif not args.database_url.strip():
        raise ValueError("--database-url is empty: give a URL such as sqlite:///./okr.db")
    else:
        url = args.database_url.strip()
    environment_for(url)  # refuses a bad URL with a message that says what is wrong
    return url


def _shown(url: str) -> str:
    """The URL without its password, fit for a terminal or a log."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return url
    return url.replace(f":{password}@", ":***@", 1) if password else url


def run_demo(args: argparse.Namespace, out: Console, err: Console) -> int:
    try:
        url = _store_url(args)
    except ValueError as bad:
        err.print(f"okr demo: {bad}", soft_wrap=True, markup=False)
        return EXIT_USAGE
    clock = DemoClock()
    try:
        app = OkrApp(url, clock=clock)
    except (PersistenceError, OSError) as failed:
        err.print(f"okr demo: cannot open the store at {_shown(url)}: {failed}", markup=False)
        return EXIT_FAILED
    progress = Progress(
        TextColumn("seeding the demo"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    )
    task = progress.add_task("seed", total=None)
    try:
        with progress:
            summary = seed_demo(app, clock, progress=lambda done, total: progress.update(
                task, completed=done, total=total))
    except DemoRefused as refused:
        err.print(f"okr demo: refused: {refused} (store: {_shown(url)})", markup=False)
        return EXIT_USAGE
    except DemoFailed as failed:
        err.print(f"okr demo: {failed}", markup=False)
        return EXIT_FAILED
    except PersistenceError as failed:
        err.print(f"okr demo: the store at {_shown(url)} failed: {failed}", markup=False)
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.print("okr demo: interrupted; run it again to resume where it stopped")
        return EXIT_INTERRUPTED
    finally:
        app.close()
    render(summary, out, _shown(url))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, Console(), Console(stderr=True, soft_wrap=True))


if __name__ == "__main__":
    sys.exit(main())
