"""Where trials run: a local pool of worker processes, or a Dask distributed cluster.

Both offer the same three calls (`submit`, `wait_any`, `close`), so the study loop
(study.py) does not know which it drives. Worker processes are started once and
reused for every trial, so a one-second trial does not pay for a process start;
they are spawned (not forked), so a Qt window's process is never copied.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from playground.document.errors import InputError

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """A worker's BLAS runs on one thread: the workers are the parallelism, and BLAS
    threads of several workers spinning on the same cores slowed a 2-worker sweep below
    a 1-worker one. Runs before the worker imports NumPy (this module does not)."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


class WorkerDied(Exception):
    """The worker process running a trial ended without an answer (killed, out of memory)."""


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class LocalPool:
    """A `ProcessPoolExecutor` of `workers` spawned processes; rebuilt if one is killed."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(self.workers, mp_context=context, initializer=one_blas_thread)

    def submit(self, fn: Callable, *args: Any):
        try:
            return self._pool.submit(fn, *args)
        except (cf.process.BrokenProcessPool, OSError):  # a worker was killed: a fresh pool
            # (OSError: the pool was spawning a worker as it broke and closed its queue)
            if not getattr(self._pool, "_broken", False):
                raise
            self._end_pool()
            self._pool = self._new_pool()
            return self._pool.submit(fn, *args)

    def _end_pool(self) -> None:
        """Shut the pool down now, ending its processes ourselves.

        A broken pool's manager thread joins the surviving workers, which wait for
        work forever (Python 3.11 does not terminate them): the test process then
        never exits. So the survivors are terminated here.
        """
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=2)

    def wait_any(self, futures, timeout: float):
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    @staticmethod
    def result(future) -> Any:
        try:
            return future.result()
        except cf.process.BrokenProcessPool as exc:
            raise WorkerDied(str(exc) or "a worker process ended unexpectedly") from None

    def close(self, cancel: bool = False) -> None:
        if cancel or getattr(self._pool, "_broken", False):  # stop now: running trials are
            self._end_pool()  # abandoned, finished rows are kept
        else:
            self._pool.shutdown(wait=True)


class DaskCluster:
    """The trials on a Dask distributed scheduler at `address` (`dask-scheduler`'s tcp://...).

    Dask retries a trial once when its worker dies (`retries=1`).
    """

    def __init__(self, address: str, timeout: float = 10.0):
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--scheduler needs Dask distributed: pip install 'backprop-playground[cluster]'"
            ) from None
        try:
            self._client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"could not reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._count = 0

    def submit(self, fn: Callable, *args: Any):
        self._count += 1
        return self._client.submit(fn, *args, pure=False, retries=1)

    def wait_any(self, futures, timeout: float):
        from distributed import wait

        try:
            done, _ = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return done

    @staticmethod
    def result(future) -> Any:
        try:
            return future.result()
        except Exception as exc:  # KilledWorker after the retry, or a lost connection
            raise WorkerDied(f"{type(exc).__name__}: {exc}") from None

    def close(self, cancel: bool = False) -> None:
        self._client.close()


CONNECT_SECONDS = 10.0  # how long to try reaching a Dask scheduler


def make_executor(workers: int | None, scheduler: str | None):
    """The Dask cluster at `scheduler`, else a local pool (one worker per core by default)."""
    if scheduler:
        return DaskCluster(scheduler, CONNECT_SECONDS)
    return LocalPool(workers or default_workers())
