"""JAX's persistent compilation cache, on by default for every user of encke.

Compiling encke's programs costs seconds per new shape (the two-body kernel for a new batch
size, the N-body integrator for a new pool); a process that starts afresh would pay it again
for shapes it has seen before. With the cache, XLA's executables are written to disk on first
compilation and read back by later processes, which then compile nothing for those shapes.

Where: $ENCKE_COMPILATION_CACHE_DIR, else <encke cache folder>/jax, where the encke cache
folder is $ENCKE_CACHE_DIR or the user cache folder from platformdirs (~/.cache/encke on Linux:
the same folder as encke's downloads, see engine/sources/http.py). A folder the user already
gave JAX (jax_compilation_cache_dir, or $JAX_COMPILATION_CACHE_DIR) is left alone.

Off: ENCKE_COMPILATION_CACHE=0 (or false/off/no) before importing encke, or `disable()`.

Every program is cached, whatever its compile time (JAX's default keeps only those that took
over a second): the point is that a second process compiles nothing, and the small programs
are cheap to store (kilobytes each on the CPU).
"""
from __future__ import annotations

import os
from pathlib import Path

import jax

SWITCH_ENV = "ENCKE_COMPILATION_CACHE"
DIR_ENV = "ENCKE_COMPILATION_CACHE_DIR"
_OFF = ("0", "false", "off", "no")


def default_folder() -> Path:
    """The folder encke uses when the user named none (see the module docstring)."""
    import platformdirs

    if os.environ.get(DIR_ENV):
        return Path(os.environ[DIR_ENV]).expanduser()
    base = os.environ.get("ENCKE_CACHE_DIR") or platformdirs.user_cache_dir("encke")
    return Path(base).expanduser() / "jax"


def switched_off() -> bool:
    """True when $ENCKE_COMPILATION_CACHE says off."""
    return os.environ.get(SWITCH_ENV, "1").strip().lower() in _OFF


def enable(folder: str | os.PathLike | None = None) -> Path:
    """Turn the persistent cache on, in `folder` (default: default_folder()); returns it. Takes
    effect for every compilation from now on, also after earlier ones."""
    from jax.experimental.compilation_cache import compilation_cache as cc

    path = Path(folder).expanduser() if folder is not None else default_folder()
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_enable_compilation_cache", True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    cc.reset_cache()  # JAX decides once per process whether to use a cache: decide again
    return path


def disable() -> None:
    """Turn the persistent cache off for this process (compilations from now on)."""
    from jax.experimental.compilation_cache import compilation_cache as cc

    jax.config.update("jax_enable_compilation_cache", False)
    cc.reset_cache()


def folder() -> Path | None:
    """The folder in use, or None when the persistent cache is off."""
    if not jax.config.jax_enable_compilation_cache or jax.config.jax_compilation_cache_dir is None:
        return None
    return Path(jax.config.jax_compilation_cache_dir)


def enable_by_default() -> Path | None:
    """What importing encke.engine does: enable() unless switched off or the user has chosen a
    folder for JAX already. A folder that cannot be created leaves the cache off (encke still
    works, it only compiles again)."""
    if switched_off():
        return None
    if jax.config.jax_compilation_cache_dir is not None:
        return folder()
    try:
        return enable()
    except (OSError, ImportError):
        return None
