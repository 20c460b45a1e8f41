"""Element tables for bulk jobs: MPC CometEls.txt, Parquet or CSV, read in chunks of objects.

A Parquet or CSV table has the columns

    id, q_au, e, i_deg, node_deg, argp_deg, tp_tdb_jd, epoch_tdb_jd    (required)
    a1, a2, a3 (au/day^2), dt_days                                     (optional, Marsden non-grav)

heliocentric ecliptic J2000, angles in degrees, times TDB Julian dates. The schema is checked
when the table is opened (SchemaError names the missing or unknown columns), so a job stops
before any work starts. Rows are then checked chunk by chunk: a row with a missing id, a
non-finite or unreadable number, q <= 0 or e < 0 is reported as (row number, reason) and left
out; the rest of its chunk goes on. Row numbers count data rows from 1 (in a CSV file, row n
is on line n + 1, after the header); for CometEls.txt they are the file's line numbers, from
the catalog parser's rejected lines.

Chunk k always holds input rows [k * size, (k + 1) * size), valid or not, so that a resumed
job cuts the same chunks as the run it continues. Parquet and CSV are streamed (pyarrow's
batch readers), so memory stays at a few chunks whatever the table's size; CometEls.txt is a
few thousand lines and is parsed whole by the catalog reader.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from ..elements import CometaryElements
from ..errors import InvalidInput

REQUIRED = ("id", "q_au", "e", "i_deg", "node_deg", "argp_deg", "tp_tdb_jd", "epoch_tdb_jd")
OPTIONAL = ("a1", "a2", "a3", "dt_days")
NUMERIC = REQUIRED[1:] + OPTIONAL
# table column -> CometaryElements field (angles converted from degrees)
_FIELDS = {"q_au": "q", "e": "e", "i_deg": "i", "node_deg": "node", "argp_deg": "argp", "tp_tdb_jd": "tp",
           "epoch_tdb_jd": "epoch", "a1": "A1", "a2": "A2", "a3": "A3", "dt_days": "DT"}
_DEGREES = ("i_deg", "node_deg", "argp_deg")


class SchemaError(InvalidInput):
    """The table's columns are wrong (missing required or unknown ones): nothing was computed."""


@dataclasses.dataclass(frozen=True)
class ElementChunk:
    """Chunk `index` of a table: the valid rows' ids and elements, and the rows left out."""

    index: int
    rows: int  # input rows in the chunk, valid or not
    ids: np.ndarray  # (n,) str
    elements: CometaryElements  # (n,), radians inside
    bad_rows: list  # [(row number, reason)]


class ElementTable:
    """An opened, schema-checked element table. `chunks(size)` streams it."""

    def __init__(self, path: Path, kind: str, n_rows: int, columns: tuple):
        self.path, self.kind, self.n_rows, self.columns = path, kind, n_rows, columns

    def fingerprint(self) -> dict:
        """What identifies this input for resuming: its path, size and modification time."""
        st = os.stat(self.path)
        return {"input": str(self.path.resolve()), "input_bytes": st.st_size, "input_mtime_ns": st.st_mtime_ns}

    def chunks(self, size: int, skip=frozenset()) -> Iterator[ElementChunk]:
        """ElementChunks of `size` input rows; chunk indices in `skip` are not converted (None is
        yielded in their place, so the caller still sees every index in order)."""
        if size < 1:
            raise InvalidInput("chunk_objects", f"chunk_objects must be >= 1, got {size}")
        if self.kind == "cometels":
            yield from _cometels_chunks(self.path, size, skip)
            return
        batches = _parquet_batches(self.path, size) if self.kind == "parquet" else _csv_batches(self.path, size)
        for index, table in enumerate(_rechunk(batches, size)):
            yield None if index in skip else _table_chunk(index, index * size, table)


def open_table(path) -> ElementTable:
    """Open an element table and check its schema. The format comes from the suffix (.parquet,
    .pq, .csv), else from the content (Parquet's magic bytes, else an MPC CometEls.txt).
    Raises FileNotFoundError, or SchemaError naming the missing and unknown columns."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input table {str(path)!r} does not exist")
    kind = _kind(path)
    if kind == "cometels":
        from ..catalog import read_comets

        return ElementTable(path, kind, len(read_comets(path)), REQUIRED)
    if kind == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        names, n_rows = tuple(meta.schema.to_arrow_schema().names), meta.num_rows
    else:
        names, n_rows = _csv_header(path), None
    _check_schema(names, path)
    return ElementTable(path, kind, n_rows, names)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    with open(path, "rb") as handle:
        return "parquet" if handle.read(4) == b"PAR1" else "cometels"


def _check_schema(names, path) -> None:
    missing = [c for c in REQUIRED if c not in names]
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    problems = []
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if problems:
        raise SchemaError(missing[0] if missing else unknown[0],
                          f"{path}: {'; '.join(problems)} (columns: {', '.join(REQUIRED)}; optional: "
                          f"{', '.join(OPTIONAL)})")


def _csv_header(path: Path) -> tuple:
    import csv

    with open(path, newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise SchemaError("id", f"{path}: empty CSV file, expected a header row")
    return tuple(h.strip() for h in header)


def _parquet_batches(path, size):
    import pyarrow.parquet as pq

    yield from pq.ParquetFile(path).iter_batches(batch_size=size)


def _csv_batches(path, size):
    """CSV record batches with every column as text: numbers are converted per chunk, so that
    one unreadable value costs its row, not the whole file."""
    import pyarrow as pa
    from pyarrow import csv

    names = _csv_header(path)
    convert = csv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True)
    reader = csv.open_csv(path, read_options=csv.ReadOptions(block_size=1 << 22), convert_options=convert)
    yield from reader


def _rechunk(batches, size):
    """pyarrow Tables of exactly `size` rows (the last one shorter) from batches of any size."""
    import pyarrow as pa

    pending, count = [], 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, size)
            rest = table.slice(size)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending)


def _table_chunk(index: int, first: int, table) -> ElementChunk:
    """Convert and check one chunk: rows with a problem are reported and left out."""
    n = table.num_rows
    bad = np.zeros(n, dtype=bool)
    reasons: dict[int, str] = {}
    ids = np.array(table.column("id").cast("string").to_pylist(), dtype=object)
    _flag(bad, reasons, np.array([i is None or str(i).strip() == "" for i in ids]), "id is missing")
    values = {}
    for name in NUMERIC:
        if name not in table.column_names:
            continue
        column, unreadable = _to_float(table.column(name), optional=name in OPTIONAL)
        _flag(bad, reasons, unreadable, f"{name} is not a number")
        with np.errstate(invalid="ignore"):
            _flag(bad, reasons, ~np.isfinite(column) & ~unreadable, f"{name} is not finite")
        values[name] = column
    with np.errstate(invalid="ignore"):
        _flag(bad, reasons, values["q_au"] <= 0, "q_au must be > 0")
        _flag(bad, reasons, values["e"] < 0, "e must be >= 0")
    good = ~bad
    fields = {_FIELDS[c]: (np.radians(v[good]) if c in _DEGREES else v[good]) for c, v in values.items()}
    bad_rows = [(first + int(k) + 1, reasons[int(k)]) for k in np.flatnonzero(bad)]
    return ElementChunk(index, n, ids[good].astype(str), CometaryElements(**fields), bad_rows)


def _flag(bad, reasons, mask, reason) -> None:
    for k in np.flatnonzero(mask & ~bad):  # the first problem found names the row
        reasons[int(k)] = reason
    bad |= mask


def _to_float(column, optional: bool):
    """(float64 values, unreadable mask). Nulls are NaN (so non-finite: a bad row), except in
    the optional non-gravitational columns, where a blank means "none" (zero)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.utf8_trim_whitespace(column)
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
        try:
            column = column.cast(pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return _to_float_slowly(column.to_pylist(), optional)
    values = column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    nulls = column.is_null().to_numpy(zero_copy_only=False)
    values[nulls] = 0.0 if optional else np.nan
    return values, np.zeros(len(values), dtype=bool)


def _to_float_slowly(texts, optional: bool):
    """One value at a time: the rare chunk with text that is not a number."""
    values = np.empty(len(texts))
    unreadable = np.zeros(len(texts), dtype=bool)
    for k, text in enumerate(texts):
        if text is None:
            values[k] = 0.0 if optional else np.nan
            continue
        try:
            values[k] = float(text)
        except ValueError:
            values[k], unreadable[k] = np.nan, True
    return values, unreadable


def _cometels_chunks(path, size, skip):
    """Chunks of an MPC CometEls.txt: the catalog parser's accepted comets, cut in file order.
    A rejected line is reported with the chunk of the next accepted comet (the last chunk takes
    those after the final comet), so each is reported once."""
    from ..catalog import read_comets

    catalog = read_comets(path)
    elements = catalog.elements
    ids = np.array(catalog.designations, dtype=object)
    lines = np.asarray(catalog.column("line_number"))
    last = (len(catalog) - 1) // size
    owner = {line: min(int(np.searchsorted(lines, line)) // size, last) for line, _ in catalog.rejected}
    for index, start in enumerate(range(0, len(catalog), size)):
        if index in skip:
            yield None
            continue
        stop = min(start + size, len(catalog))
        bad = sorted((line, reason) for line, reason in catalog.rejected if owner[line] == index)
        yield ElementChunk(index, stop - start, ids[start:stop].astype(str), elements[start:stop], bad)
