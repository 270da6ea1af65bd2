"""A reviewer's "not a match" in the ledger is read by every door (door audit 5, 2026-12-07): POST /api/check, the
console and ``chipclear screen`` cleared Saigon Compute's possible match with Sugon, while ``chipclear check``
without a key and ``chipclear batch`` still held the line. The batch reads the reviews once per run, applies them
per party, and a new review is never answered from the decision cache."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from chipclear.cli import app

runner = CliRunner()
CHECK = ["check", "--item", "H100", "--to", "JP", "--date", "2024-06-01", "--end-user", "Saigon Compute"]
CHECK += ["--end-user-hq", "JP", "--json"]
TIMELINE = ["timeline", "H100", "--to", "JP", "--end-user-hq", "JP", "--end-user", "Saigon Compute"]
TIMELINE += ["--until", "2024-06-01"]
BOOK = "order_id,item,quantity,destination,ship_date,end_user_name,end_user_headquarters_country\n"
BOOK += "SO-1,H100,1,JP,2024-06-01,Saigon Compute,JP\nSO-2,H100,1,DE,2024-06-01,,\n"


def _env(tmp_path: Path) -> dict[str, str]:
    return {"CHIPCLEAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}", "COLUMNS": "200"}


def _review_not_a_match(env: dict[str, str]) -> None:
    key = runner.invoke(app, ["user", "add", "admin", "--role", "admin", "--key-only"], env=env).stdout.strip()
    hits = json.loads(runner.invoke(app, ["screen", "Saigon Compute", "--json"], env=env).stdout)["hits"]
    assert [h["entry_id"] for h in hits] == ["EL-d84f6bac99"]
    add = ["reviews", "add", "--party", "Saigon Compute", "--entry", "EL-d84f6bac99", "--reason", "a Japanese firm"]
    done = runner.invoke(app, [*add, "--api-key", key], env=env)
    assert done.exit_code == 0, done.output


def _batch(book: Path, out: Path, env: dict[str, str]) -> tuple[pl.DataFrame, dict[str, object]]:
    done = runner.invoke(app, ["batch", str(book), "-o", str(out), "-q", "--json"], env=env)
    assert done.exit_code == 0, done.output
    summary: dict[str, object] = json.loads(done.stdout)["summary"]
    return pl.read_parquet(out).sort("row"), summary


def test_check_without_a_key_and_the_timeline_apply_the_reviews_on_file(tmp_path: Path) -> None:
    env = _env(tmp_path)
    held = json.loads(runner.invoke(app, CHECK, env=env).stdout)
    assert held["verdict"] == "HOLD"
    periods = json.loads(runner.invoke(app, [*TIMELINE, "--json"], env=env).stdout)["periods"]
    assert periods[-1]["verdict"] == "HOLD"
    _review_not_a_match(env)
    cleared = json.loads(runner.invoke(app, CHECK, env=env).stdout)
    assert cleared["verdict"] == "NLR", cleared["missing"]
    assert cleared["screening"][0]["suppressed_by"]["decision"] == "not_a_match"
    periods = json.loads(runner.invoke(app, [*TIMELINE, "--json"], env=env).stdout)["periods"]
    assert periods[-1]["verdict"] == "NLR"


def test_batch_applies_the_reviews_and_a_new_review_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    env = _env(tmp_path)
    book = tmp_path / "book.csv"
    book.write_text(BOOK, encoding="utf-8")
    before, summary = _batch(book, tmp_path / "a.parquet", env)
    assert before["verdict"][0] == "HOLD" and summary["reviews_read"] == 0
    _review_not_a_match(env)
    after, summary = _batch(book, tmp_path / "b.parquet", env)  # the cache holds the first run's keys
    assert after["verdict"][0] == "NLR" and after["verdict"][1] == before["verdict"][1]
    assert summary["keys_from_cache"] == 0 and summary["reviews_read"] == 1
    assert "suppressed by review 1" in str(after["reasons"][0].to_list())
    again, summary = _batch(book, tmp_path / "c.parquet", env)
    assert summary["keys_from_cache"] == summary["distinct_keys"] and again["verdict"].equals(after["verdict"])
