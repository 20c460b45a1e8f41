"""Site observations from many threads at once, right after a fresh import (issue 16, defect 2).

Each case runs in a new interpreter, so astropy's IERS tables and settings start cold, as in a
server that has just started. An audit hook records every attempt to reach the network, and
warnings are errors there as in the test suite.
"""
import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys, threading, warnings

    network = []

    def audit(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
            network.append(f"{event} {args!r:.120}")

    sys.addaudithook(audit)
    warnings.simplefilter("error")
    import numpy as np
    from encke.engine.observers import resolve_observer, site_gcrs_posvel, site_rotation

    site = resolve_observer("G96")
    # Past the bundled IERS table's predictions and the leap-second table: astropy would
    # download (auto_download) and warn (dubious year, degraded accuracy) here if allowed.
    times = 2463000.5 + np.arange(4.0)
    threads, calls = 12, 15
    start = threading.Barrier(threads)
    failures, results = [], []

    def work():
        start.wait()
        for _ in range(calls):
            try:
                p, v = site_gcrs_posvel(site, times)
                r = site_rotation(site, times)
                results.append((p.copy(), r.copy()))
            except BaseException as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:300])

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    first_p, first_r = results[0]
    same = all(np.array_equal(p, first_p) and np.array_equal(r, first_r) for p, r in results)
    print(json.dumps({"failures": failures, "network": network, "results": len(results), "same": same}))
""")


def test_many_threads_observe_from_a_site_right_after_import_without_network():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["failures"] == [], report["failures"][:5]
    assert report["network"] == [], report["network"][:5]
    assert report["results"] == 12 * 15 and report["same"]
