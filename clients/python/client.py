"""The typed Python client of encke's gRPC API.

    from encke.client import Client
    with Client("127.0.0.1:50051") as c:
        c.get_comet("1P").q_au
        states = c.get_states(["1P", "2P"], [2460600.5, 2460610.5])   # (2, 2, 6) au, au/day
        for chunk in c.stream_trajectory(["1P"], 2460600.5, 2460965.5, 1.0):
            chunk.times, chunk.states                                     # (m,), (1, m, 6)

Times are TDB Julian dates (floats) or ISO strings (UTC, converted with astropy when it is
installed; a client-only install without it takes Julian dates). States are
heliocentric ecliptic J2000 unless model/frame/center say otherwise. Every server error
surfaces as `EnckeError` with the gRPC `code` and the server's `message`.
"""
from __future__ import annotations

import dataclasses
import json
import queue
import warnings
from typing import Iterable, Iterator

import grpc
import numpy as np

# wire.py needs only numpy and protobuf: the client imports neither the engine nor JAX
from encke.server import wire as convert
from encke.server.generated.encke.v1 import (catalog_pb2, catalog_pb2_grpc, common_pb2, propagation_pb2,
                                             propagation_pb2_grpc)


class EnckeError(Exception):
    """A failed call: `code` is the grpc.StatusCode, `message` the server's explanation."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def from_rpc(cls, err: grpc.RpcError) -> "EnckeError":
        return cls(err.code(), err.details() or "")


@dataclasses.dataclass(frozen=True)
class CometPage:
    comets: list  # catalog_pb2.Comet messages
    total: int
    next_page_token: str
    catalog_version: str


@dataclasses.dataclass(frozen=True)
class TrajectoryChunk:
    ids: list[str]
    times: np.ndarray  # (m,) TDB JD
    states: np.ndarray  # (N, m, 6) au, au/day
    status: np.ndarray  # (N,) engine status codes


@dataclasses.dataclass(frozen=True)
class CatalogChunk:
    offset: int  # position of the first object among the selected ones
    total: int  # objects selected
    indices: np.ndarray  # (n,) catalog indices
    ids: list[str]
    times: np.ndarray  # (M,) TDB JD
    states: np.ndarray  # (n, M, 6)
    status: np.ndarray  # (n,)


@dataclasses.dataclass(frozen=True)
class FollowFrame:
    epoch: float  # TDB JD
    ids: list[str]
    states: np.ndarray  # (N, 6)
    status: np.ndarray  # (N,)
    error: str = ""  # set (and the rest empty) when the last clock sent was rejected


@dataclasses.dataclass(frozen=True)
class ObservationChunk:
    """Observer ephemeris of N comets at m epochs (one streamed chunk of `Client.observe`).

    Per-comet arrays are (N, m); azimuth_deg, elevation_deg (N, m) and sun_elevation_deg (m,)
    are None unless the observer is a site on the Earth.
    """

    ids: list[str]
    times: np.ndarray  # (m,) TDB JD
    ra_deg: np.ndarray  # astrometric ICRF, or apparent (true equator and equinox of date)
    dec_deg: np.ndarray
    delta_au: np.ndarray  # observer distance
    r_au: np.ndarray  # heliocentric distance
    rdot_km_s: np.ndarray
    deldot_km_s: np.ndarray
    elongation_deg: np.ndarray  # Sun-observer-comet
    phase_deg: np.ndarray  # Sun-comet-observer
    tmag: np.ndarray  # total magnitude (NaN without H, K)
    light_time_days: np.ndarray
    status: np.ndarray  # (N,) engine status codes
    observer: str  # the resolved observer's name
    frame: str  # "ICRF" or "true equator and equinox of date"
    azimuth_deg: np.ndarray | None = None
    elevation_deg: np.ndarray | None = None
    sun_elevation_deg: np.ndarray | None = None
    # observe(uncertainty=True) only: Horizons' 3-sigma quantities (N, m), NaN without a
    # covariance, and the N notes (which SBDB solution, or why none)
    ra_3sigma_arcsec: np.ndarray | None = None  # RA * cos(Dec)
    dec_3sigma_arcsec: np.ndarray | None = None
    smaa_3sigma_arcsec: np.ndarray | None = None  # ellipse semi-major axis
    smia_3sigma_arcsec: np.ndarray | None = None  # ellipse semi-minor axis
    theta_deg: np.ndarray | None = None  # semi-major axis position angle, north through east
    range_3sigma_km: np.ndarray | None = None
    uncertainty_notes: list[str] | None = None


@dataclasses.dataclass(frozen=True)
class StateCovariances:
    """`Client.get_state_covariances`: states and their 1-sigma covariance, from SBDB's solutions."""

    ids: list[str]
    times: np.ndarray  # (M,) TDB JD
    states: np.ndarray  # (N, M, 6) au, au/day, in the request's frame and center
    covariance: np.ndarray  # (N, M, 6, 6) au^2, au^2/day, au^2/day^2; NaN where none is available
    status: np.ndarray  # (N,) engine status codes
    notes: list[str]  # (N,) which SBDB solution gave each comet's covariance, or why none


@dataclasses.dataclass(frozen=True)
class CloseApproaches:
    """`Client.close_approaches`: one entry per approach (arrays of length R), MOIDs per comet."""

    id: list[str]  # (R,) comet of each approach
    body: list[str]  # (R,)
    time_tdb_jd: np.ndarray  # (R,) time of minimum distance
    distance_au: np.ndarray  # (R,)
    speed_km_s: np.ndarray  # (R,) relative speed
    time_3sigma_days: np.ndarray  # (R,) NaN without a covariance
    distance_3sigma_au: np.ndarray  # (R,) NaN without a covariance
    ids: list[str]  # (N,) the comets searched
    moid_earth_au: np.ndarray  # (N,)
    moid_jupiter_au: np.ndarray  # (N,)
    uncertainty_note: str  # with uncertainty: the SBDB solution used, or why none


@dataclasses.dataclass(frozen=True)
class Clock:
    """What Follow sends: model time `epoch` (TDB JD or ISO) now, running at `rate` days/s."""

    epoch: float | str
    rate: float
    ids: list[str]
    model: str = "kepler"
    frame: str = "ecliptic"
    center: str = "sun"


class Stream:
    """An iterator over a server stream that converts messages and can be cancelled."""

    def __init__(self, call, convert_fn):
        self._call = call
        self._convert = convert_fn
        self._cancelled = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self._convert(next(self._call))
        except grpc.RpcError as err:
            if self._cancelled and err.code() == grpc.StatusCode.CANCELLED:
                raise StopIteration from None
            raise EnckeError.from_rpc(err) from None

    def cancel(self) -> None:
        """Stop the stream; the server stops computing within one chunk."""
        self._cancelled = True
        self._call.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()


RETRY_SERVICE_CONFIG = json.dumps({"methodConfig": [{
    "name": [{"service": "encke.v1.CatalogService"}, {"service": "encke.v1.PropagationService"}],
    "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.1s", "maxBackoff": "2s", "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"]}}]})


class Client:
    """A connection to an encke server. `token`: sent as "authorization: Bearer <token>"."""

    def __init__(self, address: str = "127.0.0.1:50051", token: str | None = None, *,
                 root_certificates: bytes | None = None, tls: bool = False, timeout: float | None = 60.0):
        # Every encke RPC only reads, so a call that met UNAVAILABLE (a replica or balancer that
        # went away) is safe to resend: gRPC's retry policy does it, with backoff.
        options = [("grpc.max_receive_message_length", 256 * 2**20), ("grpc.enable_retries", 1),
                   ("grpc.service_config", RETRY_SERVICE_CONFIG)]
        if tls or root_certificates is not None:
            creds = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(address, creds, options=options)
        else:
            self._channel = grpc.insecure_channel(address, options=options)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.timeout = timeout
        self._catalog = catalog_pb2_grpc.CatalogServiceStub(self._channel)
        self._prop = propagation_pb2_grpc.PropagationServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _unary(self, method, request, timeout):
        try:
            return method(request, metadata=self._metadata, timeout=timeout if timeout is not None else self.timeout)
        except grpc.RpcError as err:
            raise EnckeError.from_rpc(err) from None

    # -- catalog -------------------------------------------------------------------------------
    def list_comets(self, search: str = "", *, periodic_only: bool = False, q_min: float | None = None,
                    q_max: float | None = None, e_min: float | None = None, e_max: float | None = None,
                    i_min_deg: float | None = None, i_max_deg: float | None = None, orbit_types: Iterable[str] = (),
                    page_size: int = 50, page_token: str = "", timeout: float | None = None) -> CometPage:
        """One page of comets (catalog_pb2.Comet messages) matching the filters."""
        request = catalog_pb2.ListCometsRequest(
            filter=_filter(search, periodic_only, q_min, q_max, e_min, e_max, i_min_deg, i_max_deg, orbit_types),
            page_size=page_size, page_token=page_token)
        r = self._unary(self._catalog.ListComets, request, timeout)
        return CometPage(list(r.comets), r.total, r.next_page_token, r.catalog_version)

    def get_comet(self, id: str, timeout: float | None = None) -> catalog_pb2.Comet:
        """One comet's elements (degrees, au, TDB JD), non-grav parameters, H and K."""
        return self._unary(self._catalog.GetComet, catalog_pb2.GetCometRequest(id=id), timeout)

    # -- propagation ---------------------------------------------------------------------------
    def get_states(self, ids: Iterable[str], times, model: str = "kepler", frame: str = "ecliptic",
                   center: str = "sun", *, return_status: bool = False, timeout: float | None = None):
        """(N, M, 6) states (au, au/day) of `ids` at `times` (M,); with return_status, also (N,) codes."""
        request = propagation_pb2.GetStatesRequest(ids=list(ids), times_tdb_jd=_times(times),
                                                   options=_options(model, frame, center))
        block = self._unary(self._prop.GetStates, request, timeout)
        _, _, states, status = convert.state_block_arrays(block)
        return (states, status) if return_status else states

    def get_state_covariances(self, ids: Iterable[str], times, model: str = "kepler", frame: str = "ecliptic",
                              center: str = "sun", *, timeout: float | None = None) -> StateCovariances:
        """States with their covariance (GetStates with include_covariance): the server fetches each
        comet's orbit solution and covariance from SBDB; `notes` says which, or why none."""
        request = propagation_pb2.GetStatesRequest(ids=list(ids), times_tdb_jd=_times(times),
                                                   options=_options(model, frame, center), include_covariance=True)
        block = self._unary(self._prop.GetStates, request, timeout)
        ids, times, states, status = convert.state_block_arrays(block)
        covariance = np.asarray(block.covariance, dtype=np.float64).reshape(states.shape[:2] + (6, 6))
        return StateCovariances(list(ids), times, states, covariance, status, list(block.uncertainty_notes))

    def close_approaches(self, ids: Iterable[str], start, stop, body: str = "earth", max_distance_au: float = 0.2,
                         *, uncertainty: bool = False, timeout: float | None = None) -> CloseApproaches:
        """Close approaches of `ids` (empty: the whole catalog) to `body` between start and stop."""
        t0, t1 = _times([start, stop])
        request = propagation_pb2.CloseApproachesRequest(ids=list(ids), start_tdb_jd=t0, stop_tdb_jd=t1, body=body,
                                                         max_distance_au=max_distance_au, uncertainty=uncertainty)
        r = self._unary(self._prop.CloseApproaches, request, timeout)
        column = lambda name: np.array([getattr(a, name) for a in r.approaches], dtype=np.float64)  # noqa: E731
        return CloseApproaches([a.id for a in r.approaches], [a.body for a in r.approaches], column("time_tdb_jd"),
                               column("distance_au"), column("speed_km_s"), column("time_3sigma_days"),
                               column("distance_3sigma_au"), list(r.ids), np.asarray(r.moid_earth_au),
                               np.asarray(r.moid_jupiter_au), r.uncertainty_note)

    def stream_trajectory(self, ids: Iterable[str], start, stop, step_days: float, model: str = "kepler",
                          frame: str = "ecliptic", center: str = "sun", *, chunk_size: int = 0,
                          timeout: float | None = None) -> Stream:
        """Chunks (TrajectoryChunk) from start to stop every step_days, as the server computes them."""
        request = propagation_pb2.StreamTrajectoryRequest(
            ids=list(ids), start_tdb_jd=_times([start])[0], stop_tdb_jd=_times([stop])[0], step_days=step_days,
            options=_options(model, frame, center), chunk_size=chunk_size)
        call = self._prop.StreamTrajectory(request, metadata=self._metadata, timeout=timeout)
        return Stream(call, _trajectory_chunk)

    def propagate_catalog(self, times, model: str = "kepler", frame: str = "ecliptic", center: str = "sun", *,
                          search: str = "", periodic_only: bool = False, q_min: float | None = None,
                          q_max: float | None = None, e_min: float | None = None, e_max: float | None = None,
                          i_min_deg: float | None = None, i_max_deg: float | None = None,
                          orbit_types: Iterable[str] = (), block_size: int = 0,
                          timeout: float | None = None) -> Stream:
        """Blocks (CatalogChunk) of the whole catalog, or the filtered part, at `times`."""
        request = propagation_pb2.PropagateCatalogRequest(
            filter=_filter(search, periodic_only, q_min, q_max, e_min, e_max, i_min_deg, i_max_deg, orbit_types),
            times_tdb_jd=_times(times), options=_options(model, frame, center), block_size=block_size)
        call = self._prop.PropagateCatalog(request, metadata=self._metadata, timeout=timeout)
        return Stream(call, _catalog_chunk)

    def follow(self, clocks: "Iterable[Clock] | queue.Queue", timeout: float | None = None) -> Stream:
        """FollowFrames about ten per second. `clocks`: an iterable of Clock, or a queue.Queue of Clock
        (put None to stop sending; the frames continue until `cancel()`)."""
        call = self._prop.Follow(_clock_requests(clocks), metadata=self._metadata, timeout=timeout)
        return Stream(call, _follow_frame)

    def observe(self, ids: Iterable[str], times=None, *, start=None, stop=None, step_days: float | None = None,
                observer: "str | tuple" = "500", model: str = "kepler", apparent: bool = False,
                uncertainty: bool = False, chunk_size: int = 0, timeout: float | None = None) -> Stream:
        """ObservationChunks of an observer ephemeris, at `times` or from start to stop every step_days.

        observer: "500"/"earth" (geocentre), "sun", an MPC code ("G96"), or a site
        (lon_deg, lat_deg[, height_m]) on WGS84. Numbers are the engine's `encke.observe`.
        uncertainty: add the 3-sigma sky columns from each comet's SBDB covariance (the server
        fetches it; the comet is then observed from that solution).
        """
        ranged = (start, stop, step_days)
        if (times is None) == all(v is None for v in ranged) or (times is None and None in ranged):
            raise ValueError("observe: give either times, or start, stop and step_days")
        request = propagation_pb2.ObserveRequest(ids=list(ids), apparent=apparent, chunk_size=chunk_size,
                                                 model=_options(model, "ecliptic", "sun").model,
                                                 uncertainty=uncertainty)
        if times is not None:
            request.times_tdb_jd.extend(_times(times))
        else:
            t0, t1 = _times([start, stop])
            request.range.CopyFrom(propagation_pb2.TimeRange(start_tdb_jd=t0, stop_tdb_jd=t1, step_days=step_days))
        if isinstance(observer, (tuple, list)):
            lon, lat, *height = observer
            request.site.CopyFrom(propagation_pb2.Site(lon_deg=lon, lat_deg=lat, height_m=height[0] if height else 0.0))
        else:
            request.observer = str(observer)
        call = self._prop.Observe(request, metadata=self._metadata, timeout=timeout)
        return Stream(call, _observation_chunk)

    def health(self, service: str = "", timeout: float | None = 5.0) -> str:
        """The grpc.health.v1 status name of `service` ("" = the server): SERVING, NOT_SERVING..."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self._channel)
        r = self._unary(stub.Check, health_pb2.HealthCheckRequest(service=service), timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)


def _times(values) -> list[float]:
    values = [values] if isinstance(values, (str, float, int)) else list(values)
    return [_iso_to_tdb_jd(v) if isinstance(v, str) else float(v) for v in values]


def _iso_to_tdb_jd(text: str) -> float:
    """An ISO date (UTC) as a TDB Julian date, with astropy (as the engine converts at its edges;
    the client does not import the engine, which would bring JAX)."""
    try:
        import erfa
        from astropy.time import Time
    except ImportError:
        raise ValueError(f"time {text!r}: ISO dates need astropy (pip install astropy); "
                         "or pass TDB Julian dates as numbers") from None
    with warnings.catch_warnings():  # future UTC dates are "dubious" (no leap seconds known yet)
        warnings.filterwarnings("ignore", message=".*dubious year", category=erfa.ErfaWarning)
        try:
            tdb = Time(text, scale="utc").tdb
        except ValueError as exc:
            raise ValueError(f"time {text!r} is not an ISO date: {exc}") from None
    return float(tdb.jd1) + float(tdb.jd2)


def _options(model: str, frame: str, center: str) -> common_pb2.PropagationOptions:
    try:
        return common_pb2.PropagationOptions(model=convert.MODEL_ENUM[model], frame=convert.FRAME_ENUM[frame],
                                             center=convert.CENTER_ENUM[center])
    except KeyError as exc:
        raise ValueError(f"unknown option {exc.args[0]!r}: model is kepler|nbody, frame ecliptic|icrf, "
                         "center sun|ssb") from None


def _filter(search, periodic_only, q_min, q_max, e_min, e_max, i_min_deg, i_max_deg, orbit_types):
    f = catalog_pb2.CatalogFilter(search=search or "", periodic_only=periodic_only, orbit_types=list(orbit_types))
    for name, value in (("q_min_au", q_min), ("q_max_au", q_max), ("e_min", e_min), ("e_max", e_max),
                        ("i_min_deg", i_min_deg), ("i_max_deg", i_max_deg)):
        if value is not None:
            setattr(f, name, value)
    return f


def _clock_requests(clocks) -> Iterator[propagation_pb2.FollowRequest]:
    source = iter(clocks.get, None) if isinstance(clocks, queue.Queue) else clocks
    for clock in source:
        yield propagation_pb2.FollowRequest(epoch_tdb_jd=_times([clock.epoch])[0], rate_days_per_s=clock.rate,
                                            ids=list(clock.ids),
                                            options=_options(clock.model, clock.frame, clock.center))
    # the request side is done here; the server keeps sending frames until cancel()


def _trajectory_chunk(block) -> TrajectoryChunk:
    ids, times, states, status = convert.state_block_arrays(block)
    return TrajectoryChunk(ids, times, states, status)


def _catalog_chunk(msg) -> CatalogChunk:
    ids, times, states, status = convert.state_block_arrays(msg.block)
    return CatalogChunk(msg.offset, msg.total, np.array(msg.indices, dtype=np.int64), ids, times, states, status)


def _observation_chunk(msg) -> ObservationChunk:
    arrays = convert.observe_chunk_arrays(msg)
    return ObservationChunk(**arrays)


def _follow_frame(msg) -> FollowFrame:
    if msg.error:
        return FollowFrame(float("nan"), [], np.empty((0, 6)), np.empty(0, dtype=np.int32), msg.error)
    ids, _, states, status = convert.state_block_arrays(msg.block)
    return FollowFrame(msg.epoch_tdb_jd, ids, states[:, 0, :], status)
