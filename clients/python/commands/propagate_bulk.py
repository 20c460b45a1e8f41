"""`encke propagate --input FILE --output OUT`: a whole element table to a Parquet dataset.

The work is engine.bulk.propagate_bulk's; this module reads the epochs from the command line
(--start/--stop/--step or --times FILE), reports skipped rows and the summary on stderr, and
maps errors to exit codes: 0 done (rows with bad values are skipped and listed), 1 a missing
file or a failure while running, 2 bad arguments or a table whose columns are wrong (nothing
was computed).
"""
from __future__ import annotations

import sys

from ._shared import UsageError, quiet_dubious_year, time_grid

SHOW_BAD_ROWS = 20  # skipped rows listed on stderr; all of them are in the manifest


def run_bulk(args) -> int:
    from encke.engine.bulk import propagate_bulk
    from encke.engine.errors import InvalidInput

    try:
        times = _epochs(args)
    except UsageError as exc:
        return _fail(exc, 2)
    except FileNotFoundError as exc:
        return _fail(exc, 1)
    try:
        result = propagate_bulk(args.input, times, args.output, model=args.model, frame=args.frame,
                                center=args.center, ephemeris=args.ephemeris, chunk_objects=args.chunk_objects,
                                cluster=args.cluster, progress=not args.no_progress)
    except InvalidInput as exc:  # SchemaError included: stopped before any work
        return _fail(exc, 2)
    except (FileNotFoundError, ImportError, ConnectionError, RuntimeError, ValueError) as exc:
        return _fail(exc, 1)
    _report(result, len(times))
    return 0


def _epochs(args):
    """TDB Julian dates from --times FILE, else from --start/--stop/--step in --scale."""
    if args.format not in ("text", "parquet"):
        raise UsageError("--input writes a Parquet dataset; --format must be parquet (or left out)")
    if not args.output:
        raise UsageError("--input needs --output FOLDER (the Parquet dataset)")
    if args.server:
        raise UsageError("--input runs here or on --cluster, not on --server")
    if args.times:
        if args.start or args.stop:
            raise UsageError("give --times FILE or --start/--stop/--step, not both")
        return read_times_file(args.times, args.scale)
    if not (args.start and args.stop):
        raise UsageError("--input needs --times FILE or --start and --stop")
    from encke.engine.timescales import to_tdb_jd

    return to_tdb_jd(time_grid(args.start, args.stop, args.step, args.scale))


def read_times_file(path: str, scale: str):
    """One epoch a line (blank lines and # comments skipped): a number is a TDB Julian date, a
    date (YYYY-MM-DD[THH:MM[:SS]]) is in `scale`. UsageError names the line."""
    import numpy as np

    from encke.engine.timescales import to_tdb_jd

    values = []
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            try:
                values.append(float(text))
                continue
            except ValueError:
                pass
            try:
                with quiet_dubious_year():
                    values.append(float(to_tdb_jd(text, scale)))
            except ValueError:
                raise UsageError(f"--times: {path} line {number}: cannot read {text!r} as a TDB Julian date "
                                 f"or a date in {scale.upper()}") from None
    if not values:
        raise UsageError(f"--times: {path} holds no epochs")
    times = np.array(values)
    if not np.isfinite(times).all():
        raise UsageError(f"--times: {path} holds a non-finite epoch")
    return times


def _report(result, epochs: int) -> None:
    s = result.summary
    for row, reason in s.bad_rows[:SHOW_BAD_ROWS]:
        print(f"encke propagate: row {row} skipped: {reason}", file=sys.stderr)
    if len(s.bad_rows) > SHOW_BAD_ROWS:
        print(f"encke propagate: ... and {len(s.bad_rows) - SHOW_BAD_ROWS} more skipped rows "
              f"(all listed in {result.path}/_manifest.json)", file=sys.stderr)
    resumed = f", {s.resumed_chunks} kept from an earlier run" if s.resumed_chunks else ""
    failed = f"; {s.failed} objects failed (NaN rows, see the status column)" if s.failed else ""
    print(f"encke propagate: {s.objects} objects x {epochs} epochs = {s.rows} rows -> {result.path} "
          f"({s.chunks} parts{resumed}; {len(s.bad_rows)} rows skipped{failed}; {s.seconds:.1f} s on "
          f"{s.executor})", file=sys.stderr)


def _fail(exc, code: int) -> int:
    print(f"encke propagate: error: {exc}", file=sys.stderr)
    return code
