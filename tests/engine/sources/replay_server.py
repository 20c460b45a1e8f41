"""A real HTTP server on 127.0.0.1 for tests: it replays recorded files and misbehaves on cue.

    with ReplayServer() as server:
        server.route("/CometEls.txt", static(body, etag='"v1"'))
        server.route("/broken", fixed(Reply(status=500)))
        requests.get(server.url("/CometEls.txt"))
        assert server.count("/CometEls.txt") == 1

It is ``http.server.ThreadingHTTPServer`` bound to port 0 (the OS picks a free port), served
from a daemon thread. A route maps a path to a handler: a function from the ``Request`` it
received to the ``Reply`` to send. A Reply can be delayed (``delay_s``, for timeouts) or cut
off after ``truncate_at`` body bytes while its Content-Length announces the whole body (a
dropped connection). Every request is recorded, so tests can count what reached the network.

Reusable outside tests/engine/sources: load it by path (see this folder's conftest.py).
"""
from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclasses.dataclass(frozen=True)
class Request:
    """One request as the server saw it. query: each parameter's first value."""

    method: str
    path: str
    query: dict
    headers: dict


@dataclasses.dataclass(frozen=True)
class Reply:
    """What to send back.

    Content-Length is the full body's length unless ``headers`` sets it. ``delay_s`` waits
    before the status line; ``truncate_at`` sends only that many body bytes, then closes;
    ``stall_at`` sends that many body bytes, then waits ``stall_s`` before the rest.
    """

    status: int = 200
    body: bytes = b""
    headers: dict = dataclasses.field(default_factory=dict)
    delay_s: float = 0.0
    truncate_at: int | None = None
    stall_at: int | None = None
    stall_s: float = 0.0


Handler = Callable[[Request], Reply]


def fixed(reply: Reply) -> Handler:
    """A handler that always sends ``reply``."""
    return lambda request: reply


def json_reply(obj, status: int = 200, **kwargs) -> Reply:
    """A Reply carrying ``obj`` as JSON."""
    return Reply(status=status, body=json.dumps(obj).encode(), headers={"Content-Type": "application/json"}, **kwargs)


def static(
    body: bytes,
    *,
    etag: str | None = None,
    last_modified: float | None = None,
    content_type: str = "text/plain; charset=us-ascii",
) -> Handler:
    """A file served the way a web server does: ETag, Last-Modified and conditional GET (304).

    etag: defaults to a quoted hash of the body. last_modified: a POSIX time, default now.
    If-None-Match wins over If-Modified-Since, as RFC 9110 section 13.2.2 says.
    """
    etag = etag or '"%s"' % hashlib.sha256(body).hexdigest()[:16]
    modified = int(last_modified if last_modified is not None else time.time())
    validators = {"ETag": etag, "Last-Modified": email.utils.formatdate(modified, usegmt=True)}

    def handle(request: Request) -> Reply:
        match = request.headers.get("if-none-match")
        since = request.headers.get("if-modified-since")
        if match is not None:
            if etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*":
                return Reply(status=304, headers=validators)
        elif since is not None:
            try:
                since_time = email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                since_time = None
            if since_time is not None and modified <= since_time:
                return Reply(status=304, headers=validators)
        return Reply(status=200, body=body, headers={"Content-Type": content_type, **validators})

    return handle


def free_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ReplayServer:
    """A ThreadingHTTPServer on 127.0.0.1, an OS-chosen port, a daemon thread."""

    def __init__(self):
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"replay-server-{self.port}", daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` (without query) with ``handler``; unknown paths get a 404."""
        with self._lock:
            self._routes[path] = handler

    def count(self, path: str | None = None) -> int:
        """How many requests arrived (for ``path``, when given)."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def stop(self) -> None:
        self._stopping.set()  # cuts any delay short
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "ReplayServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # Called from handler threads.
    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            handler = self._routes.get(request.path)
        if handler is None:
            return Reply(status=404, body=b"not found\n", headers={"Content-Type": "text/plain"})
        return handler(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout tests) makes writes fail: expected, not a test error.
        pass


def _make_handler(server: ReplayServer):
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: a cut body ends the exchange

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = server._dispatch(Request("GET", parts.path, query, headers))
            if reply.delay_s and server._stopping.wait(reply.delay_s):
                return
            try:
                self.send_response(reply.status)
                sent = {k.lower() for k in reply.headers}
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if "content-length" not in sent and reply.status != 304:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body if reply.truncate_at is None else reply.body[: reply.truncate_at]
                if reply.status == 304:
                    body = b""
                if reply.stall_at is not None:
                    self.wfile.write(body[: reply.stall_at])
                    self.wfile.flush()
                    if server._stopping.wait(reply.stall_s):
                        return
                    body = body[reply.stall_at :]
                if body:
                    self.wfile.write(body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format, *args):  # keep test output clean
            pass

    return _Handler
