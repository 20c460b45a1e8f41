"""The MPC comet catalog: parse CometEls.txt into a columnar Catalog, and comet designations.

    from encke.engine.catalog import read_comets
    cat = read_comets("CometEls.txt")       # or bytes / text; see read_comets
    cat.get("1P"), cat.get("CJ95O010"), cat.search("hale"), cat.elements
"""
from .catalog import Catalog, Comet, UnknownCometError, read_comets
from .designations import DesignationError, normalize_designation, pack_designation, unpack_designation
from .mpc import CatalogFormatError

__all__ = [
    "Catalog",
    "CatalogFormatError",
    "Comet",
    "DesignationError",
    "UnknownCometError",
    "normalize_designation",
    "pack_designation",
    "read_comets",
    "unpack_designation",
]
