"""`encke approaches`: close approaches of the catalog's comets to a body, from N-body propagation.

    encke approaches --body earth --start 2026-01-01 --stop 2036-01-01 --max-au 0.2
    encke approaches --comet 67P --body jupiter --start 2026-01-01 --stop 2036-01-01 --format json

One row per approach (engine/approaches.py: minima of the distance refined to well under a
second), sorted by time: comet, body, UTC and TDB time, distance (au and km), relative speed
(km/s), and the comet's MOID with the Earth and Jupiter. The catalog has no covariance: with
--uncertainty the comet's orbit solution is fetched from JPL's SBDB (cached) and the 3-sigma of
time and distance are added; a comet without one says so. Exit codes: 0 success (also with no
approach), 1 no catalog or SBDB unreachable, 2 bad arguments.
"""
from __future__ import annotations

import json
import sys

from ._shared import UsageError, load_catalog, quiet_dubious_year


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "approaches",
        help="close approaches of comets to the Sun, a planet or the Moon",
        description="List the approaches of the catalog's comets (or --comet) to --body within --max-au "
                    "between --start and --stop (UTC dates), from N-body propagation (DE421).",
    )
    p.add_argument("--body", default="earth", help="sun, mercury, venus, earth, moon, mars, jupiter, ... "
                                                   "(default %(default)s)")
    p.add_argument("--start", required=True, help="first time, UTC (YYYY-MM-DD)")
    p.add_argument("--stop", required=True, help="last time, UTC (YYYY-MM-DD)")
    p.add_argument("--max-au", type=float, default=0.2, help="largest distance listed, au (default %(default)s)")
    p.add_argument("--comet", help="one comet's designation (default: the whole catalog)")
    p.add_argument("--uncertainty", action="store_true",
                   help="3-sigma of time and distance from the comet's SBDB covariance (needs --comet)")
    p.add_argument("--catalog", metavar="PATH", help="MPC CometEls.txt (default: $ENCKE_CATALOG, then the cache)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(func=run)


def _utc(jd_tdb: float) -> str:
    from astropy.time import Time

    with quiet_dubious_year():
        return Time(jd_tdb, format="jd", scale="tdb").utc.isot[:19]


def run(args, out=None) -> int:
    out = out or sys.stdout
    try:
        found, covariance = _find(args)
    except UsageError as exc:
        print(f"encke approaches: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:  # UnknownCometError
        print(f"encke approaches: --comet: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # InvalidInput names the field (bodies, stop, max_distance_au, times)
        print(f"encke approaches: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, LookupError, OSError) as exc:
        print(f"encke approaches: {exc}", file=sys.stderr)
        return 1
    return _write(args, found, covariance, out)


def _find(args):
    """(Approaches, covariance or None) for the command's arguments."""
    import encke
    from encke.engine.sources.sbdb import SbdbError

    if args.uncertainty and not args.comet:
        raise UsageError("--uncertainty: needs --comet (the catalog has no covariance; it is fetched from SBDB)")
    cat = load_catalog(args.catalog)
    names = cat.designations
    elements, covariance = cat.elements, None
    if args.comet:
        k = cat.index_of(args.comet)
        elements, names = cat.elements[k], [names[k]]
    if args.uncertainty:
        try:
            result = encke.sbdb.fetch(names[0])
        except SbdbError as exc:
            raise LookupError(f"SBDB: {exc}; no uncertainty available") from None
        if result.covariance is None:
            raise LookupError(f"SBDB has no covariance for {names[0]}: no uncertainty available")
        elements, covariance = result.elements, result
    with quiet_dubious_year():
        try:
            start, stop = encke.to_tdb_jd(args.start), encke.to_tdb_jd(args.stop)
        except ValueError:
            raise UsageError(f"--start/--stop: cannot read {args.start!r} .. {args.stop!r} as dates") from None
    found = encke.close_approaches(elements, start, stop, bodies=(args.body,), max_distance_au=args.max_au,
                                   covariance=covariance, designations=names)
    return found, covariance


def _write(args, found, covariance, out) -> int:
    rows = sorted(found.rows(), key=lambda r: r["time_tdb_jd"])
    for r in rows:
        r["time_utc"] = _utc(r["time_tdb_jd"])
        r["distance_km"] = r["distance_au"] * 149_597_870.7
        r["moid_earth_au"] = float(found.moid_earth_au[r["comet"]])
        r["moid_jupiter_au"] = float(found.moid_jupiter_au[r["comet"]])
    if args.format == "json":
        plain = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows]  # NaN: null
        json.dump(plain, out, indent=1)
        out.write("\n")
        return 0
    out.write(f"{len(rows)} approaches to {args.body} within {args.max_au} au, {args.start} .. {args.stop}\n")
    out.write(f"{'comet':<14} {'time (UTC)':<20} {'distance au':>12} {'km':>14} {'km/s':>8} {'MOID E au':>10}"
              f"{'  3-sigma t (min), d (km)' if covariance is not None else ''}\n")
    for r in rows:
        extra = (f"  {r['time_3sigma_days'] * 1440:.2f}, {r['distance_3sigma_au'] * 149_597_870.7:.1f}"
                 if covariance is not None else "")
        out.write(f"{r['designation']:<14} {r['time_utc']:<20} {r['distance_au']:>12.6f} {r['distance_km']:>14.0f} "
                  f"{r['speed_km_s']:>8.3f} {r['moid_earth_au']:>10.5f}{extra}\n")
    return 0
