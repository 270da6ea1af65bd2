"""The heavy parts are extras (issue 15): the core commands run without fastapi, polars, dask or matplotlib, and a
command that needs a missing extra says which, in one line, with exit code 2. The extras are hidden from a
subprocess by a meta-path blocker, so the test runs on the machine that has them all."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from chipclear.extras import PACKAGES

ROOT = Path(__file__).parents[2]
BLOCKER = """
import sys
BLOCK = {blocked!r}
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCK:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
"""


@pytest.fixture
def without_extras(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=set(PACKAGES)), encoding="utf-8")
    data = tmp_path / "data"
    return {**os.environ, "PYTHONPATH": str(site), "CHIPCLEAR_DATA_DIR": str(data)}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chipclear", *args], capture_output=True, text=True, env=env, timeout=180
    )


def test_the_blocker_blocks(without_extras: dict[str, str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import fastapi"], capture_output=True, text=True, env=without_extras, timeout=60
    )
    assert out.returncode != 0 and "fastapi" in out.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("classify", "H20", "--as-of", "2025-05-01", "--json"),
        ("check", "--item", "H20", "--to", "CN", "--date", "2025-06-01", "--end-user", "Example Co", "--json"),
        ("timeline", "H20", "--to", "CN"),
        ("screen", "Moore Threads Technology", "--json"),
        ("duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2025-06-01", "--value", "25000"),
        ("whatif", "tpp-threshold-2400", "--json"),
    ],
    ids=lambda a: a[0],
)
def test_the_core_runs_without_the_extras(without_extras: dict[str, str], args: tuple[str, ...]) -> None:
    out = _run(without_extras, *args)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (("serve", "--port", "0"), "server"),
        (("batch", "orders.csv", "-o", "out"), "batch"),
        (("whatif", "tpp-threshold-2400", "--plots", "plots"), "plots"),
    ],
    ids=lambda a: a if isinstance(a, str) else a[0],
)
def test_a_command_names_the_extra_it_needs(
    without_extras: dict[str, str], tmp_path: Path, args: tuple[str, ...], extra: str
) -> None:
    (tmp_path / "orders.csv").write_text("item,quantity,destination,ship_date\nH20,1,CN,2025-06-01\n")
    out = subprocess.run(
        [sys.executable, "-m", "chipclear", *args],
        capture_output=True,
        text=True,
        env=without_extras,
        timeout=180,
        cwd=tmp_path,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install 'chipclear[{extra}]'" in lines[0], out.stderr


def test_pyproject_extras_hold_every_optional_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    extras = project["optional-dependencies"]
    for module, extra in PACKAGES.items():
        dist = {"multipart": "python-multipart", "python_multipart": "python-multipart", "distributed": "dask"}.get(
            module, module
        )
        if module == "starlette":
            dist = "fastapi"  # starlette comes with fastapi
        assert dist.lower() not in core, f"{dist} is in the core dependencies"
        assert any(dist.lower() in d.lower() for d in extras[extra]), f"{dist} is not in [{extra}]"
