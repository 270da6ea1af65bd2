"""Batch worker processes end without freeing what they hold one by one (``engine.start_worker``): a
compiled table and a screening index take most of a second to free, CPU the run needs while it assembles the
output. Their results still arrive: each is sent when its task ends, before the pool tells the process to stop."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from chipclear.batch import runner

from . import standin


def test_a_worker_ends_without_tearing_down_and_its_results_arrive(tmp_path: Path) -> None:
    marks = [str(tmp_path / f"freed-{n}") for n in range(6)]
    pool = runner._process_pool(2)
    try:
        pids = list(pool.map(standin.hold_until_teardown, marks))
    finally:
        pool.shutdown(wait=True)
    assert len(pids) == len(marks) and all(pids)
    assert not [m for m in marks if Path(m).exists()]  # nothing freed on the way out


def test_a_worker_without_it_frees_what_it_holds(tmp_path: Path) -> None:
    """The control: a plain spawned worker frees the object at exit, so the test above can fail."""
    mark = str(tmp_path / "freed")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    try:
        assert pool.submit(standin.hold_until_teardown, mark).result()
    finally:
        pool.shutdown(wait=True)
    assert Path(mark).exists()


def test_a_worker_runs_without_the_cyclic_collector() -> None:
    """Deciding a book's keys spent about a fifth of each worker's time in the cyclic collector, which found almost
    nothing to free (``engine.start_worker``); a plain spawned worker, the control, runs it."""
    pool = runner._process_pool(2)
    try:
        assert list(pool.map(standin.collector_enabled, range(4))) == [False] * 4
    finally:
        pool.shutdown(wait=True)
    plain = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    try:
        assert plain.submit(standin.collector_enabled).result() is True
    finally:
        plain.shutdown(wait=True)


def test_a_task_decided_in_this_process_pauses_the_collector_only_meanwhile() -> None:
    import gc

    from chipclear.batch.engine import cycle_collector_paused

    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
