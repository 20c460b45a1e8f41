"""Sharding: with several devices the object axis is split over them, with identical results.

XLA_FLAGS must be set before jax is imported, so the multi-device run is a subprocess with
four forced host (CPU) devices; it writes its result, and this process (one device) compares.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np

from encke.engine.constants import J2000_JD
from encke.engine.elements import CometaryElements
from encke.engine.propagate import propagate

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import jax
    import encke.engine
    from encke.engine import batching
    from encke.engine.elements import CometaryElements
    from encke.engine.propagate import propagate, _kepler_grid

    assert len(jax.devices()) == 4, jax.devices()
    data = np.load(sys.argv[1])
    el = CometaryElements(**{k: data[k] for k in ("q", "e", "i", "node", "argp", "tp")})
    res = propagate(el, data["times"], return_status=True)
    # The compiled program really is partitioned over the four devices.
    mesh = batching.object_mesh()
    parts = batching.shard_objects([jax.numpy.asarray(np.asarray(data["q"][:96]))], mesh)
    assert len(parts[0].sharding.device_set) == 4
    np.savez(sys.argv[2], states=res.states, status=res.status)
""")


def test_four_devices_give_the_one_device_result(tmp_path):
    rng = np.random.default_rng(21)
    n = 203  # not a multiple of 4: padding and sharding together
    fields = dict(q=10 ** rng.uniform(-1, 1.5, n), e=rng.choice([0.0, 0.5, 1.0, 1.0 + 1e-9, 3.0], n),
                  i=rng.uniform(0, 3, n), node=rng.uniform(0, 6, n), argp=rng.uniform(0, 6, n),
                  tp=J2000_JD + rng.uniform(-1e4, 1e4, n))
    fields["q"][7] = -1.0  # one invalid object
    times = J2000_JD + np.linspace(-3e4, 3e4, 11)
    np.savez(tmp_path / "in.npz", times=times, **fields)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "in.npz"), str(tmp_path / "out.npz")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sharded = np.load(tmp_path / "out.npz")
    one = propagate(CometaryElements(**fields), times, return_status=True)
    np.testing.assert_array_equal(sharded["status"], one.status)
    np.testing.assert_allclose(sharded["states"], one.states, rtol=1e-15, atol=0, equal_nan=True)
