"""Trace lines in words, every number kept. An exclusion's line "Note 2: datacenter yes == no: no AND tpp 2,368 <
4,800: yes -> does not apply" reads "Note 2: does not apply, as designed for datacenters is yes, not no; and TPP 2,368
is below 4,800." The record (the decision's reasons) is unchanged; the console shows this with the raw line on hover.
"""

from __future__ import annotations

import re

METRIC_NAMES = {
    "tpp": "TPP",
    "performance_density": "performance density",
    "datacenter": "designed for datacenters",
    "io_bandwidth_gbs": "I/O bandwidth (GB/s)",
    "total_dram_bandwidth_gbs": "DRAM bandwidth (GB/s)",
    "memory_bandwidth_density": "memory bandwidth density",
}
# (holds, fails) wording for each comparison
PHRASES = {
    ">=": ("is at least", "is below"),
    ">": ("is above", "is not above"),
    "<=": ("is at most", "is above"),
    "<": ("is below", "is not below"),
    "==": ("is", "is not"),
}
_TEST = re.compile(r"^(?P<metric>[a-z_0-9]+) (?P<value>\S+) (?P<op>>=|<=|==|>|<) (?P<limit>\S+): (?P<result>.+)$")
_OUTCOMES = {"met", "not met", "applies", "does not apply", "undecided"}


def clause_sentence(text: str) -> str:
    """One evaluated test ("tpp 2,368 < 4,800: yes") as a clause ("TPP 2,368 is below 4,800")."""
    m = _TEST.match(text.strip())
    if not m:
        return text
    name = METRIC_NAMES.get(m["metric"], m["metric"].replace("_", " "))
    value, op, limit, result = m["value"], m["op"], m["limit"], m["result"]
    if value in ("None", "unknown", "—") or result == "unknown":
        return f"{name} is unknown (the test: {PHRASES[op][0].removeprefix('is ')} {limit})"
    if result.startswith("undecided"):
        why = result.removeprefix("undecided").strip(" ()")
        return f"{name} {value} may or may not be {PHRASES[op][0].removeprefix('is ')} {limit}" + (
            f" ({why})" if why else ""
        )
    holds = result == "yes"
    if op == "==" and not holds:
        return f"{name} is {value}, not {limit}"
    if op == "==":
        return f"{name} is {value}"
    return f"{name} {value} {PHRASES[op][0 if holds else 1]} {limit}"


def _clause(text: str) -> str:
    return "; and ".join(clause_sentence(t) for t in text.split(" AND "))


def trace_sentence(detail: str) -> str:
    """A paragraph or exclusion test line as a sentence; any other line unchanged."""
    head, sep, outcome = detail.rpartition(" -> ")
    if not sep or outcome.strip() not in _OUTCOMES:
        return detail
    label, colon, body = head.partition(": ")
    if not colon or not _TEST.match(body.strip(" ()").split(" AND ")[0].split(") OR (")[0]):
        return detail
    clauses = [c.strip(" ()") for c in body.split(") OR (")]
    if len(clauses) == 1:
        said = _clause(clauses[0])
    else:
        said = "; or ".join(f"({i}) {_clause(c)}" for i, c in enumerate(clauses, 1))
    return f"{label}: {outcome.strip()}, as {said}."


__all__ = ["clause_sentence", "trace_sentence"]
