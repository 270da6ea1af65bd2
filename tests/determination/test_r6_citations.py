"""The enforced layer cites the paragraphs that hold its requirements and review policies on the decision date.

The AI diffusion rule (90 FR 4544, effective 2025-01-13; not enforced in the enforced layer, which keeps the rules
before it) renumbered 15 CFR 742.6 and 744.23 (reference regulations.md 3.1 l.129-130, 3.2 l.141-146, 3.3 l.158,
3.4 l.171, H; the CCL lines of the eCFR of 2026-07-23 still point to 742.6(a)(6)(iii)(A)/(B), so the 2026-01-15
rule did not move them):
- the destination requirement 742.6(a)(6)(iii): (iii)(A) for .a items, (iii)(B) for .b items;
- its review policies 742.6(b)(10)(ii): denial in (b)(10)(iii)(A)(1) for .a items, (b)(10)(iv) for .b items;
  approval in (b)(10)(iv) for .b items, and for .a items nowhere (the citation says so);
- the headquartered rule's policy 744.23(d)(1): (b)(10)(iii)(A)(1) for .a items (the requirement moved to
  742.6(a)(6)(iii)(A)), 744.23(d)(1) as read after R6 for .b items.
The verdicts do not change. The compiled table and the batch cite as ``determine()`` does; ``check`` shows it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
from typer.testing import CliRunner

from chipclear.catalog import load_catalog
from chipclear.cli import app
from chipclear.decision import Decision, OrderLine, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.engine import determine
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import RuleSet, load_rules

AC = "2023-11-17_88FR73458_ac-s-ifr"
DEST = "2024-12-02_89FR96790_fdp-hbm#742.6(a)(6)(iii)"
DENIAL = f"{AC}#742.6(b)(10)(ii)-denial"
APPROVAL = f"{AC}#742.6(b)(10)(ii)-approval"
HQ_POLICY = "2024-04-04_89FR23876_corrections#744.23(d)(1)-hq"

DEST_OLD = "15 CFR 742.6(a)(6)(iii) (eCFR-mirror@4464eaa6)"
DEST_A = "15 CFR 742.6(a)(6)(iii)(A) (90 FR 4544; eCFR-mirror@6982e107; CCL 3A090/4A090 RS lines, eCFR 2026-07-23)"
DEST_B = "15 CFR 742.6(a)(6)(iii)(B) (90 FR 4544; eCFR-mirror@6982e107; CCL 3A090/4A090 RS lines, eCFR 2026-07-23)"
POLICY_OLD = "15 CFR 742.6(b)(10)(ii) (eCFR-mirror@2c9f73e7; assumed unchanged from 2023-11-17)"
DENIAL_A = "15 CFR 742.6(b)(10)(iii)(A)(1) (90 FR 4544; eCFR-mirror@6982e107)"
POLICY_B = "15 CFR 742.6(b)(10)(iv) (90 FR 4544; eCFR-mirror@6982e107)"
APPROVAL_A = (
    "15 CFR 742.6(b)(10)(ii) as read before 2025-01-13 (eCFR-mirror@2c9f73e7); from 90 FR 4544 the text holds no"
    " such policy for the .a tier (742.6(b)(10)(iii), eCFR-mirror@6982e107)"
)
HQ_OLD = "15 CFR 744.23(d)(1) (eCFR-mirror@2c9f73e7)"
HQ_B = "15 CFR 744.23(d)(1) (90 FR 4544; eCFR-mirror@6982e107)"

BEFORE = dt.date(2025, 1, 12)
AFTER = (dt.date(2025, 1, 13), dt.date(2025, 7, 1), dt.date(2026, 6, 15))  # the last after the 2026-01-15 rule

# (item, destination, end user's headquarters) -> {rule: (citation before, citation after)}
CASES: dict[tuple[str, str, str | None], dict[str, tuple[str, str]]] = {
    ("H100", "CN", "CN"): {DEST: (DEST_OLD, DEST_A), DENIAL: (POLICY_OLD, DENIAL_A)},  # 3A090.a
    ("nvidia-dgx-h100", "CN", "CN"): {DEST: (DEST_OLD, DEST_A), DENIAL: (POLICY_OLD, DENIAL_A)},  # 4A090.a
    ("nvidia-a30", "CN", "CN"): {DEST: (DEST_OLD, DEST_B), DENIAL: (POLICY_OLD, POLICY_B)},  # 3A090.b
    ("H100", "VN", "VN"): {DEST: (DEST_OLD, DEST_A), APPROVAL: (POLICY_OLD, APPROVAL_A)},
    # no end user: the approval "could apply" given the headquarters (the policy's reason)
    ("nvidia-a30", "VN", None): {DEST: (DEST_OLD, DEST_B), APPROVAL: (POLICY_OLD, POLICY_B)},
    ("H100", "SG", "CN"): {HQ_POLICY: (HQ_OLD, DENIAL_A)},  # the headquartered rule, .a
    ("nvidia-a30", "SG", "CN"): {HQ_POLICY: (HQ_OLD, HQ_B)},  # the headquartered rule, .b
}


def _line(item: str, destination: str, hq: str | None, day: dt.date) -> OrderLine:
    parties = [Party(name="Example End User Ltd", role="end_user", headquarters_country=hq, country=destination)]
    return OrderLine(item=item, destination=destination, ship_date=day, parties=parties if hq else [])


def _cited(d: Decision, rule: str) -> list[str]:
    return [r.citation for r in d.reasons if r.rule == rule]


def _plain(d: Decision) -> dict[str, Any]:
    return d.model_dump(mode="json", exclude={"decided_at"})


def test_each_requirement_and_policy_cites_the_paragraph_then_in_force() -> None:
    for (item, destination, hq), rules in CASES.items():
        before = determine(_line(item, destination, hq, BEFORE))
        for rule, (old, _) in rules.items():
            assert _cited(before, rule) == [old], (item, destination, rule, BEFORE)
        for day in AFTER:
            after = determine(_line(item, destination, hq, day))
            assert after.verdict == before.verdict and after.review_policy == before.review_policy, (item, day)
            for rule, (_, new) in rules.items():
                assert _cited(after, rule) == [new], (item, destination, rule, day)
    # the codified layer has the diffusion rule's own requirements and policies, with their own paragraphs
    d = determine(_line("H100", "CN", "CN", dt.date(2025, 7, 1)), layer="codified")
    assert not _cited(d, DEST) and not _cited(d, DENIAL)
    assert _cited(d, "2025-01-13_90FR4544_ai-diffusion#742.6(b)(10)(iii)(A)(1)") == [
        "15 CFR 742.6(b)(10)(iii)(A)(1) (eCFR-mirror@6982e107)"
    ]


def test_the_review_policy_depending_on_the_headquarters_cites_the_paragraph_then_in_force() -> None:
    d = determine(_line("nvidia-a30", "VN", None, dt.date(2025, 7, 1)))
    assert _cited(d, "review-policy#742.6(a)(6)(iii)") == [POLICY_B]
    d = determine(_line("nvidia-a30", "VN", None, BEFORE))
    assert _cited(d, "review-policy#742.6(a)(6)(iii)") == [POLICY_OLD]


def test_an_item_of_either_tier_cites_both_paragraphs() -> None:
    d = determine(_line("amd-mi210", "CN", "CN", dt.date(2025, 7, 1)))  # .a or .b: performance density not known
    assert _cited(d, DEST) == [f"{DEST_A}; {DEST_B}"]


def test_the_compiled_table_cites_as_the_engine() -> None:
    rules = load_rules()
    table = DecisionTable.for_current(layer="enforced", cache=False)
    for (item, destination, hq), cited in CASES.items():
        for day in (dt.date(2024, 12, 20), BEFORE, *AFTER):  # rows shared between periods on either side
            line = _line(item, destination, hq, day)
            got = table.decide(line)
            assert _plain(got) == _plain(determine(line, rules=rules)), (item, destination, day)
            for rule, (old, new) in cited.items():
                assert _cited(got, rule) == [old if day <= BEFORE else new], (item, destination, rule, day)


def _only_policies_renumbered() -> RuleSet:
    """The rules without the diffusion rule and without the requirements' ``renumbered``: from 2025-01-13 only the
    review policies' citations change."""
    full = load_rules()
    actions = []
    for action in full.actions:
        if action.id == "2025-01-13_90FR4544_ai-diffusion":
            continue
        if action.licensing is not None and any(r.renumbered for r in action.licensing.requirements):
            plain = [r.model_copy(update={"renumbered": []}) for r in action.licensing.requirements]
            action = action.model_copy(
                update={"licensing": action.licensing.model_copy(update={"requirements": plain})}
            )
        actions.append(action)
    return RuleSet(actions, [full.version, "policies-only"])


def test_a_row_is_not_shared_across_a_policy_renumbering_alone() -> None:
    """A row compiled before 2025-01-13 must not be shared after it when only a review policy moved there
    (``DecisionTable._applied_state``)."""
    rules = _only_policies_renumbered()
    table = DecisionTable(rules, load_catalog(), load_geography(), "enforced", load_models())
    for day in (dt.date(2025, 1, 10), dt.date(2025, 1, 14), dt.date(2025, 1, 20)):  # in this order
        for item in ("H100", "nvidia-a30"):
            line = _line(item, "CN", "CN", day)
            want = determine(line, rules=rules)
            assert _plain(table.decide(line)) == _plain(want), (item, day)
    assert table.shared > 0  # 2025-01-20 shares 2025-01-14's rows: rows are shared, but not across the move
    assert _cited(determine(_line("H100", "CN", "CN", dt.date(2025, 1, 20)), rules=rules), DENIAL) == [DENIAL_A]


BOOK = """item,quantity,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country
H100,1,CN,2025-01-12,Example End User Ltd,CN,CN
H100,1,CN,2025-07-01,Example End User Ltd,CN,CN
nvidia-a30,1,CN,2025-07-01,Example End User Ltd,CN,CN
H100,1,SG,2025-07-01,Example End User Ltd,SG,CN
nvidia-a30,1,SG,2026-06-15,Example End User Ltd,SG,CN
"""


def test_the_batch_cites_as_the_engine(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CHIPCLEAR_LISTS_DIR", str(tmp_path / "lists"))
    book = tmp_path / "book.csv"
    book.write_text(BOOK)
    out = tmp_path / "out.parquet"
    done = CliRunner().invoke(app, ["batch", str(book), "--out", str(out), "--no-screening", "--json"])
    assert done.exit_code == 0, done.stdout
    rows = pl.read_parquet(out).to_dicts()
    assert len(rows) == 5
    want = [
        {DEST: DEST_OLD, DENIAL: POLICY_OLD},
        {DEST: DEST_A, DENIAL: DENIAL_A},
        {DEST: DEST_B, DENIAL: POLICY_B},
        {HQ_POLICY: DENIAL_A},
        {HQ_POLICY: HQ_B},
    ]
    for row, expected in zip(rows, want, strict=True):
        reasons = row["reasons"] if isinstance(row["reasons"], list) else json.loads(row["reasons"])
        for rule, citation in expected.items():
            assert [r["citation"] for r in reasons if r["rule"] == rule] == [citation], (row["item"], rule)


def test_check_shows_the_paragraph_then_in_force() -> None:
    runner = CliRunner()
    args = ["check", "--item", "H100", "--to", "CN", "--end-user-hq", "CN", "--date"]
    text = runner.invoke(app, [*args, "2025-07-01"], env={"COLUMNS": "400"}).stdout
    assert "742.6(a)(6)(iii)(A)" in text and "742.6(b)(10)(iii)(A)(1)" in text
    assert "742.6(b)(10)(ii)" not in text
    data = json.loads(runner.invoke(app, [*args, "2025-07-01", "--json"]).stdout)
    assert [r["citation"] for r in data["reasons"] if r["rule"] == DENIAL] == [DENIAL_A]
    old = runner.invoke(app, [*args, "2025-01-12"], env={"COLUMNS": "400"}).stdout
    assert "742.6(b)(10)(ii)" in old and "742.6(b)(10)(iii)(A)(1)" not in old


def test_the_end_use_policy_cites_744_23_d_1_from_its_split() -> None:
    """The presumption of denial for the 744.23(a)(1)/(a)(2) end uses to Macau/D:5 stood in 744.23(d) undivided
    until 89 FR 23876 split it on 2024-04-04 (regulations.md 3.4 l.170-171, H): (d)(1) from then on, in both layers,
    and the compiled table cites as the engine."""
    from chipclear.decision import EndUse

    rule = f"{AC}#744.23(d)-macau-d5"
    old, new = "15 CFR 744.23(d) (eCFR-mirror@72c1e582)", "15 CFR 744.23(d)(1) (89 FR 23876; eCFR-mirror@2c9f73e7)"
    rules = load_rules()
    for layer in ("enforced", "codified"):
        table = DecisionTable.for_current(layer=layer, cache=False)
        for day, expected in (
            (dt.date(2024, 3, 1), old),
            (dt.date(2024, 4, 3), old),
            (dt.date(2024, 4, 4), new),
            (dt.date(2025, 7, 1), new),
            (dt.date(2026, 6, 15), new),
        ):
            line = OrderLine(item="H20", destination="CN", ship_date=day, end_use=EndUse(supercomputer=True))
            got = determine(line, layer=layer, rules=rules)
            assert _cited(got, rule) == [expected], (layer, day)
            assert _plain(table.decide(line)) == _plain(got), (layer, day)
