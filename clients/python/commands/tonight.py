"""`encke tonight`: the catalog's comets an observer can see tonight, brightest first.

    encke tonight --observer G96 --date 2024-10-14 --limit-mag 15
    encke tonight --observer=-70.74,-30.24,2715 --twilight nautical --format json

"After dark" is defined by sampling: the night that begins on the evening of --date (UTC date,
default today) is sampled every 30 minutes from local noon to the next local noon (local mean
solar time from the site's longitude), and the dark samples are those where the Sun's centre
is below -18 degrees (astronomical twilight; --twilight nautical uses -12, civil -6). A comet
is listed when, at some dark sample, it stands more than --min-elevation degrees (default 10)
above the horizon (apparent, no refraction). Its row gives the dark sample where it is highest,
with its total magnitude there (H + 5 log10 delta + 2.5 K log10 r from the catalog's H, K); it
is kept when that magnitude is at most --limit-mag (default 15). Rows are sorted by magnitude.
Defunct comets (orbit type D: disintegrated or lost, e.g. 3D/Biela, whose elements are a
century or more old) are left out unless --include-defunct is given.

The default model is two-body Kepler (--model kepler): for where a comet stands in tonight's sky,
its arcminute-level agreement with N-body is ample, and it takes a second for the whole catalog;
--model nbody is available. The catalog is --catalog, else $ENCKE_CATALOG, else the MPC file
cached by `encke fetch`. Exit codes: 0 success (also with an empty list), 1 no catalog,
2 bad arguments (including a site where the Sun never gets low enough on that night).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import sys

import numpy as np

from ._shared import load_catalog, quiet_dubious_year
from .observe import add_observer_arguments, sexagesimal_dec, sexagesimal_ra, tdb_jd, utc_label

SAMPLE_MINUTES = 30


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "tonight",
        help="comets above the horizon after dark tonight, brightest first",
        description="List the catalog's comets that are above --min-elevation while the Sun is below the "
                    "--twilight limit on the night starting on --date, and brighter than --limit-mag, "
                    "sorted by predicted total magnitude.",
    )
    add_observer_arguments(p)
    p.set_defaults(model="kepler")
    p.add_argument("--date", help="the evening's date, YYYY-MM-DD (UTC calendar; default: today)")
    p.add_argument("--limit-mag", type=float, default=15.0, help="faintest total magnitude listed (default %(default)s)")
    p.add_argument("--min-elevation", type=float, default=10.0,
                   help="minimum elevation above the horizon while dark, degrees (default %(default)s)")
    p.add_argument("--include-defunct", action="store_true",
                   help="also list defunct comets (orbit type D: disintegrated or lost)")
    p.add_argument("--twilight", choices=("astronomical", "nautical", "civil"), default="astronomical",
                   help="how dark: Sun below -18, -12 or -6 degrees (default %(default)s)")
    p.set_defaults(func=run)


def night_samples(date: dt.date, lon_deg: float):
    """UTC astropy Times every 30 min from local mean noon of `date` to the next local noon."""
    from astropy import units as u
    from astropy.time import Time

    noon_utc = Time(dt.datetime(date.year, date.month, date.day, 12), scale="utc") - (lon_deg / 15.0) * u.hour
    return noon_utc + np.arange(24 * 60 // SAMPLE_MINUTES + 1) * SAMPLE_MINUTES * u.minute


def visible(obs, dark, min_elevation: float, limit_mag: float):
    """Indices of comets (sorted by magnitude) and, for each, its best dark sample.

    obs: Observation at a site; dark: (M,) bool. For each comet the best sample is the dark one
    where it is highest; it is kept if that elevation exceeds min_elevation and its magnitude
    there is at most limit_mag (NaN magnitudes never pass)."""
    el = np.where(dark[None, :], obs.elevation, -np.inf)
    best = np.argmax(el, axis=1)
    rows = np.arange(el.shape[0])
    top = el[rows, best]
    mag = obs.tmag[rows, best]
    ok = (obs.status == 0) & (top > min_elevation) & (mag <= limit_mag)
    keep = np.flatnonzero(ok)
    order = keep[np.argsort(mag[keep], kind="stable")]
    return order, best


def run(args, out=None) -> int:
    # UTC dates past the leap-second table are "dubious" to ERFA; expected for a forecast.
    with quiet_dubious_year():
        return _run(args, out or sys.stdout)


def _run(args, out) -> int:
    from encke.engine.observers import resolve_observer

    try:
        observer = resolve_observer(args.observer)
        if not observer.is_site:
            raise ValueError(f"--observer: {args.observer!r} is not a place on the Earth (give an MPC code or lon,lat)")
        date = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(dt.timezone.utc).date()
        for name, value in (("--limit-mag", args.limit_mag), ("--min-elevation", args.min_elevation)):
            if not math.isfinite(value):
                raise ValueError(f"{name}: must be a finite number, got {value}")
        if not -90.0 <= args.min_elevation < 90.0:
            raise ValueError(f"--min-elevation: must lie in [-90, 90) degrees, got {args.min_elevation}")
    except ValueError as exc:
        print(f"encke tonight: {exc}", file=sys.stderr)
        return 2
    try:
        catalog = load_catalog(args.catalog)
    except (FileNotFoundError, ValueError) as exc:
        print(f"encke tonight: {exc}", file=sys.stderr)
        return 1
    from encke.engine.observe import observe

    if not args.include_defunct:
        catalog = catalog.subset(catalog.column("orbit_type").astype(str) != "D")
    times_utc = night_samples(date, observer.lon_deg)
    try:
        obs = observe(catalog, tdb_jd(times_utc), observer, model=args.model, ephemeris=args.ephemeris)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        print(f"encke tonight: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    dark = obs.darkness(args.twilight)
    if not dark.any():
        print(f"encke tonight: the Sun stays above the {args.twilight} twilight limit at {observer.name} on the "
              f"night of {date.isoformat()}; try --twilight nautical or civil", file=sys.stderr)
        return 2
    order, best = visible(obs, dark, args.min_elevation, args.limit_mag)
    rows = []
    for k in order:
        j = int(best[k])
        comet = catalog[int(k)]
        rows.append({
            "designation": comet.designation, "name": comet.name, "tmag": round(float(obs.tmag[k, j]), 3),
            "max_elevation_deg": float(obs.elevation[k, j]), "azimuth_deg": float(obs.azimuth[k, j]),
            "time_utc": times_utc[j].isot, "ra_deg": float(obs.ra[k, j]), "dec_deg": float(obs.dec[k, j]),
            "delta_au": float(obs.delta[k, j]), "r_au": float(obs.r[k, j]),
            "elongation_deg": float(obs.elongation[k, j]),
        })
    dark_idx = np.flatnonzero(dark)
    window = (times_utc[dark_idx[0]], times_utc[dark_idx[-1]])
    unknown_mag = int((np.isnan(catalog.column("H")) | np.isnan(catalog.column("K"))).sum())
    failed = int((obs.status != 0).sum())
    if args.format == "json":
        json.dump({"observer": observer.name, "date": date.isoformat(), "twilight": args.twilight,
                   "dark_from_utc": window[0].isot, "dark_to_utc": window[1].isot, "limit_mag": args.limit_mag,
                   "min_elevation_deg": args.min_elevation, "model": args.model, "comets": rows,
                   "catalog_size": len(catalog), "failed": failed}, out, indent=1)
        out.write("\n")
        return 0
    if args.format == "csv":
        import csv

        fields = list(rows[0]) if rows else ["designation", "name", "tmag"]
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return 0
    print(f"{observer.name}: night of {date.isoformat()}, dark ({args.twilight}) {utc_label(window[0])} to "
          f"{utc_label(window[1])} UT; comets above {args.min_elevation:g} deg and brighter than "
          f"mag {args.limit_mag:g} ({args.model} model)", file=out)
    head = (f"{'#':>3}  {'comet':<34}  {'T-mag':>5}  {'max El':>6}  {'at (UT)':<17}  {'Az':>5}  "
            f"{'RA':>11}  {'Dec':>11}  {'delta':>7}  {'r':>6}  {'elong':>5}")
    print(head, file=out)
    print("-" * len(head), file=out)
    for n, row in enumerate(rows, 1):
        label = row["designation"] + (f" ({row['name']})" if row["name"] else "")
        print(f"{n:>3}  {label[:34]:<34}  {row['tmag']:5.1f}  {row['max_elevation_deg']:6.1f}  "
              f"{utc_label(_t(row)):<17}  "
              f"{row['azimuth_deg']:5.0f}  {sexagesimal_ra(row['ra_deg']):>11}  {sexagesimal_dec(row['dec_deg']):>11}  "
              f"{row['delta_au']:7.3f}  {row['r_au']:6.3f}  {row['elongation_deg']:5.0f}", file=out)
    notes = [f"{len(rows)} of {len(catalog)} comets"]
    if unknown_mag:
        notes.append(f"{unknown_mag} without H or K (no magnitude, not listed)")
    if failed:
        notes.append(f"{failed} failed to propagate")
    print("; ".join(notes), file=out)
    return 0


def _t(row):
    from astropy.time import Time

    return Time(row["time_utc"], scale="utc")
