"""encke.engine: the numerical core (pure functions over float64 arrays) and data access.

x64 is switched on here, once, because every orbit in encke is computed in float64: a
float32 Julian date resolves only ~4 minutes, and a float32 position near 30 au only ~2 km.
"""
import jax

jax.config.update("jax_enable_x64", True)

from . import compilation_cache  # noqa: E402

compilation_cache.enable_by_default()  # later processes compile nothing they have seen

from .elements import CometaryElements  # noqa: E402

__all__ = ["CometaryElements"]
