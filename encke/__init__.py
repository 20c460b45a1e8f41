"""encke: a comet trajectory engine.

The public face of the package. Names resolve lazily, so that `import encke` (and the CLI's
`--help`) does not pay for importing JAX until an engine function is actually used.

    import encke
    cat = encke.read_comets("CometEls.txt")
    states = encke.propagate(cat.elements, times, model="kepler")   # (N, M, 6) au, au/day
"""
import importlib

__version__ = "0.1.0"

# public name -> (module, attribute); attribute None means the module itself.
_EXPORTS = {
    "CometaryElements": ("encke.engine.elements", "CometaryElements"),
    "read_comets": ("encke.engine.catalog", "read_comets"),
    "Catalog": ("encke.engine.catalog", "Catalog"),
    "Comet": ("encke.engine.catalog", "Comet"),
    "choose_catalog": ("encke.engine.catalog.default", "choose_catalog"),
    "CatalogFormatError": ("encke.engine.catalog", "CatalogFormatError"),
    "propagate": ("encke.engine.propagate", "propagate"),
    "PropagationResult": ("encke.engine.propagate", "PropagationResult"),
    "propagate_bulk": ("encke.engine.bulk", "propagate_bulk"),
    "elements_to_state": ("encke.engine.conics", "elements_to_state"),
    "state_to_elements": ("encke.engine.conics", "state_to_elements"),
    "to_tdb_jd": ("encke.engine.timescales", "to_tdb_jd"),
    "load_ephemeris": ("encke.engine.ephemeris", "load_ephemeris"),
    "observe": ("encke.engine.observe", "observe"),
    "make_covariance": ("encke.engine.covariance", "make_covariance"),
    "propagate_covariance": ("encke.engine.uncertainty", "propagate_covariance"),
    "observe_uncertainty": ("encke.engine.sky_uncertainty", "observe_uncertainty"),
    "sample_orbits": ("encke.engine.sampling", "sample_orbits"),
    "close_approaches": ("encke.engine.approaches", "close_approaches"),
    "sbdb": ("encke.engine.sources.sbdb", None),
    "mpc": ("encke.engine.sources.mpc", None),
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'encke' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # resolve once
    return value


def __dir__():
    return __all__
