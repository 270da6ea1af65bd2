"""Order books at scale: decide every line of a CSV/Parquet order book, locally or on a Dask cluster.

Public API::

    from chipclear.batch import BatchOptions, run_batch, generate_orders

    result = run_batch(BatchOptions(orders=Path("orders.csv"), out=Path("decisions.parquet"), workers=2))
    result.summary["by_verdict"]

docs/batch.md describes the input columns, the output, checkpoints, re-checks and how the work is vectorised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chipclear.lazy import exports

if TYPE_CHECKING:
    from chipclear.batch.runner import BatchOptions, BatchResult, run_batch
    from chipclear.batch.synthetic import generate_orders, write_orders

# Imported on first use, so that ``chipclear.batch.views`` (the API's description of a batch output) loads without
# the [batch] extra (polars, pyarrow, dask).
_EXPORTS = {
    "BatchOptions": ("chipclear.batch.runner", "BatchOptions"),
    "BatchResult": ("chipclear.batch.runner", "BatchResult"),
    "run_batch": ("chipclear.batch.runner", "run_batch"),
    "generate_orders": ("chipclear.batch.synthetic", "generate_orders"),
    "write_orders": ("chipclear.batch.synthetic", "write_orders"),
}
__getattr__ = exports(globals(), _EXPORTS)


__all__ = ["BatchOptions", "BatchResult", "generate_orders", "run_batch", "write_orders"]
