"""`import encke.sbdb` and `encke.sbdb` are the same module: encke.engine.sources.sbdb.

This file only makes the submodule importable under the short name; the import system binds
whatever sys.modules holds for the name once the file has run.
"""
import sys

from encke.engine.sources import sbdb as _module

sys.modules[__name__] = _module
