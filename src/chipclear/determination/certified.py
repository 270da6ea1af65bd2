"""What became of each certification the exporter stated on a line (``OrderLine.certifications``).

A certification is read by a rule condition (``certified``: a license exception's scope, such as NAC's 25-day
notification, or a review policy's condition, such as the R10 conditions). One that no rule read for the line's
outcome is not dropped in silence: the decision says it was received and why it does not apply, citing the rule text
that limits it (the exception or policy that asks for it, or, where none is in force on the date, those that do on
other dates). The verdict does not change. (An audit, A5: ``--certify nac-740.8-notification`` on a line where NAC
cannot apply was silently ignored, and a compliance officer who certified something believes it mattered.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from chipclear.decision import Reason, Verdict
from chipclear.determination.conditions import Evaluator, Outcome
from chipclear.determination.merge import MergedLicensing
from chipclear.provenance import weakest
from chipclear.rules import RuleSet
from chipclear.rules.licensing_schema import Condition, LicenseExceptionRule, LicenseRequirement, PolicyRule
from chipclear.rules.schema import Layer

RULE = "certifications"  # the reasons' rule: ``certifications#<code>``


class CertificationSource(NamedTuple):
    """A rule of the data that asks for a certification (on whatever date it is in force)."""

    code: str
    what: str  # "NAC (nac-...)", "review policy r10-... (case_by_case)"
    action: str
    effective: dt.date
    citation: str
    confidence: str | None


class Read(NamedTuple):
    """What the line's outcome rests on, for the certifications: the requirements that applied, whether it is
    prohibited or has open questions, the license exceptions that overcome its requirements and the verdict."""

    required: tuple[LicenseRequirement, ...]
    prohibited: bool
    unknown: bool
    overcome_by: tuple[str, ...]
    verdict: Verdict


def asks(cond: Condition, code: str) -> bool:
    """Whether ``cond`` (or any part of it) asks for the certification ``code``."""
    return code in (cond.certified or ()) or any(asks(sub, code) for sub in cond.any_of or ())


def exception_asks(exc: LicenseExceptionRule, code: str) -> bool:
    return asks(exc.eligible, code) or asks(exc.scope, code)


def _name(exc: LicenseExceptionRule) -> str:
    return f"{exc.code} ({exc.id})"


def _policy_name(policy: PolicyRule) -> str:
    return f"review policy {policy.id} ({policy.policy})"


def certification_sources(rules: RuleSet, codes: Iterable[str]) -> tuple[CertificationSource, ...]:
    """Every rule of ``rules`` (any date, any layer) that asks for one of ``codes``, in the actions' order."""
    wanted = set(codes)
    if not wanted:
        return ()
    out: list[CertificationSource] = []
    for action in rules.actions:
        if action.licensing is None:
            continue
        for code in sorted(wanted):
            for exc in action.licensing.license_exceptions:
                if exception_asks(exc, code):
                    out.append(
                        CertificationSource(code, _name(exc), action.id, action.effective, exc.citation, exc.confidence)
                    )
            for policy in action.licensing.review_policies:
                if asks(policy.when, code):
                    what = _policy_name(policy)
                    out.append(
                        CertificationSource(code, what, action.id, action.effective, policy.citation, policy.confidence)
                    )
    return tuple(out)


def _facts(out: Outcome, text: str) -> str:
    """The facts an evaluation compared, or (a test that writes none, such as an ECCN's) the rule's own text."""
    return "; ".join(dict.fromkeys(out.details)) or f"its text: {text.strip()}"


def _item(ev: Evaluator) -> str:
    f = ev.facts
    eccn = f.eccn if f.status == "controlled" and f.eccn else f.status.replace("_", " ")
    use = {True: ", designed or marketed for datacenters", False: ", not for datacenters", None: ""}[f.datacenter]
    return f"the item ({eccn}{use})"


def _exception_why(exc: LicenseExceptionRule, ev: Evaluator, read: Read) -> str | None:
    """Why ``exc`` (which asks for the certification) does not carry the line; None where it does."""
    name = _name(exc)
    if exc.code in read.overcome_by:
        return None
    if read.prohibited:
        return f"{name}: the line is prohibited (reasons above), so no license exception is considered"
    ids = [r.id for r in read.required]
    over = [r for r in ids if r in exc.overcomes]
    if not ids:
        known = "is known to apply" if read.unknown else "applies"
        return f"{name} overcomes only {', '.join(exc.overcomes)}, and no license requirement {known} to this line"
    if not over:
        return (
            f"{name} overcomes only {', '.join(exc.overcomes)}; the license requirement(s) that apply"
            f" ({', '.join(ids)}) are not among them"
        )
    eligible, scope = ev.evaluate(exc.eligible), ev.evaluate(exc.scope)
    if eligible.value is False:
        return f"{name}: {_item(ev)} is not eligible ({_facts(eligible, exc.text)})"
    if scope.value is False:
        return f"{name}: the line is outside its scope ({_facts(scope, exc.text)})"
    excluded = [x.text for x in exc.exclusions if ev.evaluate(x.when).value is not False]
    if excluded:
        return f"{name} is not available: {'; '.join(excluded)}"
    if eligible.value is None or scope.value is None:
        missing = sorted(eligible.missing | scope.missing)
        return f"{name} cannot be confirmed (missing {', '.join(missing)})"
    rest = [r for r in ids if r not in exc.overcomes]
    if rest:
        return f"{name} would overcome {', '.join(over)} but not {', '.join(rest)}, which still require a license"
    return f"{name} would overcome {', '.join(over)}, but another license exception does (reasons above)"


def _policy_why(policy: PolicyRule, merged: MergedLicensing, ev: Evaluator, read: Read) -> str | None:
    """Why ``policy`` (which asks for the certification) is not the review policy of the line; None where it is."""
    name = _policy_name(policy)
    mine = [r for r in read.required if r.id in policy.applies_to]
    if not mine:
        return f"{name} is for license applications under {', '.join(policy.applies_to)}, not required for this line"
    if read.verdict is not Verdict.LICENSE_REQUIRED:
        return f"{name}: the verdict is {read.verdict.value}, so no review policy for a license application is read"
    out = ev.evaluate(policy.when)
    if out.value is False:
        return f"{name}: its conditions are not met ({_facts(out, policy.text)})"
    if out.value is None:
        return f"{name} cannot be decided (missing {', '.join(sorted(out.missing))})"
    for req in mine:
        if req.policy:
            continue  # a policy stated with the requirement itself: none of the policy rules is read
        chosen = next((p for p, _ in merged.policies_for(req.id) if ev.evaluate(p.when).value is True), None)
        if chosen is policy:
            return None
    others = [f"{r.id} states its own ({r.policy})" for r in mine if r.policy]
    return f"{name}: " + ("; ".join(others) or "a more recent review policy that holds governs (reasons above)")


def certification_reasons(
    codes: Iterable[str],
    known: tuple[CertificationSource, ...],
    merged: MergedLicensing,
    ev: Evaluator,
    read: Read,
    on: dt.date,
    layer: Layer,
) -> list[Reason]:
    """A reason for each certification in ``codes`` that no rule in force read for the line's outcome: received,
    and why each rule asking for it does not apply (``known``: every rule that asks for one, ``certification_sources``)."""
    out = []
    for code in sorted(codes):
        whys: list[tuple[str, str, str | None]] = []  # (why, citation, confidence)
        applied = asked = False
        for exc, _ in merged.exceptions.values():
            if exception_asks(exc, code):
                asked = True
                why = _exception_why(exc, ev, read)
                applied = applied or why is None
                if why:
                    whys.append((why, exc.citation, exc.confidence))
        for policy, _ in merged.policies.values():
            if asks(policy.when, code):
                asked = True
                why = _policy_why(policy, merged, ev, read)
                applied = applied or why is None
                if why:
                    whys.append((why, policy.citation, policy.confidence))
        if applied:
            continue
        if not asked:
            mine = [s for s in known if s.code == code]
            where = "; ".join(f"{s.what} in {s.action} (effective {s.effective})" for s in mine)
            why = f"no rule in force on {on} ({layer} layer) asks for it; it is a condition of {where}"
            whys.append((why, "; ".join(dict.fromkeys(s.citation for s in mine)), weakest(s.confidence for s in mine)))
        confidence = weakest(c for _, _, c in whys)
        flag = " [LOW CONFIDENCE]" if confidence == "L" else ""
        out.append(
            Reason(
                rule=f"{RULE}#{code}",
                citation="; ".join(dict.fromkeys(c for _, c, _ in whys)),
                detail=f"certification {code} received; the verdict does not rest on it: "
                + "; ".join(w for w, _, _ in whys)
                + flag,
                confidence=confidence,
            )
        )
    return out


__all__ = [
    "RULE",
    "CertificationSource",
    "Read",
    "asks",
    "certification_reasons",
    "certification_sources",
    "exception_asks",
]
