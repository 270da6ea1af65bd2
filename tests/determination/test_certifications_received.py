"""A certification the exporter states is never dropped in silence (audit A5: ``--certify nac-740.8-notification``
on a line where NAC cannot apply was ignored). Where no rule read it for the line's outcome, the decision says it
was received and why it does not apply, citing the rule that asks for it; the verdict is the one the line has
without it. Where it carries the line (NAC, the R10 review policy), no such reason is added. The compiled table
answers the same (``test_compiled_equivalence.py`` sweeps every certification over every period)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.decision import Decision, OrderLine, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.rules import load_rules

NAC = "nac-740.8-notification"
R10 = "r10-conditions"


def _line(item: str, to: str, day: str, certs: list[str], **more: object) -> OrderLine:
    return OrderLine(item=item, destination=to, ship_date=dt.date.fromisoformat(day), certifications=certs, **more)


def _noted(d: Decision, code: str) -> list[str]:
    return [f"{r.citation} | {r.detail}" for r in d.reasons if r.rule == f"certifications#{code}"]


def _same_but_noted(with_cert: Decision, without: Decision) -> None:
    """The verdict and everything else the line has without the certification; only the notes are added."""
    assert (with_cert.verdict, with_cert.review_policy, with_cert.license_exceptions) == (
        without.verdict,
        without.review_policy,
        without.license_exceptions,
    )
    kept = [r for r in with_cert.reasons if not r.rule.startswith("certifications#")]
    assert kept == without.reasons


def test_nac_certified_before_any_rule_asks_for_it_is_noted() -> None:
    """The audit's line: H100 to China on 2020-01-01 is NLR (before 3A090); the NAC certification is received
    and no rule in force then asks for it: the note cites 740.8 and the actions that ask for it, with their dates."""
    line = _line("H100", "CN", "2020-01-01", [NAC])
    d = determine(line)
    _same_but_noted(d, determine(line.model_copy(update={"certifications": []})))
    assert d.verdict.value == "NLR"
    (note,) = _noted(d, NAC)
    assert "740.8" in note.split(" | ")[0]
    assert f"certification {NAC} received" in note and "no rule in force on 2020-01-01 (enforced layer)" in note
    assert "effective 2023-11-17" in note and "effective 2024-04-04" in note


def test_nac_certified_for_an_item_nac_does_not_cover_is_noted() -> None:
    """H100 to China in 2025: a license is required (presumption of denial); NAC excludes a datacenter 3A090.a
    item, and the note says so with NAC's citation and text."""
    line = _line("H100", "CN", "2025-06-02", [NAC])
    d = determine(line)
    _same_but_noted(d, determine(line.model_copy(update={"certifications": []})))
    assert d.verdict.value == "LICENSE_REQUIRED"
    (note,) = _noted(d, NAC)
    assert note.startswith("15 CFR 740.8") and "is not eligible" in note and "3A090.a" in note


def test_nac_certified_where_no_requirement_applies_is_noted() -> None:
    """RTX 4090 to Germany: NLR; NAC overcomes only the D:5 requirements, none of which applies."""
    line = _line("RTX 4090", "DE", "2024-06-03", [NAC], parties=[Party(name="Acme GmbH", headquarters_country="DE")])
    d = determine(line)
    _same_but_noted(d, determine(line.model_copy(update={"certifications": []})))
    assert d.verdict.value == "NLR"
    (note,) = _noted(d, NAC)
    assert "overcomes only 742.6(a)(6)(iii)" in note and "no license requirement applies to this line" in note


def test_a_certification_that_carries_the_line_is_not_noted() -> None:
    """NAC certified for an RTX 4090 to China after the split is the exception the line ships under; the R10
    certification on an H200 to China exported from the US sets its review policy. Neither is noted."""
    nac = determine(_line("RTX 4090", "CN", "2024-06-03", [NAC]))
    assert nac.verdict.value == "LICENSE_EXCEPTION" and not _noted(nac, NAC)
    r10 = determine(_line("H200", "CN", "2026-03-02", [R10], export_from="US"))
    assert r10.review_policy is not None and r10.review_policy.value == "case_by_case" and not _noted(r10, R10)


def test_a_review_policy_certification_that_is_not_read_is_noted() -> None:
    """R10 certified on an H200 to Germany (no license required), and on an H100 to China before the H200 rule."""
    de = _line(
        "H200", "DE", "2026-03-02", [R10], export_from="US", parties=[Party(name="Acme", headquarters_country="DE")]
    )
    d = determine(de)
    _same_but_noted(d, determine(de.model_copy(update={"certifications": []})))
    (note,) = _noted(d, R10)
    assert note.startswith("91 FR 1684") and "742.6(b)(10)-r10-case-by-case" in note and "not required" in note
    early = determine(_line("H100", "CN", "2025-06-02", [R10], export_from="US"))
    (note,) = _noted(early, R10)
    assert "no rule in force on 2025-06-02" in note and "effective 2026-01-15" in note


@pytest.mark.parametrize("layer", ["enforced", "codified"])
def test_every_certification_every_period_compiled_as_interpreted(layer: str) -> None:
    """Every certification code alone on three items to China and Germany on a day of every period: the compiled
    table (rows shared across periods) writes the same notes as ``determine()``."""
    rules = load_rules()
    table = DecisionTable.for_current(layer=layer, cache=False)  # type: ignore[arg-type]
    days = [table.representative(p) for p in range(len(table.period_boundaries()) + 1)]
    codes = sorted(table.certifications)
    problems, notes = [], 0
    for n, day in enumerate(days):
        for item in ("H100", "RTX 4090", "H200"):
            for to in ("CN", "DE"):
                code = codes[(n + len(to)) % len(codes)]
                line = OrderLine(item=item, destination=to, ship_date=day, certifications=[code], export_from="US")
                want = determine(line, layer=layer, rules=rules).model_dump(mode="json", exclude={"decided_at"})
                got = table.decide(line).model_dump(mode="json", exclude={"decided_at"})
                if want != got:
                    problems.append(f"{item} {to} {day} {code}")
                notes += any(r["rule"].startswith("certifications#") for r in got["reasons"])
    assert not problems, problems[:5]
    assert notes > len(days)  # most lines noted their certification


def test_cli_check_json_and_table_show_the_note() -> None:
    args = ["check", "--item", "H100", "--to", "CN", "--date", "2020-01-01", "--certify", NAC]
    out = CliRunner().invoke(app, [*args, "--json"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["verdict"] == "NLR" and any(r["rule"] == f"certifications#{NAC}" for r in d["reasons"])
    table = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert table.exit_code == 0 and f"certification {NAC} received" in " ".join(table.output.split())
