"""Bucket padding, chunking and object-axis sharding for batched jit entry points.

Why buckets: jit compiles once per input shape. Padding N (objects) and M (epochs) up to a
small ladder of sizes makes the shapes repeat, so a second call with a different N in the
same bucket reuses the compiled program. The ladder is 2^k x {1, 1.125, ..., 1.875}: at most
12.5% (typically ~6%) padding waste, and eight compiled sizes per octave.

Why chunks: a batch larger than `max_lanes` object-epochs is cut along the object axis into
equal chunks (one bucket size, so one compilation) plus a padded last chunk; memory stays
bounded and the padding waste stays in the last chunk.

Why sharding: with several devices (GPUs, or CPU devices forced with
XLA_FLAGS=--xla_force_host_platform_device_count=K), per-object arrays are split along their
first axis over a 1-D device mesh ("objects") with NamedSharding; per-epoch arrays are
replicated. jit then runs each device's objects on that device. Objects are independent, so
the result equals the one-device result.
"""
from __future__ import annotations

import functools
import math

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

_LADDER = (1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875)
OBJECT_AXIS = "objects"
MIN_OBJECT_BUCKET = 64  # smallest padded object count of the two-body kernels


@functools.lru_cache(maxsize=1024)
def bucket_size(n: int, minimum: int = 1, multiple: int = 1) -> int:
    """Smallest ladder size >= max(n, minimum) that is also a multiple of `multiple`."""
    if n < 0:
        raise ValueError(f"size must be >= 0, got {n}")
    target = max(int(n), int(minimum), 1)
    k = max(0, math.floor(math.log2(target)) - 1)
    while True:
        for factor in _LADDER:
            size = int(round((2**k) * factor))
            if size >= target and size == (2**k) * factor:
                return _round_up(size, multiple)
        k += 1


@functools.lru_cache(maxsize=256)
def bucket_floor(n: int, minimum: int = 1, multiple: int = 1) -> int:
    """Largest ladder size <= n (but at least `minimum`), rounded up to a multiple of `multiple`."""
    best = max(int(minimum), 1)
    k = 0
    while 2**k <= n:
        for factor in _LADDER:
            size = (2**k) * factor
            if size == int(size) and size <= n:
                best = max(best, int(size))
        k += 1
    return _round_up(best, multiple)


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def pad_leading(array, size: int, fill=None) -> np.ndarray:
    """array padded along axis 0 to `size` with `fill` (default: copies of the last row)."""
    array = np.asarray(array)
    n = array.shape[0]
    if n == size:
        return array
    if n > size:
        raise ValueError(f"cannot pad {n} rows down to {size}")
    if fill is None:
        if n == 0:
            raise ValueError("cannot pad an empty array with copies of its last row")
        pad = np.repeat(array[-1:], size - n, axis=0)
    else:
        pad = np.full((size - n,) + array.shape[1:], fill, dtype=array.dtype)
    return np.concatenate([array, pad], axis=0)


def pad_axis(array, size: int, axis: int = 0) -> np.ndarray:
    """array padded along `axis` to `size` with copies of its last entry there (finite values
    that a kernel computes harmlessly and the caller slices off)."""
    array = np.asarray(array)
    extra = size - array.shape[axis]
    if extra == 0:
        return array
    if extra < 0 or array.shape[axis] == 0:
        raise ValueError(f"cannot pad axis {axis} of length {array.shape[axis]} to {size}")
    return np.concatenate([array, np.take(array, [-1] * extra, axis=axis)], axis=axis)


def chunk_bounds(n: int, chunk: int):
    """[(start, stop), ...] covering range(n) in pieces of `chunk`."""
    return [(start, min(start + chunk, n)) for start in range(0, n, chunk)]


def object_mesh(devices=None) -> Mesh | None:
    """A 1-D mesh over all (or the given) devices, or None when there is only one."""
    devices = list(jax.devices() if devices is None else devices)
    if len(devices) <= 1:
        return None
    return Mesh(np.array(devices), (OBJECT_AXIS,))


def shard_objects(arrays, mesh: Mesh | None):
    """Place arrays split along axis 0 over the mesh (unchanged when mesh is None)."""
    if mesh is None:
        return arrays
    sharding = NamedSharding(mesh, PartitionSpec(OBJECT_AXIS))
    return jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding), arrays)


def replicate(arrays, mesh: Mesh | None):
    """Place arrays whole on every device of the mesh (unchanged when mesh is None)."""
    if mesh is None:
        return arrays
    sharding = NamedSharding(mesh, PartitionSpec())
    return jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding), arrays)
