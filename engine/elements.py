"""Cometary orbital elements as a columnar, immutable JAX PyTree.

Comets are described by perihelion distance and perihelion time rather than semi-major axis
and mean anomaly, because both of the latter break down at e = 1 while q and tp stay finite
and well defined for every conic.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .errors import InvalidInput

_REQUIRED = ("q", "e", "i", "node", "argp", "tp", "epoch")
_NONGRAV = ("A1", "A2", "A3", "DT")
FIELDS = _REQUIRED + _NONGRAV


@jax.tree_util.register_pytree_node_class
@dataclasses.dataclass(frozen=True, eq=False)
class CometaryElements:
    """(N,) float64 arrays of heliocentric ecliptic J2000 elements, TDB.

    q: perihelion distance (au); e: eccentricity; i, node, argp: inclination, longitude of
    the ascending node and argument of perihelion (radians); tp: time of perihelion (TDB JD);
    epoch: epoch of osculation (TDB JD, NaN where the catalog gives none).
    A1, A2, A3: Marsden non-gravitational parameters (au/day^2), zero when absent;
    DT: their time delay (days), zero when absent.

    Build it from keyword arrays: ``CometaryElements(q=..., e=..., i=..., node=..., argp=...,
    tp=..., epoch=...)``; scalars broadcast to the common length.
    """

    q: Any
    e: Any
    i: Any
    node: Any
    argp: Any
    tp: Any
    epoch: Any = None
    A1: Any = None
    A2: Any = None
    A3: Any = None
    DT: Any = None

    def __post_init__(self):
        given = {name: getattr(self, name) for name in _REQUIRED[:-1]}
        arrays = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in given.values()])
        n_shape = arrays[0].shape
        if len(n_shape) > 1:
            raise InvalidInput("elements", f"CometaryElements fields must be scalars or 1-D arrays, got shape {n_shape}")
        for name, arr in zip(given, arrays):
            object.__setattr__(self, name, np.atleast_1d(arr))
        for name in ("epoch",) + _NONGRAV:
            value = getattr(self, name)
            fill = np.nan if name == "epoch" else 0.0
            arr = np.full(n_shape, fill) if value is None else np.asarray(value, dtype=np.float64)
            try:
                arr = np.broadcast_to(arr, n_shape)
            except ValueError:
                raise InvalidInput(f"elements.{name}", f"CometaryElements.{name} has shape {arr.shape}, expected {n_shape}") from None
            object.__setattr__(self, name, np.atleast_1d(np.array(arr)))

    # PyTree protocol: flatten to the eleven arrays; unflatten bypasses validation so that
    # traced values pass through jit and vmap untouched.
    def tree_flatten(self):
        return tuple(getattr(self, f) for f in FIELDS), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        obj = object.__new__(cls)
        for name, value in zip(FIELDS, children):
            object.__setattr__(obj, name, value)
        return obj

    def __len__(self) -> int:
        return int(np.shape(self.q)[0])

    def __getitem__(self, index) -> "CometaryElements":
        """Select objects by integer, slice, index array or boolean mask."""
        if isinstance(index, (int, np.integer)):
            index = slice(index, index + 1 if index != -1 else None)
        return jax.tree_util.tree_map(lambda a: a[index], self)

    @property
    def has_nongrav(self):
        """(N,) bool: where any of A1, A2, A3 is non-zero."""
        return (self.A1 != 0) | (self.A2 != 0) | (self.A3 != 0)

    def replace(self, **changes) -> "CometaryElements":
        return dataclasses.replace(self, **changes)

    def to_numpy(self) -> "CometaryElements":
        return jax.tree_util.tree_map(np.asarray, self)

    @staticmethod
    def concatenate(parts) -> "CometaryElements":
        return jax.tree_util.tree_map(lambda *a: np.concatenate([np.asarray(x) for x in a]), *parts)

    def __repr__(self) -> str:
        return f"CometaryElements(N={len(self)})"


def as_jax(elements: CometaryElements) -> CometaryElements:
    """The same elements with jax float64 arrays as leaves."""
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype=jnp.float64), elements)
