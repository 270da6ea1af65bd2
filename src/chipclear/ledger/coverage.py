"""Is a LICENSE_REQUIRED line covered by a license on file? Pure functions, no I/O.

A license covers a line when all of these hold: the license is active; the ship date is inside its validity
window; it authorises the item (by catalog id, or by the ECCN the line was classified under); it names the
destination; every party on the line is named on the license in the same role (and the line names an end
user); and enough quantity and value are left, counting the license's shipping tolerances. Any doubt leaves the line
LICENSE_REQUIRED (fail closed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chipclear.decision import Decision, OrderLine, Reason, Verdict
from chipclear.screening.normalize import party_identity_key, party_name_key

COVERAGE_RULE = "ledger.license_coverage"


def normalize_item(item: str) -> str:
    return item.strip().casefold()


def cents(value_usd: float | None) -> int | None:
    return None if value_usd is None else round(value_usd * 100)


def _limit_with_tolerance(limit: int, tolerance_percent: int) -> int:
    return limit * (100 + tolerance_percent) // 100


@dataclass(frozen=True)
class LicenseTerms:
    """What coverage needs to know about a license (built from a ledger row or by hand in tests)."""

    number: str
    valid_from: dt.date
    valid_to: dt.date
    items: tuple[str, ...]
    destinations: tuple[str, ...]
    parties: tuple[tuple[str | None, ...], ...]  # (name, role) or (name, role, country or None)
    quantity_limit: int | None = None
    quantity_used: int = 0
    value_limit_cents: int | None = None
    value_used_cents: int = 0
    quantity_tolerance_percent: int = 0  # 15 CFR 750.11: set per license, none by default
    value_tolerance_percent: int = 0
    status: str = "active"
    conditions: str = ""
    id: int | None = None

    @property
    def quantity_left(self) -> int | None:
        if self.quantity_limit is None:
            return None
        return _limit_with_tolerance(self.quantity_limit, self.quantity_tolerance_percent) - self.quantity_used

    @property
    def value_left_cents(self) -> int | None:
        if self.value_limit_cents is None:
            return None
        return _limit_with_tolerance(self.value_limit_cents, self.value_tolerance_percent) - self.value_used_cents


# An ECCN as a license names it: 3A090, 3A090.a, 4A090.b, 4E091 (casefolded). Only such an item covers the
# sub-paragraphs under it; a catalog name does not cover names that begin with it ("H20" is not "H20.0", the H200).
_ECCN = re.compile(r"^[0-9][a-e][0-9]{3}(\.[a-z0-9]+)*$")


@dataclass(frozen=True)
class ItemIdentity:
    """What the line's item is, for coverage: the catalog (or model catalog) id the classifier resolved, the ECCN
    it assigned, and the text the user gave."""

    catalog_id: str | None
    eccn: str | None
    given: str


def item_identity(decision: Decision, line: OrderLine) -> ItemIdentity:
    cls: dict[str, Any] = decision.classification or {}
    found = cls.get("item")
    catalog_id = found.get("id") if isinstance(found, dict) else None
    eccn = cls.get("eccn")
    return ItemIdentity(
        catalog_id=normalize_item(catalog_id) if isinstance(catalog_id, str) and catalog_id else None,
        eccn=normalize_item(eccn) if isinstance(eccn, str) and eccn else None,
        given=normalize_item(line.item),
    )


def resolve_item(name: str) -> str | None:
    """The catalog or model-catalog id a license's item names, or None when neither resolves it (unknown or
    ambiguous). ``find``, not ``get``: an unknown name is no error here, and ``get`` works out near-name suggestions
    for one, on every license of every shipment."""
    from chipclear.catalog import load_catalog
    from chipclear.errors import ChipclearError
    from chipclear.models import load_models

    for catalog in (load_catalog(), load_models()):
        try:
            found = catalog.find(name)
        except ChipclearError:  # ambiguous
            continue
        if found is not None:
            return found.id
    return None


def unknown_license_item(name: str) -> str | None:
    """Why ``name`` cannot be a license's or an application's item, or None: an item is an ECCN (``3A090``,
    ``3A090.a``) or names a part, system or AI model of the catalogs (an application for "nope" was accepted, an
    audit of 2026-12-07). A part not in the bundled catalog is named through a user catalog file."""
    if _ECCN.match(normalize_item(name)) or resolve_item(name) is not None:
        return None
    from chipclear.catalog import load_catalog

    near = load_catalog().suggest(name)
    hint = f"; did you mean {', '.join(repr(s) for s in near)}?" if near else ""
    return (
        f"unknown item {name!r}: name a catalog part or system, an AI model, or an ECCN such as 3A090 (an ambiguous"
        f" name counts as unknown: give the catalog id){hint}"
    )


def _item_authorised(license_items: Iterable[str], item: ItemIdentity) -> bool:
    """A license item covers the line when it is the line's ECCN or an ECCN above it (3A090 covers 3A090.a), or
    names the same catalog item (both resolved: "H20" and "nvidia-h20" are one item; "H20" and "H20.0", which the
    catalog reads as the H200, are not), or, for an item no catalog knows, is the same text."""
    for raw in license_items:
        named = normalize_item(raw)
        if _ECCN.match(named):
            if item.eccn is not None and (item.eccn == named or item.eccn.startswith(named + ".")):
                return True
            continue
        resolved = resolve_item(raw)
        if resolved is not None:
            if item.catalog_id == normalize_item(resolved):
                return True
            continue
        # not in the catalogs this process loaded (e.g. a spec given with the line): the same id or the same text
        if named in (item.catalog_id, item.given):
            return True
    return False


def _same_party(party: Any, named: tuple[str | None, ...]) -> bool:
    """The line's party is the license's named party: the same name (``party_identity_key``: "Acme AG" is not
    "Acme GmbH", 明远 is not 鸣远), the same role, and the same country where both give one."""
    name, role, *rest = named
    country = rest[0] if rest else None
    if role != party.role or party_identity_key(str(name)) != party_identity_key(party.name):
        return False
    return country is None or party.country is None or str(country).upper() == party.country.upper()


def why_not_covered(terms: LicenseTerms, decision: Decision, line: OrderLine) -> list[str]:
    """The reasons ``terms`` does not cover ``line``; empty when it does."""
    problems: list[str] = []
    if terms.status != "active":
        problems.append(f"license is {terms.status}")
    ship_date = line.ship_date or decision.as_of
    if not terms.valid_from <= ship_date <= terms.valid_to:
        problems.append(f"ship date {ship_date} is outside {terms.valid_from}..{terms.valid_to}")
    if not _item_authorised(terms.items, item_identity(decision, line)):
        problems.append(f"item {line.item!r} is not among the authorised items {list(terms.items)}")
    if line.destination.upper() not in {d.upper() for d in terms.destinations}:
        problems.append(f"destination {line.destination} is not among {list(terms.destinations)}")
    if not any(p.role == "end_user" for p in line.parties):
        problems.append("the line names no end user")
    for party in line.parties:
        if not any(_same_party(party, named) for named in terms.parties):
            problems.append(f"party {party.name!r} ({party.role}) is not named on the license")
    left = terms.quantity_left
    if left is None:
        # a value limit alone bounds only what the lines declare: a door audit shipped 1,000,000,000 H20 at $0.01 a
        # line against a $1,000 license (2026-12-07). A license authorises a quantity of each item (the BIS-699
        # license states quantity, unit and total price): without one on file, no line is covered.
        problems.append(
            "the license states no quantity (a value limit alone cannot bound the units shipped); record the"
            " authorised quantity on the license"
        )
    elif line.quantity > left:
        problems.append(f"quantity {line.quantity} exceeds the {max(left, 0)} left")
    value_left = terms.value_left_cents
    if value_left is not None:
        value = cents(line.value_usd)
        if value is None:
            problems.append("the line has no value and the license has a value limit")
        elif value <= 0:  # a $0 (or sub-cent) line would draw nothing from the limit: units without end
            problems.append(f"the line's value ${value / 100:,.2f} is not positive and the license has a value limit")
        elif value > value_left:
            problems.append(f"value ${value / 100:,.2f} exceeds the ${max(value_left, 0) / 100:,.2f} left")
    return problems


@dataclass
class Coverage:
    license: LicenseTerms | None
    rejected: dict[str, list[str]] = field(default_factory=dict)  # license number -> why it does not cover


def find_covering_license(decision: Decision, line: OrderLine, licenses: Sequence[LicenseTerms]) -> Coverage:
    """The first license (earliest expiry, then number) that covers the line, and why the others do not."""
    rejected: dict[str, list[str]] = {}
    for terms in sorted(licenses, key=lambda t: (t.valid_to, t.number)):
        problems = why_not_covered(terms, decision, line)
        if not problems:
            return Coverage(terms, rejected)
        rejected[terms.number] = problems
    return Coverage(None, rejected)


def license_summary(terms: LicenseTerms, line: OrderLine) -> dict[str, Any]:
    """The ``Decision.license`` object: the license relied on and what is left before and after this line."""
    q_left = terms.quantity_left
    v_left = terms.value_left_cents
    value = cents(line.value_usd) or 0
    return {
        "number": terms.number,
        "valid_from": terms.valid_from.isoformat(),
        "valid_to": terms.valid_to.isoformat(),
        "quantity_left": q_left,
        "quantity_left_after": None if q_left is None else q_left - line.quantity,
        "value_left_usd": None if v_left is None else v_left / 100,
        "value_left_after_usd": None if v_left is None else (v_left - value) / 100,
        "conditions": terms.conditions,
    }


def apply_coverage(decision: Decision, line: OrderLine, coverage: Coverage) -> Decision:
    """Make a LICENSE_REQUIRED decision ledger-aware: LICENSED naming the license, or unchanged with a reason
    saying why no license on file covers it. Other verdicts are returned unchanged."""
    if decision.verdict != Verdict.LICENSE_REQUIRED:
        return decision
    # a decision re-checked later (e.g. on release) drops the earlier coverage finding before adding the new one
    decision = decision.model_copy(update={"reasons": [r for r in decision.reasons if r.rule != COVERAGE_RULE]})
    if coverage.license is None:
        if not coverage.rejected:
            detail = "no license on file for this line"
        else:
            detail = "; ".join(f"{num}: {', '.join(p)}" for num, p in coverage.rejected.items())
            detail = f"no license on file covers this line ({detail})"
        reason = Reason(rule=COVERAGE_RULE, citation="chipclear ledger", detail=detail)
        return decision.model_copy(update={"reasons": [*decision.reasons, reason]})
    terms = coverage.license
    summary = license_summary(terms, line)
    left = "" if summary["quantity_left"] is None else f"; {summary['quantity_left']} units left before this line"
    reason = Reason(
        rule=COVERAGE_RULE,
        citation=f"License {terms.number}",
        detail=(
            f"license {terms.number} (valid {terms.valid_from}..{terms.valid_to}) authorises "
            f"{line.quantity} x {line.item} to {line.destination} for the named parties{left}"
        ),
    )
    return decision.model_copy(
        update={"verdict": Verdict.LICENSED, "license": summary, "reasons": [*decision.reasons, reason]}
    )


__all__ = [
    "Coverage",
    "LicenseTerms",
    "apply_coverage",
    "find_covering_license",
    "item_identity",
    "license_summary",
    "normalize_item",
    "party_name_key",
    "resolve_item",
    "why_not_covered",
]
