"""Executors run independent jobs and yield their results as they finish.

- ``"local"`` (default): in this process, one after the other;
- ``"process"``: a local pool of ``jobs`` processes (``spawn``; torch gets
  ``cpu_count // jobs`` threads per worker so the pool does not oversubscribe); the
  workers end when the parent does, however it ends;
- ``"ray"``: Ray tasks, on the cluster of ``ray.init(address=...)`` (``$RAY_ADDRESS``) or a
  local one. Workers need graphrec, not the dataset files nor the output folder: the
  prepared data and each upstream cache file go to the object store once, each task gets
  their references and returns its outputs, which the driver writes.

>>> from graphrec.experiment.executors import make_executor
>>> with make_executor("local") as ex:
...     sorted(result for _, result in ex.map(abs, [-2, 1]))
[1, 2]
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from graphrec.experiment import _data
from graphrec.experiment.stages import STAGES, Job, Prepared, prepare_data

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


def _init_worker(threads: int, parent: int | None = None) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    if parent is not None:
        _watch_parent(parent)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass


def _watch_parent(parent: int, every: float = 0.2) -> threading.Thread:
    """End this worker as soon as its parent is gone (killed, even by SIGKILL).

    A worker whose parent died is re-parented, so ``os.getppid()`` changes; a daemon
    thread checks it and exits the process, which would otherwise wait for work forever.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    thread = threading.Thread(target=watch, name="graphrec-parent-watch", daemon=True)
    thread.start()
    return thread


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
            initargs=(threads, os.getpid()),
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

    The runner's jobs arrive as ``(job, files)`` items (every executor that
    :attr:`ships_files` gets them so). The data is shipped once: for each dataset split
    the driver prepares it (as the local executor would), puts it in the object store
    once (``ray.put``) and every task gets its reference; each upstream cache file (an
    embedding that several detections read) is put once as well. A worker process keeps a
    writable copy of the data it fetched for its next tasks (one copy per worker process:
    its memory). So workers need graphrec but neither the dataset files nor the output
    folder. :attr:`shipped` records what was put and, per task, the bytes of its
    arguments and where it ran.

    Each task asks for ``num_cpus=1``, and ``num_gpus=1`` when its component's
    ``device`` parameter names a CUDA device (a task without a GPU sees none, so
    ``device="auto"`` runs on the CPU there), and is spread over the nodes (Ray's
    ``"SPREAD"`` strategy, best effort: a grid's tasks are independent, so it fills the
    cluster rather than packing one node). ``resources`` overrides this per stage,
    e.g. ``{"embed": {"num_cpus": 4, "num_gpus": 1}}`` (any of ``num_cpus``,
    ``num_gpus``, ``memory`` in bytes, and ``resources``, a mapping of custom resources).

    ``ray.init`` is called only when Ray is not initialised yet, so a session that
    initialised Ray itself (e.g. with special resources) is used as it is.
    """

    ships_files = True

    def __init__(
        self,
        jobs: int | None = None,
        address: str | None = None,
        resources: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.resources = check_resources(resources)
        try:
            import ray
        except ImportError:
            raise ValueError(
                "the ray executor needs Ray: pip install 'graphrec[ray]' (or pip install ray)"
            ) from None
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"address": address} if address else {}
            if not address and jobs and not os.environ.get("RAY_ADDRESS"):
                kwargs["num_cpus"] = jobs  # a local Ray of `jobs` CPUs
            ray.init(**kwargs, include_dashboard=False, log_to_driver=False)
            self._started = True
        self._remote = ray.remote(_call)
        self._job_remote = ray.remote(_run_job)
        self._refs: dict[str, Any] = {}  # data key or cache file -> object reference
        self.shipped: dict[str, Any] = {"objects": {}, "tasks": []}

    def map(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        ray = self._ray
        items = list(items)
        jobs = [item[0] for item in items if _is_job_item(item)]  # type: ignore[index]
        options = {job.key: task_options(job, self.resources) for job in jobs}
        check_feasible(options.values(), ray.cluster_resources())
        pending: dict[Any, T] = {}
        for item in items:
            if _is_job_item(item):
                job, files = item  # type: ignore[misc]
                args = (job, self._put_files(files), [self._put_data(job)])
                task = {"stage": job.stage, "key": job.key, "options": options[job.key]}
                task["arg_bytes"] = _arg_bytes(args)
                self.shipped["tasks"].append(task)
                opts = {**task["options"], "scheduling_strategy": "SPREAD"}
                ref = self._job_remote.options(**opts).remote(fn, *args)
            else:
                task = None
                ref = self._remote.remote(fn, item)
            pending[ref] = (item, task)  # type: ignore[assignment]
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    item, task = pending.pop(ref)  # type: ignore[misc]
                    result = ray.get(ref)
                    if task is not None:
                        result, where = result
                        task.update(where)
                    yield item, result
        finally:
            for ref in pending:
                ray.cancel(ref)

    def _put(self, name: str, make: Callable[[], Any]) -> Any:
        """The object reference of ``name``, putting ``make()`` in the store the first time."""
        ref = self._refs.get(name)
        if ref is None:
            value = make()
            ref = self._refs[name] = self._ray.put(value)
            self.shipped["objects"][name] = payload_bytes(value)
        return ref

    def _put_data(self, job: Job) -> Any:
        key = job.spec["data_key"]
        return self._put(f"data/{key}", lambda: prepare_data(job.spec["data"], key))

    def _put_files(self, files: Mapping[str, bytes]) -> dict[str, Any]:
        # a cache file's name holds the key of its job, so a name is one content
        return {rel: self._put(rel, lambda blob=blob: blob) for rel, blob in files.items()}

    def close(self) -> None:
        self._refs.clear()
        if self._started:
            self._ray.shutdown()


def _call(fn: Callable[[T], Any], item: T) -> Any:
    return fn(item)


def _is_job_item(item: Any) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], Job)
        and isinstance(item[1], Mapping)
    )


def _arg_bytes(args: tuple[Job, dict[str, Any], list[Any]]) -> int:
    """Bytes of a task's arguments; a reference that does not pickle (a Ray Client one)
    counts as its id."""
    try:
        return payload_bytes(args)
    except Exception:  # whatever pickling a foreign reference raises
        job, files, data = args
        return payload_bytes(job) + sum(len(r.binary()) for r in [*files.values(), *data])


def _run_job(
    fn: Callable[[tuple[Job, dict[str, bytes]]], Any],
    job: Job,
    files: dict[str, Any],
    data: list[Any],
) -> tuple[Any, dict[str, Any]]:
    """A Ray task: fetch the job's data (once per worker process) and files, run ``fn``."""
    import ray

    # a zero-copy get gives read-only arrays, which some components rewrite in place
    remember_data(job.spec["data_key"], lambda: copy.deepcopy(ray.get(data[0])))
    blobs = dict(zip(files, ray.get(list(files.values())))) if files else {}
    result = fn((job, blobs))
    where = {"node": ray.get_runtime_context().get_node_id(), "pid": os.getpid()}
    return result, where


def remember_data(key: str, fetch: Callable[[], Prepared]) -> None:
    """Keep ``fetch()`` as this process's prepared data of ``key`` unless it is kept already.

    The stages then find it where :func:`~graphrec.experiment.stages.prepare_data` keeps
    what it prepared, so a task never loads the dataset itself.
    """
    _data.remember(key, fetch)


def task_options(job: Job, resources: Mapping[str, Mapping[str, Any]] | None = None) -> dict:
    """The resources the Ray task of ``job`` asks for (see :class:`RayExecutor`).

    >>> from graphrec.experiment.stages import Job
    >>> task_options(Job("embed", "k", {"params": {"device": "cuda"}}))
    {'num_cpus': 1, 'num_gpus': 1}
    >>> task_options(Job("detect", "k", {"params": {}}), {"detect": {"num_cpus": 2}})
    {'num_cpus': 2}
    """
    device = str((job.spec.get("params") or {}).get("device", ""))
    options: dict[str, Any] = {"num_cpus": 1}
    if device == "cuda" or device.startswith("cuda:"):
        options["num_gpus"] = 1
    options.update((resources or {}).get(job.stage, {}))
    return options


def check_feasible(options: Iterable[Mapping[str, Any]], cluster: Mapping[str, float]) -> None:
    """Raise a ``ValueError`` if a task asks for more than the whole cluster has.

    Ray would otherwise keep such a task pending for ever. ``cluster`` is
    ``ray.cluster_resources()`` (an autoscaling cluster counts the nodes it has now).

    >>> check_feasible([{"num_cpus": 1, "num_gpus": 1}], {"CPU": 2.0})
    Traceback (most recent call last):
    ...
    ValueError: a task asks for num_gpus=1 but the Ray cluster has 0 in all; ...
    """
    names = {"num_cpus": "CPU", "num_gpus": "GPU", "memory": "memory"}
    for opts in options:
        wanted = {names[k]: v for k, v in opts.items() if k in names}
        wanted.update(opts.get("resources") or {})
        for name, amount in wanted.items():
            have = cluster.get(name, 0)
            if amount > have:
                option = next((k for k, v in names.items() if v == name), f"resources.{name}")
                raise ValueError(
                    f"a task asks for {option}={amount} but the Ray cluster has {have:g} in "
                    "all; add such nodes, or lower the executor's resources (a component's "
                    "device='cuda' asks for one GPU)"
                )


def payload_bytes(obj: Any) -> int:
    """Bytes of ``obj`` serialised as Ray does (pickle protocol 5, arrays out of band).

    >>> import numpy as np
    >>> payload_bytes(np.zeros(1000)) > 8000
    True
    """
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    return len(stream) + sum(buf.raw().nbytes for buf in buffers)


_RESOURCE_KEYS = ("num_cpus", "num_gpus", "memory", "resources")


def check_resources(
    resources: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, dict[str, Any]]:
    """Validate the per-stage Ray task resources (see :class:`RayExecutor`).

    >>> check_resources({"embed": {"num_gpus": 1}})
    {'embed': {'num_gpus': 1}}
    >>> check_resources({"train": {}})
    Traceback (most recent call last):
    ...
    ValueError: resources: unknown stage 'train'; expected one of embed, detect, evaluate
    """
    out: dict[str, dict[str, Any]] = {}
    for stage, options in (resources or {}).items():
        if stage not in STAGES:
            raise ValueError(
                f"resources: unknown stage {stage!r}; expected one of {', '.join(STAGES)}"
            )
        if not isinstance(options, Mapping):
            raise ValueError(f"resources[{stage!r}] must be a mapping, got {options!r}")
        for name, value in options.items():
            where = f"resources[{stage!r}][{name!r}]"
            if name not in _RESOURCE_KEYS:
                raise ValueError(f"{where}: unknown; expected one of {', '.join(_RESOURCE_KEYS)}")
            values = (
                value.values() if name == "resources" and isinstance(value, Mapping) else [value]
            )
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise ValueError(f"{where} must be a non-negative number, got {value!r}")
        out[stage] = dict(options)
    return out


def make_executor(kind: str = "local", jobs: int | None = None, **options: Any) -> Executor:
    """An executor by name: ``"local"``, ``"process"`` or ``"ray"`` (``address=`` and
    ``resources=`` for Ray, see :class:`RayExecutor`)."""
    if kind == "local":
        return LocalExecutor()
    if kind == "process":
        return ProcessExecutor(jobs)
    if kind == "ray":
        return RayExecutor(jobs, options.get("address"), options.get("resources"))
    raise ValueError(f"unknown executor {kind!r}; expected one of {', '.join(EXECUTORS)}")
