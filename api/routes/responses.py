"""What routes answer with: a write's result with its ETag, and the problems each may give
(documented in the OpenAPI schema)."""

from __future__ import annotations

from litestar import Response
from litestar.openapi.datastructures import ResponseSpec

from api.errors import Problem
from api.schemas.common import Written
from domain.application import Recorded

_WHY = {
    400: "The request cannot be understood (malformed JSON, a bad header or parameter).",
    401: "No token, or an unknown or revoked one.",
    403: "The caller does not hold the role this needs.",
    404: "An id in the path or body names nothing.",
    409: "Not allowed in the current state, or changed by someone else meanwhile.",
    412: "`If-Match` names a version other than the current one.",
    413: "The body is larger than the server accepts.",
    422: "A value breaks a rule (empty title, confidence outside 0–1, a non-finite number).",
    429: "Too many requests with this token; retry after `Retry-After` seconds.",
    503: "The read models did not reach `min_position` in time, or the database is unreachable.",
}

_EXAMPLE_DETAIL = {
    400: "the request is not valid: Object contains unknown field `titel` (at $.titel)",
    401: "the token is unknown or revoked: ask an administrator for a new one",
    403: "only the lead of the parent team may approve this objective",
    404: "no objective with id 3f1c3a52-8f7e-4c62-9a47-0d5d0f0b8a11",
    409: "objective is submitted: a draft or an objective with changes requested can be edited",
    412: "objective is at version 7, not 6: reload it and try again",
    413: "Request Entity Too Large",
    422: "confidence: must be between 0 and 1",
    429: "too many requests: at most 600 a minute per token",
    503: "the read models reached position 1200, not 1210, within 5 s: retry shortly",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    from litestar.openapi.spec import Example

    return {
        s: ResponseSpec(
            data_container=Problem, description=_WHY[s], media_type="application/problem+json",
            examples=[Example(summary=_WHY[s], value={
                "type": "urn:okr-ledger:problem:example", "title": "", "status": s,
                "detail": _EXAMPLE_DETAIL[s],
            })],
        )
        for s in statuses
    }


WRITE_PROBLEMS = problems(400, 401, 403, 404, 409, 412, 413, 422, 429, 503)
READ_PROBLEMS = problems(400, 401, 404, 429, 503)


def written(recorded: Recorded, status_code: int = 200) -> Response[Written]:
    return Response(
        Written(recorded.id, recorded.version, recorded.position),
        status_code=status_code, headers={"ETag": f'"{recorded.version}"'},
    )
