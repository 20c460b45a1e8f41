"""The one `encke` distribution installs both ways: editable (how `make test` runs) and as a wheel."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_editable_install_maps_the_namespace_onto_the_design_folders():
    import encke.client.cli
    import encke.engine
    import encke.server

    assert Path(encke.engine.__file__).parent == ROOT / "engine"
    assert Path(encke.server.__file__).parent == ROOT / "server"
    assert Path(encke.client.cli.__file__).parent == ROOT / "clients" / "python"


def test_console_script_help_lists_the_subcommands():
    out = subprocess.run([sys.executable, "-m", "encke", "--help"], capture_output=True, text=True, check=True)
    assert "usage: encke" in out.stdout
    for command in ("fetch", "serve", "propagate"):
        assert command in out.stdout


@pytest.mark.slow
def test_built_wheel_installs_and_imports_outside_the_source_tree(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = dist.glob("encke-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("encke/__init__.py", "encke/engine/elements.py", "encke/engine/catalog/__init__.py",
                     "encke/server/__init__.py", "encke/server/wire.py", "encke/client/cli.py", "encke/sbdb.py",
                     "encke/engine/catalog/data/CometEls-2026-01-03.txt"):
        assert required in names, f"{required} missing from {wheel.name}"
    if (ROOT / "server" / "static" / "index.html").exists():
        assert "encke/server/static/index.html" in names, "the built viewer is not in the wheel"
    assert not any(name.startswith(("engine/", "server/", "clients/")) for name in names)

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, text=True)
    env = dict(os.environ, PYTHONPATH=str(site))
    probe = "import encke, encke.engine, encke.client.cli; print(encke.engine.__file__); print(encke.CometaryElements)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[0].startswith(str(site)), out.stdout
    out = subprocess.run([sys.executable, "-m", "encke", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "usage: encke" in out.stdout

    # the embedded catalog is read from the installed package, with nothing configured
    env.pop("ENCKE_CATALOG", None)
    env["ENCKE_CACHE_DIR"] = str(tmp_path / "cache")
    probe = "import encke; c = encke.read_comets(); print(len(c)); print(c.source)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    count, source = out.stdout.splitlines()
    assert int(count) > 900 and source.startswith(str(site))
    # `encke bench` from the wheel: no benchmarks/ here, so harness options are refused with the reason
    out = subprocess.run([sys.executable, "-m", "encke", "bench", "--quick", "--only", "viewer"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "source checkout" in out.stderr, out.stderr
    assert out.stdout.startswith("catalog: the MPC snapshot shipped with encke")


def test_public_submodules_import_both_ways():
    """`import encke.sbdb` works as well as `encke.sbdb`, and both are the same module."""
    for first, then in (("import encke.{0} as m", "encke.{0}"), ("import encke; m = encke.{0}", "encke.{0}")):
        for name in ("sbdb", "mpc"):
            probe = (f"{first.format(name)}\nimport encke, encke.engine.sources.{name} as real\n"
                     f"import encke.{name}\nprint(m is real is {then.format(name)})")
            out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
            assert out.stdout.strip() == "True", (name, first)
