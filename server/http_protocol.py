"""The HTTP/1.1 server protocol: uvicorn with the httptools (llhttp) parser, plus a deadline for
a request's headers and a cap on their size.

Why this parser: uvicorn's default h11 accepted a request carrying both Content-Length and
Transfer-Encoding and answered the request smuggled in its body (issue 16). llhttp rejects it,
and duplicate Content-Lengths, bad Transfer-Encoding lists, bare LF line ends and obs-fold, and
uvicorn then answers 400 with `Connection: close`, as RFC 9112 section 6.1 requires.

Why the subclass: uvicorn has no header-read timeout (its keep-alive timer is cancelled by any
byte received), so 200 half-sent requests stayed open indefinitely. Here a request's headers
must be complete within `header_timeout_s` of its first byte (or of the connection, for the
first request) and within `max_header_bytes`; otherwise the server answers 408 or 431 and
closes. The deadline is not reset by further bytes, so a client trickling one byte at a time
gains nothing. Bodies, WebSockets and responses are untouched.
"""
from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_S = 10.0
MAX_HEADER_BYTES = 64 * 1024


class StrictHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline and a header size cap."""

    header_timeout_s = HEADER_TIMEOUT_S
    max_header_bytes = MAX_HEADER_BYTES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._header_deadline = None
        self._header_bytes = 0
        self._reading_headers = True

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_headers:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large")
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_headers = True
        if self._header_deadline is None:  # a further request on a kept-alive connection
            self._header_bytes = 0
            self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._disarm_header_deadline()
        super().on_headers_complete()

    def _arm_header_deadline(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._refuse, 408, "Request Timeout")

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _refuse(self, status: int, reason: str) -> None:
        """Answer a request whose headers never completed, and close the connection."""
        self._disarm_header_deadline()
        if self.transport.is_closing():
            return
        body = reason.encode("ascii")
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, reason.encode("ascii"), len(body), body))
        self.transport.close()


def http_protocol(header_timeout_s: float = HEADER_TIMEOUT_S, max_header_bytes: int = MAX_HEADER_BYTES):
    """The protocol class to give uvicorn.Config(http=...), with these limits."""
    return type("StrictHttpToolsProtocol", (StrictHttpToolsProtocol,),
                {"header_timeout_s": float(header_timeout_s), "max_header_bytes": int(max_header_bytes)})
