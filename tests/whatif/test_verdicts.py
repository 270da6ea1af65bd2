"""Verdict impact of drafts: per destination and per order-book line, decided by chipclear.determine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipclear.catalog import Catalog, load_catalog
from chipclear.errors import DataFileError
from chipclear.rules import RuleSet
from chipclear.whatif import load_draft
from chipclear.whatif.verdicts import destination_impact, order_book_impact

ORDERS = """order_id,line_id,item,quantity,destination,ship_date,end_user_name,end_user_headquarters_country,value_usd
A,1,A30,10,CN,2027-02-01,Acme Cloud,CN,100000
A,2,A30,4,SA,2027-02-01,Desert AI,SA,50000
B,1,H100,8,DE,2027-02-01,Berlin Labs,DE,300000
B,2,L40,2,VN,2027-02-01,Hanoi Render,VN,
C,1,H2O,1,CN,2027-02-01,Nobody,CN,10
"""


def test_order_book_lines_counts_and_value(tmp_path: Path, rules: RuleSet) -> None:
    book = tmp_path / "orders.csv"
    book.write_text(ORDERS)
    draft = load_draft("tpp-threshold-2400", rules)
    result = order_book_impact(rules, draft.apply(rules), draft.actions, load_catalog(), book)
    assert result["lines"] == 4 and [b["row"] for b in result["bad_rows"]] == [5]
    assert "unknown item 'H2O'" in result["bad_rows"][0]["reason"]
    # A30 and L40 lose ACA. A30 to China would lose NAC (datacenter .a items are excluded from NAC/ACA), but NAC
    # needs the 25-day notification certified, which an order book cannot carry: LICENSE_REQUIRED before and after,
    # presumption of denial both times. The H100 to Germany is unchanged.
    changed = {c["row"]: (c["before"], c["after"]) for c in result["changes"]}
    assert set(changed) == {2, 4}
    assert changed[2][0]["license_exceptions"] == ["ACA"]
    assert changed[2][1]["review_policy"] == "presumption_of_approval"
    assert result["total_value_usd"] == 450_000 and result["changed_value_usd"] == 50_000
    assert result["changed_unpriced_lines"] == 1  # the L40 line has no value: counted, not priced
    assert result["transitions"] == {"LICENSE_EXCEPTION -> LICENSE_REQUIRED": {"lines": 2, "value_usd": 50_000}}
    for change in result["changes"]:
        assert change["why"][0]["rule"] == "draft-tpp-threshold-2400#3A090.a"


def test_destination_impact_small_catalog(rules: RuleSet, small_catalog: Catalog) -> None:
    draft = load_draft("tpp-threshold-2400", rules)
    result = destination_impact(
        rules, draft.apply(rules), draft.actions, small_catalog, dt.date(2027, 1, 1), destinations=["CN", "DE", "SA"]
    )
    got = {
        (c["item"]["id"], c["destination"]): (c["before"]["verdict"], c["after"]["verdict"]) for c in result["changes"]
    }
    # Edge (and the server holding it) become controlled: a license for China (D:5) and Saudi Arabia (D:1/D:4);
    # nothing changes for Germany (A:5). B1 goes from .b (ACA to Saudi Arabia) to datacenter .a (no NAC/ACA); to
    # China it needed a license before too (NAC needs the notification certified, which this view does not assume).
    assert got[("hand-edge", "CN")] == ("NLR", "LICENSE_REQUIRED")
    assert got[("hand-server", "SA")] == ("NLR", "LICENSE_REQUIRED")
    assert got[("hand-b1", "SA")] == ("LICENSE_EXCEPTION", "LICENSE_REQUIRED")
    assert ("hand-b1", "CN") not in got
    assert not any(dest == "DE" for _, dest in got)
    assert ("hand-big", "CN") not in got and ("hand-gamer", "CN") not in got
    assert result["changed"] == len(got) and result["changed_by_destination"] == {"CN": 2, "SA": 3}


def test_diffusion_as_codified_reaches_tier_one_destinations(rules: RuleSet) -> None:
    """Enforced as codified, the diffusion rule needs a license for 3A090.a items even to Germany (AIA aside)."""
    draft = load_draft("ai-diffusion-as-codified", rules)
    result = destination_impact(
        rules, draft.apply(rules), draft.actions, load_catalog(), dt.date(2026, 6, 1), destinations=["DE", "BR"]
    )
    h100 = {c["destination"]: c for c in result["changes"] if c["item"]["id"] == "nvidia-h100-sxm5-80gb"}
    assert h100["BR"]["before"]["verdict"] == "NLR" and h100["BR"]["after"]["verdict"] == "LICENSE_REQUIRED"
    assert h100["BR"]["after"]["review_policy"] == "presumption_of_approval"  # Tier 2, allocation not tracked
    assert any(w["rule"] == "draft-ai-diffusion-enforced#742.6(a)(6)(iii)(A)" for w in h100["BR"]["why"])
    assert h100["DE"]["after"]["verdict"] in ("LICENSE_EXCEPTION", "LICENSE_REQUIRED")


def test_deciding_once_per_key_equals_deciding_every_line(tmp_path: Path, rules: RuleSet) -> None:
    """The order-book impact decides each distinct key (the line's facts and its date) once; the answer must be the
    one deciding every line on its own ship date gives, its parties screened as ``chipclear check`` screens them,
    and a changed line's texts are its own date's (an audit found texts naming the first day of a period)."""
    from chipclear.batch.synthetic import generate_orders, write_orders
    from chipclear.determination import determine
    from chipclear.geography import load_geography
    from chipclear.screening import default_screener
    from chipclear.whatif.verdicts import (
        ScreenedOnce,
        _table,
        decide_order_lines,
        order_lines,
        screen_lines,
        summary,
    )

    book = tmp_path / "book.csv"
    write_orders(generate_orders(400, seed=3, start=dt.date(2022, 6, 1), end=dt.date(2027, 6, 30)), str(book))
    draft = load_draft("ai-diffusion-as-codified", rules)
    drafted = draft.apply(rules)
    cat = load_catalog()
    result = order_book_impact(rules, drafted, draft.actions, cat, book)
    assert result["distinct_decisions"] <= result["lines"]
    changed = {c["row"]: (c["before"], c["after"]) for c in result["changes"]}
    geo = load_geography()
    screener = ScreenedOnce(default_screener())
    lines, _ = screen_lines(order_lines(book, cat, geo)[0], screener)
    assert not all(screener.clean(p) for _, line in lines for p in line.parties)  # listed names and variants
    tables = (_table(rules, cat, geo, "enforced"), _table(drafted, cat, geo, "enforced"))
    decided, _ = decide_order_lines(lines, tables, screener)
    for (row, line), (_, _, _, before, after) in zip(lines, decided, strict=True):
        b, a = (
            summary(determine(line, layer="enforced", rules=r, catalog=cat, screener=screener, geography=geo))
            for r in (rules, drafted)
        )
        assert (summary(before), summary(after)) == (b, a), row
        if b != a:  # a changed line's texts (its "why") are its own date's
            full = determine(line, layer="enforced", rules=rules, catalog=cat, screener=screener, geography=geo)
            assert before.model_dump(exclude={"decided_at"}) == full.model_dump(exclude={"decided_at"}), row
        if b == a:
            assert row not in changed, row
        else:
            assert changed[row] == (b, a), row
    assert changed  # the diffusion draft changes some lines after 2025-05-15


COUNTRY_DRAFT = """
id: draft-br-like-d1
kind: draft
title: "HYPOTHETICAL: Brazil treated like a D:1 destination for 3A090/4A090"
citation: "DRAFT (not law): test"
effective: 2027-01-01
confidence: L
source: test
licensing:
  citation: "DRAFT (not law)"
  confidence: L
  requirements:
  - id: draft-br-license
    kind: destination
    text: "HYPOTHETICAL: license required for 3A090/4A090 to Brazil"
    citation: "DRAFT (not law)"
    confidence: L
    when:
      eccn_in: ["3A090", "4A090"]
      destination_in: {countries: [BR]}
"""


def test_user_draft_moving_a_country(tmp_path: Path, rules: RuleSet, small_catalog: Catalog) -> None:
    """Country groups are geography data, not rule files: a draft moves a country by naming it in a requirement."""
    path = tmp_path / "br.yaml"
    path.write_text(COUNTRY_DRAFT)
    draft = load_draft(path, rules)
    result = destination_impact(
        rules, draft.apply(rules), draft.actions, small_catalog, dt.date(2027, 1, 1), destinations=["BR", "DE"]
    )
    got = {(c["item"]["id"], c["destination"]): c for c in result["changes"]}
    assert set(got) == {("hand-b1", "BR"), ("hand-big", "BR")}  # the two items controlled today
    big = got[("hand-big", "BR")]
    assert (big["before"]["verdict"], big["after"]["verdict"]) == ("NLR", "LICENSE_REQUIRED")
    assert big["why"][0]["rule"] == "draft-br-like-d1#draft-br-license"
    path.write_text(COUNTRY_DRAFT.replace("countries: [BR]", "countries: [XX]"))
    bad = load_draft(path, rules)
    with pytest.raises(DataFileError, match=r"br\.yaml: licensing: unknown country code 'XX'"):
        destination_impact(rules, bad.apply(rules), bad.actions, small_catalog, dt.date(2027, 1, 1))


def test_diffusion_draft_reproduces_the_codified_layer(rules: RuleSet) -> None:
    """'As codified versus as enforced': the enforced rules plus the diffusion draft decide like the codified layer
    (away from items named by notices, letters and guidance, which the codified layer leaves out by design)."""
    from chipclear.decision import OrderLine, Party
    from chipclear.determination import determine
    from chipclear.determination.history import NoScreening
    from chipclear.determination.merge import NOT_CODIFIED
    from chipclear.geography import load_geography
    from chipclear.models import load_models
    from chipclear.whatif.verdicts import summary

    draft = load_draft("ai-diffusion-as-codified", rules)
    drafted = draft.apply(rules)
    named = {
        item
        for action in rules.actions
        if action.kind in NOT_CODIFIED and action.licensing
        for req in action.licensing.requirements
        for item in req.when.items or []
    }
    cat, geo, day = load_catalog(), load_geography(), dt.date(2026, 6, 1)
    compared = 0
    for item in cat.items():
        if item.id in named:
            continue
        for dest in ("DE", "BR", "SG", "AE", "VN", "SA"):
            line = OrderLine(
                item=item.id,
                destination=dest,
                ship_date=day,
                parties=[Party(name="end user", role="end_user", country=dest, headquarters_country=dest)],
            )
            as_if = determine(line, layer="enforced", rules=drafted, catalog=cat, screener=NoScreening(), geography=geo)
            codified = determine(
                line, layer="codified", rules=rules, catalog=cat, screener=NoScreening(), geography=geo
            )
            assert summary(as_if) == summary(codified), (item.id, dest)
            compared += 1
    assert compared >= 250  # items named by letters/notices (2022-08, 2023-10-23, 2025) are left out above
    # Model weights (4E091) too: the draft carries the rule file's model_classification section (the 4E091 audit,
    # 2026-12-07, found it copied only licensing, so no model line changed in the what-if).
    models = load_models()
    restricted = 0
    for model in models.all():
        for dest, hq in (("CN", "CN"), ("GB", "GB"), ("BR", "BR"), ("DE", "CN")):
            line = OrderLine(
                item=model.id,
                destination=dest,
                ship_date=day,
                parties=[Party(name="end user", role="end_user", country=dest, headquarters_country=hq)],
            )
            as_if = determine(
                line, layer="enforced", rules=drafted, catalog=cat, models=models, screener=NoScreening(), geography=geo
            )
            codified = determine(
                line, layer="codified", rules=rules, catalog=cat, models=models, screener=NoScreening(), geography=geo
            )
            assert summary(as_if) == summary(codified), (model.id, dest, hq)
            restricted += summary(codified)["verdict"] == "LICENSE_REQUIRED"
    assert restricted >= 4  # e.g. Grok 3 to CN: the comparison covers lines the codified layer restricts
