"""create_app: the Litestar application over a Ledger. Nothing is built at import time."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.exceptions import SerializationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

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
    """A request whose body, when it cannot be read as JSON, is a 400 that says why: msgspec
    raises UnicodeDecodeError for text that is not UTF-8 and RecursionError for nesting
    deeper than it follows, which Litestar lets through as they are (a 500)."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise BadRequest("the body is not valid UTF-8: send JSON text encoded as UTF-8") from None
        except RecursionError:
            raise BadRequest(
                "the body nests arrays or objects too deeply: send one JSON object as documented at /schema"
            ) from None
        except SerializationException as bad:
            raise BadRequest(
                f"the body is not valid JSON ({bad.detail}): send one JSON object as documented at /schema"
            ) from None


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, ledger: Ledger | None = None,
) -> Litestar:
    settings = settings or Settings.from_env()
    ledger = ledger or Ledger(settings, clock=clock)
    app = Litestar(
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
