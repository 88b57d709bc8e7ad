"""Tests of siteplan.analyses.scheduling (sync loop, dask schedulers, cluster addresses).

References: the plain Python loop (``[func(shared, x) for x in items]``) computed in the
test, and the chunk boundaries written out by hand.
"""

from __future__ import annotations

import builtins
import socket
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from siteplan.analyses.scheduling import (
    CONNECT_TIMEOUT_S,
    check_scheduler,
    chunk_bounds,
    run_chunks,
)
from siteplan.errors import UsageError


def _weighted(shared: np.ndarray, item: np.ndarray) -> np.ndarray:
    """A deterministic float computation whose sum depends on the order of the terms."""
    return np.cumsum(item * shared)[-1:] / 3.0


def test_chunk_bounds_are_fixed_and_cover_every_sample() -> None:
    assert chunk_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert chunk_bounds(3, 100) == [(0, 3)]
    assert chunk_bounds(0, 5) == []
    with pytest.raises(UsageError, match="at least 1"):
        chunk_bounds(10, 0)


@pytest.mark.parametrize("bad", ["", "dask", "tcp://", "http://host:8786", "Threads"])
def test_a_bad_scheduler_is_one_usage_line(bad: str) -> None:
    with pytest.raises(UsageError, match="--scheduler") as exc:
        check_scheduler(bad)
    assert "\n" not in str(exc.value) and "tcp://" in str(exc.value)


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_local_schedulers_give_the_loop_in_item_order(scheduler: str) -> None:
    rng = np.random.default_rng(7)
    shared = rng.random(50)
    items = [rng.random(50) for _ in range(7)]
    expected = [_weighted(shared, x) for x in items]
    got = run_chunks(_weighted, shared, items, scheduler)
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert a.tobytes() == b.tobytes()


def test_sync_does_not_import_dask() -> None:
    code = ("import sys\nfrom siteplan.analyses.scheduling import run_chunks\n"
            "print(run_chunks(divmod, 7, [1, 2, 3]))\n"
            "print('DASK', [m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "[(7, 0), (3, 1), (2, 1)]" in out and "DASK []" in out, out


def test_dask_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_dask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    for scheduler in ("threads", "tcp://127.0.0.1:8786"):
        with pytest.raises(UsageError, match=r"pip install 'siteplan\[distributed\]'"):
            run_chunks(divmod, 7, [1], scheduler)
    assert run_chunks(divmod, 7, [1], "sync") == [(7, 0)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_address_nobody_answers_is_one_line_naming_the_option() -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    t0 = time.perf_counter()
    with pytest.raises(UsageError) as exc:
        run_chunks(divmod, 7, [1], address)
    assert time.perf_counter() - t0 < CONNECT_TIMEOUT_S + 10
    msg = str(exc.value)
    assert msg.startswith(f"--scheduler {address}") and "\n" not in msg
    assert "dask scheduler" in msg and "--scheduler sync" in msg


@pytest.mark.slow
def test_a_local_cluster_gives_the_loop_in_item_order() -> None:
    from distributed import LocalCluster

    rng = np.random.default_rng(3)
    shared = rng.random(20)
    items = [rng.random(20) for _ in range(5)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        got = run_chunks(_weighted, shared, items, cluster.scheduler_address)
    for a, x in zip(got, items, strict=True):
        assert a.tobytes() == _weighted(shared, x).tobytes()
