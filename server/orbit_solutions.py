"""Orbit solutions with a covariance, fetched from JPL's SBDB on demand for the transports.

The catalog (MPC elements) carries no covariance, so a request for uncertainties (close
approaches' 3-sigma, the observe route's sky ellipse) asks SBDB for the comet's solution.
engine/sources/sbdb.py caches the answers (memory and disk), so repeated requests make no
network call. When SBDB cannot be reached, does not know the comet, or its solution has no
covariance, the answer is None and a note that says so in words the client can show.
"""
from __future__ import annotations

NO_COVARIANCE = "no covariance available"


def sbdb_covariance(designation: str):
    """(SBDB result or None, note): the result's `.elements` and `.covariance` belong together."""
    from encke.engine.sources import sbdb

    try:
        result = sbdb.fetch(designation)
    except sbdb.SbdbError as exc:
        return None, f"{NO_COVARIANCE}: SBDB look-up of {designation} failed ({exc})"
    if result.covariance is None:
        return None, f"{NO_COVARIANCE}: SBDB's solution for {designation} has none"
    return result, f"covariance of SBDB orbit solution {result.orbit_id} (epoch {result.covariance.epoch[0]})"
