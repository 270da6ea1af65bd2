"""``--fail-on``: `chipclear check`, `screen` and `batch` exit with a documented code a script can act on; without
it a completed command exits 0; bad input stays 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipclear.cli import app
from chipclear.cli.fail_on import EXIT_CODES

ALL = "hold,license_required,prohibited,match"


def run(*args: str) -> int:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code if result.exit_code is not None else 0


def test_the_codes_are_distinct_and_never_0_1_or_2() -> None:
    codes = list(EXIT_CODES.values())
    assert len(set(codes)) == len(codes) and not set(codes) & {0, 1, 2}


@pytest.mark.parametrize(
    ("args", "fail_on", "code"),
    [
        (["--item", "H20", "--to", "China", "--date", "2025-05-01"], "license_required", 13),
        (["--item", "H20", "--to", "China", "--date", "2025-05-01"], ALL, 13),
        (["--item", "H20", "--to", "China", "--date", "2025-05-01"], "hold,prohibited", 0),
        (
            [
                "--item",
                "L20",
                "--to",
                "Germany",
                "--date",
                "2024-06-01",
                "--end-user",
                "KAL TEK LABS",
                "--end-user-country",
                "US",
                "--end-user-hq",
                "US",
            ],
            "prohibited",
            14,
        ),  # a Denied Persons List party
        (["--item", "H100", "--to", "Iran", "--date", "2025-05-01"], "prohibited", 0),  # Part 746: LICENSE_REQUIRED
        (["--item", "H100", "--to", "SG", "--date", "2025-05-01"], "hold", 11),  # no end user: HOLD
        (
            [
                "--item",
                "RTX 4090",
                "--to",
                "DE",
                "--date",
                "2025-05-01",
                "--end-user",
                "Atlas Data Systems GmbH",
                "--end-user-hq",
                "Germany",
            ],
            ALL,
            0,
        ),
    ],
)
def test_check_exit_codes(args: list[str], fail_on: str, code: int) -> None:
    assert run("check", *args, "--json") == 0  # default: a completed command exits 0
    assert run("check", *args, "--json", "--fail-on", fail_on) == code


def test_check_a_listed_end_user_fails_on_match() -> None:
    args = ["--item", "H20", "--to", "CN", "--date", "2025-05-01", "--end-user", "Huawei Technologies Co., Ltd."]
    assert run("check", *args, "--json", "--fail-on", "match") == EXIT_CODES["match"]


def test_unknown_fail_on_outcome_is_bad_input() -> None:
    assert run("check", "--item", "H20", "--to", "CN", "--fail-on", "holdd") == 2
    assert run("screen", "Huawei", "--fail-on", "hold") == 2  # screen knows only "match"


def test_screen_exit_codes(tmp_path: Path) -> None:
    assert run("screen", "Huawei Technologies Co., Ltd.", "--country", "China", "--json") == 0
    assert run("screen", "Huawei Technologies Co., Ltd.", "--country", "China", "--fail-on", "match") == 12
    assert run("screen", "Example Bakery Ltd", "--country", "germany", "--fail-on", "match") == 0
    parties = tmp_path / "parties.csv"
    parties.write_text("name,country\nExample Bakery Ltd,Germany\n")
    assert run("screen", "--file", str(parties), "--json", "--fail-on", "match") == 0
    parties.write_text('name,country\nExample Bakery Ltd,Germany\n"Huawei Technologies Co., Ltd.",China\n')
    assert run("screen", "--file", str(parties), "--json", "--fail-on", "match") == 12
    parties.write_text("name,country\nExample Bakery Ltd,Chinaa\n")
    assert run("screen", "--file", str(parties), "--json") == 2


def test_batch_exit_codes(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "item,destination,ship_date,end_user_name,end_user_country\n"
        "nvidia-rtx-4090,DE,2025-05-01,Example GmbH,DE\n"
        "nvidia-h20,China,2025-05-01,Example Co,CN\n"
        "nvidia-h20,CN,2025-05-01\n"
        "nvidia-h20,CN,2025-05-01,x,CN,extra\n"
    )
    base = ["batch", str(orders), "--out", str(tmp_path / "d.parquet"), "--quiet", "--json", "--no-resume"]
    assert run(*base) == 0
    assert run(*base, "--fail-on", "bad_rows") == EXIT_CODES["bad_rows"]
    assert run(*base, "--fail-on", "bad_rows,hold,license_required") == EXIT_CODES["license_required"]
    assert run(*base, "--fail-on", "prohibited") == 0


def test_stale_lists_are_an_outcome_a_script_can_fail_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line whose parties were screened on lists past ``CHIPCLEAR_LIST_MAX_AGE_DAYS`` is decided (NLR here) with
    the ``screening#stale`` reason; ``--fail-on stale`` turns that into exit 9 for check, screen and batch, below
    every other outcome's code; a line that names no party screens nobody and is never stale."""
    party = ["--end-user", "Example Bakery Ltd", "--end-user-country", "DE", "--end-user-hq", "DE"]
    line = ["check", "--item", "RTX 4090", "--to", "DE", "--date", "2025-05-01", *party]
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "item,destination,ship_date,end_user_name,end_user_country,end_user_headquarters_country\n"
        "nvidia-rtx-4090,DE,2025-05-01,Example Bakery Ltd,DE,DE\n"
    )
    batch = ["batch", str(orders), "--out", str(tmp_path / "d.parquet"), "--quiet", "--json", "--no-resume"]
    screen = ["screen", "Example Bakery Ltd", "--country", "Germany", "--json"]
    monkeypatch.setenv("CHIPCLEAR_LIST_MAX_AGE_DAYS", "0")  # the bundled lists are older than a day: stale
    assert run(*line) == 0  # decided all the same
    assert run(*line, "--fail-on", "stale") == EXIT_CODES["stale"] == 9
    assert run(*line, "--fail-on", "stale,match") == 9
    assert run(*batch, "--fail-on", "stale") == 9
    assert run(*batch, "--fail-on", "stale,license_required") == 9  # NLR: only the stale lists
    assert run(*screen, "--fail-on", "stale") == 9
    parties = tmp_path / "parties.csv"
    parties.write_text("name,country\nExample Bakery Ltd,Germany\n")
    assert run("screen", "--file", str(parties), "--json", "--fail-on", "stale") == 9
    assert run("check", "--item", "H100", "--to", "SG", "--date", "2025-05-01", "--fail-on", "stale") == 0
    monkeypatch.setenv("CHIPCLEAR_LIST_MAX_AGE_DAYS", "100000")  # current enough
    assert run(*line, "--fail-on", "stale") == 0
    assert run(*batch, "--fail-on", "stale") == 0
    assert run(*screen, "--fail-on", "stale") == 0
    assert run("screen", "--file", str(parties), "--json", "--fail-on", "stale") == 0
