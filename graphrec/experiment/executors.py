"""Executors run independent jobs and yield their results as they finish.

- ``"local"`` (default): in this process, one after the other;
- ``"process"``: a local pool of ``jobs`` processes (``spawn``; torch gets
  ``cpu_count // jobs`` threads per worker so the pool does not oversubscribe);
- ``"ray"``: Ray tasks, on the cluster of ``ray.init(address=...)`` (``$RAY_ADDRESS``) or a
  local one. Workers need graphrec and the dataset files, not the output folder: each
  task gets its upstream cache files and returns its outputs, which the driver writes.

>>> from graphrec.experiment.executors import make_executor
>>> with make_executor("local") as ex:
...     sorted(result for _, result in ex.map(abs, [-2, 1]))
[1, 2]
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

__all__ = [
    "EXECUTORS",
    "Executor",
    "LocalExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "make_executor",
]

logger = logging.getLogger(__name__)

EXECUTORS = ("local", "process", "ray")
T = TypeVar("T")


class Executor:
    """Base: ``map(fn, items)`` yields ``(item, fn(item))`` in completion order."""

    ships_files = False  # whether workers need the cache files sent to them

    def map(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        raise NotImplementedError  # pragma: no cover

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Run everything in this process, in order."""

    def map(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        for item in items:
            yield item, fn(item)


def _init_worker(threads: int) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass


class ProcessExecutor(Executor):
    """A pool of ``jobs`` worker processes (``spawn`` start method, threads split evenly)."""

    def __init__(self, jobs: int | None = None) -> None:
        import multiprocessing

        cpus = os.cpu_count() or 1
        self.jobs = max(1, jobs or cpus)
        threads = max(1, cpus // self.jobs)
        self._pool = ProcessPoolExecutor(
            self.jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(threads,),
        )

    def map(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        pending: dict[Future[Any], T] = {self._pool.submit(fn, item): item for item in items}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item = pending.pop(future)
                    yield item, future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor(Executor):
    """Ray tasks on an existing cluster (``address``) or a local Ray instance.

    ``ray.init`` is called only when Ray is not initialised yet, so a session that
    initialised Ray itself (e.g. with special resources) is used as it is.
    """

    ships_files = True

    def __init__(self, jobs: int | None = None, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ValueError(
                "the ray executor needs Ray: pip install 'graphrec[ray]' (or pip install ray)"
            ) from None
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"address": address} if address else {"num_cpus": jobs}
            ray.init(**kwargs, include_dashboard=False, log_to_driver=False)
            self._started = True
        self._remote = ray.remote(_call)

    def map(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        ray = self._ray
        pending = {self._remote.remote(fn, item): item for item in items}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    item = pending.pop(ref)
                    yield item, ray.get(ref)
        finally:
            for ref in pending:
                ray.cancel(ref)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def _call(fn: Callable[[T], Any], item: T) -> Any:
    return fn(item)


def make_executor(kind: str = "local", jobs: int | None = None, **options: Any) -> Executor:
    """An executor by name: ``"local"``, ``"process"`` or ``"ray"`` (``address=`` for Ray)."""
    if kind == "local":
        return LocalExecutor()
    if kind == "process":
        return ProcessExecutor(jobs)
    if kind == "ray":
        return RayExecutor(jobs, options.get("address"))
    raise ValueError(f"unknown executor {kind!r}; expected one of {', '.join(EXECUTORS)}")
