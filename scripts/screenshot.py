"""Make the README's screenshot of the viewer: docs/viewer.png (1400 x 850).

    python scripts/screenshot.py [--catalog PATH] [--out docs/viewer.png] [--date UTC] [--comet ID] [--camera ...]

Starts `encke serve` with the catalog (default: the shared MPC file of 2024-09-07), opens the
built viewer in headless Chromium on the inner solar system on 2024-10-20, with
C/2023 A3 (Tsuchinshan-ATLAS) selected three weeks after its perihelion, when it was a
naked-eye comet in the evening sky, and saves the page once everything has arrived from the
server (catalog positions, orbit lines, planets, the comet's state and sky position).
Build the viewer first: `cd clients/web && npm ci && npm run build`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.viewer_live import live_viewer  # noqa: E402

# C/2023 A3 at 0.7 au from the Sun a week after its closest approach to the Earth (UTC).
DEFAULT_DATE = "2024-10-20"
DEFAULT_COMET = "C/2023 A3"
# Camera position and target (au, heliocentric ecliptic): above the inner planets, looking at
# the Sun, with the comet's open orbit swinging round it and the Earth beside it.
CAMERA = "1.6,-2.4,1.7,0,0,0"
SETTLED = ("() => window.encke && window.encke.ready && window.encke.orbitsLoaded && window.encke.planetsLoaded"
           " && window.encke.selected !== null && window.encke.infoEpoch === window.encke.epoch"
           " && window.encke.observeEpoch === window.encke.epoch")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--catalog", help="MPC CometEls.txt (default: ../shared/data/cometels/CometEls-2024-09-07.txt)")
    p.add_argument("--out", default=str(ROOT / "docs" / "viewer.png"), help="PNG to write (default: %(default)s)")
    p.add_argument("--date", default=DEFAULT_DATE, help="UTC date (and time) shown (default: %(default)s)")
    p.add_argument("--camera", default=CAMERA, help="px,py,pz,tx,ty,tz in au (default: %(default)s)")
    p.add_argument("--comet", default=DEFAULT_COMET, help="comet to select (default: %(default)s)")
    args = p.parse_args(argv)
    import encke

    epoch = float(encke.to_tdb_jd(args.date))  # the URL's t is a TDB Julian date
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with live_viewer(args.catalog) as (url, browser, _):
        page = browser.new_page(viewport={"width": 1400, "height": 850})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{url}/?c={quote(args.comet, safe='')}&t={epoch!r}&cam={args.camera}")
        page.wait_for_function(SETTLED, timeout=120_000)
        time.sleep(0.5)  # the hover-free, settled frame (camera damping has stopped)
        page.screenshot(path=str(out))
        if errors:
            print(f"screenshot: the page reported errors: {errors}", file=sys.stderr)
            return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
