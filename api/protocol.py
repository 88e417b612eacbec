"""The HTTP/1.1 connection `okr serve` runs: uvicorn's, except that a request its parser
cannot read is refused as every other bad request is, with an RFC 9457 problem.

Such a request never reaches the application (there is no method or path to route), so
uvicorn answers it itself, and its own answer is a line of plain text. A client that reads
`application/problem+json` for every 4xx would find none to read.
"""

from __future__ import annotations

import msgspec
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from api.errors import PROBLEM, problem_body

UNREADABLE = msgspec.json.encode(problem_body(400, (
    "the request is not valid HTTP/1.1: its request line or a header could not be read. "
    "Send `METHOD /path HTTP/1.1`, then each header as `Name: value`, every line ending "
    "in CRLF, then an empty line"
)))


class ProblemHttpProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        # uvicorn's, with a problem for a body: the connection is closed after it, as the
        # parser cannot tell where the next request would start.
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([
            b"content-type: " + PROBLEM.encode("ascii") + b"\r\n",
            b"content-length: " + str(len(UNREADABLE)).encode("ascii") + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
            UNREADABLE,
        ])
        self.transport.write(b"".join(content))
        self.transport.close()
