"""Read the Chebyshev segments of a JPL SPK kernel (types 2 and 3) into numpy arrays, once.

Layout (NAIF, "SPK Required Reading", sections "Type 2: Chebyshev (position only)" and
"Type 3: Chebyshev (position and velocity)"): an SPK file is a DAF whose segment summaries
hold two doubles (start and stop, seconds past J2000 TDB) and six integers (target, centre,
frame, data type, first and last address of the segment's data). The data of a type 2 or 3
segment is a run of fixed-length records followed by four doubles:

    record k:  MID, RADIUS, X[0..n-1], Y[0..n-1], Z[0..n-1]            (type 2)
               MID, RADIUS, X, Y, Z, VX, VY, VZ, each n coefficients  (type 3)
    trailer:   INIT, INTLEN, RSIZE, N

Record k covers [INIT + k INTLEN, INIT + (k+1) INTLEN] seconds past J2000 TDB; positions are
km and velocities km/s relative to the centre, in the segment's frame. spiceypy's DAF routines
(dafopr, dafbfs, daffna, dafgs, dafus, dafgda) read the summaries and data, so byte order and
the DAF record structure are handled by CSPICE itself.
"""
from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

# Number of position/velocity components stored per record, by SPK data type.
COMPONENTS = {2: 3, 3: 6}
# NAIF frame id 1 is "J2000"; for the DE kernels this is the ICRF to within ~0.02 arcsec.
FRAME_J2000 = 1

# CSPICE keeps global state (its DAF file table); reading is serialised.
_SPICE_LOCK = threading.Lock()


class EphemerisFileError(ValueError):
    """The file is not an SPK kernel, or holds something encke cannot evaluate."""


@dataclasses.dataclass(frozen=True, eq=False)
class SpkSegment:
    """One Chebyshev segment of an SPK kernel.

    Attributes:
        target, center: NAIF ids (the state is target minus centre).
        frame: NAIF frame id (1 = J2000/ICRF).
        data_type: SPK type, 2 (position coefficients) or 3 (position and velocity).
        start_s, stop_s: coverage, seconds past J2000 TDB (from the summary).
        init_s, intlen_s: start of the first record and record length, seconds.
        mid_s, radius_s: (n,) record midpoints and half-lengths, seconds.
        coef: (n, 3 or 6, ncoef) Chebyshev coefficients, km (and km/s for type 3 velocities).
    """

    target: int
    center: int
    frame: int
    data_type: int
    start_s: float
    stop_s: float
    init_s: float
    intlen_s: float
    mid_s: np.ndarray
    radius_s: np.ndarray
    coef: np.ndarray

    @property
    def n_records(self) -> int:
        return int(self.coef.shape[0])

    @property
    def n_coef(self) -> int:
        return int(self.coef.shape[2])


def _check_spk_header(path: Path) -> None:
    """Raise EphemerisFileError unless the file starts with an SPK DAF id word."""
    with open(path, "rb") as f:
        head = f.read(8)
    # "DAF/SPK " is the id word of every modern SPK file; "NAIF/DAF" marks pre-1995 DAFs.
    if head not in (b"DAF/SPK ", b"NAIF/DAF"):
        raise EphemerisFileError(
            f"{path} is not an SPK kernel (its first 8 bytes are {head!r}, expected b'DAF/SPK ')"
        )


def _parse_segment(handle: int, dc, ic, path: Path) -> SpkSegment:
    target, center, frame, data_type, begin, end = (int(x) for x in ic)
    if data_type not in COMPONENTS:
        raise EphemerisFileError(
            f"{path}: segment for body {target} (centre {center}) has SPK type {data_type}; "
            "only Chebyshev types 2 and 3 (the JPL DE planetary ephemerides) are supported"
        )
    if frame != FRAME_J2000:
        raise EphemerisFileError(
            f"{path}: segment for body {target} is in NAIF frame {frame}; only J2000/ICRF (1) is supported"
        )
    init_s, intlen_s, rsize, n = spiceypy.dafgda(handle, end - 3, end)
    rsize, n = int(rsize), int(n)
    ncomp = COMPONENTS[data_type]
    if (rsize - 2) % ncomp or n < 1 or end - begin + 1 != rsize * n + 4:
        raise EphemerisFileError(
            f"{path}: segment for body {target} has an inconsistent layout "
            f"(RSIZE={rsize}, N={n}, {end - begin + 1} doubles)"
        )
    data = np.asarray(spiceypy.dafgda(handle, begin, end - 4), dtype=np.float64).reshape(n, rsize)
    ncoef = (rsize - 2) // ncomp
    return SpkSegment(
        target=target,
        center=center,
        frame=frame,
        data_type=data_type,
        start_s=float(dc[0]),
        stop_s=float(dc[1]),
        init_s=float(init_s),
        intlen_s=float(intlen_s),
        mid_s=np.ascontiguousarray(data[:, 0]),
        radius_s=np.ascontiguousarray(data[:, 1]),
        coef=np.ascontiguousarray(data[:, 2:].reshape(n, ncomp, ncoef)),
    )


def _merge(a: SpkSegment, b: SpkSegment, path: Path) -> SpkSegment:
    """Join two segments of one body that tile time back to back (as DE441 splits at 0 AD)."""
    first, second = sorted((a, b), key=lambda s: s.init_s)
    compatible = (
        first.center == second.center
        and first.data_type == second.data_type
        and first.intlen_s == second.intlen_s
        and first.coef.shape[1:] == second.coef.shape[1:]
        and first.init_s + first.n_records * first.intlen_s == second.init_s
    )
    if not compatible:
        raise EphemerisFileError(
            f"{path}: body {a.target} has several segments that do not tile time back to back "
            "with the same layout; encke reads one contiguous series per body"
        )
    return dataclasses.replace(
        first,
        stop_s=second.stop_s,
        mid_s=np.concatenate([first.mid_s, second.mid_s]),
        radius_s=np.concatenate([first.radius_s, second.radius_s]),
        coef=np.concatenate([first.coef, second.coef]),
    )


def read_spk(path: str | Path) -> dict[int, SpkSegment]:
    """Read every segment of an SPK kernel: {target NAIF id: segment}.

    Raises FileNotFoundError when the path does not exist and EphemerisFileError when it is
    not an SPK kernel or holds segments other than Chebyshev types 2/3 in J2000.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"SPK ephemeris file {path} does not exist")
    _check_spk_header(path)
    segments: dict[int, SpkSegment] = {}
    with _SPICE_LOCK:
        try:
            handle = spiceypy.dafopr(str(path))
        except SpiceyError as exc:
            raise EphemerisFileError(f"{path} could not be opened as an SPK kernel: {exc.short}") from exc
        try:
            spiceypy.dafbfs(handle)
            while spiceypy.daffna():
                dc, ic = spiceypy.dafus(spiceypy.dafgs(2), 2, 6)
                seg = _parse_segment(handle, dc, ic, path)
                old = segments.get(seg.target)
                segments[seg.target] = seg if old is None else _merge(old, seg, path)
        except SpiceyError as exc:  # truncated or corrupt file
            raise EphemerisFileError(f"{path} could not be read as an SPK kernel: {exc.short}") from exc
        finally:
            spiceypy.dafcls(handle)
    if not segments:
        raise EphemerisFileError(f"{path} is an SPK kernel without segments")
    return segments
