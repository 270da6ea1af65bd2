"""``chipclear serve`` started as a user starts it, for the tests that talk to a real HTTP server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Running:
    url: str
    key: str  # the admin key printed on the first start
    output: str  # what the server printed before it started listening
    env: dict[str, str]  # its environment (the same data directory and database for CLI calls)
    pid: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[Running]:
    """Start ``chipclear serve --port P *args`` on a fresh ``data_dir`` (no other ``CHIPCLEAR_*`` variable from the
    test run; ``env`` adds some), wait until ``/api/health`` answers, and stop it at the end."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CHIPCLEAR_")}
    full["CHIPCLEAR_DATA_DIR"] = str(data_dir)
    full["COLUMNS"] = "200"
    full.update(env or {})
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chipclear", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Ctrl+C" in line or not line:
                break
        output = "".join(lines)
        match = re.search(r"(cc_[A-Za-z0-9_-]{20,})", output)
        assert match, f"no admin key printed by chipclear serve:\n{output}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield Running(url, match.group(1), output, full, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
