"""A real gRPC server on a free port, on its own event loop in a thread, for client-side tests."""
import asyncio
import contextlib
import threading

import pytest


@contextlib.contextmanager
def running_grpc_server(service, token=None):
    """Yield "127.0.0.1:PORT" of a grpc.aio server for `service`; stop it on exit."""
    from encke.server.grpc_server import create_grpc_server

    loop = asyncio.new_event_loop()
    started = threading.Event()
    box = {}

    async def main():
        server, port = await create_grpc_server(service, "127.0.0.1:0", token=token)
        await server.start()
        box["stop"], box["port"] = asyncio.Event(), port
        started.set()
        await box["stop"].wait()
        await server.stop(0)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(60), "the gRPC server did not start"
    try:
        yield f"127.0.0.1:{box['port']}"
    finally:
        loop.call_soon_threadsafe(box["stop"].set)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="session")
def grpc_server():
    """running_grpc_server, for tests that configure their own service."""
    return running_grpc_server


@pytest.fixture(scope="module")
def catalog_server(shared_data):
    """An open (no token) server over the 2024 MPC file."""
    from encke.server.service import Service

    service = Service.from_path(shared_data / "cometels" / "CometEls-2024-09-07.txt")
    with running_grpc_server(service) as address:
        yield address
