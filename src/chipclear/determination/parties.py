"""Restricted-party checks for an order line: each party (and, under the affiliates rule, each 50 % owner) is
screened; a certain match applies the list source's treatment, a possible match holds the line naming the entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from chipclear.decision import ParentLink, Party, ReviewPolicy
from chipclear.determination.entity_history import entry_on
from chipclear.determination.merge import MergedLicensing
from chipclear.provenance import weakest
from chipclear.rules.licensing_schema import AffiliatesRule, PartyListTreatment


class _Hit(Protocol):
    source: str
    name: str
    score: float
    determination: str
    license_requirement: str | None
    license_policy: str | None
    federal_register_notice: str | None


class Screener(Protocol):
    def search(self, name: str, country: str | None = None) -> Any: ...


class Reviews(Protocol):
    """Reviewers' calls on hits (``chipclear.screening.ReviewSnapshot``, ``LedgerReviewStore``)."""

    def is_suppressed(self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None) -> Any: ...

    def confirmed_match(self, party_name: str, entry_id: str, entry_hash: str, country: str | None = None) -> Any: ...


@dataclass
class _OnDate:
    """A screening result as the lists stood on ``as_of``: hits on entries listed later are set aside (they are
    reported, not applied); an entry whose listing date is not derivable counts as listed (fail closed)."""

    hits: tuple[Any, ...]
    later: tuple[Any, ...]
    list_version: str | None = None
    list_date: str | None = None
    stale: bool = False
    stale_reason: str | None = None
    suppressed: tuple[Any, ...] = ()  # hits a reviewer cleared as not a match
    # hits on entries published after ``as_of`` by an action whose effective date the data does not confirm: an
    # addition can take effect before it is published, so whether they applied on ``as_of`` is unknown
    unsure: tuple[Any, ...] = ()


def _listed_by(hit: Any, as_of: dt.date | None) -> bool:
    """In force on ``as_of``: from the date the listing took effect where the data confirms it, else from its
    publication date; always when neither is known (fail closed)."""
    start = getattr(hit, "effective_on", None) or getattr(hit, "listed_on", None)
    return as_of is None or start is None or dt.date.fromisoformat(start) <= as_of


def listing_lag() -> dt.timedelta:
    """How long before its publication an unconfirmed listing may have taken effect (``listing_lag_days``)."""
    from chipclear.settings import get_settings

    return dt.timedelta(days=get_settings().listing_lag_days)


def _unsure(hit: Any, as_of: dt.date | None) -> bool:
    """Published after ``as_of``, within ``listing_lag`` of it, by an action with no confirmed effective date
    it may already have applied."""
    listed_on = getattr(hit, "listed_on", None)
    if as_of is None or getattr(hit, "effective_on", None) is not None or listed_on is None:
        return False
    published = dt.date.fromisoformat(listed_on)
    return published - listing_lag() <= as_of < published


def _headquarters_only(hits: tuple[Any, ...], hq: str, match: float, review: float) -> tuple[Any, ...]:
    """The screener's rule for a party located in a country an entry does not list, applied to its headquarters
    when that is the only country given (``screening.screener.headquarters_only``). Imported here, not at the top:
    only a real screener's hits reach it, and the determination package loads without the screening index."""
    from chipclear.screening.screener import Hit, headquarters_only

    return tuple(headquarters_only(h, hq, match, review) if isinstance(h, Hit) else h for h in hits)


class _AsOf:
    """The screener seen on one date (see ``_OnDate``)."""

    def __init__(self, screener: Screener, as_of: dt.date | None, reviews: Reviews | None = None) -> None:
        self.screener, self.as_of, self.reviews = screener, as_of, reviews

    def search(self, name: str, country: str | None = None, headquarters: str | None = None) -> _OnDate:
        """``headquarters``: the party's headquarters country where no country it is located in is given."""
        if self.reviews is None:
            found = self.screener.search(name, country=country)
        else:
            found = self.screener.search(name, country=country, reviews=self.reviews)  # type: ignore[call-arg]
        hits = tuple(found.hits)
        if headquarters and not country and hasattr(found, "match_threshold"):
            hits = _headquarters_only(hits, headquarters, found.match_threshold, found.review_threshold)
        stale, stale_reason = bool(getattr(found, "stale", False)), getattr(found, "stale_reason", None)
        if self.as_of is not None and hasattr(found, "stale_on"):  # a decision dated after today: the lists' age then
            stale, stale_reason = found.stale_on(self.as_of)
        return _OnDate(
            hits=tuple(h for h in hits if _listed_by(h, self.as_of)),
            later=tuple(h for h in hits if not _listed_by(h, self.as_of) and not _unsure(h, self.as_of)),
            unsure=tuple(h for h in hits if _unsure(h, self.as_of)),
            list_version=getattr(found, "list_version", None),
            list_date=getattr(found, "list_date", None),
            stale=stale,
            stale_reason=stale_reason,
            suppressed=tuple(
                h for h in getattr(found, "suppressed", ()) or () if _listed_by(h, self.as_of) or _unsure(h, self.as_of)
            ),
        )


_POLICY_WORDS = [
    ("policy of denial", ReviewPolicy.POLICY_OF_DENIAL),
    ("presumption of denial", ReviewPolicy.PRESUMPTION_OF_DENIAL),
    ("case-by-case", ReviewPolicy.CASE_BY_CASE),
    ("case by case", ReviewPolicy.CASE_BY_CASE),
    ("presumption of approval", ReviewPolicy.PRESUMPTION_OF_APPROVAL),
]


def entry_policy(text: str | None) -> ReviewPolicy | None:
    """The review policy an entry states (the strictest phrase found), or None when it states none we know."""
    low = (text or "").lower()
    for phrase, policy in _POLICY_WORDS:
        if phrase in low:
            return policy
    return None


@dataclass
class PartyFinding:
    outcome: str  # LICENSE_REQUIRED | PROHIBITED | HOLD
    rule: str
    citation: str
    detail: str
    confidence: str
    policy: ReviewPolicy | None = None
    missing: str | None = None
    hit: dict[str, Any] = field(default_factory=dict)


@dataclass
class PartyCheck:
    findings: list[PartyFinding] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    list_version: str | None = None
    list_date: str | None = None
    stale_reason: str | None = None  # set when the lists are older than the configured age
    screened_names: list[str] = field(default_factory=list)
    not_yet_listed: list[str] = field(default_factory=list)  # hits on entries listed after the decision date
    suppressed: list[str] = field(default_factory=list)  # hits a reviewer cleared, described for the reasons


def _treatment(merged: MergedLicensing, source: str) -> tuple[PartyListTreatment, str] | None:
    found = merged.party_lists.get(source) or merged.party_lists.get("*")
    return (found[0], found[1].id) if found else None


def _hit_json(party: str, hit: _Hit, via: str | None, country: str | None = None) -> dict[str, Any]:
    """A hit as the decision records it; ``country``: the party's country it was screened with (None for a hit on
    an owner or parent, screened by name alone), which a review of the hit is tied to."""
    return {
        "party": party,
        "party_country": country,
        "via_owner": via,
        "entry_id": getattr(hit, "entry_id", None),
        "entry_hash": getattr(hit, "entry_hash", None),
        "suppressed_by": getattr(hit, "suppressed_by", None),
        "source": hit.source,
        "entry": hit.name,
        "score": hit.score,
        "determination": hit.determination,
        "license_requirement": hit.license_requirement,
        "license_policy": hit.license_policy,
        "federal_register_notice": hit.federal_register_notice,
        # when the entry took effect (where the data confirms it) and was published: a license granted before
        # then does not cover the line without review (chipclear.ledger.coverage)
        "effective_on": getattr(hit, "effective_on", None),
        "listed_on": getattr(hit, "listed_on", None),
        "listing": getattr(hit, "listing", None),
    }


def _confirmed(reviews: Reviews | None, name: str, hit: _Hit, country: str | None = None) -> Any:
    if reviews is None or hit.determination == "match" or not hasattr(reviews, "confirmed_match"):
        return None
    return reviews.confirmed_match(name, getattr(hit, "entry_id", ""), getattr(hit, "entry_hash", ""), country)


def _finding(
    merged: MergedLicensing,
    party: Party,
    hit: _Hit,
    via: str | None,
    sources: list[str] | None,
    confirmed: Any = None,
    as_of: dt.date | None = None,
) -> PartyFinding | None:
    if sources is not None and hit.source not in sources:
        return None
    treated = _treatment(merged, hit.source)
    who = f"{party.name} ({party.role})" + (f" via its owner {via}" if via else "")
    entry = f"{hit.source} entry {hit.name!r} (score {hit.score:.2f}"
    listing = getattr(hit, "listing", None)
    if listing:
        entry += f"; {listing})"
    else:
        entry += f", {hit.federal_register_notice})" if hit.federal_register_notice else ")"
    if confirmed is not None:  # a reviewer confirmed the possible match: it is a match
        entry += f", confirmed a match by {confirmed.describe()}"
    if treated is None:
        return PartyFinding(
            "HOLD",
            "parties",
            "Consolidated Screening List",
            f"{who} matches {entry}",
            "L",
            missing=f"review of {entry} for {party.name}",
        )
    treatment, action_id = treated
    rule = f"{action_id}#{treatment.source}"
    if hit.determination != "match" and confirmed is None:
        why = (getattr(hit, "explanation", None) or {}).get("headquarters_disagrees")  # screener.headquarters_only
        return PartyFinding(
            "HOLD",
            rule,
            treatment.citation,
            f"{who} is a possible match for {entry}{f' ({why})' if why else ''}: review before shipping",
            treatment.confidence,
            missing=f"review of possible match {entry} for {party.name}",
        )
    detail = f"{who} matches {entry}. {treatment.text}"
    dated = entry_on(hit, as_of) if treatment.use_entry_policy else None
    if dated is not None:
        # before the entry's latest amendment: its policy then (or that it is unknown), never today's text as the
        # past's (an audit, 2026-12-07: SMIC in 2023 got the footnote 5 and policy of December 2024); the verdict
        # stays the treatment's (fail closed), the review policy is left open where it depends on the item
        return PartyFinding(
            treatment.outcome,
            rule,
            f"{treatment.citation}; {dated.citation}",
            f"{detail} {dated.text}",
            weakest([treatment.confidence, dated.confidence]) or dated.confidence,
            missing=dated.missing or None,
        )
    policy = entry_policy(hit.license_policy) if treatment.use_entry_policy else None
    policy = policy or (
        ReviewPolicy(treatment.policy) if treatment.policy and treatment.policy != "UNCONFIRMED" else None
    )
    if hit.license_requirement:
        detail += f" Entry license requirement: {hit.license_requirement}."
    if hit.license_policy:
        detail += f" Entry policy: {hit.license_policy}."
    return PartyFinding(treatment.outcome, rule, treatment.citation, detail, treatment.confidence, policy=policy)


def _affiliate_findings(
    merged: MergedLicensing,
    party: Party,
    rule: AffiliatesRule,
    action_id: str,
    screener: Screener,
    result: PartyCheck,
    reviews: Reviews | None = None,
) -> list[PartyFinding]:
    """A listed owner up the chain makes the party an affiliate when every link from the party up to that owner is
    owned at least ``threshold_percent`` (each intermediate owner is then an affiliate too). A listed owner behind a
    link of unknown share holds the line; an unlisted owner never does."""
    out: list[PartyFinding] = []
    threshold = rule.threshold_percent
    for k, parent in enumerate(party.parents):
        hits = [h for h in screener.search(parent.name).hits if h.source in rule.sources]
        if not hits:
            continue
        chain = party.parents[: k + 1]
        if any(link.share is not None and link.share < threshold for link in chain):
            continue
        path = " -> ".join(f"{link.name} ({'?' if link.share is None else f'{link.share:g}'} %)" for link in chain)
        if any(link.share is None for link in chain):
            out.append(
                PartyFinding(
                    "HOLD",
                    f"{action_id}#{rule.id}",
                    rule.citation,
                    f"{party.name} is owned through {path} by possibly listed {hits[0].source} entry {hits[0].name!r}; "
                    f"ownership shares are needed to apply the affiliates rule ({threshold:g} %)",
                    rule.confidence,
                    missing=f"ownership shares in the chain from {party.name} to {parent.name}",
                )
            )
            continue
        for hit in hits:
            found = _finding(merged, party, hit, parent.name, rule.sources, _confirmed(reviews, parent.name, hit))
            if found:
                result.hits.append(_hit_json(party.name, hit, parent.name))
                found.rule = f"{action_id}#{rule.id}"
                found.citation = f"{rule.citation}; {found.citation}"
                found.detail = f"owned through {path} (each link >= {threshold:g} %): {found.detail}"
                out.append(found)
    return out


def _aggregate_findings(
    merged: MergedLicensing, party: Party, rule: AffiliatesRule, action_id: str, screener: Screener, result: PartyCheck
) -> list[PartyFinding]:
    """Ownership in aggregate: the shares of the party's direct owners that are listed (certain matches in the rule's
    sources) are added; at or above ``threshold_percent`` the party is an affiliate. Owners that may be listed
    (possible matches) or listed owners of unknown share hold the line when they could bring the sum to the
    threshold; otherwise they do not matter."""
    if not party.owners:
        return []
    threshold = rule.threshold_percent
    listed: list[tuple[ParentLink, _Hit]] = []
    possible: list[tuple[ParentLink, _Hit]] = []
    for owner in party.owners:
        hits = [h for h in screener.search(owner.name).hits if h.source in rule.sources]
        certain = [h for h in hits if h.determination == "match"]
        if certain:
            listed.append((owner, certain[0]))
        elif hits:
            possible.append((owner, hits[0]))
    known = sum(o.share for o, _ in listed if o.share is not None)
    unknown_share = [o for o, _ in listed if o.share is None]
    maybe = known + sum(o.share if o.share is not None else 100.0 for o, _ in possible)
    described = "; ".join(
        f"{o.name} ({'?' if o.share is None else f'{o.share:g}'} %, {h.source} entry {h.name!r})" for o, h in listed
    )
    rule_ref = f"{action_id}#{rule.id}"
    if listed and not unknown_share and known >= threshold:
        out = []
        for owner, hit in listed:
            found = _finding(merged, party, hit, owner.name, rule.sources)
            if found:
                result.hits.append(_hit_json(party.name, hit, owner.name))
                found.rule = rule_ref
                found.citation = f"{rule.citation}; {found.citation}"
                found.detail = (
                    f"owned {known:g} % in aggregate by listed owners ({described}; threshold {threshold:g} %): "
                    f"{found.detail}"
                )
                out.append(found)
        return out
    if unknown_share or (possible and maybe >= threshold):
        unsure = [o.name for o in unknown_share] + [o.name for o, _ in possible]
        return [
            PartyFinding(
                "HOLD",
                rule_ref,
                rule.citation,
                f"{party.name}: listed owners hold {known:g} % in aggregate ({described or 'none certain'}); "
                f"{', '.join(unsure)} could bring the sum to {threshold:g} % (share unknown or possible list match)",
                rule.confidence,
                missing=f"shares and list status of {', '.join(unsure)} (owners of {party.name}) for the affiliates"
                f" rule ({threshold:g} % in aggregate)",
            )
        ]
    return []


def _note_suppressed(result: PartyCheck, party: str, screened: Any, country: str | None) -> None:
    """A hit a reviewer cleared is kept in the decision (with who cleared it, when), never silently dropped, with
    the party's country it was screened with, as every hit of the party carries it: a release that answers it again
    records the review for the party in that country (a suppressed hit recorded with no country had a release's
    review clear the same name wherever no country is stated; door audit 2026-12-07)."""
    for hit in getattr(screened, "suppressed", ()) or ():
        result.hits.append(_hit_json(party, hit, None, country))
        review = hit.suppressed_by or {}
        number = f"review {review.get('review_id')}" if review.get("review_id") is not None else "a review"
        result.suppressed.append(
            f"{party} vs {hit.source} entry {hit.name!r} (score {hit.score:.2f}): not a match, suppressed by"
            f" {number} by {review.get('reviewer')} on {review.get('decided_at')} ({review.get('reason')})"
        )


def _unsure_finding(merged: MergedLicensing, party: Party, hit: _Hit, as_of: dt.date | None) -> PartyFinding:
    """A hit on an entry published after ``as_of`` by an action whose effective date the data does not confirm:
    the line is held for that date (it may already have applied), never decided as if the entry were absent."""
    treated = _treatment(merged, hit.source)
    citation, confidence = (
        (treated[0].citation, treated[0].confidence) if treated else ("Consolidated Screening List", "M")
    )
    listing = getattr(hit, "listing", None)
    action = f"the action that listed it ({listing})" if listing else "the action that listed it"
    return PartyFinding(
        "HOLD",
        "screening#listing-date",
        citation,
        f"{party.name} ({party.role}) matches {hit.source} entry {hit.name!r} (score {hit.score:.2f}), published"
        f" after {as_of}: {action} has no effective date in chipclear's data (listing-effective-dates.yaml), and an"
        " addition can take effect before it is published",
        confidence,
        missing=f"whether {hit.source} entry {hit.name!r} applied to {party.name} on {as_of} (the effective date of"
        f" {listing or 'its listing action'})",
    )


def check_parties(
    parties: list[Party],
    merged: MergedLicensing,
    screener: Screener,
    as_of: dt.date | None = None,
    reviews: Reviews | None = None,
) -> PartyCheck:
    """Screen each party against the lists as they stood on ``as_of`` (every entry when None); with ``reviews``, a
    hit cleared as not a match is suppressed (and described), a confirmed possible match is a match."""
    result = PartyCheck()
    affiliates = list(merged.affiliates.values())
    screener = _AsOf(screener, as_of, reviews)
    for party in parties:
        screened = screener.search(party.name, country=party.country, headquarters=party.headquarters_country)
        for later in screened.later:
            assumed = (
                ""
                if getattr(later, "effective_on", None) or getattr(later, "listed_on", None) is None
                else f"; its effective date is not in chipclear's data: taken as at most {listing_lag().days} days"
                " before publication (CHIPCLEAR_LISTING_LAG_DAYS)"
            )
            result.not_yet_listed.append(
                f"{party.name}: {later.source} entry {later.name!r} (score {later.score:.2f}) was not yet listed on"
                f" {as_of} ({later.listing}{assumed})"
            )
        for hit in getattr(screened, "unsure", ()):
            result.hits.append(_hit_json(party.name, hit, None, party.country))
            result.findings.append(_unsure_finding(merged, party, hit, as_of))
        result.list_version = getattr(screened, "list_version", result.list_version)
        result.list_date = getattr(screened, "list_date", result.list_date)
        if getattr(screened, "stale", False):
            result.stale_reason = getattr(screened, "stale_reason", None) or "lists older than the configured age"
        result.screened_names.append(party.name)
        for hit in screened.hits:
            result.hits.append(_hit_json(party.name, hit, None, party.country))
            confirmed = _confirmed(reviews, party.name, hit, party.country)
            found = _finding(merged, party, hit, None, None, confirmed, as_of)
            if found:
                result.findings.append(found)
        _note_suppressed(result, party.name, screened, party.country)
        for rule, action in affiliates:
            result.findings.extend(_affiliate_findings(merged, party, rule, action.id, screener, result, reviews))
            result.findings.extend(_aggregate_findings(merged, party, rule, action.id, screener, result))
    return result


def parse_link(text: str, field: str) -> ParentLink:
    """NAME,SHARE,HQ -> ParentLink (share in percent and HQ may be empty, e.g. "Acme Holding,,CN"); split from the
    right, since a company name may contain commas. The one format of an owner or parent at every door (CLI options,
    the batch ``end_user_owners`` column)."""
    from chipclear.errors import InputError
    from chipclear.geography import load_geography

    parts = text.rsplit(",", 2)
    if len(parts) != 3 or not any(ch.isalnum() for ch in parts[0]):  # ",,," would name an owner ","
        raise InputError(f"{field}: {text.strip()!r} is not NAME,SHARE,HQ", field=field)
    name, share_text, hq = parts
    try:
        share = float(share_text) if share_text.strip() else None
    except ValueError:
        raise InputError(f"{field}: share {share_text.strip()!r} is not a number", field=field) from None
    if share is not None and not 0 <= share <= 100:
        raise InputError(f"{field}: share {share:g} is not between 0 and 100", field=field)
    country = load_geography().normalize(hq, field=field) if hq.strip() else None
    return ParentLink(name=name.strip(), share=share, headquarters_country=country)


def parse_links(text: str, field: str) -> list[ParentLink]:
    """Several NAME,SHARE,HQ separated by ";" (a batch column); empty -> []."""
    return [parse_link(piece, field) for piece in text.split(";") if piece.strip()]


def links_text(links: list[ParentLink]) -> str:
    """The canonical text of ``links`` (``parse_links`` reads it back to the same links)."""
    return "; ".join(
        f"{x.name},{'' if x.share is None else f'{x.share:g}'},{x.headquarters_country or ''}" for x in links
    )


__all__ = [
    "PartyCheck",
    "PartyFinding",
    "Reviews",
    "Screener",
    "check_parties",
    "entry_policy",
    "links_text",
    "parse_link",
    "parse_links",
]
