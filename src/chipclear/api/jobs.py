"""Batch runs over HTTP: an uploaded order book decided in the background, with progress and the results to fetch.

A job is a directory ``<data dir>/batch-jobs/<id>/`` holding the uploaded book, ``job.json`` (who asked, the
options, the state, the progress and, when done, the summary) and the run's outputs (``decisions.parquet``, the bad
rows, the HTML report). One worker thread per server process runs its queued jobs one after the other, and the
processes of ``chipclear serve --workers N`` take turns on ``.runner.lock`` (one job at a time in all), with
``chipclear.batch.run_batch``, the same run as ``chipclear batch``. ``job.json`` is replaced atomically at each
update, so a reader never sees half a file. The server process that queues a job holds an exclusive ``flock`` on its
``owner.lock`` until the job ends, so every process of ``chipclear serve --workers N`` reports the job as it is; a job
found ``running`` or ``queued`` whose lock nobody holds (its server stopped or was restarted; the kernel releases the
lock of a process that dies) is reported ``interrupted``: submit it again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from chipclear import filelocks
from chipclear.errors import ChipclearError, InputError, NotFound, PermissionDenied
from chipclear.screening.reviews import ReviewSnapshot
from chipclear.settings import get_settings

log = logging.getLogger("chipclear.api")
JOB_ID = r"^[0-9a-f]{16}$"
STATES = ("queued", "running", "done", "failed", "interrupted")
OWNER_LOCK = "owner.lock"
RUNNER_LOCK = ".runner.lock"  # in jobs_dir(): held by the process running a job


def jobs_dir() -> Path:
    return get_settings().data_dir / "batch-jobs"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


class _Progress:
    """``run_batch``'s progress, written to ``job.json`` at most twice a second."""

    def __init__(self, jobs: BatchJobs, job_id: str) -> None:
        self.jobs, self.job_id = jobs, job_id
        self.phase_name, self.total, self.done, self._written = "", 0, 0, 0.0

    def phase(self, name: str, total: int | None = None) -> None:
        self.phase_name, self.total, self.done = name, total or 0, 0
        self._write(force=True)

    def advance(self, amount: int) -> None:
        self.done += amount
        self._write()

    def flush(self) -> None:
        """The last counts (``advance`` writes at most twice a second, so a finished job showed stale ones)."""
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._written > 0.5:
            self._written = now
            self.jobs.update(self.job_id, progress={"phase": self.phase_name, "done": self.done, "total": self.total})


class BatchJobs:
    """The server's batch jobs: submit, look up, and the worker thread that runs them."""

    def __init__(self, reviews: Callable[[], ReviewSnapshot] | None = None) -> None:
        # the server's ledger's screening reviews, read when a job starts (None: the settings' ledger's)
        self._reviews = reviews
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Jobs this process queued and has not finished, with the descriptor holding each one's owner lock.
        self._mine: dict[str, int | None] = {}

    def directory(self, job_id: str) -> Path:
        return jobs_dir() / job_id

    def submit(self, actor: str, filename: str, data: bytes, options: dict[str, Any]) -> dict[str, Any]:
        job_id = secrets.token_hex(8)
        folder = self.directory(job_id)
        folder.mkdir(parents=True)
        # The owner lock before the record says "queued": no other process may ever see it unowned (a new job:
        # nobody else can hold it).
        owner = filelocks.take(folder / OWNER_LOCK, wait=False)
        suffix = Path(filename).suffix.lower() or ".input"
        (folder / f"input{suffix}").write_bytes(data)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record = {
            "id": job_id,
            "state": "queued",
            "actor": actor,
            "file": filename,
            "input": f"input{suffix}",
            "options": options,
            "submitted_at": now,
            "started_at": None,
            "finished_at": None,
            "progress": {"phase": "queued", "done": 0, "total": 0},
            "summary": None,
            "error": None,
        }
        _write_json(folder / "job.json", record)
        with self._lock:
            self._mine[job_id] = owner
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="chipclear-batch-jobs", daemon=True)
                self._thread.start()
        self._queue.put(job_id)
        return record

    def get(self, job_id: str, actor: str, role: str) -> dict[str, Any]:
        """The job's record; only the user who submitted it, or an admin, may see it."""
        path = self.directory(job_id) / "job.json"
        record = self._read(job_id, path)
        if record.get("actor") != actor and role != "admin":
            raise PermissionDenied("this batch job was submitted by another user", field="job")
        if (
            record["state"] in ("queued", "running")
            and job_id not in self._mine
            and not filelocks.held(path.parent / OWNER_LOCK)
        ):
            # Nobody holds the job: its server stopped, or it has just finished (the owner writes the final state
            # before it lets go of the lock), so read the record again before calling it interrupted.
            record = self._read(job_id, path)
            if record["state"] in ("queued", "running"):
                record["state"] = "interrupted"
                record["error"] = "the server stopped before the job finished; submit it again"
        return record

    @staticmethod
    def _read(job_id: str, path: Path) -> dict[str, Any]:
        try:
            record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise NotFound(f"batch job {job_id!r} not found", field="job") from None
        return record

    def update(self, job_id: str, **changes: Any) -> None:
        path = self.directory(job_id) / "job.json"
        with self._lock:
            record = json.loads(path.read_text(encoding="utf-8"))
            record.update(changes)
            _write_json(path, record)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)

    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                with _one_at_a_time():
                    self._execute(job_id)
            except Exception:
                log.exception("batch job %s failed", job_id)
            finally:
                with self._lock:
                    owner = self._mine.pop(job_id, None)
                filelocks.release(owner)  # a record still "running" (a crash) then reads as interrupted

    def _execute(self, job_id: str) -> None:
        from chipclear.batch import BatchOptions, run_batch

        folder = self.directory(job_id)
        record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        opts = record["options"]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.update(job_id, state="running", started_at=now)
        progress = _Progress(self, job_id)
        try:
            result = run_batch(
                BatchOptions(
                    orders=folder / record["input"],
                    out=folder / "decisions.parquet",
                    as_of=dt.date.fromisoformat(opts["date"]) if opts.get("date") else None,
                    layer=opts.get("layer") or "enforced",
                    screening=bool(opts.get("screening", True)),
                    input_format=opts.get("format"),
                    bad_rows=folder / "bad-rows.csv",
                    report=folder / "report.html",
                    resume=False,
                    reviews=self._reviews() if self._reviews is not None and opts.get("screening", True) else None,
                ),
                progress,
            )
        except ChipclearError as exc:
            message = exc.message.replace(str(folder / record["input"]), record["file"]).replace(str(folder), "")
            self._finish(job_id, "failed", error=message)
            return
        except Exception as exc:  # a bug: reported as such, the details stay in the server log
            log.exception("batch job %s failed", job_id)
            self._finish(job_id, "failed", error=f"internal error ({type(exc).__name__}); see the server log")
            return
        finally:
            progress.flush()
        summary = {
            "lines": result.lines,
            "decided": result.decided,
            "bad_rows": result.bad,
            "distinct_keys": result.distinct_keys,
            "rules_version": result.rules_version,
            "list_version": result.list_version,
            **result.summary,
        }
        self._finish(job_id, "done", summary=summary)

    def _finish(self, job_id: str, state: str, **changes: Any) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.update(job_id, state=state, finished_at=now, **changes)


def _one_at_a_time() -> AbstractContextManager[None]:
    """One batch job at a time in the data directory, whichever server process queued it (a run already uses every
    core: two at once would only share them and double the memory). A job waiting here stays queued. ``jobs_dir()``
    exists: the job's folder was made in it."""
    return filelocks.holding(jobs_dir() / RUNNER_LOCK)


def check_options(layer: str, fmt: str | None) -> None:
    if layer not in ("enforced", "codified"):
        raise InputError(f"layer: {layer!r} is not one of enforced, codified", field="layer")
    if fmt:
        from chipclear.tabular import format_of

        format_of(Path("x"), fmt)


__all__ = ["JOB_ID", "STATES", "BatchJobs", "check_options", "jobs_dir"]
