"""Settings through pydantic-settings (issue 15): every CHIPCLEAR_* variable is validated when read, and a bad value
names itself in one line with exit code 2 (CLI) and keeps ``chipclear serve`` from starting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chipclear.settings import Settings, SettingsError, get_settings

CLI = [sys.executable, "-m", "chipclear"]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("CHIPCLEAR_LIST_MAX_AGE_DAYS", "abc", "valid integer"),
        ("CHIPCLEAR_LIST_MAX_AGE_DAYS", "-3", "greater than or equal to 0"),
        ("CHIPCLEAR_STALE_LISTS_ON_SHIP", "maybe", "'hold' or 'ship'"),
        ("CHIPCLEAR_SCREENING_MATCH_THRESHOLD", "nan", "finite number"),
        ("CHIPCLEAR_SCREENING_MATCH_THRESHOLD", "1.5", "less than or equal to 1"),
    ],
)
def test_a_bad_variable_names_itself_exit_2(tmp_path: Path, variable: str, value: str, says: str) -> None:
    out = _run("check", "--item", "H20", "--to", "CN", env={"CHIPCLEAR_DATA_DIR": str(tmp_path), variable: value})
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith(f"chipclear: error: {variable} (is '{value}'): ") and says in lines[0]
    )


def test_serve_does_not_start_on_a_bad_variable(tmp_path: Path) -> None:
    env = {"CHIPCLEAR_DATA_DIR": str(tmp_path), "CHIPCLEAR_STALE_LISTS_ON_SHIP": "yes please"}
    out = _run("serve", "--port", "0", env=env)
    assert out.returncode == 2 and "CHIPCLEAR_STALE_LISTS_ON_SHIP" in out.stderr
    assert "Ctrl+C" not in out.stdout


def test_thresholds_out_of_order_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCLEAR_SCREENING_REVIEW_THRESHOLD", "0.95")
    with pytest.raises(SettingsError, match=r"REVIEW_THRESHOLD .* is above .*MATCH_THRESHOLD"):
        get_settings()


def test_every_variable_is_read_with_its_old_name_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("CHIPCLEAR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(tmp_path))
    default = get_settings()
    assert default.database_url == f"sqlite:///{tmp_path / 'chipclear.db'}"
    assert (default.list_max_age_days, default.stale_lists_on_ship) == (30, "hold")
    assert (default.screening_match_threshold, default.screening_review_threshold) == (0.88, 0.75)
    assert default.catalog_paths == default.rules_paths == default.model_paths == [] and default.api_key is None
    values = {
        "CHIPCLEAR_DATABASE_URL": "postgresql+psycopg://u:p@h/db",
        "CHIPCLEAR_CATALOG": f"{tmp_path}/a.yaml{os.pathsep}{tmp_path}/b",
        "CHIPCLEAR_RULES": str(tmp_path / "r"),
        "CHIPCLEAR_MODELS": str(tmp_path / "m.yaml"),
        "CHIPCLEAR_LISTS_DIR": str(tmp_path / "lists"),
        "CHIPCLEAR_LIST_MAX_AGE_DAYS": "7",
        "CHIPCLEAR_STALE_LISTS_ON_SHIP": " Ship ",
        "CHIPCLEAR_SCREENING_MATCH_THRESHOLD": "0.9",
        "CHIPCLEAR_SCREENING_REVIEW_THRESHOLD": "0.8",
        "CHIPCLEAR_API_KEY": "cc_example",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    s = get_settings()
    assert s == Settings(
        data_dir=tmp_path,
        database_url="postgresql+psycopg://u:p@h/db",
        catalog_paths=[tmp_path / "a.yaml", tmp_path / "b"],
        rules_paths=[tmp_path / "r"],
        model_paths=[tmp_path / "m.yaml"],
        lists_dir=tmp_path / "lists",
        list_max_age_days=7,
        stale_lists_on_ship="ship",
        screening_match_threshold=0.9,
        screening_review_threshold=0.8,
        api_key="cc_example",
    )
