"""`encke observe`: an observer ephemeris of one comet, printed like a JPL Horizons table.

    encke observe --comet 12P --observer 500 --start 2024-08-16 --stop 2024-10-15 --step 1d
    encke observe --comet "C/2023 A3" --observer G96 --start 2024-10-10 --stop 2024-10-20 --step 6h --format csv

Times are UTC calendar dates (UT, as in Horizons' observer tables); the engine works in TDB and
the conversion goes through astropy. RA and Dec are astrometric ICRF (--apparent: apparent, true
equator and equinox of date). The text format prints RA and Dec sexagesimal; csv and json give
degrees. Columns: delta and r (au), rdot and deldot (km/s), S-O-T (solar elongation) and S-T-O
(phase angle) in degrees, T-mag (H + 5 log10 delta + 2.5 K log10 r from the catalog's H and K),
and for a site on the Earth apparent azimuth and elevation (degrees, no refraction).

The catalog is --catalog, else $ENCKE_CATALOG, else the MPC file cached by `encke fetch`.
Exit codes: 0 success, 1 no catalog or a failed propagation, 2 bad arguments.
"""
from __future__ import annotations

import json
import math
import sys

from ._shared import UsageError, load_catalog, quiet_dubious_year, time_grid


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "observe",
        help="observer ephemeris of a comet (RA/Dec, distances, elongation, phase, magnitude)",
        description="Print an observer ephemeris of one catalog comet, like a JPL Horizons observer table: "
                    "astrometric RA/Dec (ICRF), delta, r, rdot, deldot, solar elongation, phase angle and "
                    "T-mag at UTC times from --start to --stop (inclusive) every --step.",
    )
    p.add_argument("--comet", required=True, help='designation, e.g. 12P, "C/2023 A3", 0012P')
    add_observer_arguments(p)
    p.add_argument("--start", required=True, help="first time, UTC (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    p.add_argument("--stop", required=True, help="last time, UTC (inclusive)")
    p.add_argument("--step", default="1d", help="time step: a number and a unit m, h or d (default %(default)s)")
    p.add_argument("--server", metavar="HOST:PORT",
                   help="ask a running `encke serve` (gRPC Observe) instead of computing here")
    p.add_argument("--token", help="bearer token for --server")
    p.add_argument("--apparent", action="store_true",
                   help="apparent RA/Dec (aberration, precession-nutation: true equator and equinox of date)")
    p.add_argument("--uncertainty", action="store_true",
                   help="add Horizons' 3-sigma sky columns from the comet's SBDB covariance (fetched, cached)")
    p.set_defaults(func=run)


def add_observer_arguments(p) -> None:
    """Options shared with `encke tonight`."""
    p.add_argument("--observer", default="500",
                   help="500 or earth (geocentre, default), sun, an MPC observatory code (G96, I11, 568), or "
                        "lon,lat[,height_m] in degrees east/north and metres; write --observer=-110.8,32.4 "
                        "when the longitude is negative")
    p.add_argument("--model", choices=("nbody", "kepler"), default="nbody",
                   help="propagation model (default %(default)s)")
    p.add_argument("--ephemeris", default="de421", help="de421 (default), de440 or an SPK .bsp path")
    p.add_argument("--catalog", metavar="PATH", help="MPC CometEls.txt (default: $ENCKE_CATALOG, then the cache)")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format")


def utc_times(start: str, stop: str, step: str):
    """astropy Time (UTC) from start to stop inclusive every step."""
    return time_grid(start, stop, step, "utc")


def tdb_jd(times_utc):
    from encke.engine.timescales import to_tdb_jd

    return to_tdb_jd(times_utc)


def sexagesimal_ra(deg: float) -> str:
    total = round((deg % 360.0) / 15.0 * 3600.0, 2) % 86400.0
    h, rem = divmod(total, 3600.0)
    m, s = divmod(rem, 60.0)
    return f"{int(h):02d} {int(m):02d} {s:05.2f}"


def sexagesimal_dec(deg: float) -> str:
    sign = "-" if deg < 0 else "+"
    total = round(abs(deg) * 3600.0, 1)
    d, rem = divmod(total, 3600.0)
    m, s = divmod(rem, 60.0)
    return f"{sign}{int(d):02d} {int(m):02d} {s:04.1f}"


def utc_label(t) -> str:
    """Horizons-style UT label: 2024-Aug-16 00:00."""
    with quiet_dubious_year():
        return t.strftime("%Y-%b-%d %H:%M")


def rows_of(obs, k: int, times_utc):
    """One dict per time for comet k of an Observation (degrees, au, km/s)."""
    rows = []
    for j in range(obs.ra.shape[1]):
        row = {
            "time_utc": _isot(times_utc[j]), "jd_tdb": float(obs.times[j]),
            "ra_deg": float(obs.ra[k, j]), "dec_deg": float(obs.dec[k, j]),
            "delta_au": float(obs.delta[k, j]), "r_au": float(obs.r[k, j]),
            "rdot_km_s": float(obs.rdot[k, j]), "deldot_km_s": float(obs.deldot[k, j]),
            "elongation_deg": float(obs.elongation[k, j]), "phase_deg": float(obs.phase[k, j]),
            "tmag": None if math.isnan(obs.tmag[k, j]) else float(obs.tmag[k, j]),
        }
        if obs.elevation is not None:
            row.update(azimuth_deg=float(obs.azimuth[k, j]), elevation_deg=float(obs.elevation[k, j]),
                       sun_elevation_deg=float(obs.sun_elevation[j]))
        rows.append(row)
    return rows


def _isot(t) -> str:
    with quiet_dubious_year():
        return t.isot


def _text(comet, obs, rows, times_utc, model, out) -> None:
    frame = "apparent, true equator and equinox of date" if obs.apparent else "astrometric ICRF"
    print(f"{comet.designation}{' (' + comet.name + ')' if comet.name else ''}   observer: {obs.observer.name}   "
          f"model: {model}   RA/Dec: {frame}   times: UT", file=out)
    site = obs.elevation is not None
    head = (f"{'Date (UT)':<17}  {'RA':>11}  {'Dec':>11}  {'delta au':>12}  {'r au':>12}  {'rdot km/s':>10}  "
            f"{'deldot km/s':>11}  {'S-O-T':>8}  {'S-T-O':>7}  {'T-mag':>6}")
    if site:
        head += f"  {'Az':>7}  {'El':>6}  {'Sun El':>6}"
    print(head, file=out)
    print("-" * len(head), file=out)
    for t, row in zip(times_utc, rows):
        tmag = "n.a." if row["tmag"] is None else f"{row['tmag']:.2f}"
        line = (f"{utc_label(t):<17}  {sexagesimal_ra(row['ra_deg']):>11}  {sexagesimal_dec(row['dec_deg']):>11}  "
                f"{row['delta_au']:12.8f}  {row['r_au']:12.8f}  {row['rdot_km_s']:10.5f}  {row['deldot_km_s']:11.5f}  "
                f"{row['elongation_deg']:8.4f}  {row['phase_deg']:7.4f}  {tmag:>6}")
        if site:
            line += f"  {row['azimuth_deg']:7.2f}  {row['elevation_deg']:6.2f}  {row['sun_elevation_deg']:6.2f}"
        print(line, file=out)


def _observe_on_server(args, times_tdb):
    """(comet, observation) from a running `encke serve` over gRPC, with the attributes of
    Comet and Observation that the formatters read; the numbers are the server's engine's."""
    from types import SimpleNamespace

    import numpy as np

    from encke.client.client import Client

    with Client(args.server, token=args.token) as client:
        c = client.get_comet(args.comet)
        chunks = list(client.observe([c.designation], times=times_tdb, observer=args.observer, model=args.model,
                                     apparent=args.apparent))
    site = chunks[0].elevation_deg is not None

    def joined(name):
        return np.concatenate([getattr(chunk, name) for chunk in chunks], axis=-1)

    obs = SimpleNamespace(
        times=joined("times"), ra=joined("ra_deg"), dec=joined("dec_deg"), delta=joined("delta_au"),
        r=joined("r_au"), rdot=joined("rdot_km_s"), deldot=joined("deldot_km_s"),
        elongation=joined("elongation_deg"), phase=joined("phase_deg"), tmag=joined("tmag"),
        azimuth=joined("azimuth_deg") if site else None, elevation=joined("elevation_deg") if site else None,
        sun_elevation=joined("sun_elevation_deg") if site else None,
        status=np.max([chunk.status for chunk in chunks], axis=0), apparent=args.apparent,
        frame=chunks[0].frame, observer=SimpleNamespace(name=chunks[0].observer))
    comet = SimpleNamespace(designation=c.designation, name=c.name,
                            H=c.h_mag if c.HasField("h_mag") else None, K=c.k_slope if c.HasField("k_slope") else None)
    return comet, obs


def _csv(rows, out) -> None:
    import csv

    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def run(args, out=None) -> int:
    out = out or sys.stdout
    try:
        times_utc = utc_times(args.start, args.stop, args.step)
        from encke.engine.observers import resolve_observer

        observer = resolve_observer(args.observer)
    except (UsageError, ValueError) as exc:  # ObserverError is a ValueError
        print(f"encke observe: {exc}", file=sys.stderr)
        return 2
    from encke.engine import status as status_codes

    if args.server:
        from encke.client.client import EnckeError

        try:
            comet, obs = _observe_on_server(args, tdb_jd(times_utc))
        except EnckeError as exc:
            print(f"encke observe: server {args.server}: {exc}", file=sys.stderr)
            return 1
    else:
        try:
            catalog = load_catalog(args.catalog)
        except (FileNotFoundError, ValueError) as exc:
            print(f"encke observe: {exc}", file=sys.stderr)
            return 1
        try:
            comet = catalog.get(args.comet)
        except KeyError as exc:
            print(f"encke observe: --comet: {exc}", file=sys.stderr)
            return 2
        from encke.engine.observe import observe

        try:
            obs = observe(comet, tdb_jd(times_utc), observer, model=args.model, ephemeris=args.ephemeris,
                          apparent=args.apparent)
        except (ValueError, FileNotFoundError, ImportError) as exc:  # coverage, ephemeris, elements
            print(f"encke observe: {exc}", file=sys.stderr)
            return 2 if isinstance(exc, ValueError) else 1
    sky = None
    if getattr(args, "uncertainty", False):
        from . import observe_uncertainty as unc

        if args.server:
            print("encke observe: --uncertainty is computed locally; leave out --server", file=sys.stderr)
            return 2
        try:
            obs, sky, note = unc.sky_columns(comet.designation, tdb_jd(times_utc), observer, model=args.model,
                                             ephemeris=args.ephemeris, apparent=args.apparent)
        except LookupError as exc:
            print(f"encke observe: {exc}", file=sys.stderr)
            return 1
    if obs.status[0] != status_codes.OK:
        print(f"encke observe: {comet.designation}: {status_codes.describe(obs.status[0])}", file=sys.stderr)
        return 1
    rows = rows_of(obs, 0, times_utc)
    if sky is not None:
        unc.add_to_rows(rows, sky)
    if args.format == "json":
        json.dump({"comet": comet.designation, "name": comet.name, "observer": observer.name,
                   "model": args.model, "ephemeris": args.ephemeris, "frame": obs.frame,
                   "H": comet.H, "K": comet.K, "rows": rows}, out, indent=1)
        out.write("\n")
    elif args.format == "csv":
        _csv(rows, out)
    else:
        _text(comet, obs, rows, times_utc, args.model, out)
        if sky is not None:
            unc.print_table(rows, note, out)
    return 0
