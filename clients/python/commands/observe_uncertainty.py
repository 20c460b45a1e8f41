"""`encke observe --uncertainty`: Horizons' 3-sigma plane-of-sky columns for one comet.

The catalog has no covariance, so the comet's orbit solution (elements, non-gravitational
parameters and covariance) is fetched from JPL's SBDB (cached by engine/sources/sbdb.py), and
the ephemeris is recomputed from that solution so that positions and uncertainties belong to the
same orbit. When SBDB has no covariance or cannot be reached, `sky_columns` raises LookupError
with a message that says so.
"""
from __future__ import annotations

COLUMNS = ("ra_3sigma_arcsec", "dec_3sigma_arcsec", "smaa_3sigma_arcsec", "smia_3sigma_arcsec", "theta_deg",
           "range_3sigma_km")


def sky_columns(designation: str, times_tdb, observer, *, model: str, ephemeris: str, apparent: bool):
    """(Observation from SBDB's solution, SkyUncertainty, note) for one comet."""
    import encke
    from encke.engine.sources.sbdb import SbdbError

    try:
        solution = encke.sbdb.fetch(designation)
    except SbdbError as exc:
        raise LookupError(f"--uncertainty: no covariance available for {designation}: {exc}") from None
    if solution.covariance is None:
        raise LookupError(f"--uncertainty: no covariance available: SBDB's solution for {designation} has none")
    obs, sky = encke.observe_uncertainty(solution.elements, times_tdb, solution, observer, model=model,
                                         ephemeris=ephemeris, apparent=apparent)
    return obs, sky, f"orbit and covariance: SBDB solution {solution.orbit_id} of {solution.fullname}"


def add_to_rows(rows, sky) -> None:
    """Put the 3-sigma columns of comet 0 into the per-time row dicts."""
    for j, row in enumerate(rows):
        row.update({name: float(getattr(sky, name)[0, j]) for name in COLUMNS})


def print_table(rows, note, out) -> None:
    print(f"3-sigma plane-of-sky uncertainty ({note}):", file=out)
    names = ("RA*cosD", "Dec", "SMAA", "SMIA")
    head = f"{'Date (UT)':<20} " + " ".join(f"{n + ' as':>9}" for n in names) + f" {'Theta deg':>9} {'range km':>10}"
    print(head, file=out)
    for row in rows:
        print(f"{row['time_utc'][:19]:<20} {row['ra_3sigma_arcsec']:9.3f} {row['dec_3sigma_arcsec']:9.3f} "
              f"{row['smaa_3sigma_arcsec']:9.3f} {row['smia_3sigma_arcsec']:9.3f} {row['theta_deg']:9.2f} "
              f"{row['range_3sigma_km']:10.1f}", file=out)
