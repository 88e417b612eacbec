"""create_app: the Litestar application over a Ledger. Nothing is built at import time."""

from __future__ import annotations

import re
from typing import Any

import anyio
import msgspec

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.exceptions import SerializationException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import Empty

from api.deps import DEPENDENCIES
from api.errors import BadRequest, exception_handlers
from api.ledger import Ledger
from api.routes import ROUTES
from api.schemas import common, cycles, events, north_star, objectives, reads, teams, users
from api.schemas.examples import add_examples, structs
from api.settings import Settings
from domain.application import Clock

SCHEMA_MODULES = (common, cycles, events, north_star, objectives, reads, teams, users)

DESCRIPTION = """\
okr-ledger records every objective change, every step of an approval negotiation and every
check-in as an immutable event; the reads are projections of that log, and each takes
`as_of` (a recorded time) to answer as things stood then.

Every route needs `Authorization: Bearer <token>`. Writes answer with the resource's
`version` (also its `ETag`) and the log `position` of their last event: send `If-Match`
to refuse a write on a stale version (412), `Idempotency-Key` to make a retry safe, and
`min_position` on a read to see your own write. Errors are RFC 9457 problem+json.
"""


class OkrRequest(Request):
    """A request whose body decodes strictly into its route's Struct, and is a 400 that says
    why when it cannot.

    Litestar reads a body into Python values, then converts them with msgspec's lax rules,
    which take `"5"` for 5 and `"true"` for true: a client that sends a number as text
    would never learn it. Here a route's Struct is decoded from the bytes with the strict
    rules, so its types are the ones `/schema` documents. msgspec raises UnicodeDecodeError
    for text that is not UTF-8 and RecursionError for nesting deeper than it follows, which
    Litestar lets through as they are (a 500).
    """

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            decoder = _strict_decoder(self.route_handler)
            body = await self.body()
            if decoder is not None and body.strip():  # (no body: Litestar says what is missing)
                self._json = self._connection_state.json = self._decoded(decoder, body)
                return self._json
        try:
            return await super().json()
        except (UnicodeDecodeError, RecursionError, SerializationException) as bad:
            raise _unreadable(bad) from None

    def _decoded(self, decoder: msgspec.json.Decoder, body: bytes) -> Any:
        try:
            return decoder.decode(body)
        except msgspec.ValidationError as bad:
            found = _AT.search(str(bad))
            raise ValidationException(
                detail=f"Validation failed for {self.method} {self.url.path}",
                extra=[{"message": str(bad).split(" - ", 1)[0], "key": found.group(1) if found else "data",
                        "source": "body"}],
            ) from None
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as bad:
            raise _unreadable(bad) from None


_AT = re.compile(r"`\$\.(.+)`$")  # where msgspec found the fault, as Litestar names it
_decoders: dict[type, msgspec.json.Decoder] = {}  # by body type: as many as there are


def _strict_decoder(handler: Any) -> msgspec.json.Decoder | None:
    """A strict decoder of the route's body, if that body is a Struct."""
    field = handler.parsed_data_field  # (kept by the handler once worked out)
    kind = None if field is None else field.annotation
    if not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
        return None
    found = _decoders.get(kind)
    if found is None:
        found = _decoders[kind] = msgspec.json.Decoder(kind, strict=True)
    return found


def _unreadable(bad: Exception) -> BadRequest:
    if isinstance(bad, UnicodeDecodeError):
        return BadRequest("the body is not valid UTF-8: send JSON text encoded as UTF-8")
    if isinstance(bad, RecursionError):
        return BadRequest("the body nests arrays or objects too deeply: send one JSON object as documented at /schema")
    reason = bad.detail if isinstance(bad, SerializationException) else str(bad)
    return BadRequest(f"the body is not valid JSON ({reason}): send one JSON object as documented at /schema")


class OkrLitestar(Litestar):
    """Answers HEAD on every GET route with the headers GET would send, and no body (RFC 9110
    asks every general-purpose server for it; Litestar routes HEAD only to handlers of its
    own). The response ends right after its headers, whatever body follows is dropped, and a
    stream (the live feed) is told its client has gone, so it stops there."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await super().__call__(scope, receive, send)
            return
        started = anyio.Event()

        async def sent(message: Any) -> None:
            if message["type"] == "http.response.start":  # the headers, then at once the end
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                started.set()

        async def received() -> Any:
            await started.wait()
            return {"type": "http.disconnect"}

        await super().__call__({**scope, "method": "GET"}, received, sent)


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, ledger: Ledger | None = None,
) -> Litestar:
    settings = settings or Settings.from_env()
    ledger = ledger or Ledger(settings, clock=clock)
    app = OkrLitestar(
        route_handlers=ROUTES,
        dependencies=DEPENDENCIES,
        exception_handlers=exception_handlers(),
        state=State({"ledger": ledger}),
        on_startup=[lambda: ledger.start()],
        on_shutdown=[lambda: ledger.stop()],
        request_class=OkrRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="okr-ledger", version="1.0.0", description=DESCRIPTION, path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
            components=Components(security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", description="a user token or OKR_ADMIN_TOKEN"),
            }),
            security=[{"bearer": []}],
        ),
    )
    add_examples(app.openapi_schema, structs(SCHEMA_MODULES))
    return app
