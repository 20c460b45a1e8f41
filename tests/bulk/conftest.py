"""Element tables for the bulk tests, built from the real 2024 MPC comet file."""
from __future__ import annotations

import numpy as np
import pytest

CATALOG = "cometels/CometEls-2024-09-07.txt"
TIMES = 2460600.5 + np.arange(12) * 30.0  # TDB JD, one year monthly


@pytest.fixture(scope="session")
def cometels(shared_data):
    return shared_data / CATALOG


@pytest.fixture(scope="session")
def catalog(cometels):
    import encke

    return encke.read_comets(cometels)


def element_table(catalog, copies: int = 1):
    """The catalog's comets as a bulk element table (degrees, the issue's column names), repeated
    `copies` times with the perihelion time shifted by 1 day per copy so that rows differ."""
    import pyarrow as pa

    el = catalog.elements
    n = len(catalog)
    shift = np.repeat(np.arange(copies, dtype=np.float64), n)
    return pa.table({
        "id": [f"{d}#{k}" for k in range(copies) for d in catalog.designations],
        "q_au": np.tile(el.q, copies), "e": np.tile(el.e, copies),
        "i_deg": np.tile(np.degrees(el.i), copies), "node_deg": np.tile(np.degrees(el.node), copies),
        "argp_deg": np.tile(np.degrees(el.argp), copies), "tp_tdb_jd": np.tile(el.tp, copies) + shift,
        "epoch_tdb_jd": np.tile(np.nan_to_num(el.epoch, nan=2460600.5), copies),
    })


def read_dataset(path):
    """The dataset as a pyarrow Table sorted by (id, time)."""
    import pyarrow.dataset as ds

    table = ds.dataset(path, format="parquet").to_table()
    table = table.set_column(0, "id", table.column("id").cast("string"))
    return table.sort_by([("id", "ascending"), ("time_tdb_jd", "ascending")])
