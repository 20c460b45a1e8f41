"""`encke fetch`: download the MPC comet catalog into the cache, or look objects up in JPL's SBDB.

    encke fetch                      # CometEls.txt -> the cache (conditional GET: cheap when current)
    encke fetch --force --quiet
    encke fetch --sbdb 67P --sbdb "C/2014 UN271"   # elements + non-grav parameters from SBDB

Exit codes: 0 when a usable catalog is in the cache (downloaded, not modified, or the cached
copy kept because the MPC could not be reached); 1 when the download failed with no usable
copy, or an SBDB look-up failed; 2 for bad arguments.
"""
from __future__ import annotations

import math
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "fetch",
        help="download the MPC comet catalog (or SBDB orbits) into the cache",
        description="Download the MPC comet file CometEls.txt into the encke cache, only when it changed "
                    "(ETag / Last-Modified). The URL is --url, else $ENCKE_MPC_URL (the full file URL), "
                    "else the MPC's; the folder is --cache-dir, else $ENCKE_CACHE_DIR, else the user "
                    "cache folder. With --sbdb, look objects up in JPL's Small-Body Database instead "
                    "($ENCKE_SBDB_URL overrides its endpoint).",
    )
    p.add_argument("--url", help="CometEls.txt URL (default: $ENCKE_MPC_URL or the MPC)")
    p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $ENCKE_CACHE_DIR or the user cache)")
    p.add_argument("--force", action="store_true", help="download even if the cached copy is current (with --sbdb: ask SBDB, not the cache)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to connect and between received bytes (default %(default)s)")
    p.add_argument("--retries", type=int, default=3, help="retries after transient failures (default %(default)s)")
    p.add_argument("--backoff", type=float, default=1.0, help="first retry pause in seconds, doubled each time (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no messages, only errors")
    p.add_argument("--sbdb", metavar="DESIGNATION", action="append",
                   help="look up this object in JPL SBDB and print its elements (repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.timeout <= 0 or not math.isfinite(args.timeout):
        print(f"encke fetch: --timeout must be a positive number of seconds, got {args.timeout}", file=sys.stderr)
        return 2
    if args.retries < 0:
        print(f"encke fetch: --retries must be >= 0, got {args.retries}", file=sys.stderr)
        return 2
    if args.backoff < 0:
        print(f"encke fetch: --backoff must be >= 0, got {args.backoff}", file=sys.stderr)
        return 2
    if args.sbdb:
        return _run_sbdb(args)
    return _run_catalog(args)


def _run_catalog(args) -> int:
    from encke.engine.sources import http, mpc

    try:
        result = mpc.fetch_catalog(
            args.url, args.cache_dir, timeout=args.timeout, retries=args.retries, backoff_s=args.backoff,
            progress=False if args.quiet else None, force=args.force,
        )
    except http.FetchError as exc:
        cached = mpc.cached_catalog_path(args.cache_dir)
        kept = f"; the cached copy {cached} is unchanged" if cached else ""
        print(f"encke fetch: {exc}{kept}", file=sys.stderr)
        return 1
    if result.status == "offline-cached":
        print(f"encke fetch: warning: {result.message}", file=sys.stderr)
    elif not args.quiet:
        print(result.message)
    return 0


def _run_sbdb(args) -> int:
    from encke.engine.sources import sbdb

    status = 0
    for designation in args.sbdb:
        try:
            result = sbdb.fetch(designation, cache_dir=args.cache_dir, timeout=args.timeout,
                                retries=args.retries, backoff_s=args.backoff, cache=not args.force)
        except (sbdb.SbdbError, ValueError) as exc:
            print(f"encke fetch: {exc}", file=sys.stderr)
            status = 1
            continue
        if not args.quiet:
            print(format_sbdb(result))
    return status


def format_sbdb(result) -> str:
    """A few lines describing an SbdbResult: elements in degrees, non-grav terms, notes."""
    el = result.elements
    deg = 180.0 / math.pi
    lines = [
        f"{result.fullname}  (SBDB {result.designation}, orbit {result.orbit_id})",
        f"  epoch {el.epoch[0]:.6f} TDB   tp {el.tp[0]:.8f} TDB",
        f"  q {el.q[0]:.12f} au   e {el.e[0]:.12f}",
        f"  i {el.i[0] * deg:.9f}   node {el.node[0] * deg:.9f}   argp {el.argp[0] * deg:.9f}  (deg, ecliptic J2000)",
    ]
    if bool(el.has_nongrav[0]):
        lines.append(f"  A1 {el.A1[0]:.6e}   A2 {el.A2[0]:.6e}   A3 {el.A3[0]:.6e} au/d^2   DT {el.DT[0]:.3f} d")
    else:
        lines.append("  no non-gravitational parameters")
    if not math.isnan(result.H):
        slope = "" if math.isnan(result.K) else f"   K {result.K:g}"
        lines.append(f"  H {result.H:g}{slope}  (MPC convention)")
    lines.extend(f"  note: {note}" for note in result.notes)
    return "\n".join(lines)
