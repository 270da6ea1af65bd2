"""Findings of the rules audit of 2026-12-07 against ../shared/reference: confidence marks that said more than the
sources (the UAE .a tier is chipclear's reading, L; the UAE in D:3 before 2026-06-20 is marked "L, conflict"; Hong
Kong's treatment as China is H for the rule and date but M for its effect on the groups)."""

from __future__ import annotations

import datetime as dt

from chipclear.decision import OrderLine, Party
from chipclear.determination import determine
from chipclear.geography import load_geography


def _uae(item: str) -> dict[str, str | None]:
    party = Party(name="Example End User Ltd", role="end_user", headquarters_country="AE")
    line = OrderLine(item=item, destination="AE", ship_date=dt.date(2026, 8, 1), parties=[party])
    decision = determine(line)
    assert decision.verdict.value == "LICENSE_REQUIRED", item
    return {r.rule.split("#", 1)[1]: r.confidence for r in decision.reasons if "uae-named#742.6(a)" in r.rule}


def test_the_uae_b_tier_is_read_in_the_ecfr_line_and_the_a_tier_is_chipclears_reading() -> None:
    assert _uae("nvidia-a30") == {"742.6(a)(6)(iii)-uae": "M"}  # 3A090.b: named on the eCFR line
    assert _uae("H100") == {"742.6(a)(6)(iii)-uae-a-tier": "L"}  # 3A090.a: inferred from the guidance


def test_group_marks_follow_the_reference() -> None:
    geo = load_geography()
    assert geo.member("AE", "D:3", dt.date(2026, 6, 1)).confidence == "L"  # country-groups.md: "L, conflict"
    _, note = geo.resolve("HK", dt.date(2025, 1, 1))
    assert note and note.endswith("; M]") and "page not verified" in note


def test_the_october_2022_reading_of_3a090_as_paragraph_a_only_is_in_the_trace() -> None:
    from chipclear.classification import classify

    def caveats(day: dt.date) -> list[str]:
        return [r.confidence or "" for r in classify("A30", day).trace if r.rule.endswith("#3A090-paragraphs@R1")]

    assert caveats(dt.date(2023, 6, 1)) == ["M"]  # R1 in force: said once
    assert caveats(dt.date(2023, 11, 17)) == []  # R3 replaced the paragraphs
    system = classify("nvidia-hgx-h100-8gpu", dt.date(2023, 6, 1))
    assert any(r.rule.endswith("#3A090-paragraphs@R1") for r in system.trace)
    party = Party(name="Example Co", role="end_user", headquarters_country="CN")
    decision = determine(OrderLine(item="A30", destination="CN", ship_date=dt.date(2023, 6, 1), parties=[party]))
    assert any(r.rule.endswith("#3A090-paragraphs@R1") for r in decision.reasons)


def test_a_date_before_the_data_is_held_at_every_door(tmp_path: object) -> None:
    """Door audits (2026-12-07): H100 to Iran on 2018-06-01 was NLR (the embargo data starts 2019-01-01), and a
    batch line dated 1970 to an Entity-Listed party too; only the API refused such dates."""
    from pathlib import Path

    import polars as pl

    from chipclear.batch import BatchOptions, run_batch
    from chipclear.rules import load_rules

    assert load_rules().coverage_start == dt.date(2019, 1, 1)  # the embargo and list baselines
    early = determine(OrderLine(item="H100", destination="IR", ship_date=dt.date(2018, 6, 1)))
    assert early.verdict.value == "HOLD"
    assert early.missing == ["the rules in force on 2018-06-01 (chipclear's data starts 2019-01-01)"]
    assert determine(OrderLine(item="H100", destination="IR", ship_date=dt.date(2019, 1, 1))).missing == []
    crimea = determine(OrderLine(item="H100", destination="UA-43", ship_date=dt.date(2016, 6, 1)))
    assert crimea.verdict.value == "LICENSE_REQUIRED" and crimea.missing  # what is known stands
    rows = [
        {"order_id": "A", "item": "H20", "destination": "CN", "ship_date": "1970-01-01"},
        {"order_id": "B", "item": "H100", "destination": "RU", "ship_date": "2001-05-05"},
        {"order_id": "C", "item": "H100", "destination": "DE", "ship_date": "2019-01-02"},
    ]
    orders = Path(str(tmp_path)) / "early.csv"
    pl.DataFrame(rows).write_csv(orders)
    result = run_batch(BatchOptions(orders=orders, out=orders.with_suffix(".parquet"), verify=len(rows)))
    got = pl.read_parquet(result.out).sort("row")
    assert got["verdict"].to_list()[:2] == ["HOLD", "HOLD"]
    assert got["verdict"].to_list()[2] != "HOLD"


def test_the_mi250_notice_day_is_held_between_the_nvidia_letter_and_amds_statement() -> None:
    def verdict(day: dt.date) -> str:
        return determine(OrderLine(item="MI250", destination="CN", ship_date=day)).verdict.value

    days = [dt.date(2022, 8, 25), dt.date(2022, 8, 26), dt.date(2022, 8, 30), dt.date(2022, 8, 31)]
    assert [verdict(d) for d in days] == ["NLR", "HOLD", "HOLD", "LICENSE_REQUIRED"]
