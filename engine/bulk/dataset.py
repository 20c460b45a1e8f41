"""The output of a bulk job: a folder of Parquet parts, one per chunk, and a manifest.

    OUT/part-00000.parquet ...   columns id, time_tdb_jd, x_au, y_au, z_au, vx_au_d, vy_au_d,
                                 vz_au_d, status; one row per object and epoch, object-major
    OUT/_manifest.json           the job's fingerprint and, per finished part, its rows, the rows
                                 left out of its chunk and the SHA-256 of its bytes

The folder reads as one dataset (`pyarrow.dataset.dataset(OUT)` or `pandas.read_parquet(OUT)`;
the underscore hides the manifest from both). Each file's metadata gives the frame, centre,
model and units. Why parts plus a manifest: a part is written to a temporary name and renamed
only when complete, and the manifest is replaced atomically after it, so a job killed at any
moment leaves finished parts that a rerun keeps (after checking their checksums) and nothing
half-written that it could mistake for finished. The checksum is computed from the bytes as
they are written, so a part is never read back.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from pathlib import Path

import numpy as np

from ..errors import InvalidInput

FORMAT = "encke-bulk/1"
MANIFEST = "_manifest.json"
STATE_COLUMNS = ("x_au", "y_au", "z_au", "vx_au_d", "vy_au_d", "vz_au_d")
COLUMNS = ("id", "time_tdb_jd") + STATE_COLUMNS + ("status",)


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
    sha256: str
    bad_rows: list  # [(row number, reason)] left out of this chunk
    worker: str = ""  # where it ran: host:pid (and the Ray node when on Ray)


def write_part(folder, index: int, input_rows: int, ids, times, states, codes, metadata: dict, bad_rows,
               worker: str) -> PartRecord:
    """Write chunk `index` (ids (n,), times (M,), states (n, M, 6), codes (n,)) as one Parquet part.

    The file appears under its final name only once complete (written, then renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    n, m = len(ids), len(times)
    columns = {"id": pa.DictionaryArray.from_arrays(np.repeat(np.arange(n, dtype=np.int32), m),
                                                     pa.array(list(ids), pa.string())),
               "time_tdb_jd": np.tile(np.asarray(times, dtype=np.float64), n)}
    for k, name in enumerate(STATE_COLUMNS):
        columns[name] = np.ascontiguousarray(states[:, :, k]).reshape(-1)
    columns["status"] = np.repeat(np.asarray(codes, dtype=np.int32), m)
    table = pa.table(columns).replace_schema_metadata({k: str(v) for k, v in metadata.items()})
    final = folder / part_name(index)
    temporary = folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
    with open(temporary, "wb") as raw:
        sink = _HashingFile(raw)
        # Plain float columns: positions do not compress, and encoding them costs more than it saves.
        # Dictionaries for the repeated id and epoch columns; the states are written plain (LZ4
        # saves ~10% of the bytes at little cost; statistics on them would only cost time).
        pq.write_table(table, sink, compression="lz4", use_dictionary=["id", "time_tdb_jd"],
                       write_statistics=["id", "time_tdb_jd", "status"], row_group_size=1 << 20)
    # No fsync: a killed process loses nothing the page cache holds, and after a machine crash
    # a part whose bytes never reached the disk fails its checksum on resume and is recomputed.
    os.replace(temporary, final)
    failed = int(np.count_nonzero(np.asarray(codes) != 0))
    return PartRecord(index, final.name, input_rows, n, n * m, failed, sink.hexdigest(), [list(b) for b in bad_rows], worker)


class _HashingFile:
    """A write-only file object that hashes what passes through it (pyarrow writes to it)."""

    def __init__(self, raw):
        self.raw, self.hash, self.closed = raw, hashlib.sha256(), False

    def write(self, data) -> int:
        self.hash.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def tell(self) -> int:
        return self.raw.tell()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True  # the caller owns the raw file

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


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
            if file.is_file() and file_sha256(file) == part.sha256:
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
