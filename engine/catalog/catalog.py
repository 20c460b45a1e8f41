"""The comet catalog: columnar arrays for the whole file, Comet views made on demand.

A Catalog holds one (N,) numpy array per field (read-only), so that the elements of every
comet go to the engine as one CometaryElements without a per-comet loop. `Comet` objects are
small frozen snapshots of one row, made when indexed or iterated.

Derived catalogs (`filter`, `periodic`, `subset`, slicing) keep the `source` and `rejected`
of the file they came from: those describe the file read, not the selection. Their `version`
is computed from the rows they hold, in order.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Iterable, Iterator

import numpy as np

from ..constants import GM_SUN
from ..elements import CometaryElements
from ..errors import InvalidInput
from .designations import ORBIT_TYPES, DesignationError, normalize_designation
from .mpc import FLOAT_COLUMNS, STRING_COLUMNS, CatalogFormatError, load_text, parse_comet_lines

_DAYS_PER_JULIAN_YEAR = 365.25


class UnknownCometError(KeyError):
    """A key that names no comet in the catalog."""

    def __str__(self) -> str:  # KeyError would show the message quoted, as a repr
        return str(self.args[0]) if self.args else "unknown comet"


@dataclasses.dataclass(frozen=True, slots=True)
class Comet:
    """One catalog entry. Angles in radians, distances in au, times TDB Julian dates.

    designation: canonical unpacked ("1P", "C/1995 O1", "73P-B"); name: "Halley" or "";
    packed: columns 1-12 of the MPC line, stripped ("0001P", "CJ95O010", "0073P      b");
    orbit_type: 'C', 'P', 'D', 'X', 'A' or 'I'; number: periodic number or None;
    q (au), e, i, node, argp (rad, J2000 ecliptic), tp (perihelion, TDB JD), epoch (epoch of
    osculation, TDB JD, NaN when the file gives none); H, K (magnitude parameters of
    m = H + 5 log10(delta) + 2.5 K log10(r), NaN when blank); reference; line_number (1-based).
    """

    designation: str
    name: str
    packed: str
    orbit_type: str
    number: int | None
    q: float
    e: float
    i: float
    node: float
    argp: float
    tp: float
    epoch: float
    H: float
    K: float
    reference: str
    line_number: int

    @property
    def periodic(self) -> bool:
        """True for the MPC's periodic types: 'P' (period < 200 years or seen at two
        perihelia, numbered or not) and 'D' (defunct periodic)."""
        return self.orbit_type in ("P", "D")

    @property
    def full_name(self) -> str:
        """Designation with name, as the MPC writes it: '1P/Halley', 'C/1995 O1 (Hale-Bopp)'."""
        if not self.name:
            return self.designation
        if self.number is not None:
            return f"{self.designation}/{self.name}"
        return f"{self.designation} ({self.name})"

    @property
    def a_au(self) -> float:
        """Semi-major axis q / (1 - e) in au: negative for hyperbolic orbits, inf at e = 1."""
        return math.inf if self.e == 1.0 else self.q / (1.0 - self.e)

    @property
    def period_years(self) -> float | None:
        """Two-body orbital period in Julian years (GM_SUN of DE421), None when e >= 1."""
        if self.e >= 1.0:
            return None
        return 2.0 * math.pi * math.sqrt(self.a_au**3 / GM_SUN) / _DAYS_PER_JULIAN_YEAR

    @property
    def i_deg(self) -> float:
        return math.degrees(self.i)

    @property
    def node_deg(self) -> float:
        return math.degrees(self.node)

    @property
    def argp_deg(self) -> float:
        return math.degrees(self.argp)


_FLOAT_FIELDS = FLOAT_COLUMNS
_ALL_FIELDS = STRING_COLUMNS + FLOAT_COLUMNS + ("number", "line_number")


def _packed_key(text: str) -> str:
    return "".join(text.split())


class Catalog:
    """An immutable, columnar comet catalog. Build it with `read_comets`.

    len(cat), iteration (Comet), cat[i] (Comet; a slice, index array or mask gives a Catalog),
    get / index_of (any designation form), search, filter, periodic, subset, elements
    (CometaryElements), designations, rejected ((line number, reason) pairs), version, source.
    """

    def __init__(self, columns: dict[str, np.ndarray], rejected: list[tuple[int, str]], source: str):
        missing = [f for f in _ALL_FIELDS if f not in columns]
        if missing:
            raise ValueError(f"Catalog columns missing: {', '.join(missing)}")
        sizes = {len(columns[f]) for f in _ALL_FIELDS}
        if len(sizes) != 1:
            raise ValueError(f"Catalog columns have different lengths: {sorted(sizes)}")
        self._columns = {}
        for field in _ALL_FIELDS:
            array = np.array(columns[field], copy=True)
            array.flags.writeable = False
            self._columns[field] = array
        self.rejected: list[tuple[int, str]] = list(rejected)
        self.source: str = source

    # --- size, rows -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._columns["q"])

    def _comet(self, k: int) -> Comet:
        c = self._columns
        number = int(c["number"][k])
        return Comet(
            designation=c["designation"][k],
            name=c["name"][k],
            packed=c["packed"][k],
            orbit_type=c["orbit_type"][k],
            number=number if number > 0 else None,
            **{f: float(c[f][k]) for f in _FLOAT_FIELDS},
            reference=c["reference"][k],
            line_number=int(c["line_number"][k]),
        )

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"catalog index {index} out of range for {n} comets")
            return self._comet(int(index) % n)
        return self.subset(index)

    def __iter__(self) -> Iterator[Comet]:
        return (self._comet(k) for k in range(len(self)))

    def __repr__(self) -> str:
        return f"Catalog({len(self)} comets, {len(self.rejected)} rejected lines, source={self.source!r})"

    def rejected_summary(self, first: int = 3) -> str:
        """One line for a log: how many lines were rejected, with the first `first` (line number,
        reason) pairs; "" when none was. The server prints it at start-up."""
        if not self.rejected:
            return ""
        shown = "; ".join(f"line {number}: {reason}" for number, reason in self.rejected[:first])
        more = f"; and {len(self.rejected) - first} more" if len(self.rejected) > first else ""
        noun = "line" if len(self.rejected) == 1 else "lines"
        return f"{len(self.rejected)} {noun} rejected in {self.source} ({shown}{more})"

    def column(self, field: str) -> np.ndarray:
        """The read-only (N,) array of one field (names as in Comet, plus 'line', the raw text)."""
        try:
            return self._columns[field]
        except KeyError:
            raise KeyError(f"no catalog column {field!r}; columns: {', '.join(_ALL_FIELDS)}") from None

    # --- derived arrays ---------------------------------------------------------------
    @functools.cached_property
    def elements(self) -> CometaryElements:
        """(N,) float64 CometaryElements in catalog order (non-gravitational terms zero)."""
        c = self._columns
        return CometaryElements(**{f: c[f] for f in ("q", "e", "i", "node", "argp", "tp", "epoch")})

    @property
    def designations(self) -> list[str]:
        return list(self._columns["designation"])

    @property
    def names(self) -> list[str]:
        return list(self._columns["name"])

    @functools.cached_property
    def version(self) -> str:
        """16 hex digits of SHA-256 over the accepted lines (trailing blanks removed), in order.

        The same accepted content gives the same version whatever the path, line endings or
        rejected lines; any change to an accepted row changes it.
        """
        digest = hashlib.sha256("\n".join(self._columns["line"]).encode("utf-8"))
        return digest.hexdigest()[:16]

    # --- lookup -----------------------------------------------------------------------
    @functools.cached_property
    def _index(self) -> tuple[dict[str, int], dict[str, int]]:
        packed, canonical = {}, {}
        # reversed: the first of any duplicate rows wins
        for k in range(len(self) - 1, -1, -1):
            packed[_packed_key(self._columns["packed"][k])] = k
            canonical[self._columns["designation"][k].upper()] = k
        return packed, canonical

    def index_of(self, key: str) -> int:
        """Row of a comet: packed ('CJ95O010', '0001P'), unpacked ('C/1995 O1', '1P', '73P-B'),
        with a name ('1P/Halley', 'C/1995 O1 (Hale-Bopp)'), in any case for unpacked forms.
        Raises UnknownCometError (a KeyError) naming the key."""
        if not isinstance(key, str):
            raise UnknownCometError(f"comet key must be a str designation, got {type(key).__name__}")
        packed, canonical = self._index
        row = packed.get(_packed_key(key))
        if row is not None:
            return row
        try:
            designation = normalize_designation(key)
        except DesignationError as exc:
            raise UnknownCometError(f"no comet {key!r} in catalog {self.source!r}: {exc}") from None
        row = canonical.get(designation.upper())
        if row is None:
            raise UnknownCometError(
                f"no comet {key!r} (designation {designation}) in catalog {self.source!r} of "
                f"{len(self)} comets; catalog.search(text) finds comets by part of a name or designation"
            )
        return row

    def get(self, key: str) -> Comet:
        """The comet for any designation form (see index_of). Raises UnknownCometError."""
        return self._comet(self.index_of(key))

    def __contains__(self, key) -> bool:
        try:
            self.index_of(key)
        except KeyError:
            return False
        return True

    def search(self, text: str) -> list[Comet]:
        """Comets whose name, designation or full name contains `text`, case-insensitively,
        in catalog order."""
        return [self._comet(k) for k in np.flatnonzero(self.search_mask(text))]

    def search_mask(self, text: str) -> np.ndarray:
        """(N,) bool: the rows `search(text)` returns (for callers that keep row numbers)."""
        needle = text.strip().lower()
        c = self._columns
        hits = np.zeros(len(self), dtype=bool)
        for k in range(len(self)):
            designation, name = c["designation"][k], c["name"][k]
            haystack = f"{designation}\n{name}\n{designation}/{name}\n{designation} ({name})".lower()
            hits[k] = needle in haystack
        return hits

    # --- selections -------------------------------------------------------------------
    def subset(self, indices) -> "Catalog":
        """A Catalog of the given rows: an index array or list, a boolean mask or a slice."""
        if isinstance(indices, slice):
            rows = np.arange(len(self))[indices]
        else:
            rows = np.asarray(indices)
            if rows.dtype == bool:
                if rows.shape != (len(self),):
                    raise IndexError(f"boolean mask has shape {rows.shape}, catalog has {len(self)} comets")
                rows = np.flatnonzero(rows)
            elif rows.size == 0:
                rows = rows.astype(np.int64)
            elif not np.issubdtype(rows.dtype, np.integer):
                raise IndexError(f"catalog indices must be integers or a boolean mask, got dtype {rows.dtype}")
        return Catalog({f: a[rows] for f, a in self._columns.items()}, self.rejected, self.source)

    def periodic(self) -> "Catalog":
        """The periodic comets (orbit type 'P' or 'D'); see Comet.periodic."""
        return self.subset(np.isin(self._columns["orbit_type"].astype(str), ["P", "D"]))

    def filter(
        self,
        q_min: float | None = None,
        q_max: float | None = None,
        e_min: float | None = None,
        e_max: float | None = None,
        i_min_deg: float | None = None,
        i_max_deg: float | None = None,
        orbit_type: str | Iterable[str] | None = None,
    ) -> "Catalog":
        """Comets within all the given inclusive bounds: q (au), e, i (degrees); orbit_type is
        one letter or an iterable of letters from C, P, D, X, A, I. None means no bound."""
        return self.subset(self.filter_mask(q_min, q_max, e_min, e_max, i_min_deg, i_max_deg, orbit_type))

    def filter_mask(self, q_min=None, q_max=None, e_min=None, e_max=None, i_min_deg=None, i_max_deg=None,
                    orbit_type=None) -> np.ndarray:
        """(N,) bool: the rows `filter` keeps (for callers that keep row numbers). A bad bound
        raises InvalidInput (a ValueError) whose `field` is the argument's name."""
        c = self._columns
        keep = np.ones(len(self), dtype=bool)
        bounds = (
            ("q_min", q_min, c["q"], np.greater_equal),
            ("q_max", q_max, c["q"], np.less_equal),
            ("e_min", e_min, c["e"], np.greater_equal),
            ("e_max", e_max, c["e"], np.less_equal),
            ("i_min_deg", i_min_deg, np.degrees(c["i"]), np.greater_equal),
            ("i_max_deg", i_max_deg, np.degrees(c["i"]), np.less_equal),
        )
        for label, bound, values, compare in bounds:
            if bound is None:
                continue
            try:
                bound = float(bound)
            except (TypeError, ValueError):
                raise InvalidInput(label, f"{label}: {bound!r} is not a number") from None
            if math.isnan(bound):
                raise InvalidInput(label, f"{label}: NaN is not a valid bound")
            keep &= compare(values, bound)
        if orbit_type is not None:
            letters = [orbit_type] if isinstance(orbit_type, str) else list(orbit_type)
            wanted = set()
            for letter in letters:
                if not isinstance(letter, str) or letter.upper() not in ORBIT_TYPES or len(letter) != 1:
                    raise InvalidInput("orbit_type", f"orbit_type: {letter!r} is not one of {', '.join(ORBIT_TYPES)}")
                wanted.add(letter.upper())
            keep &= np.isin(c["orbit_type"].astype(str), sorted(wanted))
        return keep


def read_comets(path_or_text=None) -> Catalog:
    """Read an MPC comet orbit file (CometEls.txt) into a Catalog.

    With no argument: the default catalog, as `default.choose_catalog` picks it ($ENCKE_CATALOG,
    else the newer of the cached MPC download and the snapshot shipped with encke).
    path_or_text: a pathlib.Path or a str without a line break is a path; bytes, or a str
    containing a line break, is the file's content; an open file is read. Every non-blank line
    becomes a comet or a (line number, reason) entry of `catalog.rejected`.
    Raises CatalogFormatError (a ValueError) when the file is missing, unreadable, binary,
    empty, another format (HTML, JSON) or has no line that parses.
    """
    if path_or_text is None:
        from .default import choose_catalog

        path_or_text = choose_catalog().path
    text, source = load_text(path_or_text)
    columns, rejected = parse_comet_lines(text)
    if len(columns["q"]) == 0:
        shown = "; ".join(f"line {n}: {reason}" for n, reason in rejected[:3])
        raise CatalogFormatError(
            f"comet catalog {source!r} is not in the MPC comet format: none of its {len(rejected)} "
            f"non-blank lines parses ({shown})"
        )
    return Catalog(columns, rejected, source)
