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
from chipclear.determination.citations import engine_citation
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
    # the day the agency issued the license (the grant's decided_on); None: taken as valid_from, which a grant may
    # not precede (licenses._grant_day), so a listing after valid_from is after the issue too
    issued_on: dt.date | None = None
    # (first day, day reinstated or revoked or None, status): when the agency suspended or revoked it (15 CFR 750.8;
    # ``licenses.not_in_force``)
    not_in_force: tuple[tuple[dt.date, dt.date | None, str], ...] = ()

    @property
    def issued(self) -> dt.date:
        return self.issued_on or self.valid_from

    @property
    def quantity_left(self) -> int | None:
        if self.quantity_limit is None:
            return None
        # no tolerance on the number of units (15 CFR 750.11, items licensed by number; docs/ledger.md "Shipping
        # tolerances"): a quantity tolerance recorded before grants refused one is not applied
        return self.quantity_limit - self.quantity_used

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
    "Acme GmbH", 明远 is not 鸣远), the same role, and the same country; a country on one side only does not match
    (a line leaving out the end user's country shipped under a license for that name in another country; door
    audit 2026-12-07): an unknown fact does not unlock a license."""
    name, role, *rest = named
    country = rest[0] if rest else None
    if role != party.role or party_identity_key(str(name)) != party_identity_key(party.name):
        return False
    return (country or "").upper() == (party.country or "").upper()


@dataclass(frozen=True)
class Gap:
    """A reason a license does not cover a line that a fact or a review would settle: ``problem`` as
    ``why_not_covered`` gives it, ``missing`` what the line waits for, ``hold``: the line is held for review (HOLD)
    rather than left LICENSE_REQUIRED."""

    problem: str
    missing: str
    hold: bool = False
    # a listing after the license's issue: (party, entry_id, entry_hash) of the hit, which an approver's
    # ``ListingAcknowledgement`` names
    listing: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class ListingAcknowledgement:
    """An approver's confirmation, on release, that license ``license`` (its number as on file) still holds after
    the listing of ``party`` (the hit on ``entry_id``): the listing gap is then no longer in the license's way, and
    the decision says who confirmed it and why."""

    license: str
    party: str
    entry_id: str
    approver: str
    reason: str


MISSING_PREFIX = "license coverage: "  # how the missing entries coverage adds begin (a re-check drops them)


def _country_gap(terms: LicenseTerms, party: Any) -> Gap | None:
    """The license names the line's party in the same name and role but with a country on one side only."""
    for name, role, *rest in terms.parties:
        country = rest[0] if rest else None
        if role != party.role or party_identity_key(str(name)) != party_identity_key(party.name):
            continue
        who = f"{party.role} {party.name!r}"
        if country and not party.country:
            return Gap(
                f"party {party.name!r} ({party.role}) gives no country; the license names it in {country}",
                f"{MISSING_PREFIX}the country of {who} (license {terms.number} names it in {country})",
            )
        if party.country and not country:
            return Gap(
                f"party {party.name!r} ({party.role}) is in {party.country}; the license names it with no country",
                f"{MISSING_PREFIX}the country license {terms.number} names for {who} (the line gives"
                f" {party.country}; record the license's parties with their countries)",
            )
    return None


def _country_gaps(terms: LicenseTerms, line: OrderLine) -> list[Gap]:
    unmatched = [p for p in line.parties if not any(_same_party(p, named) for named in terms.parties)]
    return [g for g in (_country_gap(terms, p) for p in unmatched) if g is not None]


Acknowledged = Sequence[ListingAcknowledgement]


def _acknowledged(terms: LicenseTerms, gap: Gap, acknowledged: Acknowledged) -> ListingAcknowledgement | None:
    if gap.listing is None:
        return None
    party, entry_id, _ = gap.listing
    return next(
        (a for a in acknowledged if (a.license, a.party, a.entry_id) == (terms.number, party, entry_id)),
        None,
    )


def listing_gaps(
    terms: LicenseTerms, decision: Decision, line: OrderLine, acknowledged: Acknowledged = ()
) -> list[Gap]:
    """A party of the line that a restricted list added after the license was issued, in force by the ship date:
    an Entity List entry is its own license requirement (15 CFR 744.11(a)), which a license reviewed before it
    existed was not decided on; whether the license still holds (the agency may suspend or revoke it, 15 CFR
    750.8) is for an approver to confirm. A listing whose date the data does not give is taken as after the issue
    (fail closed). A gap an approver acknowledged (``acknowledged``) is left out."""
    return [g for g in _all_listing_gaps(terms, decision, line) if _acknowledged(terms, g, acknowledged) is None]


def _all_listing_gaps(terms: LicenseTerms, decision: Decision, line: OrderLine) -> list[Gap]:
    ship_date = line.ship_date or decision.as_of
    gaps: list[Gap] = []
    seen: set[tuple[Any, Any]] = set()
    for hit in decision.screening:
        if hit.get("suppressed_by") or hit.get("determination") != "match":
            continue
        start_text = hit.get("effective_on") or hit.get("listed_on")
        start = dt.date.fromisoformat(start_text) if start_text else None
        if start is not None and not terms.issued < start <= ship_date:
            continue
        key = (hit.get("party"), hit.get("entry_id"))
        if key in seen:
            continue
        seen.add(key)
        who = str(hit.get("party")) + (f" (via {hit['via_owner']})" if hit.get("via_owner") else "")
        entry = f"{hit.get('source')} entry {hit.get('entry')!r}, {hit.get('listing') or hit.get('federal_register_notice')}"
        when = (
            f"on {start}"
            if start is not None
            else "on a date the list data does not give (taken as after the license's issue)"
        )
        gaps.append(
            Gap(
                f"license issued {terms.issued} predates the listing of {who} {when} ({entry})",
                f"{MISSING_PREFIX}license {terms.number} (issued {terms.issued}) predates the listing of {who} {when}"
                f" ({entry}): an approver must confirm that license {terms.number} still holds after the listing"
                " (release acknowledging the listing, with a reason)",
                hold=True,
                listing=(str(hit.get("party")), str(hit.get("entry_id")), str(hit.get("entry_hash") or "")),
            )
        )
    return gaps


def coverage_gaps(
    terms: LicenseTerms, decision: Decision, line: OrderLine, acknowledged: Acknowledged = ()
) -> list[Gap]:
    """The reasons ``terms`` does not cover ``line`` that a fact or a review would settle (see ``Gap``)."""
    return [*_country_gaps(terms, line), *listing_gaps(terms, decision, line, acknowledged)]


def _status_problem(terms: LicenseTerms) -> str:
    """Why a license that is not active covers nothing: "suspended since 2026-12-06" (the day the agency's
    suspension or revocation took effect, ``not_in_force``), or its status alone when no day is on file."""
    since = [start for start, end, _ in terms.not_in_force if end is None]
    return f"{terms.status} since {since[-1]}" if since else f"license is {terms.status}"


def why_not_covered(
    terms: LicenseTerms, decision: Decision, line: OrderLine, acknowledged: Acknowledged = ()
) -> list[str]:
    """The reasons ``terms`` does not cover ``line``; empty when it does (``acknowledged``: listings an approver
    confirmed the license still holds after, ``ListingAcknowledgement``)."""
    problems: list[str] = []
    in_force = terms.status == "active"
    if not in_force:
        problems.append(_status_problem(terms))
    ship_date = line.ship_date or decision.as_of
    if not terms.valid_from <= ship_date <= terms.valid_to:
        problems.append(f"ship date {ship_date} is outside {terms.valid_from}..{terms.valid_to}")
    followed = {start: status for start, _, status in terms.not_in_force}  # a window ended by the next one
    for start, end, status in terms.not_in_force:
        if end is None and not in_force:
            continue  # the window still open: the status above says it
        if start <= ship_date and (end is None or ship_date < end):
            how = f"{followed[end]} on" if end in followed else "reinstated on"
            until = f" until it was {how} {end}" if end is not None else ""
            problems.append(f"ship date {ship_date}: the license was {status} from {start}{until}")
    if not _item_authorised(terms.items, item_identity(decision, line)):
        problems.append(f"item {line.item!r} is not among the authorised items {list(terms.items)}")
    if line.destination.upper() not in {d.upper() for d in terms.destinations}:
        problems.append(f"destination {line.destination} is not among {list(terms.destinations)}")
    if not any(p.role == "end_user" for p in line.parties):
        problems.append("the line names no end user")
    for party in line.parties:
        if not any(_same_party(party, named) for named in terms.parties):
            gap = _country_gap(terms, party)
            problems.append(gap.problem if gap else f"party {party.name!r} ({party.role}) is not named on the license")
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
    problems += [g.problem for g in listing_gaps(terms, decision, line, acknowledged)]
    return problems


@dataclass
class Coverage:
    license: LicenseTerms | None
    rejected: dict[str, list[str]] = field(default_factory=dict)  # license number -> why it does not cover
    # license number -> the gaps, for a license that would cover the line but for them (each is a fact or a review)
    gaps: dict[str, list[Gap]] = field(default_factory=dict)
    # the covering license's listings an approver confirmed it still holds after, with the confirmation
    acknowledged: list[tuple[Gap, ListingAcknowledgement]] = field(default_factory=list)


def find_covering_license(
    decision: Decision, line: OrderLine, licenses: Sequence[LicenseTerms], acknowledged: Acknowledged = ()
) -> Coverage:
    """The first license (earliest expiry, then number) that covers the line, and why the others do not.
    ``acknowledged``: the approver's confirmations on release that a license still holds after a listing."""
    coverage = Coverage(None)
    for terms in sorted(licenses, key=lambda t: (t.valid_to, t.number)):
        problems = why_not_covered(terms, decision, line, acknowledged)
        if not problems and terms.status == "active":  # a suspended or revoked license covers nothing
            coverage.license = terms
            for gap in _all_listing_gaps(terms, decision, line):
                ack = _acknowledged(terms, gap, acknowledged)
                if ack is not None:
                    coverage.acknowledged.append((gap, ack))
            return coverage
        coverage.rejected[terms.number] = problems
        gaps = coverage_gaps(terms, decision, line, acknowledged)
        if gaps and len(gaps) == len(problems):  # nothing else stands in the way
            coverage.gaps[terms.number] = gaps
    return coverage


def _gap_citation(coverage: Coverage) -> str:
    if any(g.hold for found in coverage.gaps.values() for g in found):
        return engine_citation("license-predates-listing").citation
    return "chipclear ledger"


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
    decision = decision.model_copy(
        update={
            "reasons": [r for r in decision.reasons if r.rule != COVERAGE_RULE],
            "missing": [m for m in decision.missing if not m.startswith(MISSING_PREFIX)],
        }
    )
    if coverage.license is None:
        if not coverage.rejected:
            detail = "no license on file for this line"
        else:
            detail = "; ".join(f"{num}: {', '.join(p)}" for num, p in coverage.rejected.items())
            detail = f"no license on file covers this line ({detail})"
        reason = Reason(rule=COVERAGE_RULE, citation=_gap_citation(coverage), detail=detail)
        gaps = [g for found in coverage.gaps.values() for g in found]
        missing = list(dict.fromkeys([*decision.missing, *(g.missing for g in gaps)]))
        # a license issued before a party's listing: held for review, whatever the verdict without it
        verdict = Verdict.HOLD if any(g.hold for g in gaps) else decision.verdict
        return decision.model_copy(
            update={"reasons": [*decision.reasons, reason], "missing": missing, "verdict": verdict}
        )
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
    confirmed = [
        Reason(
            rule=COVERAGE_RULE,
            citation=engine_citation("license-predates-listing").citation,
            detail=f"{gap.problem}: approver {ack.approver} confirmed that license {terms.number} still holds after"
            f" the listing ({ack.reason})",
        )
        for gap, ack in coverage.acknowledged
    ]
    return decision.model_copy(
        update={"verdict": Verdict.LICENSED, "license": summary, "reasons": [*decision.reasons, reason, *confirmed]}
    )


__all__ = [
    "Coverage",
    "Gap",
    "LicenseTerms",
    "ListingAcknowledgement",
    "apply_coverage",
    "coverage_gaps",
    "find_covering_license",
    "item_identity",
    "license_summary",
    "listing_gaps",
    "normalize_item",
    "party_name_key",
    "resolve_item",
    "why_not_covered",
]
