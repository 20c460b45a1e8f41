"""engine/trig.py's sine and cosine against numpy's in extended precision (x87 long double)."""
import jax.numpy as jnp
import numpy as np

from encke.engine.trig import SINCOS_LIMIT, sincos, sincos_polynomial


def _worst_errors(fn, x):
    sin, cos = (np.asarray(a) for a in fn(jnp.asarray(x)))
    exact = x.astype(np.longdouble)
    return float(np.max(np.abs(sin - np.sin(exact)))), float(np.max(np.abs(cos - np.cos(exact)))), sin, cos


def test_polynomial_sincos_is_within_an_ulp_up_to_its_limit():
    rng = np.random.default_rng(7)
    x = np.concatenate([np.linspace(-50.0, 50.0, 200_001), rng.uniform(-SINCOS_LIMIT, SINCOS_LIMIT, 100_000),
                        np.pi / 4 * np.arange(-40, 41), [0.0, 1e-300, SINCOS_LIMIT]])
    sin_err, cos_err, sin, cos = _worst_errors(sincos_polynomial, x)
    assert sin_err <= 2.2e-16 and cos_err <= 2.2e-16, (sin_err, cos_err)  # an ulp of 1 (libm: 1.1e-16)
    assert sin[-2] == 1e-300 and cos[-3] == 1.0  # tiny arguments keep their relative accuracy


def test_sincos_falls_back_to_libm_beyond_the_polynomial_limit():
    x = np.array([0.5, 3.0, 1e7, 1e15, -4e12])
    sin_err, cos_err, _, _ = _worst_errors(sincos, x)
    assert sin_err <= 1.2e-16 and cos_err <= 1.2e-16, (sin_err, cos_err)
