"""chipclear: export-control, screening and import-duty decisions for AI chips, with cited reasons.

The public Python API::

    import chipclear
    chipclear.classify("H20", datetime.date(2025, 5, 1))          # ECCN with a cited trace
    chipclear.determine(chipclear.OrderLine(item="H20", destination="CN", ship_date=...))
    chipclear.screening.name_similarity("Moore Threads", "MOORE THREADS TECHNOLOGY CO., LTD.")

Names are imported lazily, so ``import chipclear`` stays cheap.
"""

from __future__ import annotations

from chipclear.lazy import exports

__version__ = "0.1.0"

_EXPORTS: dict[str, tuple[str, str | None]] = {
    "classify": ("chipclear.classification", "classify"),
    "Classification": ("chipclear.classification", "Classification"),
    "determine": ("chipclear.determination", "determine"),
    "load_catalog": ("chipclear.catalog", "load_catalog"),
    "load_rules": ("chipclear.rules", "load_rules"),
    "Decision": ("chipclear.decision", "Decision"),
    "OrderLine": ("chipclear.decision", "OrderLine"),
    "Party": ("chipclear.decision", "Party"),
    "EndUse": ("chipclear.decision", "EndUse"),
    "Reason": ("chipclear.decision", "Reason"),
    "Verdict": ("chipclear.decision", "Verdict"),
    "ReviewPolicy": ("chipclear.decision", "ReviewPolicy"),
    "ChipclearError": ("chipclear.errors", "ChipclearError"),
    "screening": ("chipclear.screening", None),
    "tariffs": ("chipclear.tariffs", None),
}

__all__ = [
    "ChipclearError",
    "Classification",
    "Decision",
    "EndUse",
    "OrderLine",
    "Party",
    "Reason",
    "ReviewPolicy",
    "Verdict",
    "__version__",
    "classify",
    "determine",
    "load_catalog",
    "load_rules",
    "screening",
    "tariffs",
]


__getattr__ = exports(globals(), _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
