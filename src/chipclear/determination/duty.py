"""Import lines: the duty the entry pays, computed by ``chipclear.tariffs`` and reported beside the export verdict.

The duty never changes the export verdict; an import line with an open duty question reports it as open
(``status: indeterminate`` with the range), never as a number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipclear.decision import OrderLine, Reason
from chipclear.provenance import weakest
from chipclear.tariffs.result import line_rate_text, rate_text
from chipclear.tariffs.sec232 import duty_item


def _layer_text(line: dict[str, Any]) -> str:
    rate = line_rate_text(line) if line["rate"] is not None else f"rate open, {line_rate_text(line)}"
    heading = f" {line['heading']}" if line.get("heading") else ""
    return f"{line['measure']}{heading} {rate}"


def import_duty(line: OrderLine, item: Any, on: dt.date) -> tuple[dict[str, Any] | None, list[Reason]]:
    """The duty JSON and a summary reason for an import line; (None, []) for a line that is not an import."""
    entry = line.import_entry
    if entry is None:
        return None, []
    from chipclear.tariffs import duty

    value = entry.value_usd if entry.value_usd is not None else line.value_usd
    result = duty(
        entry.hts,
        entry.origin,
        entry.entry_date or on,
        value=value,
        item=duty_item(item),
        end_use=entry.end_use,
        claims=entry.claims,
        entry_type=entry.entry_type,
    ).to_json()
    if result["status"] == "determined":
        amount = (
            f", {result['total_amount']:,.2f} USD on {value:,.2f}" if result.get("total_amount") is not None else ""
        )
        summary = f"import duty {rate_text(result['total_rate'])}{amount}"
    else:
        low, high = result["total_rate_range"]["low"], result["total_rate_range"]["high"]
        summary = f"import duty undetermined: {rate_text(None, low, high)} ({len(result['unknowns'])} open question(s))"
    layers = "; ".join(_layer_text(ln) for ln in result["lines"])
    citations = "; ".join(dict.fromkeys(ln["citation"].split(" [")[0] for ln in result["lines"]))
    reason = Reason(
        rule=f"duty#{entry.hts}#{entry.origin}",
        citation=citations or "chipclear tariff data",
        detail=f"{summary} (HTS {entry.hts}, origin {entry.origin}, entry {entry.entry_date or on}): {layers}",
        confidence=weakest(ln["confidence"] for ln in result["lines"]),
    )
    return result, [reason]
