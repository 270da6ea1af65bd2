#!/usr/bin/env python3
"""Bootstrap for the two Quickstart commands; needs only Python 3.11+ and access to the package registries.

    python3 dev.py serve  # install into .venv, serve the console and API on embedded defaults (bundled data, SQLite)
    python3 dev.py test   # install dev tools into .venv, run ruff, mypy and the whole test suite
    python3 dev.py demo   # the terminal demo: classification of well-known chips by date

Anything after the command is passed on (``python3 dev.py test -k screening``, ``python3 dev.py demo --help``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def _run(*cmd: str | os.PathLike[str]) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def ensure_env(extras: str) -> None:
    """Create .venv and install the project with ``extras`` unless pyproject.toml is unchanged since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py may be started by an older python3)
        sys.exit(f"chipclear needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PY.exists():
        return
    if not PY.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
        _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    if _run(PY, "-m", "pip", "install", "--quiet", "-e", target) != 0:
        sys.exit("dependency installation failed")
    stamp.write_text(digest)


EVERYTHING = "server,batch,plots"  # the optional parts (pyproject.toml): the repository's commands use them all


def demo(args: list[str]) -> int:
    ensure_env(EVERYTHING)
    return _run(BIN / "chipclear", "demo", *args)


def serve(args: list[str]) -> int:
    ensure_env(EVERYTHING)
    return _run(BIN / "chipclear", "serve", *args)


def test(args: list[str]) -> int:
    ensure_env(f"{EVERYTHING},dev,postgres")
    for step in (
        [BIN / "ruff", "check", "src", "tests", "bench"],
        [BIN / "ruff", "format", "--check", "src", "tests", "bench"],
        [BIN / "mypy", "src"],
    ):
        if _run(*step) != 0:
            return 1
    return _run(PY, "-m", "pytest", *args)


def main() -> int:
    commands = {"serve": serve, "demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
