"""Where the runs go: this process, local processes, or a Dask cluster.

Every backend takes the batches of a sweep and calls ``record(rows, tables)`` in the
driver as each batch finishes, with at most a few batches per worker in flight (the
driver's memory stays flat). A batch's rows depend only on its runs, never on the
worker, so every backend gives the same rows. With Dask, a worker that dies takes its
tasks with it; the scheduler gives them to another worker and the driver receives
each batch's result once — nothing lost, nothing doubled.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from ..schema import ScenarioError
from .allocator import TRIM_VARIABLE

IN_FLIGHT_PER_WORKER = 2
CONNECT_TIMEOUT_S = 10
# The workers' self-observation a sweep does not need, each a callback that takes the GIL
# between a run's compiled calls: the statistical profiler (every 10 ms), GIL sampling
# (1 ms), the event-loop tick (20 ms) and the memory monitor (100 ms). Off or slowed in a
# LocalCluster started here, runs of commune_50k take as long in a worker as in serial.
QUIET_WORKERS = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.gil.enabled": False,
                 "distributed.worker.memory.monitor-interval": "1s", "distributed.admin.tick.interval": "1s"}


class Backend:
    """Base class: runs every batch in this process.

    Attributes:
        workers: number of runs that can go at once.

    """

    workers = 1
    name = "serial"

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    def submit(self, fn: Callable, *args) -> Future:
        """Start ``fn(*args)``; return its future."""
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def wait_any(self, futures: set) -> tuple[set, set]:
        """Wait for at least one future; return (finished, not finished)."""
        return wait(futures, return_when=FIRST_COMPLETED)

    def cancel(self, futures: set) -> None:
        """Cancel futures not started yet (after an interruption)."""
        for f in futures:
            f.cancel()

    def map_batches(self, fn: Callable, model: Callable, scenario, batches: list, series: bool,
                    record: Callable) -> None:
        """Run ``fn(model, scenario, batch, series)`` for every batch; ``record(*result)`` as they finish."""
        todo = iter(batches)
        running: set = set()
        limit = max(1, IN_FLIGHT_PER_WORKER * self.workers)
        try:
            while True:
                for batch in todo:
                    running.add(self.submit(fn, model, scenario, batch, series))
                    if len(running) >= limit:
                        break
                if not running:
                    return
                finished, running = self.wait_any(running)
                for future in finished:
                    record(*future.result())
        except BaseException:
            self.cancel(running)
            raise


class Serial(Backend):
    """Every run in this process, one after the other."""


class Processes(Backend):
    """Local processes (``forkserver``: no fork of a threaded parent).

    Args:
        jobs: number of processes.

    """

    name = "processes"

    def __init__(self, jobs: int | None = None):
        self.workers = jobs or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)

    def submit(self, fn: Callable, *args) -> Future:
        """See :meth:`Backend.submit`."""
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        """See :meth:`Backend.close`."""
        self.pool.shutdown(wait=True, cancel_futures=True)


class Dask(Backend):
    """A Dask distributed cluster: a LocalCluster of ``jobs`` workers, or the scheduler at ``address``.

    Args:
        address: ``tcp://HOST:PORT`` of a running scheduler (None: start a LocalCluster).
        jobs: workers of the LocalCluster (one thread each).

    """

    name = "dask"

    def __init__(self, address: str | None = None, jobs: int | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            self.cluster = _local_cluster(LocalCluster, jobs or os.cpu_count() or 1)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError, ValueError) as err:
                raise ScenarioError("--scheduler", address,
                                    f"no Dask scheduler answered within {CONNECT_TIMEOUT_S} s ({err}); start one "
                                    "with `dask scheduler` and `dask worker ADDRESS`, or check the address") from None
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable, *args):
        """See :meth:`Backend.submit`."""
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, futures: set) -> tuple[set, set]:
        """See :meth:`Backend.wait_any`."""
        from distributed import wait as dask_wait

        done, not_done = dask_wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(not_done)

    def cancel(self, futures: set) -> None:
        """See :meth:`Backend.cancel`."""
        if futures:
            self.client.cancel(list(futures))

    def close(self) -> None:
        """See :meth:`Backend.close`."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _local_cluster(cluster_class, workers: int):
    """A LocalCluster of quiet workers (``QUIET_WORKERS``) that keep glibc's adaptive allocator (:mod:`.allocator`).

    The nannies write their variables into this process's environment before they start
    a worker; the environment is given back as it was, so that processes started later
    (a process pool, a browser) do not inherit them.
    """
    import dask

    before = dict(os.environ)
    try:
        with dask.config.set({f"distributed.nanny.pre-spawn-environ.{TRIM_VARIABLE}": None, **QUIET_WORKERS}):
            return cluster_class(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    finally:
        os.environ.clear()
        os.environ.update(before)


def make_backend(name: str, jobs: int | None = None, scheduler: str | None = None) -> Backend:
    """The backend named ``serial``, ``processes`` or ``dask`` (``scheduler`` implies dask)."""
    if scheduler:
        return Dask(scheduler)
    if name == "serial":
        return Serial()
    if name == "processes":
        return Processes(jobs)
    if name == "dask":
        return Dask(None, jobs)
    raise ScenarioError("--backend", name, "unknown backend; choose serial, processes or dask")
