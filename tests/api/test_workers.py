"""``chipclear serve --workers 2``: several server processes on one SQLite ledger, as a user starts them.

Shipments from many clients at once, spread over both processes, never over-draw a license and leave one unbroken
audit chain; batch jobs read the same from every process while they run; the server processes share their write
lock through a lock file (``WriteLock``), and a batch job's owner through its ``owner.lock``.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.serving import Running, serving

from chipclear import filelocks
from chipclear.api.deps import WriteLock
from chipclear.api.jobs import OWNER_LOCK, BatchJobs, _one_at_a_time

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="file locks are POSIX")

END_USER = {"name": "Example Cloud Services Ltd", "role": "end_user", "country": "CN"}
LIMIT = 120


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and "spawn_main" in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
    return found


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    accept = {"CHIPCLEAR_STALE_LISTS_ON_SHIP": "ship"}  # the bundled demo lists are older than the default age
    with serving(tmp_path_factory.mktemp("workers-serve"), "--workers", "2", env=accept, timeout=90) as run:
        assert "2 server processes share the port" in run.output, run.output
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_children(run.pid)) < 2:
            time.sleep(0.2)
        yield run


def _grant(served: Running, number: str, quantity: int) -> None:
    h = {"X-API-Key": served.key}
    app = httpx.post(
        served.url + "/api/applications",
        json={"items": ["H20"], "destinations": ["CN"], "parties": [END_USER], "quantity": quantity},
        headers=h,
        timeout=60,
    )
    assert app.status_code == 201, app.text
    app_id = app.json()["id"]
    r = httpx.post(
        f"{served.url}/api/applications/{app_id}/submit",
        json={"application_number": number, "submitted_on": "2024-12-02"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    grant = {"number": number, "valid_from": "2025-01-01", "valid_to": "2034-12-31", "quantity_limit": quantity}
    r = httpx.post(f"{served.url}/api/applications/{app_id}/grant", json=grant, headers=h, timeout=60)
    assert r.status_code == 201, r.text


def test_two_processes_serve_and_shipments_never_overdraw(served: Running) -> None:
    """24 clients, each opening a new connection per request (so the kernel spreads them over both processes),
    ship 5 H20 at a time under one license for 120: exactly 24 lines ship, the rest are held, the license's usage
    equals what shipped, and the audit chain verifies."""
    workers = _children(served.pid)
    assert len(workers) == 2, workers
    before = {pid: _cpu_ticks(pid) for pid in workers}
    _grant(served, "MW-1", LIMIT)
    line = {"item": "H20", "quantity": 5, "destination": "CN", "ship_date": dt.date.today().isoformat()}
    body = {"lines": [{**line, "parties": [END_USER]}]}

    def ship(_: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(3):
            r = httpx.post(served.url + "/api/shipments", json=body, headers={"X-API-Key": served.key}, timeout=120)
            assert r.status_code == 201, r.text
            out.extend(r.json()["lines"])
        return out

    with ThreadPoolExecutor(24) as pool:
        results = [ln for got in pool.map(ship, range(24)) for ln in got]
    for _ in range(200):  # both processes served: each spent CPU on requests (health keeps them busy too)
        if all(_cpu_ticks(pid) - before[pid] >= 5 for pid in workers):
            break
        httpx.get(served.url + "/api/health")
    assert all(_cpu_ticks(pid) - before[pid] >= 5 for pid in workers), "one server process did all the work"

    shipped = [ln for ln in results if ln["status"] == "shipped"]
    held = [ln for ln in results if ln["status"] == "held"]
    assert len(results) == 72 and len(shipped) == LIMIT // 5 and len(held) == 72 - LIMIT // 5
    assert {ln["license_number"] for ln in shipped} == {"MW-1"}
    assert {ln["verdict"] for ln in held} == {"LICENSE_REQUIRED"}
    detail = httpx.get(served.url + "/api/licenses/MW-1", headers={"X-API-Key": served.key}).json()
    assert detail["quantity_used"] == LIMIT and detail["quantity_left"] == 0
    assert sorted(u["quantity"] for u in detail["usage"]) == [5] * (LIMIT // 5)
    verify = httpx.get(served.url + "/api/audit/verify", headers={"X-API-Key": served.key}, timeout=60).json()
    assert verify["ok"] is True, verify
    # and from outside the server, as an auditor runs it
    cli = subprocess.run(
        [sys.executable, "-m", "chipclear", "audit", "verify"],
        env={**served.env, "CHIPCLEAR_API_KEY": served.key},
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr


def test_a_running_batch_job_reads_the_same_from_every_process(served: Running, tmp_path: Path) -> None:
    """Polled over fresh connections (both processes answer), a job is queued, running or done, never
    'interrupted'; its result is the whole book."""
    rows = ["order_id,item,quantity,destination,ship_date"]
    rows += [f"SO-{n},H20,1,{'CN' if n % 2 else 'DE'},2025-06-{1 + n % 28:02d}" for n in range(3000)]
    r = httpx.post(
        served.url + "/api/batch",
        files={"file": ("book.csv", "\n".join(rows).encode(), "text/csv")},
        data={"screening": "false"},
        headers={"X-API-Key": served.key},
        timeout=60,
    )
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    states: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        got = httpx.get(f"{served.url}/api/batch/{job}", headers={"X-API-Key": served.key}, timeout=30).json()
        states.append(got["state"])
        if got["state"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert "interrupted" not in states and states[-1] == "done", (states[-5:], got)
    assert got["summary"]["lines"] == 3000 and got["summary"]["decided"] == 3000


# -- the locks on their own ---------------------------------------------------------------------------------------
def _take_turns(which: str, path: str, log: str, rounds: int) -> None:
    """Hold the lock ``which`` ``rounds`` times, writing "pid in" and "pid out" to ``log`` while holding it."""
    lock = WriteLock()
    lock.path = path
    if which == "runner":
        os.environ["CHIPCLEAR_DATA_DIR"] = path
    for _ in range(rounds):
        with ExitStack() as held:
            if which == "write":
                held.enter_context(lock)
                held.enter_context(lock)  # reentrant: the inner exit must not let go of the file lock
            else:
                held.enter_context(_one_at_a_time())
            with open(log, "a") as fh:
                fh.write(f"{os.getpid()} in\n")
            time.sleep(0.002)
            with open(log, "a") as fh:
                fh.write(f"{os.getpid()} out\n")


@pytest.mark.parametrize("which", ["write", "runner"])
def test_the_locks_exclude_other_processes(which: str, tmp_path: Path) -> None:
    """Three processes take the server's write lock (``WriteLock``), or the batch jobs' runner lock, 40 times each:
    never two at once."""
    path = str(tmp_path / "ledger.db.write-lock") if which == "write" else str(tmp_path)
    (tmp_path / "batch-jobs").mkdir()  # the runner's jobs_dir(), made by the first job's folder in a server
    log = str(tmp_path / "log")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_take_turns, args=(which, path, log, 40)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    entries = Path(log).read_text().split("\n")[:-1]
    assert len(entries) == 3 * 40 * 2
    for enter, leave in zip(entries[::2], entries[1::2], strict=True):  # never two holders at once
        assert enter.endswith(" in") and leave == enter.replace(" in", " out")


def _hold_owner_lock(folder: str, ready: Any, release: Any) -> None:
    filelocks.take(os.path.join(folder, OWNER_LOCK))
    ready.set()
    release.wait(30)


def test_a_job_is_interrupted_only_when_no_process_owns_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCLEAR_DATA_DIR", str(tmp_path))  # settings are read per call (``get_settings``)
    jobs = BatchJobs()
    folder = jobs.directory("0123456789abcdef")
    folder.mkdir(parents=True)
    record = {"id": folder.name, "state": "running", "actor": "alice", "progress": {}, "error": None}
    (folder / "job.json").write_text(json.dumps(record))
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_owner_lock, args=(str(folder), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        assert jobs.get(folder.name, "alice", "analyst")["state"] == "running"  # another process owns it
    finally:
        release.set()
        holder.join(30)
    got = jobs.get(folder.name, "alice", "analyst")  # its owner is gone
    assert got["state"] == "interrupted" and "submit it again" in got["error"]
    (folder / OWNER_LOCK).unlink()
    assert jobs.get(folder.name, "alice", "analyst")["state"] == "interrupted"  # a job of an older server
