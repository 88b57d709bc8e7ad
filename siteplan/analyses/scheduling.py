"""Where the chunks of a many-sample analysis run: in this process, or as dask tasks.

Plan robustness (and surface robustness) repeat the same work for many weight samples.
The samples are drawn up front, in this process, from the seed; they are then cut into
fixed chunks whose boundaries depend only on the number of samples and the chunk size,
never on the scheduler. Each chunk is one call ``func(shared, item)`` that starts from the
same state (``shared`` is not mutated), and the chunk results are combined by the caller
in chunk order. The result is therefore bitwise the same whichever scheduler ran the
chunks:

``sync`` (the default)
    A plain loop in this process: no dask import, no start-up cost.
``threads``, ``processes``
    dask's local threaded or multiprocessing scheduler (``dask.delayed``).
``tcp://HOST:PORT`` (or ``tls://``)
    The address of a running dask.distributed scheduler (``dask scheduler`` on one
    machine, ``dask worker tcp://HOST:8786`` on each machine; siteplan must be installed
    on the workers). ``shared`` is sent to the workers once (``client.scatter``).

dask is an optional dependency (``pip install 'siteplan[distributed]'``) and is imported
only when a non-``sync`` scheduler is asked for, so ``siteplan rank`` never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from siteplan.errors import UsageError

__all__ = ["CONNECT_TIMEOUT_S", "DEFAULT_SCHEDULER", "SCHEDULERS", "check_scheduler",
           "chunk_bounds", "run_chunks"]

#: The local schedulers by name; a dask.distributed address (``tcp://`` or ``tls://``) is
#: accepted as well.
SCHEDULERS = ("sync", "threads", "processes")
DEFAULT_SCHEDULER = "sync"
#: Address prefixes of a dask.distributed scheduler (``inproc://``: a cluster started in this
#: process with ``LocalCluster(processes=False)``, for the Python API and the tests).
ADDRESS_PREFIXES = ("tcp://", "tls://", "inproc://")
#: Seconds to wait for a dask.distributed scheduler to answer.
CONNECT_TIMEOUT_S = 5.0
INSTALL_HINT = "pip install 'siteplan[distributed]'"

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


def check_scheduler(scheduler: str) -> str:
    """The scheduler, checked: one of :data:`SCHEDULERS` or a ``tcp://`` address."""
    s = str(scheduler).strip()
    if s in SCHEDULERS:
        return s
    if any(s.startswith(p) and len(s) > len(p) for p in ADDRESS_PREFIXES):
        return s
    raise UsageError(f"--scheduler {scheduler!r}: use {', '.join(SCHEDULERS)} or the address "
                     "of a dask scheduler, e.g. tcp://192.168.1.10:8786")


def chunk_bounds(n: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive chunks of at most ``size`` items out of ``n``."""
    if size < 1:
        raise UsageError(f"chunk size {size}: give at least 1 sample per chunk")
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def _import_dask(scheduler: str) -> Any:
    try:
        import dask
    except ImportError:
        raise UsageError(f"--scheduler {scheduler} needs dask, which is not installed: "
                         f"{INSTALL_HINT} (or use --scheduler sync)") from None
    return dask


def _connect(address: str) -> Any:
    """A dask.distributed client of the scheduler at ``address`` (UsageError if none
    answers within :data:`CONNECT_TIMEOUT_S`)."""
    _import_dask(address)
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"--scheduler {address} needs dask.distributed, which is not "
                         f"installed: {INSTALL_HINT}") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(
            f"--scheduler {address}: no dask scheduler answered within "
            f"{CONNECT_TIMEOUT_S:g} s ({type(exc).__name__}); start one with 'dask scheduler' "
            "and 'dask worker ADDRESS' on each machine, check the address and port, or use "
            "--scheduler sync") from None


def run_chunks(func: Callable[[S, T], R], shared: S, items: Sequence[T],
               scheduler: str = DEFAULT_SCHEDULER) -> list[R]:
    """``[func(shared, item) for item in items]``, run on ``scheduler``, in item order.

    ``func`` must be a module-level function (it is pickled for ``processes`` and for a
    cluster) and must not mutate ``shared``.
    """
    s = check_scheduler(scheduler)
    if s == "sync" or not items:
        return [func(shared, item) for item in items]
    if s in SCHEDULERS:
        dask = _import_dask(s)
        common = dask.delayed(shared, pure=True)
        tasks = [dask.delayed(func, pure=True)(common, item) for item in items]
        return list(dask.compute(*tasks, scheduler=s))
    client = _connect(s)
    try:
        common = client.scatter(shared, broadcast=True)
        futures = client.map(func, [common] * len(items), list(items), pure=False)
        return list(client.gather(futures))
    finally:
        client.close()
