"""The `okr` command line: one subcommand per job, each with a clear message and exit code."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit

from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.serve import add_serve
from api.verify import add_verify
from api.seed import DemoClock, DemoFailed, DemoRefused, render, seed_demo
from domain.application import OkrApp
from domain.persistence import database_url, environment_for
from projections import worker
from projections.catalog import NAMES, projector_for
from projections.runner import Projector

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

    project = commands.add_parser(
        "project",
        help="keep the read models up to date from the event log, until SIGTERM or Ctrl-C",
        description=(
            "A projection worker: catches the read models up with the event log, then keeps "
            "them up (LISTEN/NOTIFY and polling on PostgreSQL, polling on SQLite) until "
            "SIGTERM or SIGINT, when it finishes the batch in hand and exits 0. Each batch "
            "commits with its tracked position, so a crashed worker resumes where it stopped; "
            "several workers (and API processes) may run at once."
        ),
    )
    _add_database_url(project)
    project.add_argument(
        "--poll-seconds", metavar="S", type=_positive(float), default=1.0,
        help="how often to look for new events when no notification comes (default: 1)",
    )
    _add_batch_size(project)
    project.set_defaults(handler=run_project)

    rebuild = commands.add_parser(
        "rebuild",
        help="rebuild read models from the whole event log",
        description=(
            "Drops the named read models (by default all but `chain`) and folds the whole event "
            f"log into them again, with a progress bar. Read models: {', '.join(NAMES)}. The "
            "hash chain is rebuilt only when named: that would bless any altered event. If it "
            "is interrupted, what was rebuilt stays; `okr project` or `okr rebuild` finishes it."
        ),
    )
    rebuild.add_argument(
        "names", nargs="*", metavar="NAME", help=f"a read model to rebuild: {', '.join(NAMES)}"
    )
    _add_database_url(rebuild)
    _add_batch_size(rebuild)
    rebuild.set_defaults(handler=run_rebuild)
    add_verify(commands)
    add_serve(commands)
    return parser


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value

    return parse


def _add_batch_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch-size", metavar="N", type=_positive(int), default=1000,
        help="events read and committed per batch (default: 1000)",
    )


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


def _projector_url(command: str, args: argparse.Namespace, err: Console) -> str | None:
    """The store URL for a command that keeps read models, or None after saying why not."""
    try:
        url = _store_url(args)
    except ValueError as bad:
        err.print(f"okr {command}: {bad}", soft_wrap=True, markup=False)
        return None
    if environment_for(url)["PERSISTENCE_MODULE"] == "eventsourcing.popo":
        err.print(
            f"okr {command}: memory:// keeps the event log inside one process, so there is "
            "nothing to project: give a sqlite:// or postgresql:// URL", markup=False,
        )
        return None
    return url


def _open(command: str, url: str, batch_size: int, err: Console) -> tuple[OkrApp, Projector] | None:
    try:
        app = OkrApp(url)
    except (PersistenceError, OSError) as failed:
        err.print(f"okr {command}: cannot open the store at {_shown(url)}: {failed}", markup=False)
        return None
    try:
        return app, projector_for(app, url, batch_size=batch_size)
    except Exception as failed:  # psycopg or sqlite3, a pool timeout: the read tables are out of reach
        app.close()
        err.print(
            f"okr {command}: cannot open the read models at {_shown(url)}: {failed}", markup=False
        )
        return None


def _close(app: OkrApp, projector: Projector) -> None:
    projector.store.close()
    app.close()


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` (rather than kill or raise) while inside."""
    def handle(signum: int, frame: object) -> None:
        stop.set()

    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[signum] = signal.signal(signum, handle)
        except ValueError:  # not the main thread: the caller sets `stop` itself
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_project(args: argparse.Namespace, out: Console, err: Console) -> int:
    url = _projector_url("project", args, err)
    if url is None:
        return EXIT_USAGE
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO,
        format="%(asctime)s okr project %(levelname)s %(message)s",
    )
    stop = threading.Event()
    with _stopped_by_signals(stop):  # from here on, SIGTERM and Ctrl-C mean "finish and exit 0"
        opened = _open("project", url, args.batch_size, err)
        if opened is None:
            return EXIT_FAILED
        app, projector = opened
        try:
            return _keep_up(app, projector, url, args.poll_seconds, stop, out)
        except Exception as failed:  # e.g. the store vanished while stopping
            err.print(f"okr project: failed: {failed}", markup=False)
            return EXIT_FAILED
        finally:
            _close(app, projector)


def _keep_up(
    app: OkrApp, projector: Projector, url: str, poll_seconds: float, stop: threading.Event,
    out: Console,
) -> int:
    log = logging.getLogger("okr.project")
    env = environment_for(url)
    listen = env if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres" else None
    started = time.monotonic()
    rounds = 0

    def caught_up(events: int) -> None:
        nonlocal rounds
        rounds += 1
        try:
            position = projector.position()
        except Exception as failure:  # the next round says more, or recovers
            log.warning("cannot read the tracked positions: %s", failure)
            return
        if rounds == 1:
            seconds = time.monotonic() - started
            out.print(
                f"okr project: caught up at position {position} ({events} events in "
                f"{seconds:.1f} s); keeping up with {_shown(url)}", markup=False, soft_wrap=True,
            )
        elif events:
            log.info("projected %d events, at position %d", events, position)

    log.info(
        "projecting %s into %s from position %d (head %d), %s every %g s",
        _shown(url), ", ".join(projector.projections), projector.position(),
        app.head_position(), "LISTEN and polling" if listen else "polling", poll_seconds,
    )
    worker.run(projector, listen, stop, poll_seconds=poll_seconds, caught_up=caught_up)
    log.info("stopped at position %d", projector.position())
    return EXIT_OK


def run_rebuild(args: argparse.Namespace, out: Console, err: Console) -> int:
    names = list(dict.fromkeys(args.names))  # once each, in the order given
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        err.print(
            f"okr rebuild: no read model named {', '.join(map(repr, unknown))}; "
            f"valid names: {', '.join(NAMES)}", markup=False,
        )
        return EXIT_USAGE
    url = _projector_url("rebuild", args, err)
    if url is None:
        return EXIT_USAGE
    opened = _open("rebuild", url, args.batch_size, err)
    if opened is None:
        return EXIT_FAILED
    app, projector = opened
    chosen = names or [n for n, p in projector.projections.items() if p.rebuilt_with_all]
    try:
        head = app.head_position()
        progress = Progress(
            TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(),
            TextColumn("events"), TimeElapsedColumn(), console=err,
        )
        task = progress.add_task("rebuild", total=head)
        started = time.monotonic()
        try:
            with progress:
                done = projector.rebuild(chosen, progress=lambda n: progress.advance(task, n))
                # Positions may skip numbers, and the log may have grown meanwhile.
                reached = projector.position()
                progress.update(task, completed=reached, total=reached)
        except KeyboardInterrupt:
            err.print(
                f"okr rebuild: interrupted at position {projector.position()} of {head}; what "
                "was rebuilt is kept: run `okr rebuild` again or `okr project` to finish",
                markup=False,
            )
            return EXIT_INTERRUPTED
        seconds = time.monotonic() - started
        rate = done / seconds if seconds > 0 else float(done)
        out.print(
            f"okr rebuild: rebuilt {', '.join(chosen)} from {done} events in {seconds:.1f} s "
            f"({rate:,.0f} events/s)", markup=False, soft_wrap=True,
        )
        for name, position in projector.positions().items():
            out.print(f"  {name:<16} position {position}", markup=False, soft_wrap=True)
    except Exception as failed:  # the event store's errors, or psycopg's and sqlite3's
        err.print(f"okr rebuild: the store at {_shown(url)} failed: {failed}", markup=False)
        return EXIT_FAILED
    finally:
        _close(app, projector)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, Console(), Console(stderr=True, soft_wrap=True))


if __name__ == "__main__":
    sys.exit(main())
