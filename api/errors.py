"""The one table from errors to HTTP statuses, and the RFC 9457 problem+json they become.

Handlers never catch domain errors: whatever is raised ends here, with a `detail` that
says what to fix. Anything unforeseen is a 500 without internals (and is logged).
"""

from __future__ import annotations

import logging
import sqlite3
from http import HTTPStatus

import msgspec
import psycopg
from eventsourcing import persistence
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from domain.errors import (
    AlreadyExists, Conflict, DomainError, InvalidTransition, InvalidValue, NotAllowed,
    NotFound, OwnRound,
)
from projections.runner import ProjectionTimeout

PROBLEM = "application/problem+json"
log = logging.getLogger("okr.api")


class Unauthorized(Exception):
    """Raised when a request has no token, or one that is unknown or revoked."""


class PreconditionFailed(Exception):
    """Raised when `If-Match` names a version other than the current one."""

    def __init__(self, detail: str, current_version: int | None = None):
        super().__init__(detail)
        self.current_version = current_version


class BadRequest(Exception):
    """Raised when a header or query parameter cannot be understood."""


class TooManyRequests(Exception):
    """Raised when a token has spent its requests for the moment."""

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(Exception):
    """Raised when the database cannot be reached right now."""


# The one table: most specific first (OwnRound is a NotAllowed).
STATUS: list[tuple[type[Exception], int, str]] = [
    (BadRequest, 400, "bad_request"),
    (Unauthorized, 401, "unauthorized"),
    (OwnRound, 403, "own_round"),
    (NotAllowed, 403, "not_allowed"),
    (NotFound, 404, "not_found"),
    (AlreadyExists, 409, "already_exists"),
    (InvalidTransition, 409, "invalid_transition"),
    (Conflict, 409, "version_conflict"),
    (PreconditionFailed, 412, "precondition_failed"),
    (InvalidValue, 422, "invalid_value"),
    (TooManyRequests, 429, "too_many_requests"),
    (Unavailable, 503, "unavailable"),
    # The database is down, restarting or out of connections: the client may retry.
    (persistence.OperationalError, 503, "unavailable"),
    (persistence.InterfaceError, 503, "unavailable"),
    (persistence.ConnectionUnavailableError, 503, "unavailable"),
    (psycopg.OperationalError, 503, "unavailable"),
    (psycopg.InterfaceError, 503, "unavailable"),
    (sqlite3.OperationalError, 503, "unavailable"),
    (ProjectionTimeout, 503, "projections_behind"),
]


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: `type` names the rule broken, `detail` says what to fix."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    current_version: int | None = None
    errors: list[dict[str, str]] | None = None


def status_of(exc: Exception) -> tuple[int, str]:
    for cls, status, rule in STATUS:
        if isinstance(exc, cls):
            return status, rule
    return 500, "internal_error"


def problem_body(status: int, detail: str, rule: str | None = None, **extra) -> Problem:
    """The problem of a status: `rule` names the rule broken (by default, the status's)."""
    return Problem(
        type=f"urn:okr-ledger:problem:{rule or _rule_of(status)}", title=HTTPStatus(status).phrase,
        status=status, detail=detail, **extra,
    )


def problem(
    request: Request, status: int, rule: str, detail: str, headers: dict[str, str] | None = None,
    **extra,
) -> Response[Problem]:
    body = problem_body(status, detail, rule, instance=request.url.path, **extra)
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def _retry_after(exc: Exception) -> dict[str, str] | None:
    if isinstance(exc, TooManyRequests):
        return {"Retry-After": str(exc.retry_after)}
    if status_of(exc)[0] == 503:
        return {"Retry-After": "1"}
    if isinstance(exc, Unauthorized):
        return {"WWW-Authenticate": 'Bearer realm="okr-ledger"'}
    return None


def handle_known(request: Request, exc: Exception) -> Response[Problem]:
    status, rule = status_of(exc)
    if isinstance(exc, Conflict) and exc.current_version is not None and \
            request.headers.get("if-match", "").strip() not in ("", "*"):
        # The caller's If-Match named the version the domain found stale.
        status, rule = 412, "precondition_failed"
    version = getattr(exc, "current_version", None)
    if status == 503 and not isinstance(exc, (Unavailable, ProjectionTimeout)):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        detail = "the database cannot be reached right now: retry after a second"
    else:
        detail = exc.detail if isinstance(exc, DomainError) else str(exc)
    return problem(request, status, rule, detail, _retry_after(exc), current_version=version)


def handle_http(request: Request, exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    errors = None
    detail = exc.detail or HTTPStatus(status).phrase
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [
            {k: str(v) for k, v in e.items() if k in ("message", "key", "source")}
            for e in exc.extra if isinstance(e, dict)
        ]
        found = "; ".join(
            f"{e.get('message')}" + (f" (at {e['key']})" if e.get("key") else "") for e in errors
        )
        detail = f"the request is not valid: {found}" if found else detail
        if any(e.get("key") == "data" and e.get("message") == "'data'" for e in errors):
            detail = "the request has no body: send the JSON object this route documents at /schema"
    if status == 413:
        detail = "the request body is too large: send at most the documented size (64 KiB by default)"
    elif status == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}: the routes are listed at /schema"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}: see /schema"
    headers = dict(exc.headers or {})
    return problem(request, status, _rule_of(status), detail, headers or None, errors=errors or None)


def _rule_of(status: int) -> str:
    return {
        400: "bad_request", 401: "unauthorized", 403: "not_allowed", 404: "not_found",
        405: "method_not_allowed", 413: "too_large", 429: "too_many_requests",
    }.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))


def handle_unexpected(request: Request, exc: Exception) -> Response[Problem]:
    status, rule = status_of(exc)
    if status != 500:
        return handle_known(request, exc)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(request, 500, rule, "an unexpected error occurred; it has been logged")


def exception_handlers() -> dict:
    handlers: dict = {cls: handle_known for cls, _, _ in STATUS}
    handlers[DomainError] = handle_known
    handlers[HTTPException] = handle_http
    handlers[Exception] = handle_unexpected
    return handlers
