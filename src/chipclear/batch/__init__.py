"""Order books at scale: decide every line of a CSV/Parquet order book, locally or on a Dask cluster.

Public API::

    from chipclear.batch import BatchOptions, run_batch, generate_orders

    result = run_batch(BatchOptions(orders=Path("orders.csv"), out=Path("decisions.parquet"), workers=2))
    result.summary["by_verdict"]

docs/batch.md describes the input columns, the output, checkpoints, re-checks and how the work is vectorised.
"""

from chipclear.batch.runner import BatchOptions, BatchResult, run_batch
from chipclear.batch.synthetic import generate_orders, write_orders

__all__ = ["BatchOptions", "BatchResult", "generate_orders", "run_batch", "write_orders"]
