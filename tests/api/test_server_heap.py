"""A server process freezes its loaded heap after warming (``Decider.warm``): the cyclic collector's full passes over
the decision table and the screening index stalled every request for 50-200 ms. A process that builds many apps (the
tests) does not freeze."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chipclear.api import app as app_module
from chipclear.api import group_commit


def test_warm_freezes_the_heap_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(group_commit.DecisionTable, "for_current", classmethod(lambda cls: calls.append("table")))
    monkeypatch.setattr(group_commit, "default_screener", lambda: calls.append("screener"))
    monkeypatch.setattr(group_commit.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(group_commit.gc, "freeze", lambda: calls.append("freeze"))
    decider = group_commit.Decider()
    decider.warm()
    assert calls == ["table", "screener"] and decider.ready
    calls.clear()
    decider.warm(freeze_heap=True)
    assert calls == ["table", "screener", "collect", "freeze"]  # garbage freed first, then the rest frozen


@pytest.mark.parametrize(("factory", "frozen"), [("create_server_app", True), ("create_app", False)])
def test_only_the_server_app_freezes(db_url: str, monkeypatch: pytest.MonkeyPatch, factory: str, frozen: bool) -> None:
    asked: list[Any] = []
    done = threading.Event()

    def warm(self: group_commit.Decider, *, freeze_heap: bool = False) -> None:
        asked.append(freeze_heap)
        done.set()

    monkeypatch.setattr(group_commit.Decider, "warm", warm)
    with TestClient(getattr(app_module, factory)(db_url)) as client:
        assert client.get("/api/health").status_code == 200
        deadline = time.monotonic() + 30
        while not done.is_set() and time.monotonic() < deadline:
            done.wait(0.1)
    assert asked == [frozen]


@pytest.mark.parametrize("workers", [1, 2])
def test_chipclear_serve_runs_the_server_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    import uvicorn

    from chipclear.cli import app as cli_app
    from chipclear.cli import serve

    ran: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.append((target, options)))
    monkeypatch.setattr(serve, "warm_up", lambda: None)
    monkeypatch.setattr(app_module, "create_server_app", lambda url=None: ("server app", url))
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CHIPCLEAR_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--port", "0", "--workers", str(workers)])
    assert result.exit_code == 0, result.output
    ((target, options),) = ran
    if workers == 1:
        assert target[0] == "server app" and target[1].startswith("sqlite:")
    else:
        assert target == "chipclear.api.app:create_server_app" and options["factory"] is True
