"""`encke propagate`: state vectors of one catalog comet over a time range.

    encke propagate --comet 1P --start 2024-01-01 --stop 2024-12-31 --step 10d
    encke propagate --comet "C/2022 E3" --start 2023-01-01 --stop 2023-03-01 --step 12h --frame icrf --format csv

Times are calendar dates (or ISO date-times) in --scale (UTC by default), from --start to
--stop inclusive every --step (a number and a unit: m, h, d or y = 365.25 d). The states are
in au and au/day, in --frame axes (ecliptic J2000 or ICRF) about --center (the Sun or the
solar-system barycentre). The catalog is --catalog, else $ENCKE_CATALOG, else the MPC file
cached by `encke fetch`. With --server HOST:PORT the states come from a running `encke serve`
through the gRPC client (StreamTrajectory), with a progress bar over the streamed chunks, and
the server's catalog is used instead. --format parquet needs --output FILE.

Bulk jobs: --input FILE (an MPC CometEls.txt, or a Parquet or CSV table with the columns id,
q_au, e, i_deg, node_deg, argp_deg, tp_tdb_jd, epoch_tdb_jd and optionally a1, a2, a3, dt_days)
propagates every row to the epochs of --start/--stop/--step or of --times FILE into the Parquet
dataset folder --output, in chunks of objects, with a progress bar; rows with bad values are
reported and skipped, a wrong set of columns stops the job before it starts, and a rerun of a
killed job resumes it (engine/bulk). --cluster runs the chunks as Ray tasks: --cluster auto
starts a local Ray (or joins $RAY_ADDRESS), --cluster HOST:PORT joins a running cluster.

    encke propagate --input elements.parquet --start 2025-01-01 --stop 2025-12-31 --step 1d --output states/
    encke propagate --input elements.csv --times epochs.txt --output states/ --cluster auto

Exit codes: 0 success, 1 no catalog, unknown comet or a failed propagation, 2 bad arguments.
"""
from __future__ import annotations

import json
import math
import sys

from ._shared import UsageError, load_catalog, parse_step_days, quiet_dubious_year, time_grid

COLUMNS = ("x_au", "y_au", "z_au", "vx_au_per_day", "vy_au_per_day", "vz_au_per_day")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "propagate",
        help="state vectors of a comet over a time range, or of a whole element table to Parquet",
        description="Print the position (au) and velocity (au/day) of one catalog comet from --start to --stop "
                    "(inclusive) every --step; or, with --input, propagate every row of an element table to a "
                    "Parquet dataset folder --output (in chunks, resumable, optionally on Ray with --cluster).",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--comet", help='designation, e.g. 1P, "C/2022 E3", 0001P')
    which.add_argument("--input", metavar="FILE",
                       help="bulk job: every row of an element table (CometEls.txt, Parquet or CSV) to the "
                            "Parquet dataset folder --output")
    p.add_argument("--start", help="first time (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]) in --scale")
    p.add_argument("--stop", help="last time (inclusive) in --scale")
    p.add_argument("--times", metavar="FILE",
                   help="with --input: epochs, one a line (a number is a TDB Julian date, a date is in --scale)")
    p.add_argument("--step", default="1d", help="time step: a number and a unit m, h, d or y (default %(default)s)")
    p.add_argument("--scale", choices=("utc", "tt", "tdb"), default="utc",
                   help="time scale of --start/--stop (default %(default)s)")
    p.add_argument("--model", choices=("kepler", "nbody"), default="kepler", help="default %(default)s")
    p.add_argument("--frame", choices=("ecliptic", "icrf"), default="ecliptic",
                   help="axes: ecliptic J2000 or ICRF/equatorial J2000 (default %(default)s)")
    p.add_argument("--center", choices=("sun", "ssb"), default="sun",
                   help="origin: the Sun or the solar-system barycentre (default %(default)s)")
    p.add_argument("--ephemeris", default="de421",
                   help="planetary ephemeris for --center ssb and --model nbody: de421, de440 or a .bsp path")
    p.add_argument("--catalog", metavar="PATH", help="MPC CometEls.txt (default: $ENCKE_CATALOG, then the cache)")
    p.add_argument("--format", choices=("text", "csv", "json", "parquet"), default="text",
                   help="default %(default)s; parquet needs --output")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write to FILE instead of standard output (with --input: the dataset folder)")
    p.add_argument("--server", metavar="HOST:PORT", help="ask a running `encke serve` (gRPC) instead of computing here")
    p.add_argument("--token", help="bearer token for --server")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (--server, --input)")
    p.add_argument("--cluster", nargs="?", const="auto", metavar="ADDRESS",
                   help="with --input: run the chunks on Ray; 'auto' (the default value) starts a local Ray or "
                        "joins $RAY_ADDRESS, an address joins that cluster (needs encke[cluster])")
    p.add_argument("--chunk-objects", type=int, metavar="N",
                   help="with --input: objects per chunk (default: about 1 million object-epochs per chunk)")
    p.set_defaults(func=run)


def time_labels_and_tdb(start: str, stop: str, step: str, scale: str):
    """(labels, TDB JD) from start to stop inclusive; labels are ISO strings in `scale`."""
    from encke.engine.timescales import to_tdb_jd

    times = time_grid(start, stop, step, scale)
    with_clock = parse_step_days(step) < 1 or "T" in start
    with quiet_dubious_year():  # formatting future UTC dates warns too (ERFA d2dtf)
        labels = [t.isot[:19] if with_clock else t.isot[:10] for t in times]
    return labels, to_tdb_jd(times)


def run(args, out=None) -> int:
    if args.input:
        from .propagate_bulk import run_bulk

        return run_bulk(args)
    for option in ("times", "cluster", "chunk_objects"):
        if getattr(args, option) is not None:
            print(f"encke propagate: error: --{option.replace('_', '-')} goes with --input", file=sys.stderr)
            return 2
    if not (args.start and args.stop):
        print("encke propagate: error: --comet needs --start and --stop", file=sys.stderr)
        return 2
    if args.format == "parquet" and not args.output:
        print("encke propagate: error: --format parquet needs --output FILE", file=sys.stderr)
        return 2
    try:
        labels, tdb = time_labels_and_tdb(args.start, args.stop, args.step, args.scale)
    except UsageError as exc:
        print(f"encke propagate: error: {exc}", file=sys.stderr)
        return 2
    fetch = _states_from_server if args.server else _states_here
    try:
        name, tdb, states = fetch(args, tdb)
    except _Failure as exc:
        print(f"encke propagate: error: {exc}", file=sys.stderr)
        return 1
    if args.output:
        mode = "wb" if args.format == "parquet" else "w"
        with open(args.output, mode) as handle:
            _write(args.format, name, args, labels, tdb, states, handle)
    else:
        _write(args.format, name, args, labels, tdb, states, out or sys.stdout)
    return 0


class _Failure(Exception):
    """A failure to report with exit code 1 (no catalog, unknown comet, failed propagation)."""


def _states_here(args, tdb):
    """(comet name, (M,) TDB JD, (M, 6) states) computed in this process."""
    try:
        catalog = load_catalog(args.catalog)
        comet = catalog.get(args.comet)
    except (FileNotFoundError, KeyError, LookupError, ValueError) as exc:
        raise _Failure(exc) from None
    import numpy as np

    from encke.engine import status
    from encke.engine.propagate import propagate

    elements = catalog.elements[np.array([catalog.index_of(args.comet)])]
    try:
        result = propagate(elements, tdb, model=args.model, frame=args.frame, center=args.center,
                           ephemeris=args.ephemeris, return_status=True)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        raise _Failure(exc) from None
    code = int(result.status[0])
    if code != status.OK:
        raise _Failure(f"{comet.full_name}: {status.describe(code)}")
    return comet.full_name, tdb, result.states[0]


def _states_from_server(args, tdb):
    """(comet name, (M,) TDB JD, (M, 6) states) streamed from `encke serve` through the gRPC client.

    The server steps uniformly in TDB from start to stop; its epochs (returned with each chunk)
    differ from the local UTC grid by TDB - UTC's periodic milliseconds, and are the ones reported."""
    import numpy as np
    from tqdm import tqdm

    from encke.client.client import Client, EnckeError
    from encke.engine import status

    with Client(args.server, token=args.token) as client:
        try:
            comet = client.get_comet(args.comet)
            name = _full_name(comet.designation, comet.name)
            step_days = float(tdb[1] - tdb[0]) if len(tdb) > 1 else 1.0
            chunks, times = [], []
            with tqdm(total=len(tdb), unit="epoch", disable=args.no_progress, file=sys.stderr,
                      desc=f"{comet.designation} from {args.server}") as bar:
                # stop half a step past the last epoch: TDB - UTC's drift over the span can put
                # tdb[-1] a hair short of start + (M - 1) step, and the server would drop it
                stop = tdb[0] + (len(tdb) - 0.5) * step_days if len(tdb) > 1 else tdb[-1]
                for chunk in client.stream_trajectory([comet.designation], tdb[0], stop, step_days, model=args.model,
                                                      frame=args.frame, center=args.center):
                    if int(chunk.status[0]) != status.OK:
                        raise _Failure(f"{name}: {status.describe(int(chunk.status[0]))}")
                    chunks.append(chunk.states[0])
                    times.append(chunk.times)
                    bar.update(len(chunk.times))
        except EnckeError as exc:
            raise _Failure(f"server {args.server}: {exc}") from None
    states = np.concatenate(chunks) if chunks else np.empty((0, 6))
    if len(states) != len(tdb):
        raise _Failure(f"server {args.server} returned {len(states)} epochs, expected {len(tdb)}")
    return name, np.concatenate(times), states


def _full_name(designation: str, name: str) -> str:
    """As Comet.full_name: "1P/Halley" for numbered comets, "C/1995 O1 (Hale-Bopp)" otherwise."""
    if not name:
        return designation
    return f"{designation}/{name}" if designation[:1].isdigit() else f"{designation} ({name})"


def _write(fmt, name, args, labels, tdb, states, out) -> None:
    r = [math.sqrt(float(s[0] ** 2 + s[1] ** 2 + s[2] ** 2)) for s in states]
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {"time": labels, "jd_tdb": tdb, **{c: states[:, k] for k, c in enumerate(COLUMNS)}, "r_au": r}
        metadata = {"comet": name, "model": args.model, "frame": args.frame, "center": args.center,
                    "time_scale": args.scale}
        pq.write_table(pa.table(columns).replace_schema_metadata(metadata), out)
        return
    if fmt == "json":
        json.dump({
            "comet": name, "model": args.model, "frame": args.frame, "center": args.center,
            "time_scale": args.scale, "units": {"position": "au", "velocity": "au/day", "jd_tdb": "TDB Julian date"},
            "rows": [{"time": lab, "jd_tdb": float(t), **{c: float(v) for c, v in zip(COLUMNS, s)}, "r_au": rr}
                     for lab, t, s, rr in zip(labels, tdb, states, r)],
        }, out, indent=1)
        out.write("\n")
        return
    if fmt == "csv":
        out.write(",".join(("time", "jd_tdb") + COLUMNS + ("r_au",)) + "\n")
        for lab, t, s, rr in zip(labels, tdb, states, r):
            out.write(",".join([lab, repr(float(t))] + [repr(float(v)) for v in s] + [repr(rr)]) + "\n")
        return
    out.write(f"{name}: {args.model} model, {args.frame} J2000 axes, centre {args.center}; "
              f"au and au/day; times {args.scale.upper()}\n")
    header = f"{'time':<19} {'JD (TDB)':>17} " + " ".join(f"{c.split('_')[0]:>15}" for c in COLUMNS) + f" {'r':>12}"
    out.write(header + "\n")
    for lab, t, s, rr in zip(labels, tdb, states, r):
        out.write(f"{lab:<19} {t:17.6f} " + " ".join(f"{v:15.9f}" for v in s[:3]) + " "
                  + " ".join(f"{v:15.11f}" for v in s[3:]) + f" {rr:12.8f}\n")
