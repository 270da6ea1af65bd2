"""China's additional duties on US goods (SCTC announcements) and the wafer-fab origin rule for ICs."""

from __future__ import annotations

import datetime as dt

import pytest

from chipclear.errors import InputError
from chipclear.tariffs import china_duty


@pytest.mark.parametrize(
    ("hs", "date", "status", "rate", "rng"),
    [
        ("8542.32", "2025-04-11", "determined", 84.0, (84.0, 84.0)),  # Nos. 4 + 5
        ("8542.32", "2025-04-15", "determined", 125.0, (125.0, 125.0)),  # + No. 6; memory excluded from the waiver
        ("8542.31", "2025-04-15", "indeterminate", None, (0.0, 125.0)),  # reported, unpublished IC waiver
        ("8542.32", "2025-06-01", "determined", 10.0, (10.0, 10.0)),  # Geneva: 24 points suspended
        # Whether the IC waiver survived the May 14 reduction is UNCONFIRMED (tariffs.md §5, §7 item 9): still open.
        ("8542.31", "2025-05-14", "indeterminate", None, (0.0, 10.0)),
        ("8542.31", "2025-06-01", "indeterminate", None, (0.0, 10.0)),
        ("8542.31", "2025-11-10", "indeterminate", None, (0.0, 10.0)),
        ("8542.31", "2026-03-01", "indeterminate", None, (0.0, 10.0)),
        ("8471.50", "2025-12-01", "determined", 10.0, (10.0, 10.0)),  # one-year extension from 2025-11-10
        ("8471.50", "2026-12-01", "indeterminate", None, (0.0, 34.0)),  # after the one-year suspension: open
    ],
)
def test_china_additional_duty_on_us_goods(hs: str, date: str, status: str, rate: float | None, rng: tuple) -> None:  # type: ignore[type-arg]
    data = china_duty(hs, "US", dt.date.fromisoformat(date)).to_json()
    assert data["status"] == status and data["additional_rate"] == rate
    assert (data["additional_rate_range"]["low"], data["additional_rate_range"]["high"]) == rng
    assert all(line["citation"].endswith("]") for line in data["lines"])


def test_ic_waiver_question_stays_open_after_the_may_14_reduction() -> None:
    for day in (dt.date(2025, 4, 15), dt.date(2025, 5, 14), dt.date(2025, 11, 10)):
        data = china_duty("8542.31", "US", day).to_json()
        (waiver,) = [u for u in data["unknowns"] if u["id"] == "cn-ic-waiver-2025-04"]
        assert waiver["confidence"] == "UNCONFIRMED" and waiver["range"]["low"] == 0.0
        assert all(line["confidence"] == "UNCONFIRMED" and line["rate"] is None for line in data["lines"])
    after = china_duty("8542.31", "US", dt.date(2025, 6, 1)).to_json()
    assert "survived" in after["unknowns"][0]["question"] and after["unknowns"][0]["range"]["high"] == 10.0


def test_post_scotus_status_is_low_confidence() -> None:
    data = china_duty("8471.50", "US", dt.date(2026, 3, 1)).to_json()
    assert data["lines"][0]["confidence"] == "L" and data["lines"][0]["low_confidence"]


def test_wafer_fab_rule_moves_ic_origin_but_never_guesses() -> None:
    fabbed_in_tw = china_duty("8542.31", "US", dt.date(2025, 4, 15), wafer_fab="TW")
    assert fabbed_in_tw.china_origin == "TW" and fabbed_in_tw.to_json()["additional_rate"] == 0
    assert "CSIA" in fabbed_in_tw.notes[0] or "Semiconductor Industry Association" in fabbed_in_tw.notes[0]
    fabbed_in_us = china_duty("8542.32", "TW", dt.date(2025, 4, 15), wafer_fab="US")
    assert fabbed_in_us.china_origin == "US" and fabbed_in_us.to_json()["additional_rate"] == 125.0
    undeclared = china_duty("8542.31", "US", dt.date(2025, 6, 1))
    assert undeclared.china_origin == "US" and "give wafer_fab" in undeclared.notes[0]
    board = china_duty("8473.30", "US", dt.date(2025, 6, 1), wafer_fab="TW")
    assert board.china_origin == "US"


def test_bad_hs_and_country() -> None:
    with pytest.raises(InputError, match="hs"):
        china_duty("85x", "US", dt.date(2025, 6, 1))
    with pytest.raises(InputError, match="wafer_fab"):
        china_duty("8542.31", "US", dt.date(2025, 6, 1), wafer_fab="ZZ")


@pytest.mark.parametrize("hs", ["8542.31", "8542.33", "8542.39", "8542.90", "8542", "8542.39.0000"])
@pytest.mark.parametrize(("date", "high"), [("2025-04-15", 125.0), ("2025-06-01", 10.0)])
def test_ic_waiver_is_open_for_every_ic_code_but_memory(hs: str, date: str, high: float) -> None:
    """tariffs.md §5, §7 item 9: the 8 waived IC codes were never published; only memory (HS 854232) is excluded."""
    data = china_duty(hs, "US", dt.date.fromisoformat(date)).to_json()
    assert data["status"] == "indeterminate" and data["additional_rate_range"] == {"low": 0.0, "high": high}
    assert all(line["low_confidence"] for line in data["lines"])
    assert [u["id"] for u in data["unknowns"]] == ["cn-ic-waiver-2025-04"]


@pytest.mark.parametrize(("date", "rate"), [("2025-04-15", 125.0), ("2025-06-01", 10.0)])
def test_ic_waiver_excludes_memory(date: str, rate: float) -> None:
    data = china_duty("8542.32", "US", dt.date.fromisoformat(date)).to_json()
    assert data["status"] == "determined" and data["additional_rate"] == rate


# --- audit A8 items 4-6: never "0% determined" for what the data does not cover or the user did not give


@pytest.mark.parametrize(
    ("hs", "date", "field"),
    [
        ("2701.12", "2025-03-01", "hs"),  # coal: Feb-2025 Announcement No. 2 (tariffs.md line 79), not in the data
        ("8703.24", "2025-06-01", "hs"),  # cars: same
        ("9999.99", "2025-06-01", "hs"),
        ("8471.50", "2019-06-01", "entry_date"),  # before SCTC No. 4 (2025-04-10): the data starts there
        ("8542.32", "2025-04-09", "entry_date"),
        ("8542.31", "2017-01-01", "entry_date"),
    ],
)
def test_goods_and_dates_outside_the_data_are_refused(hs: str, date: str, field: str) -> None:
    with pytest.raises(InputError) as err:
        china_duty(hs, "US", dt.date.fromisoformat(date))
    assert err.value.field == field
    assert "2025-04-10" in str(err.value) and "8542" in str(err.value) and "Announcement No. 2" in str(err.value)


def test_cli_refuses_goods_outside_the_data_with_exit_2() -> None:
    from typer.testing import CliRunner

    from chipclear.cli import app

    out = CliRunner().invoke(app, ["duty", "china", "--hs", "2701.12", "--origin", "US", "--date", "2025-03-01"])
    assert out.exit_code == 2 and "hs: 2701.12 is outside the China data" in out.output


def test_the_hour_of_announcement_no5_is_m_and_the_day_is_a_range() -> None:
    """tariffs.md line 73: No. 5 from 2025-04-10 12:01, a.m. vs p.m. reported inconsistently: H (rate) / M (hour)."""
    data = china_duty("8542.32", "US", dt.date(2025, 4, 10)).to_json()
    assert data["status"] == "indeterminate" and data["additional_rate_range"] == {"low": 34.0, "high": 84.0}
    no5 = next(line for line in data["lines"] if line["measure_id"] == "cn-sctc-2025-no5")
    assert no5["confidence"] == "M" and no5["rate"] is None
    assert [u["confidence"] for u in data["unknowns"]] == ["M"]
    assert china_duty("8542.32", "US", dt.date(2025, 4, 11)).to_json()["additional_rate"] == 84.0


def test_an_ic_of_declared_non_us_origin_without_wafer_fab_is_open() -> None:
    """China's wafer-fab rule (tariffs.md §5, S65): a US-fabbed die packaged in Taiwan pays the US rate."""
    data = china_duty("8542.31", "TW", dt.date(2025, 4, 15)).to_json()
    assert data["status"] == "indeterminate" and data["additional_rate_range"] == {"low": 0.0, "high": 125.0}
    assert "cn-wafer-fab-origin-us" in [u["id"] for u in data["unknowns"]]
    memory = china_duty("8542.32", "TW", dt.date(2025, 6, 1)).to_json()
    assert memory["status"] == "indeterminate" and memory["additional_rate_range"] == {"low": 0.0, "high": 10.0}
    assert china_duty("8542.31", "TW", dt.date(2025, 4, 15), wafer_fab="TW").to_json()["additional_rate"] == 0
    assert china_duty("8473.30", "TW", dt.date(2025, 4, 15)).to_json()["additional_rate"] == 0  # not an IC
