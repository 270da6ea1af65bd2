"""The duty-stack calculator: pure functions of the loaded tariff data and one entry line.

Every number (rate, date, heading, window bound) comes from the data files; this module only decides
which dated values apply and how they stack. Open (UNCONFIRMED) questions are handled in two ways:

* a line whose rate is unknown carries ``rate=None`` and a range (``rate_low``/``rate_high``);
* a question that changes *which* measures apply (is the article inside the Section 232 windows?) is a
  branching question: the stack is computed once per answer and the total range spans all answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from chipclear.tariffs import hts as hts_mod
from chipclear.tariffs.data import TariffData
from chipclear.tariffs.models import (
    Column1,
    DeMinimis,
    ExemptionList,
    HtsLine,
    IeepaDuty,
    IeepaReciprocal,
    MeasureBase,
    OpenFact,
    Period,
    Sec122,
    Sec232Semiconductors,
    Sec301Exclusion,
    Sec301ForcedLabor,
    Sec301Increase,
    Sec301List,
    UsmcaExemption,
)
from chipclear.tariffs.result import DutyLine, DutyResult, StackingRule, Unknown
from chipclear.tariffs.sec232 import ItemSpecs, WindowTest, check_windows

GENERIC_EXCLUSION_CLAIM = "sec301-exclusion"
Q_232_WINDOW = "sec232-window"
Q_232_END_USE_NON_STACKING = "sec232-end-use-non-stacking"


@dataclass(frozen=True)
class Request:
    hts: str
    line: HtsLine
    origin: str
    entry_date: dt.date
    value: float | None
    item: ItemSpecs | None
    end_use: str | None
    claims: frozenset[str]
    entry_type: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[str, ...]
    citation: str
    sources: list[str]
    confidence: str
    affects: str


@dataclass
class _Run:
    """One evaluation of the stack under fixed answers to the branching questions."""

    assumptions: dict[str, str]
    lines: list[DutyLine] = field(default_factory=list)
    stacking: list[StackingRule] = field(default_factory=list)
    line_unknowns: list[Unknown] = field(default_factory=list)
    questions: dict[str, Question] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    available: list[dict[str, str]] = field(default_factory=list)

    def ask(self, question: Question) -> str | None:
        self.questions.setdefault(question.id, question)
        return self.assumptions.get(question.id)

    def rule(self, text: str, citation: str, sources: list[str], confidence: str = "H") -> None:
        if all(r.rule != text for r in self.stacking):
            self.stacking.append(StackingRule(text, citation, sources, confidence))

    def open_line(self, line: DutyLine, uid: str, question: str, citation: str, sources: list[str]) -> None:
        self.lines.append(line)
        self.line_unknowns.append(
            Unknown(
                id=uid,
                question=question,
                citation=citation,
                sources=sources,
                confidence="UNCONFIRMED",
                affects=line.measure,
            )
        )

    def totals(self) -> tuple[float | None, float | None]:
        low = sum(line.low or 0.0 for line in self.lines)
        highs = [line.high for line in self.lines]
        high = None if any(h is None for h in highs) else sum(h or 0.0 for h in highs)
        return low, high


# --------------------------------------------------------------------------------------------- helpers


def _period(measure: MeasureBase, day: dt.date) -> Period | None:
    for period in measure.periods:
        if period.covers(day):
            return period
    return None


def _in_scope(measure: MeasureBase, period: Period | None, code: str) -> bool:
    prefixes = period.hts if period is not None and period.hts else measure.scope.prefixes
    if any(hts_mod.covers(p, code) for p in measure.scope.except_prefixes):
        return False
    return any(hts_mod.covers(p, code) for p in prefixes)


_STRENGTH = {"H": 3, "M": 2, "L": 1, "UNCONFIRMED": 0}


def _weaker(a: str, b: str) -> str:
    return a if _STRENGTH[a] <= _STRENGTH[b] else b


def _line(measure: MeasureBase, period: Period, *, note: str = "", rate: float | None = None) -> DutyLine:
    """A line for a dated value; its confidence is the weaker of the value's and the scope's (e.g. inferred
    List-2 membership of 8542.31 is M even though the List-2 rate is H)."""
    sources = list(dict.fromkeys([*period.sources, *measure.scope.sources]))
    scope_note = ""
    if _STRENGTH[measure.scope.confidence] < _STRENGTH[period.confidence]:
        scope_note = f"Scope ({measure.scope.confidence}): {measure.scope.citation}."
    return DutyLine(
        measure=measure.measure,
        measure_id=measure.id,
        heading=period.heading,
        rate=period.rate if rate is None else rate,
        citation=period.citation,
        sources=sources,
        confidence=_weaker(period.confidence, measure.scope.confidence),
        note=" ".join(n for n in (period.note, note, scope_note) if n),
        rate_low=period.rate_low,
        rate_high=period.rate_high,
    )


def _fmt(rate: float | None) -> str:
    return "unknown" if rate is None else f"{rate:g}%"


# --------------------------------------------------------------------------------------------- layers


def _column1(col: Column1, req: Request, run: _Run) -> None:
    general = req.line.general
    period: Period = general
    label = "Column 1 general (MFN)"
    if req.origin in col.column2_countries:
        label = "Column 2"
        if req.line.column2 is None:
            run.open_line(
                DutyLine(
                    label,
                    "us-hts-column1",
                    req.line.hts,
                    None,
                    col.column2_citation.citation,
                    col.column2_citation.sources,
                    "UNCONFIRMED",
                    "Column 2 rate of this line is not in the data.",
                    rate_low=0.0,
                ),
                "column2-rate",
                f"Column 2 rate of {req.line.hts} for origin {req.origin} is not in the reference data.",
                col.column2_citation.citation,
                col.column2_citation.sources,
            )
            return
        period = req.line.column2
        if req.origin in col.column2_dates_unconfirmed:
            line = DutyLine(
                label,
                "us-hts-column1",
                period.heading,
                None,
                period.citation,
                period.sources,
                "UNCONFIRMED",
                "",
                rate_low=general.rate if general.rate is not None else 0.0,
                rate_high=period.rate,
            )
            run.open_line(
                line,
                "column2-date",
                f"From which date {req.origin} takes column 2 rates is not in the reference data.",
                col.column2_citation.citation,
                col.column2_citation.sources,
            )
            return
    line = DutyLine(
        label,
        "us-hts-column1",
        req.hts,
        period.rate,
        period.citation,
        period.sources,
        period.confidence,
        period.note,
        rate_low=period.rate_low,
        rate_high=period.rate_high,
    )
    if period.rate is None:
        run.open_line(line, "column1-rate", period.question or "rate unknown", period.citation, period.sources)
    else:
        run.lines.append(line)


@dataclass
class _S232:
    """Section 232 status of the entry line in one run."""

    in_scope: bool = False
    covered: bool | None = False
    """True: 9903.79.01 duty applies; None: depends on an open question."""
    meets: bool | None = False
    exempt_end_use: bool = False


def _sec232(data: TariffData, req: Request, run: _Run) -> _S232:
    status = _S232()
    for measure in data.measures.values():
        if not isinstance(measure, Sec232Semiconductors):
            continue
        period = _period(measure, req.entry_date)
        if period is None or not _in_scope(measure, period, req.hts):
            continue
        status.in_scope = True
        test = _window_test(measure, req, run)
        status.meets = test
        end_use = next((e for e in measure.end_uses if e.key == req.end_use), None)
        if test is True and end_use is not None:
            status.exempt_end_use = True
            run.lines.append(
                DutyLine(
                    measure.measure,
                    measure.id,
                    end_use.heading,
                    0.0,
                    end_use.citation,
                    end_use.sources,
                    end_use.confidence,
                    f"End-use exemption claimed: {end_use.description}.",
                )
            )
        elif test is True:
            status.covered = True
            run.lines.append(_line(measure, period))
        elif test is False:
            np_ = measure.not_met
            run.lines.append(
                _line(
                    measure,
                    np_,
                    note=f"The article is in {'/'.join(measure.scope.prefixes)} but does not meet the note 39(b)"
                    " parameters.",
                )
            )
        else:
            status.covered = None if end_use is None else False
            not_met = measure.not_met
            note = (
                f"{_fmt(period.rate)} if the article is or contains a logic IC inside a note 39(b) window, else"
                f" {_fmt(not_met.rate)} ({not_met.heading})."
            )
            if end_use is not None:
                note = (
                    f"{_fmt(not_met.rate)} either way: {not_met.heading} if outside the windows, or end-use exemption"
                    f" ({end_use.description}) if inside."
                )
                run.lines.append(
                    DutyLine(
                        measure.measure,
                        measure.id,
                        f"{not_met.heading} or {end_use.heading}",
                        not_met.rate,
                        period.citation,
                        period.sources,
                        period.confidence,
                        note,
                    )
                )
            else:
                run.lines.append(
                    DutyLine(
                        measure.measure,
                        measure.id,
                        f"{period.heading} or {measure.not_met.heading}",
                        None,
                        period.citation,
                        period.sources,
                        period.confidence,
                        note,
                        rate_low=measure.not_met.rate,
                        rate_high=period.rate,
                    )
                )
        declared = {measure.periods[0].heading, measure.not_met.heading} & req.claims
        low_specs = req.item is not None and req.item.confidence == "L"
        if low_specs and not declared and test is not None:
            # The window test rests on low-confidence catalog specs: flag the line, never present it as firm.
            run.lines[-1].confidence = "L"
            run.lines[-1].note = (run.lines[-1].note + " Window test on LOW-CONFIDENCE catalog specs.").strip()
        if req.end_use is not None and end_use is None:
            run.notes.append(f"End use {req.end_use!r} is not a Section 232 end-use exemption key.")
        run.notes.extend(measure.notes[-1:])
        if _usmca_claimed(data, req):
            run.rule(
                "USMCA preference does not remove the Section 232 semiconductor duty",
                measure.fta_note.citation,
                measure.fta_note.sources,
                measure.fta_note.confidence,
            )
        if status.covered is not False:
            run.rule(measure.stacks_with.text, measure.stacks_with.citation, measure.stacks_with.sources)
    return status


def _window_test(measure: Sec232Semiconductors, req: Request, run: _Run) -> bool | None:
    """True / False when known (importer's declaration or catalog specs), else the branching answer or None."""
    met_heading, not_met_heading = measure.periods[0].heading, measure.not_met.heading
    if met_heading in req.claims:
        run.notes.append(f"Importer declares the article meets the note 39(b) parameters (claim {met_heading}).")
        return True
    if not_met_heading in req.claims:
        run.notes.append(
            f"Importer declares the article does not meet the note 39(b) parameters (claim {not_met_heading})."
        )
        return False
    test: WindowTest | None = check_windows(req.item, measure.windows) if req.item is not None else None
    if test is not None:
        if req.item is not None and req.item.confidence == "L":
            run.notes.append(f"LOW-CONFIDENCE SPECS: the catalog marks {req.item.name}'s specs low confidence.")
        run.notes.append(f"Section 232 window test: {test.explanation}.")
        if test.outcome == "meets":
            assert test.window is not None
            run.rule(f"Note 39(b) window met: {test.explanation}", test.window.citation, test.window.sources)
            return True
        if test.outcome == "not_met":
            return False
    subject = f"item {req.item.name}" if req.item is not None else "the article (no item given)"
    answer = run.ask(
        Question(
            id=Q_232_WINDOW,
            text=(
                f"Is {subject} a logic IC, or does it contain one, with TPP and total DRAM bandwidth inside a note 39(b)"
                " window? Give --item (catalog specs) or claim 9903.79.01 / 9903.79.02."
            ),
            options=("meets", "not_met"),
            citation=measure.windows[0].citation,
            sources=measure.windows[0].sources,
            confidence="H",
            affects=measure.measure,
        )
    )
    return None if answer is None else answer == "meets"


def _displaced(data: TariffData, measure_id: str, s232: _S232, run: _Run) -> bool | None:
    """Whether note 39(a) keeps this measure off a Section 232 semiconductor article."""
    for measure in data.measures.values():
        if not isinstance(measure, Sec232Semiconductors) or measure_id not in measure.displaces.measures:
            continue
        if s232.covered is True:
            run.rule(measure.displaces.text, measure.displaces.citation, measure.displaces.sources)
            return True
        if s232.covered is None:
            return None
        if s232.exempt_end_use:
            q = measure.end_use_displacement_question
            answer = run.ask(
                Question(
                    Q_232_END_USE_NON_STACKING,
                    q.text,
                    ("not_imposed", "imposed"),
                    q.citation,
                    q.sources,
                    q.confidence,
                    "IEEPA / Section 122 layers",
                )
            )
            if answer is None:
                return None
            if answer == "not_imposed":
                run.rule(measure.displaces.text, measure.displaces.citation, measure.displaces.sources, "UNCONFIRMED")
            return answer == "not_imposed"
    return False


def _sec301(data: TariffData, req: Request, s232: _S232, run: _Run) -> None:
    candidates: list[MeasureBase] = [
        m
        for m in data.measures.values()
        if isinstance(m, Sec301List | Sec301Increase) and m.applies_to_origin(req.origin)
    ]
    active: list[tuple[MeasureBase, Period]] = []
    for measure in candidates:
        period = _period(measure, req.entry_date)
        if period is None or not _in_scope(measure, period, req.hts):
            continue
        replacer = _replacer(data, measure, req)
        if replacer is not None:
            run.rule(
                f"{replacer.measure} ({replacer.periods[0].heading}) replaces {measure.measure} for these lines",
                replacer.periods[0].citation,
                replacer.periods[0].sources,
                "M",
            )
            continue
        active.append((measure, period))
    for measure, period in active:
        _sec301_line(data, req, s232, run, measure, period)
    if active:
        run.rule(
            "Section 301 is cumulative with the IEEPA, Section 232 and Section 122 duties; a line carries one"
            " Section 301 list heading",
            "S1 notes 20, 31, 39(a), 2(aa)(i)",
            ["S1", "S36"],
        )


def _replacer(data: TariffData, measure: MeasureBase, req: Request) -> MeasureBase | None:
    for other in data.measures.values():
        replaces = getattr(other, "replaces", None) or []
        if measure.id in replaces and isinstance(other, Sec301Increase):
            period = _period(other, req.entry_date)
            if period is not None and _in_scope(other, period, req.hts):
                return other
    return None


def _sec301_line(data: TariffData, req: Request, s232: _S232, run: _Run, measure: MeasureBase, period: Period) -> None:
    # A claimed alternative heading (9903.88.09: goods in transit at the May 2019 increase) takes the list
    # heading's place; only the exclusions its data names still apply to it (note 20(l)).
    alt = next(
        (a for a in getattr(measure, "alternatives", []) if a.claim in req.claims and a.period.covers(req.entry_date)),
        None,
    )
    if alt is not None:
        period = alt.period
    base = _line(measure, period, note=alt.description if alt is not None else "")
    if period.rate is None:
        run.open_line(base, f"{measure.id}-rate", period.question or "rate unknown", period.citation, period.sources)
        return
    exclusions = [
        e
        for e in data.measures.values()
        if isinstance(e, Sec301Exclusion)
        and measure.id in e.replaces
        and (alt is None or (alt.exclusions is not None and e.id in alt.exclusions.measures))
        and any(hts_mod.overlaps(p, req.hts) for p in e.scope.prefixes)
    ]
    claimed = [e for e in exclusions if e.claim in req.claims or GENERIC_EXCLUSION_CLAIM in req.claims]
    in_force = [
        (e, p)
        for e in exclusions
        if (p := _period(e, req.entry_date)) is not None
        and any(hts_mod.overlaps(x, req.hts) for x in (p.hts or e.scope.prefixes))
    ]
    for excl, excl_period in in_force:
        if excl not in claimed and excl_period.rate is not None:
            descriptions = _descriptions(excl, req.hts)
            run.available.append({"claim": excl.claim, "measure": excl.measure, "descriptions": descriptions})
            base.note = (
                f"{base.note} If the goods match an excluded description, claim {excl.claim}"
                f" ({_fmt(excl_period.rate)}): {descriptions}."
            ).strip()
    applied = next(((e, p) for e, p in in_force if e in claimed), None)
    if applied is None:
        if claimed:
            windows = ", ".join(
                f"{e.claim} [{p.start}, {p.end or 'open'})" for e in exclusions for p in e.periods if p.rate is not None
            )
            run.notes.append(
                f"A Section 301 exclusion was claimed but none is in force on {req.entry_date} for"
                f" {req.hts} (windows: {windows}): the list rate applies."
            )
        run.lines.append(base)
        return
    excl, excl_period = applied
    if alt is not None and alt.exclusions is not None:
        run.rule(alt.exclusions.text, alt.exclusions.citation, alt.exclusions.sources, alt.exclusions.confidence)
    line = _line(excl, excl_period, note="Replaces the list heading " + (period.heading or "") + ".")
    precise = [p for p in (excl_period.hts or excl.scope.prefixes) if hts_mod.covers(p, req.hts)]
    if not precise:
        line.note += f" The exclusion is limited to {', '.join(excl.scope.prefixes)}: check the statistical suffix."
    run.rule(
        f"Exclusion {excl.claim} replaces the {measure.measure} heading {period.heading} for goods matching"
        " its description",
        excl_period.citation,
        excl_period.sources,
    )
    open_questions: list[OpenFact | Period] = []
    if excl_period.rate is None:
        open_questions.append(excl_period)
    if req.item is not None and req.item.datacenter and excl.datacenter_scope_question is not None:
        open_questions.append(excl.datacenter_scope_question)
    if s232.covered is not False:
        for m in data.measures.values():
            if isinstance(m, Sec232Semiconductors) and excl.id in m.stacks_with.measures:
                open_questions.append(m.lower_rate_claim_bar)
    if not open_questions:
        run.lines.append(line)
        return
    line.rate, line.rate_low, line.rate_high = None, 0.0, period.rate
    line.confidence = "UNCONFIRMED"
    first = True
    for q in open_questions:
        text = q.question if isinstance(q, Period) else q.text
        uid = f"{excl.id}-{'expiry' if isinstance(q, Period) else 'scope' if q is excl.datacenter_scope_question else 'note39a'}"
        if first:
            run.open_line(line, uid, text or "", q.citation, q.sources)
            first = False
        else:
            run.line_unknowns.append(Unknown(uid, text or "", q.citation, q.sources, "UNCONFIRMED", line.measure))


def _descriptions(excl: Sec301Exclusion, code: str) -> str:
    """The excluded descriptions that can concern this HTS number (each names its statistical suffix)."""
    chosen = [
        d
        for d in excl.descriptions
        if not any(hts_mod.covers(p, d.split("stat. ")[-1].rstrip(")")) for p in excl.scope.prefixes)
        or hts_mod.overlaps(d.split("stat. ")[-1].rstrip(")"), code)
    ]
    return "; ".join(chosen or excl.descriptions)


def _ieepa(data: TariffData, req: Request, s232: _S232, run: _Run) -> None:
    usmca = next((m for m in data.measures.values() if isinstance(m, UsmcaExemption)), None)
    for measure in data.measures.values():
        if not isinstance(measure, IeepaDuty) or not measure.applies_to_origin(req.origin):
            continue
        period = _period(measure, req.entry_date)
        if period is None or not _in_scope(measure, period, req.hts):
            continue
        displaced = _displaced(data, measure.id, s232, run)
        if displaced is True:
            continue
        note = ""
        if displaced is None:
            note = "Not imposed if the article is a Section 232 semiconductor article (note 39(a))."
        alternative = next((a for a in measure.alternatives if a.period.covers(req.entry_date)), None)
        if alternative is not None and alternative.claim in req.claims:
            run.lines.append(_line(measure, alternative.period, note=alternative.description))
            run.rule(
                f"Claim {alternative.claim} replaces the {measure.measure} ({alternative.description})",
                alternative.period.citation,
                alternative.period.sources,
                alternative.period.confidence,
            )
            continue
        if alternative is not None:
            run.available.append(
                {"claim": alternative.claim, "measure": measure.measure, "descriptions": alternative.description}
            )
            note = f"{note} If {alternative.description}, claim {alternative.claim} ({_fmt(alternative.period.rate)}).".strip()
        if measure.usmca_exempt and usmca is not None and usmca.claim in req.claims:
            u_period = _period(usmca, req.entry_date)
            if u_period is not None and measure.id in usmca.exempts:
                line = _line(usmca, u_period, note="USMCA-qualifying goods (general note 11).")
                line.heading = usmca.headings.get(req.origin)
                if line.heading is None:
                    line.note += " " + usmca.notes[0]
                run.lines.append(line)
                run.rule(
                    f"USMCA-qualifying goods are exempt from the {measure.measure}", u_period.citation, u_period.sources
                )
                continue
            run.notes.append(
                f"USMCA exception claimed but not in force on {req.entry_date} (from "
                f"{usmca.periods[0].start}): the {measure.measure} applies."
            )
        run.lines.append(_line(measure, period, note=note))


def _usmca_claimed(data: TariffData, req: Request) -> bool:
    usmca = next((m for m in data.measures.values() if isinstance(m, UsmcaExemption)), None)
    return usmca is not None and usmca.claim in req.claims and usmca.applies_to_origin(req.origin)


def _notices(data: TariffData, run: _Run) -> None:
    """Notices (court rulings, CSMS messages) that concern a measure on the stack, as cited notes."""
    present = {line.measure_id for line in run.lines}
    for notice in data.notices.values():
        if present & set(notice.concerns):
            mark = "" if notice.confidence in ("H", "M") else f" ({notice.confidence})"
            run.notes.append(f"{notice.title}{mark}: {notice.text} [{', '.join(notice.sources)}]")


def _exemption_line(measure: IeepaReciprocal | Sec122, ex: ExemptionList) -> DutyLine:
    """The zero-rate line that shows a measure not applied because the HTS line is on its exemption list."""
    return DutyLine(
        measure.measure,
        measure.id,
        ex.heading,
        0.0,
        ex.citation,
        ex.sources,
        ex.confidence,
        f"Exempt: {ex.description}.",
    )


def _reciprocal(data: TariffData, req: Request, s232: _S232, run: _Run) -> None:
    for measure in data.measures.values():
        if not isinstance(measure, IeepaReciprocal) or not measure.applies_to_origin(req.origin):
            continue
        period = _period(measure, req.entry_date)
        if period is None:
            continue
        displaced = _displaced(data, measure.id, s232, run)
        if displaced is True:
            continue
        ex = measure.exemption
        if any(hts_mod.covers(p, req.hts) for p in ex.prefixes) and ex.start <= req.entry_date:
            run.lines.append(_exemption_line(measure, ex))
            run.rule(
                f"IEEPA reciprocal duty not applied: {req.hts} is exempt under {ex.heading}",
                ex.citation,
                ex.sources,
                ex.confidence,
            )
            continue
        run.open_line(
            DutyLine(
                measure.measure,
                measure.id,
                period.heading,
                None,
                period.citation,
                period.sources,
                "UNCONFIRMED",
                "Country-specific reciprocal rates are not in the data.",
                rate_low=period.rate,
            ),
            f"{measure.id}-country-rate",
            "The country-specific reciprocal rate for this origin and line is not in the data.",
            period.citation,
            period.sources,
        )


def _sec122(data: TariffData, req: Request, s232: _S232, run: _Run) -> None:
    for measure in data.measures.values():
        if not isinstance(measure, Sec122) or not measure.applies_to_origin(req.origin):
            continue
        period = _period(measure, req.entry_date)
        if period is None:
            continue
        for fact in measure.unconfirmed:
            run.notes.append(f"{fact.text} [{', '.join(fact.sources)}]")
        ex = measure.exemption
        if any(hts_mod.covers(p, req.hts) for p in ex.prefixes):
            run.lines.append(_exemption_line(measure, ex))
            run.rule(
                f"Section 122 surcharge not applied: {req.hts} is exempt under {ex.heading}", ex.citation, ex.sources
            )
            continue
        displaced = _displaced(data, measure.id, s232, run)
        if displaced is True:
            h = measure.sec232_heading
            run.lines.append(
                DutyLine(
                    measure.measure,
                    measure.id,
                    measure.sec232_heading_number,
                    0.0,
                    h.citation,
                    h.sources,
                    h.confidence,
                    "Section 232 article: surcharge not imposed.",
                )
            )
            continue
        if measure.usmca_exempt and _usmca_claimed(data, req):
            run.lines.append(_line(measure, period, rate=0.0, note="USMCA-qualifying goods are exempt."))
            continue
        run.lines.append(_line(measure, period))


def _forced_labor(data: TariffData, req: Request, run: _Run) -> None:
    for measure in data.measures.values():
        if not isinstance(measure, Sec301ForcedLabor) or not measure.applies_to_origin(req.origin):
            continue
        period = _period(measure, req.entry_date)
        if period is None or not _in_scope(measure, period, req.hts):
            continue
        line = _line(measure, period, note="LOW CONFIDENCE: single secondary source; coverage UNCONFIRMED.")
        if period.rate is None:
            run.open_line(line, f"{measure.id}-coverage", period.question or "", period.citation, period.sources)
        else:
            run.lines.append(line)


Q_DE_MINIMIS = "de-minimis-available"


def _why_ended(measure: DeMinimis, day: dt.date) -> str:
    """The citation of the period that ended last on or before `day` (every ended period's if none did)."""
    ended = [p for p in measure.periods if p.end is not None and p.end <= day]
    if ended:
        return max(ended, key=lambda p: p.end or day).citation
    return "; ".join(p.citation for p in measure.periods if p.end)


def _de_minimis(data: TariffData, req: Request, run: _Run) -> bool:
    """Whether a Section 321 entry of this value and origin on this date pays no duty (True), stating why."""
    if req.entry_type is None:
        return False
    for measure in data.measures.values():
        if not isinstance(measure, DeMinimis) or req.entry_type != measure.entry_type:
            continue
        limit = measure.value_limit_citation
        if req.value is None or req.value > measure.value_limit:
            run.notes.append(
                f"Entry type {req.entry_type}: the value {req.value} is over the ${measure.value_limit:g} limit"
                f" ({limit.citation}): the goods are entered normally and the duties below apply."
            )
            return False
        if not measure.applies_to_origin(req.origin):
            continue
        period = _period(measure, req.entry_date)
        if period is None:
            run.notes.append(
                f"Entry type {req.entry_type}: {measure.title} is not available for origin {req.origin} on"
                f" {req.entry_date} ({_why_ended(measure, req.entry_date)}): the duties below apply."
            )
            return False
        if period.rate is None:
            answer = run.ask(
                Question(
                    Q_DE_MINIMIS,
                    period.question or "",
                    ("available", "not_available"),
                    period.citation,
                    period.sources,
                    period.confidence,
                    measure.measure,
                )
            )
            if answer != "available":
                return False
        run.lines.append(
            _line(
                measure,
                period,
                note=f"Value {req.value:g} is at or under ${measure.value_limit:g} ({limit.citation}).",
            )
        )
        run.rule(
            "A Section 321 (de minimis) entry is free of duty: no column 1 or Chapter 99 duty is collected",
            period.citation,
            period.sources,
            period.confidence,
        )
        return True
    return False


def _compute(data: TariffData, req: Request, assumptions: dict[str, str]) -> _Run:
    run = _Run(assumptions=dict(assumptions))
    if _de_minimis(data, req, run):
        return run
    run.rule("Chapter 99 duties apply in addition to the column 1 rate", "S1 notes 20, 31, 39, 2(aa)", ["S1"])
    _column1(data.column1, req, run)
    s232 = _sec232(data, req, run)
    _sec301(data, req, s232, run)
    _ieepa(data, req, s232, run)
    _reciprocal(data, req, s232, run)
    _sec122(data, req, s232, run)
    _forced_labor(data, req, run)
    _origin_notes(data, req, run)
    _notices(data, run)
    if req.entry_date > data.research_cutoff_approx:
        run.notes.append(
            f"The tariff data were researched up to about {data.research_cutoff_approx:%B %Y}: measures announced later"
            " (extensions, new actions) are not in the data; check CBP CSMS and the Federal Register."
        )
    return run


def _origin_notes(data: TariffData, req: Request, run: _Run) -> None:
    """Origin is the importer's input: say which test decides it for this kind of article, with its source."""
    code = hts_mod.digits(req.hts)
    for rule in data.origin_rules.rules:
        applies = rule.applies_to == "all" or any(
            code.startswith(hts_mod.digits(p)) for p in rule.applies_to.split(",")
        )
        if applies:
            mark = "" if rule.confidence in ("H", "M") else f" ({rule.confidence})"
            run.notes.append(f"Origin ({rule.jurisdiction}){mark}: {rule.text} [{', '.join(rule.sources)}]")


# --------------------------------------------------------------------------------------------- driver

_MAX_RUNS = 64


def calculate(data: TariffData, req: Request) -> DutyResult:
    """The stack for one entry line, with the total range over every answer to the open questions."""
    base = _compute(data, req, {})
    finished: list[_Run] = []
    pending: list[dict[str, str]] = [{}]
    while pending and len(finished) < _MAX_RUNS:
        assumptions = pending.pop()
        run = base if not assumptions else _compute(data, req, assumptions)
        open_ids = [q for q in run.questions if q not in assumptions]
        if open_ids:
            question = run.questions[open_ids[0]]
            pending.extend({**assumptions, question.id: option} for option in question.options)
        else:
            finished.append(run)
    totals = [run.totals() for run in finished]
    low = min(t[0] or 0.0 for t in totals)
    high = None if any(t[1] is None for t in totals) else max(t[1] or 0.0 for t in totals)
    unknowns = _branch_unknowns(finished) + _line_unknowns(base)
    for line in base.lines:
        if line.rate is not None and req.value is not None:
            line.amount = round(req.value * line.rate / 100.0, 2)
    notes = list(dict.fromkeys(base.notes)) + _unapplied_claims(data, req, base)
    return DutyResult(
        hts=req.hts,
        origin=req.origin,
        entry_date=req.entry_date,
        value=req.value,
        lines=base.lines,
        stacking=base.stacking,
        unknowns=unknowns,
        notes=notes,
        total_low=low,
        total_high=high,
        available_claims=base.available,
        item=req.item.name if req.item is not None else None,
        end_use=req.end_use,
        claims=sorted(req.claims),
        entry_type=req.entry_type,
    )


def _run_signature(run: _Run) -> tuple[Any, ...]:
    lines = tuple((ln.measure_id, ln.heading, ln.rate, ln.rate_low, ln.rate_high, ln.note) for ln in run.lines)
    return lines, tuple(sorted(run.questions)), tuple(r.rule for r in run.stacking)


def _unapplied_claims(data: TariffData, req: Request, base: _Run) -> list[str]:
    """A note for each claim that changes nothing on this line (said, never silently ignored)."""
    notes = []
    for claim in sorted(req.claims):
        without = _compute(data, replace(req, claims=req.claims - {claim}), {})
        if _run_signature(without) == _run_signature(base):
            notes.append(
                f"Claim {claim} was not applied: it changes nothing for HTS {req.hts} from {req.origin} entered"
                f" {req.entry_date} (no measure in force on this line and date takes it, or what it declares is"
                " already decided)."
            )
    return notes


def _branch_unknowns(finished: list[_Run]) -> list[Unknown]:
    questions: dict[str, Question] = {}
    for run in finished:
        for q in run.questions.values():
            questions.setdefault(q.id, q)
    result = []
    for q in questions.values():
        outcomes: list[dict[str, Any]] = []
        lows_all: list[float] = []
        highs_all: list[float | None] = []
        for option in q.options:
            runs = [r for r in finished if r.assumptions.get(q.id) == option]
            if not runs:
                continue
            lows = [r.totals()[0] or 0.0 for r in runs]
            highs = [r.totals()[1] for r in runs]
            high_opt = None if any(h is None for h in highs) else max(h or 0.0 for h in highs)
            lows_all.append(min(lows))
            highs_all.append(high_opt)
            outcomes.append({"answer": option, "total_rate_low": min(lows), "total_rate_high": high_opt})
        low = min(lows_all)
        high = None if any(h is None for h in highs_all) else max(h or 0.0 for h in highs_all)
        distinct = {(o["total_rate_low"], o["total_rate_high"]) for o in outcomes}
        result.append(
            Unknown(
                q.id,
                q.text,
                q.citation,
                q.sources,
                q.confidence,
                q.affects,
                outcomes,
                low,
                high,
                changes_total=len(distinct) > 1,
            )
        )
    return result


def _line_unknowns(base: _Run) -> list[Unknown]:
    for unknown in base.line_unknowns:
        line = next((ln for ln in base.lines if ln.measure == unknown.affects and ln.rate is None), None)
        if line is not None:
            unknown.low, unknown.high = line.rate_low, line.rate_high
            unknown.changes_total = line.rate_low != line.rate_high
    return base.line_unknowns


@lru_cache(maxsize=8)
def boundaries(data: TariffData) -> list[dt.date]:
    """Every date on which some measure in the data starts or ends (for the timeline)."""
    days: set[dt.date] = {data.column1.coverage_from}
    for measure in data.measures.values():
        for period in measure.periods:
            days.add(period.start)
            if period.end is not None:
                days.add(period.end)
        for extra in ("exemption",):
            block = getattr(measure, extra, None)
            if block is not None:
                days.add(block.start)
                if block.end is not None:
                    days.add(block.end)
        for alt in getattr(measure, "alternatives", []):
            days.add(alt.period.start)
            if alt.period.end is not None:
                days.add(alt.period.end)
    return sorted(d for d in days if d >= data.column1.coverage_from)


@lru_cache(maxsize=8)
def all_claims(data: TariffData) -> list[str]:
    claims = {GENERIC_EXCLUSION_CLAIM}
    for measure in data.measures.values():
        if isinstance(measure, Sec301Exclusion | UsmcaExemption):
            claims.add(measure.claim)
        for alt in getattr(measure, "alternatives", []):
            claims.add(alt.claim)
        if isinstance(measure, Sec232Semiconductors):
            claims.add(measure.periods[0].heading or "")
            claims.add(measure.not_met.heading or "")
    return sorted(c for c in claims if c)


@lru_cache(maxsize=8)
def contradictory_claims(data: TariffData) -> list[tuple[str, str]]:
    """Pairs of claims that cannot both be true (parameters met and not met)."""
    return [
        (m.periods[0].heading or "", m.not_met.heading or "")
        for m in data.measures.values()
        if isinstance(m, Sec232Semiconductors)
    ]


def claim_contradicting_specs(data: TariffData, claims: frozenset[str], item: ItemSpecs) -> str | None:
    """Why a 9903.79.01 / 9903.79.02 declaration contradicts what the catalog specs decide (None if it does not).

    A declaration must not silently win over the item's own figures: the caller refuses the line (fail closed)."""
    for measure in data.measures.values():
        if not isinstance(measure, Sec232Semiconductors):
            continue
        met, not_met = measure.periods[0].heading or "", measure.not_met.heading or ""
        test = check_windows(item, measure.windows)
        if met in claims and test.outcome == "not_met":
            return f"claim {met} declares the note 39(b) parameters met, but the catalog says {test.explanation}"
        if not_met in claims and test.outcome == "meets":
            return (
                f"claim {not_met} declares the note 39(b) parameters not met, but the catalog says {test.explanation}"
            )
    return None


@lru_cache(maxsize=8)
def end_use_keys(data: TariffData) -> list[str]:
    return [e.key for m in data.measures.values() if isinstance(m, Sec232Semiconductors) for e in m.end_uses]


@lru_cache(maxsize=8)
def entry_type_keys(data: TariffData) -> list[str]:
    """Entry types accepted as ``entry_type`` (the de minimis data file lists them)."""
    keys = [e.key for m in data.measures.values() if isinstance(m, DeMinimis) for e in m.entry_types]
    return list(dict.fromkeys(keys))


@lru_cache(maxsize=8)
def value_tested_entry_types(data: TariffData) -> list[str]:
    """Entry types whose exemption depends on the customs value (they need ``value``)."""
    return sorted({m.entry_type for m in data.measures.values() if isinstance(m, DeMinimis)})
