"""`encke serve`: the gRPC API and the HTTP/WebSocket gateway (with the viewer) in one process."""
from __future__ import annotations

import argparse
import sys


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except for on/off flags (nargs 0), whose default is just
    their absence ("--no-warmup ... (default: True)" read as if the flag were on), and unset
    options (a default of None says nothing)."""

    def _get_help_string(self, action):
        if action.nargs == 0 or action.default is None:
            return action.help
        return super()._get_help_string(action)


def register(subparsers) -> None:
    from encke.server.limits import ServerLimits

    defaults = ServerLimits()
    p = subparsers.add_parser(
        "serve", help="serve the API (gRPC + HTTP) and the viewer",
        description="Serve encke over gRPC and HTTP/WebSocket from one process. The catalog comes from "
                    "--catalog, else $ENCKE_CATALOG, else the newer of the cached MPC download (`encke fetch`) "
                    "and the MPC snapshot shipped with encke, so comets show with no set-up and no network.",
        formatter_class=_HelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="bind address (only bind beyond localhost with --token/TLS)")
    p.add_argument("--http-port", "--port", dest="port", type=int, default=8000,
                   help="HTTP port (0: any free port; the URLs printed at start-up show the one chosen)")
    p.add_argument("--grpc-port", type=int, default=50051, help="gRPC port (0: any free port; -1: no gRPC)")
    p.add_argument("--catalog", metavar="PATH",
                   help="MPC CometEls.txt file (default: $ENCKE_CATALOG, else the newest local copy)")
    p.add_argument("--cache", metavar="URL", default="memory",
                   help="state cache: 'memory' (in-process LRU), 'none', or redis://host:port/db (shared)")
    p.add_argument("--cache-mb", type=float, default=256, help="in-process cache size in MiB")
    p.add_argument("--ephemeris", default="de440",
                   help="planetary ephemeris: de440 (1550-2650, the viewer's whole range), de421 (1899-2053) "
                        "or a .bsp path")
    p.add_argument("--token", help="require 'Authorization: Bearer TOKEN' (gRPC metadata and HTTP header)")
    p.add_argument("--tls-cert", metavar="PEM", help="TLS certificate chain (with --tls-key)")
    p.add_argument("--tls-key", metavar="PEM", help="TLS private key")
    p.add_argument("--jax-cache", metavar="DIR",
                   help="JAX persistent compilation cache, so a restarted server starts warm "
                        "(default: <encke cache dir>/jax; 'none' disables)")
    p.add_argument("--no-warmup", dest="warmup", action="store_false",
                   help="skip the start-up warm-up that compiles the common request shapes "
                        "(/api/health says 'warming' while it runs; requests are served meanwhile)")
    p.add_argument("--no-refresh", dest="refresh", action="store_false",
                   help="do not refresh the catalog from the MPC in the background (by default a server "
                        "serving the cached download or the shipped snapshot asks the MPC for a newer file "
                        "at start-up and every 6 hours, and swaps it in; offline it keeps what it has)")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--otlp-endpoint", metavar="HOST:PORT",
                   help="send OpenTelemetry traces (a span per request and per engine call) to this OTLP/gRPC "
                        "collector; off by default")
    lim = p.add_argument_group("limits")
    lim.add_argument("--max-samples", type=int, default=defaults.max_samples, help="epochs per request")
    lim.add_argument("--max-span-days", type=float, default=defaults.max_span_days, help="time span per request")
    lim.add_argument("--max-ids", type=int, default=defaults.max_ids, help="comets per request")
    lim.add_argument("--max-object-epochs", type=int, default=defaults.max_object_epochs,
                     help="objects x epochs per request")
    lim.add_argument("--max-streams", type=int, default=defaults.max_streams, help="concurrent streams")
    lim.add_argument("--chunk-samples", type=int, default=defaults.chunk_samples, help="epochs per stream chunk")
    lim.add_argument("--rate-limit", type=float, default=defaults.rate_per_s,
                     help="requests per second per client (0: off)")
    lim.add_argument("--rate-burst", type=int, default=defaults.rate_burst, help="rate-limit burst size")
    lim.add_argument("--workers", type=int, default=defaults.workers, help="threads running engine work")
    p.set_defaults(func=run)


def run(args) -> int:
    import asyncio

    from encke.server.limits import ServerLimits
    from encke.server.runner import ServeConfig, serve

    if bool(args.tls_cert) != bool(args.tls_key):
        print("encke serve: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    try:
        limits = ServerLimits(max_samples=args.max_samples, max_span_days=args.max_span_days, max_ids=args.max_ids,
                              max_object_epochs=args.max_object_epochs, max_streams=args.max_streams,
                              chunk_samples=args.chunk_samples, rate_per_s=args.rate_limit,
                              rate_burst=args.rate_burst, workers=args.workers)
        config = ServeConfig(host=args.host, port=args.port, grpc_port=args.grpc_port, catalog=args.catalog,
                             cache=args.cache, cache_bytes=int(args.cache_mb * 2**20), ephemeris=args.ephemeris,
                             token=args.token, tls_cert=args.tls_cert, tls_key=args.tls_key, limits=limits,
                             log_level=args.log_level, warmup=args.warmup, refresh=args.refresh)
        if args.host not in ("127.0.0.1", "localhost", "::1") and not args.token:
            print(f"encke serve: warning: binding {args.host} without --token; anyone who can reach it "
                  "can use it", file=sys.stderr)
        config.otlp_endpoint = args.otlp_endpoint
        _enable_compilation_cache(args.jax_cache)
        asyncio.run(serve(config))
    except ValueError as exc:
        print(f"encke serve: {exc}", file=sys.stderr)
        return 2
    return 0


def _enable_compilation_cache(folder: str | None) -> None:
    """Point JAX's persistent compilation cache at `folder` (default under the encke cache dir)."""
    if folder == "none":
        return
    import jax

    from encke.engine.sources.http import cache_dir

    path = folder or str(cache_dir() / "jax")
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
