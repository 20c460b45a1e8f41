"""The output of a bulk job: a folder of Parquet parts, one per chunk, and a manifest.

    OUT/part-00000.parquet ...   columns id, time_tdb_jd, x_au, y_au, z_au, vx_au_d, vy_au_d,
                                 vz_au_d, status; one row per object and epoch, object-major
    OUT/_manifest.json           the job's fingerprint and, per finished part, its rows, the rows
                                 left out of its chunk and the CRC-32 of its bytes

The folder reads as one dataset (`pyarrow.dataset.dataset(OUT)` or `pandas.read_parquet(OUT)`;
the underscore hides the manifest from both). Each file's metadata gives the frame, centre,
model and units. Why parts plus a manifest: a part is written to a temporary name and renamed
only when complete, and the manifest is replaced atomically after it, so a job killed at any
moment leaves finished parts that a rerun keeps (after checking their checksums) and nothing
half-written that it could mistake for finished.

Writing costs about as much CPU as computing (two-body), so it is kept lean; what each choice
saved is in docs/performance.md. Every column is declared non-null (Parquet REQUIRED), so no
definition levels are computed or written: a failed object's rows are NaN, never null. The
states are written plain, uncompressed: positions barely compress (LZ4 saved 0.4% of their
bytes). id and status are dictionary-encoded, the time column is LZ4-compressed (it repeats
every M rows). The engine's (n, M, 6) states become six columns in cache-sized blocks
(`state_columns`, which the caller runs: the job's main thread, into buffers it keeps, because
memory a process touches for the first time costs more on these virtual machines than writing
it), and the id indices and the time column, the same for every chunk of one size, are built
once (`_repeated_columns`). The checksum is CRC-32, the check of Parquet's own pages, gzip and
zip: it guards against a damaged or truncated part, which is what a resume needs; it is
computed over the finished file while it is still in the page cache, by ISA-L (the `isal`
package: zlib's values, faster).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import mmap
import os
import uuid
from pathlib import Path

import numpy as np
from isal.isal_zlib import crc32  # zlib.crc32's values (ISA-L, carry-less multiply)

from ..errors import InvalidInput

FORMAT = "encke-bulk/3"  # /3: every column non-null
MANIFEST = "_manifest.json"
STATE_COLUMNS = ("x_au", "y_au", "z_au", "vx_au_d", "vy_au_d", "vz_au_d")
COLUMNS = ("id", "time_tdb_jd") + STATE_COLUMNS + ("status",)
# Parquet options of every part (see the module docstring)
CODECS = {name: ("none" if name in STATE_COLUMNS else "lz4") for name in COLUMNS}
DICTIONARY_COLUMNS = ["id", "status"]
STATISTICS_COLUMNS = ["id", "status"]  # object-major parts: every row group spans all epochs
ROW_GROUP_ROWS = 1 << 20
BLOCK_LANES = 8192  # object-epochs per block of the state transposition (~400 kB, in L2)


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


@dataclasses.dataclass(frozen=True)
class PartRecord:
    """One finished part, as the manifest keeps it."""

    index: int
    file: str
    input_rows: int  # input rows in the chunk, valid or not
    objects: int  # objects propagated (the chunk's valid rows)
    rows: int  # output rows: objects x epochs
    failed: int  # objects whose status is not OK (NaN rows in the part)
    crc32: str  # of the file's bytes, 8 hex digits
    bad_rows: list  # [(row number, reason)] left out of this chunk
    worker: str = ""  # where it ran: host:pid (and the Ray node when on Ray)


def write_part(folder, index: int, input_rows: int, ids, times, columns, codes, metadata: dict, bad_rows,
               worker: str) -> PartRecord:
    """Write chunk `index` (ids (n,), times (M,), columns: state_columns of its (n, M, 6) states,
    codes (n,)) as one Parquet part.

    The file appears under its final name only once complete (written, then renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    n, m = len(ids), len(times)
    id_indices, time_column = _repeated_columns(n, np.asarray(times, dtype=np.float64).tobytes())
    arrays = [pa.DictionaryArray.from_arrays(id_indices, pa.array(list(ids), pa.string())), time_column]
    arrays += [pa.array(column) for column in columns]
    arrays.append(pa.array(np.repeat(np.asarray(codes, dtype=np.int32), m)))
    schema = pa.schema([pa.field(name, array.type, nullable=False) for name, array in zip(COLUMNS, arrays)],
                       metadata={k: str(v) for k, v in metadata.items()})
    table = pa.Table.from_arrays(arrays, schema=schema)
    final = folder / part_name(index)
    temporary = folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, str(temporary), compression=CODECS, use_dictionary=DICTIONARY_COLUMNS,
                   write_statistics=STATISTICS_COLUMNS, row_group_size=ROW_GROUP_ROWS, write_batch_size=1 << 16)
    checksum = file_crc32(temporary)
    # No fsync: a killed process loses nothing the page cache holds, and after a machine crash
    # a part whose bytes never reached the disk fails its checksum on resume and is recomputed.
    os.replace(temporary, final)
    failed = int(np.count_nonzero(np.asarray(codes) != 0))
    return PartRecord(index, final.name, input_rows, n, n * m, failed, checksum, [list(b) for b in bad_rows], worker)


def state_columns(states, buffer=None) -> np.ndarray:
    """(n, M, 6) states -> (6, n * M) contiguous columns, object-major.

    Copied BLOCK_LANES object-epochs at a time, so that a block's six columns are gathered
    while its states are in cache (half the time of one whole-array copy: docs/performance.md).
    With `buffer` (a float64 array of at least 6 n M elements) the columns are its first 6 n M
    elements; otherwise a new array."""
    states = np.asarray(states, dtype=np.float64)
    n, m, _ = states.shape
    out = np.empty((6, n, m)) if buffer is None else buffer[:6 * n * m].reshape(6, n, m)
    step = max(1, BLOCK_LANES // max(m, 1))
    for start in range(0, n, step):
        out[:, start:start + step] = states[start:start + step].transpose(2, 0, 1)
    return out.reshape(6, n * m)


@functools.lru_cache(maxsize=4)
def _repeated_columns(n: int, times: bytes):
    """(id indices: 0..n-1 each repeated M times, time column: the M times tiled n times), as
    read-only pyarrow arrays shared by every part of n objects at those float64 times: a job's
    full chunks all have one size."""
    import pyarrow as pa

    t = np.frombuffer(times, dtype=np.float64)
    return pa.array(np.repeat(np.arange(n, dtype=np.int32), t.size)), pa.array(np.tile(t, n))


def file_crc32(path) -> str:
    """CRC-32 of a file's bytes, 8 hex digits."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return f"{0:08x}"
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return f"{crc32(view):08x}"


class Manifest:
    """The job's fingerprint and its finished parts, saved atomically after each part."""

    def __init__(self, folder, fingerprint: dict):
        self.folder, self.fingerprint = Path(folder), fingerprint
        self.parts: dict[int, PartRecord] = {}
        self.complete = False

    @classmethod
    def open(cls, folder, fingerprint: dict) -> tuple["Manifest", list]:
        """The manifest for a job writing to `folder`: a new one, or the one a previous run of the
        same job left (its parts kept where their checksums still match). Returns (manifest,
        [indices of parts dropped because their file was missing or changed]).
        Raises InvalidInput("output") when the folder holds something else."""
        folder = Path(folder)
        path = folder / MANIFEST
        if folder.exists() and not folder.is_dir():
            raise InvalidInput("output", f"output {str(folder)!r} exists and is not a folder")
        if not path.exists():
            if folder.exists() and any(p.suffix == ".parquet" for p in folder.iterdir()):
                raise InvalidInput("output", f"output folder {str(folder)!r} holds Parquet files but no "
                                   f"{MANIFEST}: not an encke job; choose another --output")
            folder.mkdir(parents=True, exist_ok=True)
            return cls(folder, fingerprint), []
        saved = json.loads(path.read_text())
        differs = sorted(k for k in set(fingerprint) | set(saved.get("fingerprint", {}))
                         if fingerprint.get(k) != saved.get("fingerprint", {}).get(k))
        if saved.get("format") != FORMAT or differs:
            raise InvalidInput("output", f"output folder {str(folder)!r} holds another job (differs in: "
                               f"{', '.join(differs) or 'format'}); remove it or choose another --output")
        manifest, dropped = cls(folder, fingerprint), []
        for record in saved["parts"]:
            part = PartRecord(**record)
            file = folder / part.file
            if file.is_file() and file_crc32(file) == part.crc32:
                manifest.parts[part.index] = part
            else:
                dropped.append(part.index)
        return manifest, dropped

    def add(self, part: PartRecord) -> None:
        self.parts[part.index] = part
        self.save()

    def save(self) -> None:
        document = {"format": FORMAT, "fingerprint": self.fingerprint, "complete": self.complete,
                    "parts": [dataclasses.asdict(self.parts[k]) for k in sorted(self.parts)]}
        temporary = self.folder / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
        temporary.write_text(json.dumps(document, indent=1))
        os.replace(temporary, self.folder / MANIFEST)

    def remove_strays(self) -> None:
        """Delete temporary files and parts the manifest does not list (a killed run's leftovers)."""
        listed = {p.file for p in self.parts.values()}
        for path in self.folder.iterdir():
            stray_part = path.name.startswith("part-") and path.suffix == ".parquet" and path.name not in listed
            if stray_part or (path.name.startswith(".") and path.name.endswith(".tmp")):
                path.unlink(missing_ok=True)
