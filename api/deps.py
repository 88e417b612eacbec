"""What handlers are given: the ledger, the calling user, and the concurrency headers
turned into plain values (an expected version, an idempotency key, a read position).

They are resolved one after another, each depending on the one before (ledger, caller,
then the headers or the read position): Litestar resolves dependencies that do not depend
on each other as tasks of a task group, which costs a request more than the work of all of
them together (about 0.2 ms, measured with four). It also means the token is checked
before anything else about the request is looked at."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, Parameter

from api.errors import BadRequest, TooManyRequests, Unauthorized
from api.ledger import Ledger
from api.tokens import Tokens
from domain import rules
from domain.errors import InvalidValue
from domain.receipt import IdempotencyKey


@dataclass(frozen=True)
class Caller:
    """Who is asking: the user the token belongs to (the administrator for OKR_ADMIN_TOKEN)."""

    user_id: UUID
    token_id: UUID | None  # None for the administrator's configured token


def ledger_of(state: State) -> Ledger:
    return state.ledger


async def caller_of(request: Request, ledger: LedgerDep) -> Caller:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("send `Authorization: Bearer <token>`; every route needs a token")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be `Bearer <token>`")
    admin = ledger.settings.admin_token
    if admin is not None and Tokens.same(token, admin):
        caller = Caller(ledger.admin_id, None)
    else:
        owner = ledger.tokens.believed(token)  # from memory: no reason to leave the loop
        if owner is None and ledger.store.postgres:  # a round trip to the server: not on the loop
            owner = await anyio.to_thread.run_sync(ledger.tokens.resolve, token)
        elif owner is None:
            # One indexed read of the local file, which a reader never waits for (WAL): a
            # hop to a worker thread and back would cost more than the read itself.
            owner = ledger.tokens.resolve(token)
        if owner is None:
            raise Unauthorized("the token is unknown or revoked: ask an administrator for a new one")
        caller = Caller(owner.user_id, owner.token_id)
    wait = ledger.limiter.take(caller.token_id or "admin")
    if wait is not None:
        raise TooManyRequests(
            f"too many requests with this token: at most {ledger.settings.rate_per_minute} a minute"
            f" after a burst of {ledger.settings.rate_burst}; retry in {wait} s", wait,
        )
    return caller


# An absent header is None here, but on the wire a header is text or not there at all.
_HEADER_TEXT = {"oneOf": None, "type": "string"}


def expected_version(
    key: Key,  # resolved first, see the module's docstring
    if_match: Annotated[
        str | None,
        HeaderParameter(name="If-Match", required=False, schema_extra=_HEADER_TEXT, pattern=r'^(\*|(W/)?"?[0-9]{1,12}"?)$',
                        examples=[Example(value='"3"')],
                        description="The version the write expects (its ETag), e.g. `\"3\"`; `*`: any version."),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    text = if_match.strip()
    if text == "*":  # RFC 9110: any current version
        return None
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise BadRequest(f"If-Match must be a version number such as \"3\", not {if_match!r}")
    return int(text)


async def idempotency_key(
    caller: CallerDep,
    request: Request,
    idempotency: Annotated[
        str | None,
        HeaderParameter(name="Idempotency-Key", required=False, schema_extra=_HEADER_TEXT, min_length=1, max_length=200,
                        description="A retried write with the same key returns the first result and records nothing again;"
                                    " the same key with another request is refused (422)."),
    ] = None,
) -> str | None:
    if idempotency is None:
        return None
    return IdempotencyKey(idempotency, await request_digest(request))


async def request_digest(request: Request) -> str:
    """What makes a request the same request again: its method, path, query and body (JSON
    with its keys sorted, so a client that writes them in another order still matches)."""
    body = await request.body()
    try:
        body = msgspec.json.encode(msgspec.json.decode(body), order="sorted")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        pass  # not JSON: its bytes as they are (the route refuses it anyway)
    digest = hashlib.sha256(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(body)
    return digest.hexdigest()


AsOf = Annotated[
    datetime | None,
    Parameter(required=False, description="Answer as of this recorded time (RFC 3339, with a zone)."),
]


_RFC3339_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


def read_position(
    caller: CallerDep,
    ledger: LedgerDep,
    request: Request,
    min_position: Annotated[
        int | None, Parameter(ge=0, required=False, description="Wait (bounded) until the read models have reached this position.")
    ] = None,
    as_of: AsOf = None,
) -> int:
    if as_of is not None:
        # Query text is converted loosely: a bare number would be read as Unix seconds, and a
        # client meaning a year or a position would get the state of 1970 without a word.
        if not _RFC3339_DATE.match(request.query_params.get("as_of", "")):
            raise BadRequest("as_of must be an RFC 3339 time with a zone, e.g. 2026-03-03T00:00:00Z, not a number")
        if as_of.tzinfo is None:
            raise BadRequest("as_of needs a time zone, e.g. 2026-03-03T00:00:00Z")
        try:
            rules.require_in_utc("as_of", as_of)
        except InvalidValue as bad:  # the domain's range, but a query parameter: a 400
            raise BadRequest(str(bad)) from None
    return ledger.read_position(min_position, as_of)


def read_moment(
    position: Position,
    ledger: LedgerDep,
    as_of: AsOf = None,
) -> datetime:
    """The moment clock-dependent values describe: `as_of`, or now."""
    return as_of if as_of is not None else ledger.now()


DEPENDENCIES = {
    "ledger": Provide(ledger_of, sync_to_thread=False),
    "caller": Provide(caller_of),
    "expected": Provide(expected_version, sync_to_thread=False),
    "key": Provide(idempotency_key),
    "position": Provide(read_position, sync_to_thread=True),
    "moment": Provide(read_moment, sync_to_thread=False),
}


# Handler parameters, marked as the named dependencies above.
LedgerDep = NamedDependency[Ledger]
CallerDep = NamedDependency[Caller]
Expected = NamedDependency[int | None]
Key = NamedDependency[str | None]
Position = NamedDependency[int]
Moment = NamedDependency[datetime]
