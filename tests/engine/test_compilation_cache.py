"""The persistent compilation cache: on by default, a second process compiles nothing for the
shapes a first one compiled, and ENCKE_COMPILATION_CACHE=0 turns it off.

Each case runs real child processes (a fresh JAX each) that propagate a few comets with the
two-body model and count XLA backend compilations through jax.monitoring."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import json
    import jax.monitoring
    # a backend "compile" event comes for every program, a cache hit too: XLA compiled the
    # ones that were not hits
    requests, hits = [], []
    jax.monitoring.register_event_duration_secs_listener(
        lambda name, secs, **kw: requests.append(name) if name == "/jax/core/compile/backend_compile_duration" else None)
    jax.monitoring.register_event_listener(
        lambda name, **kw: hits.append(name) if name == "/jax/compilation_cache/cache_hits" else None)
    import numpy as np
    from encke.engine import compilation_cache
    from encke.engine.elements import CometaryElements
    from encke.engine.propagate import propagate
    el = CometaryElements(q=[0.5, 1.2, 3.0], e=[0.3, 0.99, 1.4], i=[0.1, 1.0, 2.0], node=[0.0, 1.0, 2.0],
                          argp=[0.5, 1.5, 2.5], tp=[2460000.0, 2460100.0, 2460200.0], epoch=[2460000.0] * 3)
    states = propagate(el, np.array([2460300.0, 2461000.0]))
    folder = compilation_cache.folder()
    print(json.dumps({"compiles": len(requests) - len(hits), "hits": len(hits), "folder": None if folder is None else str(folder),
                      "x0": float(states[0, 0, 0])}))
    """
)


def _child(env_extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENCKE_COMPILATION_CACHE", "JAX_COMPILATION"))}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_second_process_compiles_nothing(tmp_path):
    env = {"ENCKE_CACHE_DIR": str(tmp_path)}
    first = _child(env)
    assert first["folder"] == str(tmp_path / "jax")
    assert first["compiles"] > 0
    assert any((tmp_path / "jax").iterdir())
    second = _child(env)
    assert second["compiles"] == 0
    assert second["hits"] == first["compiles"]
    assert second["x0"] == first["x0"]  # the cached programs compute the same thing


@pytest.mark.slow
def test_switched_off_by_environment(tmp_path):
    env = {"ENCKE_CACHE_DIR": str(tmp_path), "ENCKE_COMPILATION_CACHE": "0"}
    first = _child(env)
    second = _child(env)
    assert first["folder"] is None and second["folder"] is None
    assert second["compiles"] > 0 and second["hits"] == 0
    assert not (tmp_path / "jax").exists()


def test_enable_and_disable_in_process(tmp_path):
    import jax

    from encke.engine import compilation_cache

    before = (jax.config.jax_enable_compilation_cache, jax.config.jax_compilation_cache_dir)
    try:
        assert compilation_cache.enable(tmp_path / "c") == tmp_path / "c"
        assert compilation_cache.folder() == tmp_path / "c"
        compilation_cache.disable()
        assert compilation_cache.folder() is None
    finally:
        jax.config.update("jax_enable_compilation_cache", before[0])
        jax.config.update("jax_compilation_cache_dir", before[1])
        from jax.experimental.compilation_cache import compilation_cache as cc

        cc.reset_cache()
