"""Bulk propagation: element tables of any size, streamed in chunks to a Parquet dataset.

    from encke.engine.bulk import propagate_bulk
    result = propagate_bulk("elements.parquet", times_tdb_jd, "out/")   # BulkResult(path, summary)

tables.py reads and checks the input (MPC CometEls.txt, Parquet or CSV element tables),
dataset.py writes the output parts with a manifest of checksums so that a killed job resumes,
job.py runs the chunks in this process, and cluster.py (imported only when a cluster is asked
for) runs them as Ray tasks.
"""
from .job import BulkResult, BulkSummary, propagate_bulk
from .tables import SchemaError, open_table

__all__ = ["BulkResult", "BulkSummary", "SchemaError", "open_table", "propagate_bulk"]
