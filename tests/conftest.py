"""Shared fixtures. Reference data is read in place from ../shared/data (never copied)."""
import os
from pathlib import Path

import pytest

# The suite never reaches the internet (CI reaches only package registries): the engine's downloads
# (the MPC catalog refresh, SBDB look-ups) go to a closed local port unless a test points them at its
# own replay server. Set here, before any server or subprocess starts, so that they inherit it.
for _variable, _path in (("ENCKE_MPC_URL", "CometEls.txt"), ("ENCKE_SBDB_URL", "sbdb.api")):
    os.environ.setdefault(_variable, f"http://127.0.0.1:9/{_path}")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    return SHARED_DATA
