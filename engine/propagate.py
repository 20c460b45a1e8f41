"""The public propagation entry point: every object at every epoch in one batched call.

    states = propagate(elements, times)                           # (N, M, 6) numpy, au, au/day
    result = propagate(elements, times, return_status=True)       # PropagationResult
    states, status = result                                       # status: (N,) int32 codes

model="kepler" (default) is two-body heliocentric motion in universal variables (kepler.py),
from each object's perihelion time, so it needs no epoch. model="nbody" dispatches to
engine.nbody.propagate_nbody (planets from a JPL ephemeris, solar relativity, Marsden
non-gravitational forces); its barycentric ICRF states are then re-expressed here with
frames.py. frame picks the axes (ecliptic J2000 or ICRF), center the origin (the Sun or the
solar-system barycentre, the Sun's barycentric state taken from the ephemeris).

Failures are per object: an object with invalid elements (non-finite, q <= 0, e < 0) or a
Kepler solve that did not converge at some epoch gets an all-NaN row and a status code from
engine/status.py; every other object is unaffected. Ask for ``return_status=True`` to get the
codes; without it the NaN rows are the only sign.

Batching (batching.py): N is padded to a bucket size (a ladder from 64 up) and M to a ladder
from 1 up, so calls with similar sizes reuse one compiled program; batches above
``max_lanes`` object-epochs run as equal chunks of the object axis. Padding lanes are copies of
a harmless orbit and are sliced off before anything is returned. With several devices the
object axis is sharded over them. A batch that kepler.needs_hyperbolic_branch clears (every
ellipse and parabola, and hyperbolas close to e = 1) runs a compiled variant without the
exponential branch of the Stumpff functions; a batch with a strongly hyperbolic object runs
the full one. On one CPU device the states are written into the memory of the previous
result once the caller holds no view of it (_OutputSpare), instead of into fresh memory.
"""
from __future__ import annotations

import threading
import weakref
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import batching, frames, status
from .conics import PAD_ELEMENTS, basis_state, rotated_basis
from .constants import GM_SUN
from .elements import CometaryElements
from .errors import InvalidInput
from .kepler import needs_hyperbolic_branch
from .timescales import to_tdb_jd
from .validate import check_elements, check_mu

MODELS = ("kepler", "nbody")
# Object-epochs per compiled call: bounds the memory of one call (~60 bytes per lane of
# live intermediates plus 48 bytes of output, so about 1.8 GB at 2^24).
MAX_LANES = 2**24
# Object-epochs per step of the CPU tile loop (_object_tile).
TILE_LANES = 2**18
# Largest result whose memory propagate keeps for reuse (_OutputSpare): one chunk of MAX_LANES.
SPARE_MAX_BYTES = MAX_LANES * 6 * 8


class PropagationResult(NamedTuple):
    """states: (N, M, 6) float64, au and au/day (NaN rows where status != OK);
    status: (N,) int32 codes of engine/status.py."""

    states: np.ndarray
    status: np.ndarray


def _object_states(q, e, p, qv, tp, times, offset, mu, hyperbolic=True):
    """One object at every epoch: (M, 6) states along its rotated basis p, qv (3,) plus offset,
    and (M,) converged."""
    state, converged = basis_state(q, e, p, qv, times - tp, mu, hyperbolic)
    return state + offset, converged


@partial(jax.jit, static_argnames=("hyperbolic", "tile"), donate_argnames=("out",))
def _kepler_grid(q, e, i, node, argp, tp, times, offset, rotation, mu, out=None, hyperbolic=True, tile=0):
    """(Nb,) elements x (Mb,) times -> ((Nb, Mb, 6) states, (Nb,) status).

    offset (Mb, 6) is added to every state (the Sun's barycentric state for center="ssb", else
    zeros); rotation (3, 3) takes ecliptic components to the output frame. hyperbolic=False
    compiles the variant without the exponential Stumpff branch, for objects that
    kepler.needs_hyperbolic_branch clears (faster per lane: docs/performance.md). tile > 0 runs
    the objects `tile` at a time in a sequential loop (see _object_tile). out, if given, is an
    (Nb, Mb, 6) float64 array that is donated: the states are written into its memory (its
    contents are never read), instead of into a fresh allocation (see _OutputSpare).
    """
    finite = jnp.isfinite(q) & jnp.isfinite(e) & jnp.isfinite(i) & jnp.isfinite(node)
    finite = finite & jnp.isfinite(argp) & jnp.isfinite(tp)
    invalid = ~(finite & (q > 0) & (e >= 0))
    # Invalid objects run on a harmless circular orbit; their rows are NaN'd by propagate().
    q = jnp.where(invalid, 1.0, q)
    e = jnp.where(invalid, 0.0, e)
    i, node, argp, tp = (jnp.where(invalid, 0.0, a) for a in (i, node, argp, tp))

    # The objects' own part, once for the whole batch: the basis takes six sines and cosines.
    p, qv = rotated_basis(i, node, argp, rotation)

    def objects_states(objects):
        states, converged = jax.vmap(lambda *el: _object_states(*el, times, offset, mu, hyperbolic))(*objects)
        return states, jnp.all(converged, axis=1)

    objects = (q, e, p, qv, tp)
    n = q.shape[0]
    if 0 < tile < n:
        # The tiles' states go straight into the output (a dynamic-update-slice in place);
        # lax.map would first fill its stacked output with zeros, a whole extra pass over it.
        def one_tile(k, carry):
            out, all_converged = carry
            start = k * tile
            states, ok = objects_states([jax.lax.dynamic_slice_in_dim(a, start, tile) for a in objects])
            out = jax.lax.dynamic_update_slice_in_dim(out, states, start, axis=0)
            return out, jax.lax.dynamic_update_slice_in_dim(all_converged, ok, start, axis=0)

        assert n % tile == 0, (n, tile)  # every row is written (out's contents are never read)
        if out is None:
            out = jnp.zeros((n, times.shape[0], 6), q.dtype)
        states, all_converged = jax.lax.fori_loop(0, n // tile, one_tile, (out, jnp.zeros(n, bool)))
    else:
        states, all_converged = objects_states(objects)
        if out is not None:  # written into the donated memory (XLA aliases the two)
            states = jax.lax.dynamic_update_slice_in_dim(out, states, 0, axis=0)
    code = jnp.where(invalid, status.INVALID_ELEMENTS, jnp.where(all_converged, status.OK, status.NOT_CONVERGED))
    # Failed rows are NaN'd on the host (propagate), not here: a `where` on the states would need
    # the per-object verdict, a reduction over all epochs, and so a second pass over the
    # whole (N, M, 6) output.
    return states, code.astype(jnp.int32)


class _OutputSpare:
    """The memory of the last one-chunk CPU result, kept for the next call of the same shape
    once every numpy view of it that propagate handed out is gone.

    A fresh (N, M, 6) output is new memory on every call, which the operating system must
    map and zero page by page before the kernel writes it (the cost is in docs/performance.md).
    A result the caller has dropped is donated to the next call instead (_kepler_grid's
    `out`), which writes into pages already mapped, once.

    Safety: the array handed out is a view of `whole`, the zero-copy numpy array of the jax
    result, and every view of a view has `whole` as its base, so `whole` lives exactly as long
    as any view of the result does; only a weak reference to it is kept here. The jax result
    is donated only once that reference is dead. (Second guard: PjRt does not donate a buffer
    that a numpy array still shares; it allocates afresh.) A result that jax copied rather
    than shared keeps its numpy copy alive itself, so it is never reused. At most one result
    is held, of at most SPARE_MAX_BYTES, until the next call; `clear()` lets it go.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._held = None  # (jax.Array, weakref.ref to its numpy view `whole`)

    def take(self, shape):
        """The held array if it has `shape` and no view of it is alive (it is then the
        caller's, to donate), else None; either way nothing is held afterwards."""
        with self._lock:
            held, self._held = self._held, None
        if held is None:
            return None
        array, whole = held
        if whole() is None and array.shape == tuple(shape) and not array.is_deleted():
            return array
        return None

    def keep(self, array, whole):
        if array.nbytes <= SPARE_MAX_BYTES:
            with self._lock:
                self._held = (array, weakref.ref(whole))

    def clear(self):
        with self._lock:
            self._held = None


_SPARE = _OutputSpare()


def _object_tile(n_bucket: int, m_bucket: int, mesh) -> int:
    """Objects per step of the CPU tile loop, or 0 for one pass over the whole batch.

    XLA's CPU backend does not fuse the solver into one loop: it splits it at the divisions,
    square roots and exponentials into some seventy elementwise kernels, each writing an
    (N, M) intermediate to memory. Over a whole 1e7-lane batch that traffic, not arithmetic,
    sets the pace. Run TILE_LANES lanes at a time and the intermediates stay in cache (the
    gain is in docs/performance.md). GPUs fuse the lot and want the whole batch at once, and
    a sharded batch is left to the partitioner, so tiles are for one CPU device only. The tile
    is a power of two that divides the bucket size (a ragged last tile would be a second
    compiled body, and was slower).
    """
    if mesh is not None or jax.default_backend() != "cpu" or n_bucket * m_bucket <= TILE_LANES:
        return 0
    limit = max(1, TILE_LANES // m_bucket)
    tile = 1 << (limit.bit_length() - 1)
    while n_bucket % tile:
        tile //= 2
    return tile


def _kepler(elements: CometaryElements, times, rotation, offset, mu, max_lanes):
    """Run the batch through the variant without the hyperbolic Stumpff branch when no object
    needs it (kepler.needs_hyperbolic_branch), else through the full one.

    (Splitting a mixed batch between the two variants is slower: scattering the two results
    back into input order costs more than the fast variant saves; docs/performance.md.)
    """
    fields = [np.asarray(getattr(elements, f), dtype=np.float64) for f in ("q", "e", "i", "node", "argp", "tp")]
    # Only hyperbolas can need the exp branch: the test runs on the objects with e > 1 alone.
    # (The others it would flag have q <= 0: invalid, they run on a circular orbit instead.)
    candidates = np.flatnonzero(fields[1] > 1.0)
    hyperbolic = False
    if candidates.size:
        tp = fields[5][candidates]
        with np.errstate(invalid="ignore"):  # O(N), not an (N, M) temporary
            max_abs_dt = np.maximum(np.abs(times.max() - tp), np.abs(times.min() - tp))
        hyperbolic = bool(needs_hyperbolic_branch(fields[0][candidates], fields[1][candidates], max_abs_dt, mu).any())
    return _kepler_group(fields, times, rotation, offset, mu, max_lanes, hyperbolic)


def _kepler_group(fields, times, rotation, offset, mu, max_lanes, hyperbolic):
    n, m = fields[0].shape[0], times.shape[0]
    m_bucket = batching.bucket_size(m)
    mesh = batching.object_mesh()
    n_dev = 1 if mesh is None else mesh.size
    chunk = batching.bucket_floor(max(max_lanes // m_bucket, 1), batching.MIN_OBJECT_BUCKET, n_dev)
    times_p = batching.pad_leading(times, m_bucket)
    offset_p = batching.pad_leading(offset, m_bucket)
    # One device: numpy goes straight to the jitted call, which copies it in one step (a
    # jnp.asarray per field first costs about as much again, in dispatch).
    put = (lambda a: a) if mesh is None else jnp.asarray
    shared = batching.replicate((put(times_p), put(offset_p), put(rotation)), mesh)

    bounds = batching.chunk_bounds(n, chunk)
    # One chunk on one CPU device: the states go into the memory of the previous such result
    # once the caller has let go of it (_OutputSpare), or else into a fresh array.
    reuse = len(bounds) == 1 and mesh is None and jax.default_backend() == "cpu"
    pending = []
    for start, stop in bounds:
        size = chunk if stop - start == chunk else batching.bucket_size(stop - start, batching.MIN_OBJECT_BUCKET, n_dev)
        parts = [batching.pad_leading(f[start:stop], size, fill) for f, fill in zip(fields, PAD_ELEMENTS)]
        parts = batching.shard_objects([put(p) for p in parts], mesh)
        # dispatched asynchronously
        tile = _object_tile(size, m_bucket, mesh)
        out = None
        if reuse:
            shape = (size, m_bucket, 6)
            out = _SPARE.take(shape)
            if out is None:
                out = jnp.zeros(shape)
        pending.append((start, stop, _kepler_grid(*parts, *shared, mu, out=out, hyperbolic=hyperbolic, tile=tile)))
    if len(pending) == 1:  # no copy: a view of the padded result
        states, code = pending[0][2]
        whole = np.asarray(states)
        if reuse:
            _SPARE.keep(states, whole)
        out, codes = whole[:n, :m], np.asarray(code)[:n]
    else:
        out = np.empty((n, m, 6))
        codes = np.empty(n, dtype=np.int32)
        for start, stop, (states, code) in pending:
            out[start:stop] = np.asarray(states)[: stop - start, :m]
            codes[start:stop] = np.asarray(code)[: stop - start]
    return out, codes


def _propagate_kepler(elements, t, frame, center, mu, ephemeris, max_lanes):
    """model="kepler": (states (N, M, 6), status (N,) int32), NaN rows for failed objects."""
    if len(elements) == 0 or t.size == 0:
        return np.empty((len(elements), t.size, 6)), np.zeros(len(elements), np.int32)
    offset = np.zeros((t.size, 6))
    if center == "ssb":
        offset = frames.sun_state_ssb(t, ephemeris, frame)
    # The kernel tests the elements as validate.invalid_mask does (INVALID_ELEMENTS).
    states, codes = _kepler(elements, t, frames.rotation_from_ecliptic(frame), offset, mu, max_lanes)
    failed = codes != status.OK
    if failed.any():  # rare: copy only then (the kernel's output may be a read-only view)
        states = np.array(states)
        states[failed] = np.nan
    return states, codes


def _read_times(times, scale):
    """TDB Julian dates from `times`; a value the time-scale reader rejects is an InvalidInput("times")."""
    try:
        return to_tdb_jd(times, scale)
    except InvalidInput:
        raise
    except ValueError as exc:
        raise InvalidInput("times", str(exc)) from None


def propagate(elements: CometaryElements, times, model: str = "kepler", frame: str = "ecliptic",
              center: str = "sun", *, scale: str | None = None, mu: float = GM_SUN, ephemeris="de421",
              nongrav: bool = True, return_status: bool = False,
              max_lanes: int = MAX_LANES, covariance=None, **options):
    """Propagate N objects to M epochs.

    Args:
        elements: CometaryElements (N,), heliocentric ecliptic J2000, TDB.
        times: (M,) epochs (or a scalar): TDB Julian dates, ISO strings (UTC unless ``scale``
            says otherwise) or an astropy Time; see timescales.to_tdb_jd. Any order, any span
            (two-body: +/-1000 years and more).
        model: "kepler" (two-body, GM = mu) or "nbody" (engine.nbody).
        frame: "ecliptic" (ecliptic J2000 axes) or "icrf" (equatorial J2000 / ICRF axes).
        center: "sun" (heliocentric) or "ssb" (solar-system barycentre, via the ephemeris).
        scale: time scale of ``times`` ("utc", "tt", "tdb"); None: TDB for numbers, UTC for dates.
        mu: the Sun's GM for model="kepler", au^3/day^2 (default DE421's, as JPL Horizons uses).
        ephemeris: "de421" (default), "de440", an SPK path or a loaded Ephemeris: for
            center="ssb" and for model="nbody".
        nongrav, **options: model="nbody" only (see engine.nbody.propagate_nbody).
        return_status: return a PropagationResult (states, status) instead of the states.
        max_lanes: object-epochs per compiled call (model="kepler"); larger batches are chunked.
        covariance: an orbit covariance (engine/covariance.py) or an SBDB result: then the
            answer is uncertainty.CovariancePropagation(states, covariance (N, M, 6, 6) in
            `frame`, status), the covariance propagated linearly (engine/uncertainty.py).
    Returns:
        (N, M, 6) float64 numpy array, au and au/day, or PropagationResult when return_status.
        Rows of failed objects are NaN (status INVALID_ELEMENTS, NOT_CONVERGED, or the N-body
        codes).
    """
    check_elements(elements)
    if covariance is not None:
        from .uncertainty import propagate_covariance

        return propagate_covariance(elements, times, covariance, model=model, frame=frame, center=center,
                                    ephemeris=ephemeris, nongrav=nongrav, scale=scale, **options)
    if model not in MODELS:
        raise InvalidInput("model", f"model must be one of {MODELS}, got {model!r}")
    frames.check_frame_name(frame)
    frames.check_center_name(center)
    t = np.atleast_1d(_read_times(times, scale))
    if t.ndim != 1:
        raise InvalidInput("times", f"times must be a scalar or 1-D, got shape {t.shape}")
    if int(max_lanes) < 1:
        raise InvalidInput("max_lanes", f"max_lanes must be >= 1, got {max_lanes}")

    if model == "nbody":
        from . import nbody  # imported here so that the two-body model works without it

        states, codes = nbody.propagate_nbody(elements, t, ephemeris=ephemeris, nongrav=nongrav, **options)
        states = frames.convert_states(states, t, from_frame="icrf", from_center="ssb", to_frame=frame,
                                       to_center=center, ephemeris=ephemeris)
        codes = np.asarray(codes, dtype=np.int32)
    else:
        if options:
            raise TypeError(f"model='kepler' takes no options {sorted(options)}; they are for model='nbody'")
        states, codes = _propagate_kepler(elements, t, frame, center, check_mu(mu), ephemeris, int(max_lanes))
    if return_status:
        return PropagationResult(states, codes)
    return states
