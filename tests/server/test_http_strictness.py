"""HTTP/1.1 strictness over raw sockets against a real uvicorn server (issue 16): request
smuggling with Content-Length plus Transfer-Encoding (RFC 9112 section 6.1), a header-read
deadline that trickling bytes cannot extend, and a cap on header size."""
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, Request

from encke.server.http_protocol import http_protocol

HEADER_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def server():
    """A FastAPI app behind uvicorn configured with encke's protocol; `hits` lists the paths the
    application saw."""
    app = FastAPI()
    hits = []

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str, request: Request):
        hits.append("/" + path)
        return {"path": "/" + path, "body": len(await request.body())}

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical",
                            http=http_protocol(header_timeout_s=HEADER_TIMEOUT_S, max_header_bytes=16 * 1024))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    server.port = server.servers[0].sockets[0].getsockname()[1]
    server.hits = hits
    yield server
    server.should_exit = True
    thread.join(10)


def connect(server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_all(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything until the server closes (or the timeout: then what came so far)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, socket.timeout):
        pass
    except ConnectionResetError:
        pass
    return data


def test_plain_keep_alive_and_pipelined_requests_work(server):
    with connect(server) as sock:
        sock.sendall(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = read_all(sock)
    assert reply.count(b"HTTP/1.1 200 OK") == 2 and b'"path":"/two"' in reply


@pytest.mark.parametrize("headers", [
    b"Content-Length: 44\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 44\r\n",
    b"Content-Length: 44\r\nContent-Length: 5\r\n",
    b"Transfer-Encoding: chunked, identity\r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n",
], ids=["CL-TE", "TE-CL", "two-CL", "TE-list", "two-TE"])
def test_ambiguous_framing_is_refused_and_the_smuggled_request_never_runs(server, headers):
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    request = b"POST /front HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n0\r\n\r\n" + smuggled
    before = len(server.hits)
    with connect(server) as sock:
        sock.sendall(request)
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:200]
    assert reply.count(b"HTTP/1.1 ") == 1  # one answer, then the connection is closed
    assert b"connection: close" in reply.lower()
    assert "/smuggled" not in server.hits[before:] and "/front" not in server.hits[before:]


def test_half_sent_requests_are_closed_at_the_header_deadline(server):
    sockets = []
    try:
        for _ in range(200):
            sock = connect(server)
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n")  # never the blank line
            sockets.append(sock)
        trickler = connect(server)
        sockets.append(trickler)
        started = time.monotonic()
        trickled = 0
        for byte in b"GET /trickle HTTP/1.1\r\nX-A: " + b"a" * 100:
            try:
                trickler.sendall(bytes([byte]))  # a byte every 0.1 s does not extend the deadline
            except (BrokenPipeError, ConnectionResetError):
                break  # closed by the server: what we want
            trickled += 1
            time.sleep(0.1)
        assert time.monotonic() - started < 2 * HEADER_TIMEOUT_S + 1 and trickled < 40
        # (the trickler's 408 may be lost to the reset its next byte provokes: its early end is the check)
        replies = [read_all(sock, timeout=2 * HEADER_TIMEOUT_S + 3) for sock in sockets[:-1]]
    finally:
        for sock in sockets:
            sock.close()
    assert all(reply.startswith(b"HTTP/1.1 408 ") for reply in replies), {r[:40] for r in replies}
    assert "/slow" not in server.hits and "/trickle" not in server.hits


def test_oversized_headers_are_refused(server):
    with connect(server) as sock:
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 20_000 + b"\r\n\r\n")
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 431 ")
    assert "/big" not in server.hits


def test_a_slow_body_is_not_a_header_timeout(server):
    """The deadline covers the headers only: a body that arrives later is still read."""
    with connect(server) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nab")
        time.sleep(HEADER_TIMEOUT_S + 0.5)
        sock.sendall(b"cd")
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 200 ") and b'"body":4' in reply


def test_the_encke_server_uses_this_protocol(live):
    """The real server (runner.serve) refuses a smuggled request the same way."""
    port = int(live.http.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"0\r\n\r\nGET /api/comets/1P HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 400 ") and reply.count(b"HTTP/1.1 ") == 1
