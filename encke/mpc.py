"""`import encke.mpc` and `encke.mpc` are the same module: encke.engine.sources.mpc.

This file only makes the submodule importable under the short name; the import system binds
whatever sys.modules holds for the name once the file has run.
"""
import sys

from encke.engine.sources import mpc as _module

sys.modules[__name__] = _module
