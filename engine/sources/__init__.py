"""Data sources: the MPC comet file and the JPL Small-Body Database over the network, and JPL
Horizons output read from text.

- ``http``: the shared download policy (timeouts, retries with backoff, typed errors) and the
  cache folder ($ENCKE_CACHE_DIR, else the user cache folder).
- ``mpc``: ``fetch_catalog()`` keeps CometEls.txt current in the cache (conditional GET,
  atomic replacement, offline fallback); ``cached_catalog_path()`` finds it.
- ``sbdb``: ``fetch(designation)`` returns elements, non-gravitational parameters and their
  uncertainties from the SBDB API.
- ``horizons``: reads JPL Horizons text already fetched (VECTORS tables, a small body's
  header elements), to check propagations against it.

Import the submodule you need (``from encke.engine.sources import mpc``); the public facade
exposes them as ``encke.mpc`` and ``encke.sbdb``.
"""
