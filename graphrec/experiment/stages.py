"""The stages of a run and their cache: data, embed, detect, evaluate.

A :class:`Job` is one stage of one run, identified by the hash of everything that
determines its output: the data's contents (:func:`dataset_content`), the config, the
code (:func:`graphrec._fingerprint.code_fingerprint`) and the upstream keys.
:func:`execute` does the work unless the job's result is cached, and writes its outputs
under ``<cache>/<stage>/<key>.*``, the JSON meta last (so a JSON file means a complete
result; it holds the BLAKE2b digest of every output file, which :meth:`Job.cached`
checks: a truncated or damaged entry is recomputed, with a warning):

- ``embed/<key>.npz``: the fitted embedder (its own ``save``; no pickle);
- ``detect/<key>.npz``: user (and item) labels; the JSON holds the community metrics;
- ``evaluate/<key>.per_user.csv.gz`` and ``<key>.recs.npz`` (top-K items and scores);
  the JSON holds the summary metrics and the breakdown per activity band.

Jobs are plain data (picklable), so any executor can run them.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from graphrec._fingerprint import code_fingerprint, file_digest
from graphrec.data.interactions import Interactions
from graphrec.experiment._data import (  # re-exported: the stages' public data functions
    _LOADED,  # noqa: F401  (the per-process memos, cleared through this module)
    _MEMO,  # noqa: F401
    Prepared,
    data_facts,
    dataset_content,
    load_communities,
    load_embedder,
    prepare_data,
    unreadable,
)
from graphrec.experiment._quality import community_quality, quality_graph_name
from graphrec.experiment._store import atomic_write, atomic_write_json, environment, read_json
from graphrec.experiment.config import EMBEDDING, build, injected

__all__ = [
    "OUTPUTS",
    "STAGES",
    "Job",
    "Prepared",
    "data_facts",
    "dataset_content",
    "execute",
    "load_communities",
    "load_embedder",
    "prepare_data",
]

logger = logging.getLogger(__name__)

STAGES = ("embed", "detect", "evaluate")
OUTPUTS = {  # the files of a cache entry besides its JSON meta
    "embed": (".npz",),
    "detect": (".npz",),
    "evaluate": (".recs.npz", ".per_user.csv.gz"),
}


@dataclass(frozen=True)
class Job:
    """One stage of a run: ``stage``, its hash ``key``, a JSON-able ``spec`` and the cache folder.

    ``spec`` holds ``data`` (dataset and split, resolved seeds included), ``data_key``,
    ``name`` and ``params`` of the component, and the upstream ``embed`` / ``detect``
    references (``{"name": ..., "key": ...}`` or None).
    """

    stage: str
    key: str
    spec: dict[str, Any] = field(hash=False, compare=False)
    cache: str = field(default="", hash=False, compare=False)
    recompute: bool = field(default=False, hash=False, compare=False)  # cache checked: miss

    def path(self, suffix: str = ".json") -> Path:
        """``<cache>/<stage>/<key><suffix>``."""
        return Path(self.cache) / self.stage / f"{self.key}{suffix}"

    @property
    def done(self) -> bool:
        """Whether a complete, intact result is in the cache (see :meth:`cached`)."""
        return self.cached() is not None

    def cached(self) -> dict[str, Any] | None:
        """The meta of the cached result, or None when there is none or it is damaged.

        An entry counts when its JSON meta parses, names this key, and every output
        file exists with the digest the meta recorded. A damaged entry (truncated
        file, unreadable JSON or archive) is reported with a warning and recomputed.
        """
        path = self.path()
        if not path.exists():
            return None
        problem = None
        try:
            meta = read_json(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            meta, problem = None, f"unreadable {path.name} ({exc})"
        if meta is not None:
            problem = self._check(meta)
        if problem is not None:
            logger.warning("cache entry %s is corrupt: %s; recomputing it", path, problem)
            return None
        return meta

    def _check(self, meta: Any) -> str | None:
        """What is wrong with a parsed meta and its files (None: nothing)."""
        if not isinstance(meta, dict) or meta.get("key") != self.key:
            return f"{self.path().name} does not describe job {self.key[:12]}"
        digests = meta.get("files")
        if not isinstance(digests, dict):
            return f"{self.path().name} records no file digests"
        for suffix in OUTPUTS[self.stage]:
            file = self.path(suffix)
            if not file.exists():
                return f"{file.name} is missing"
            if digests.get(suffix) != file_digest(file):
                return f"{file.name} does not match its recorded digest (truncated or changed)"
        return unreadable(self.stage, self.cache, self.key, meta)

    def inputs(self) -> list[str]:
        """Cache-relative paths of the upstream files this job reads."""
        out = []
        if self.spec.get("embed"):
            out.append(f"embed/{self.spec['embed']['key']}.npz")
        if self.spec.get("detect"):
            out.append(f"detect/{self.spec['detect']['key']}.npz")
        return out


def _data(job: Job) -> tuple[Prepared, float]:
    """The job's data and the seconds spent loading it in this call (0 when memoised)."""
    t0 = time.perf_counter()
    prepared = prepare_data(job.spec["data"], job.spec["data_key"])
    seconds = time.perf_counter() - t0
    meta = Path(job.cache) / "data" / f"{job.spec['data_key']}.json"
    try:
        intact = read_json(meta).get("content") == prepared.info["content"]
    except (OSError, ValueError, AttributeError):  # missing, unreadable or not a mapping
        intact = False
    if not intact:
        atomic_write_json(meta, {"spec": job.spec["data"], **prepared.info})
    return prepared, seconds


def _embedder_for(job: Job, train: Interactions) -> Any:
    ref = job.spec.get("embed")
    if not ref:
        return None
    emb = load_embedder(job.cache, ref)
    if not emb.train_.same_space(train):
        raise ValueError(f"cached embedder {ref['key'][:12]} was fitted on other data")
    emb.train_ = train  # the same interactions, with the side tables
    return emb


# ---------------------------------------------------------------------------- stages
def execute(job: Job) -> dict[str, Any]:
    """Run ``job`` unless its result is cached; return its meta (``cached`` says which).

    ``job.recompute`` skips the cache check (the runner made it already).
    """
    cached = None if job.recompute else job.cached()
    if cached is not None:
        cached["cached"] = True
        return cached
    t0 = time.perf_counter()
    prepared, data_seconds = _data(job)
    run = {"embed": _embed, "detect": _detect, "evaluate": _evaluate}[job.stage]
    kind = {"embed": "embedder", "detect": "detector", "evaluate": "recommender"}[job.stage]
    try:
        # a component's warnings are kept with its result and said once per experiment
        # by the runner (naming the component), not once per job from library lines
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            meta = run(job, prepared)
    except ValueError as exc:  # data-dependent problems: say which component met them
        params = ", ".join(f"{k}={v!r}" for k, v in job.spec.get("params", {}).items())
        raise ValueError(f"{kind} {job.spec.get('name')}({params}): {exc}") from exc
    said: dict[str, None] = {}
    for w in caught:
        if issubclass(w.category, UserWarning):  # what the component says to its user
            said[f"{kind} {job.spec.get('name')}: {w.message}"] = None
        else:  # a library's deprecation notes and the like go on as they came
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    meta["warnings"] = list(said)
    meta["seconds"] = {"data": data_seconds, **meta["seconds"]}
    meta["seconds"]["total"] = time.perf_counter() - t0
    meta.update(
        stage=job.stage,
        key=job.key,
        spec=job.spec,
        data=data_facts(prepared.info),
        code=code_fingerprint(),
        environment=environment(),
        files={suffix: file_digest(job.path(suffix)) for suffix in OUTPUTS[job.stage]},
    )
    atomic_write_json(job.path(), meta)  # last: marks the job complete
    meta["cached"] = False
    logger.info("%s %s done in %.2fs", job.stage, job.key[:12], meta["seconds"]["total"])
    return meta


def _embed(job: Job, data: Prepared) -> dict[str, Any]:
    spec = job.spec
    model = build("embedder", spec["name"], spec["params"])
    valid = data.valid if spec.get("use_valid", True) else None
    t0 = time.perf_counter()
    model.fit(data.train, valid=valid)
    fit = time.perf_counter() - t0
    model.save(job.path(".npz"), overwrite=True)
    info = {k: getattr(model, k) for k in ("best_epoch_", "epochs_run_") if hasattr(model, k)}
    return {
        "name": spec["name"],
        "params": spec["params"],
        "info": info,
        "training": training_facts(model),
        "seconds": {"fit": fit},
    }


def training_facts(model: Any) -> dict[str, Any]:
    """How an iteratively trained model stopped: ``stopped_by`` and the epochs it ran.

    ``stopped_by`` is ``"epochs"``, ``"early_stopping"`` or ``"time"`` (the model's
    ``stopped_by_``); ``n_epochs`` the epochs actually run (``n_epochs_``, else
    ``epochs_run_``); ``best_epoch`` the epoch whose weights were kept. Models that do
    not train in epochs give an empty dict.
    """
    n_epochs = getattr(model, "n_epochs_", None)
    if n_epochs is None:
        n_epochs = getattr(model, "epochs_run_", None)
    facts = {
        "stopped_by": getattr(model, "stopped_by_", None),
        "n_epochs": n_epochs,
        "best_epoch": getattr(model, "best_epoch_", None),
    }
    return {k: _plain_value(v) for k, v in facts.items() if v is not None}


def _plain_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _detect(job: Job, data: Prepared) -> dict[str, Any]:
    spec = job.spec
    emb = _embedder_for(job, data.train)
    detector = build("detector", spec["name"], spec["params"])
    t0 = time.perf_counter()
    detector.fit(data.train, embedder=emb) if emb is not None else detector.fit(data.train)
    fit = time.perf_counter() - t0
    comm = detector.communities_
    arrays = {"user_labels": np.asarray(comm.user_labels)}
    if comm.item_labels is not None:
        arrays["item_labels"] = np.asarray(comm.item_labels)
    atomic_write(job.path(".npz"), lambda fh: np.savez_compressed(fh, **arrays))
    t1 = time.perf_counter()
    metrics = (
        community_quality(data.train, comm, data_key=spec["data_key"])
        if spec.get("community_metrics", True)
        else {"n_communities": comm.n_communities}
    )
    return {
        "name": spec["name"],
        "params": spec["params"],
        "seed": comm.seed,
        "training": training_facts(detector),
        "metrics": metrics,
        "quality_graph": quality_graph_name(data.train, comm),
        "seconds": {"fit": fit, "metrics": time.perf_counter() - t1},
    }


def _evaluate(job: Job, data: Prepared) -> dict[str, Any]:
    from graphrec.evaluate.protocol import evaluate

    spec, ev = job.spec, job.spec["evaluate"]
    emb = _embedder_for(job, data.train)
    comm = load_communities(job.cache, spec["detect"]["key"]) if spec.get("detect") else None
    t0 = time.perf_counter()
    if spec["name"] == EMBEDDING:
        rec = emb
    else:
        params = dict(spec["params"])
        base = params.pop("base", None)  # a recommender entry, or the run's embedder
        if isinstance(base, Mapping):
            base = build("recommender", base["name"], base.get("params") or {})
        given = {"embedder": emb, "base": emb if base is None else base, "communities": comm}
        if params.get("communities") == "single":  # the control: all users in one community
            given["communities"] = params.pop("communities")
        extra = {p: given[p] for p in injected("recommender", spec["name"])}
        rec = build("recommender", spec["name"], params, **extra).fit(data.train)
    fit = time.perf_counter() - t0
    has_valid = data.valid is not None and data.valid.nnz > 0
    if ev["part"] == "test":
        target, exclude = data.test, [data.train, data.valid]
    else:
        if not has_valid:
            raise ValueError("evaluate.part is 'valid' but the split has no validation set")
        target, exclude = data.valid, [data.train]

    def run(on: Interactions, masked: list[Any]) -> Any:
        return evaluate(
            rec,
            on,
            k=ev["k"],
            exclude=masked,
            train=data.train,
            metrics=ev["metrics"],
            communities=comm,
            cold_threshold=ev["cold_threshold"],
            hot_quantile=ev["hot_quantile"],
            sample_users=ev.get("sample_users"),
            seed=0,
        )

    t1 = time.perf_counter()
    res = run(target, exclude)
    seconds = time.perf_counter() - t1
    selection = None
    if ev["part"] == "test" and has_valid:  # the part variants are chosen on
        chosen = run(data.valid, [data.train])
        selection = {"part": "valid", "summary": chosen.summary, "ci": _user_cis(chosen.per_user)}
    users = res.per_user["user"].to_numpy()
    scores = _scores(rec, users, res.recommendations)
    atomic_write(
        job.path(".recs.npz"),
        lambda fh: np.savez_compressed(fh, users=users, items=res.recommendations, scores=scores),
    )
    atomic_write(job.path(".per_user.csv.gz"), lambda fh: _csv_gz(res.per_user, fh))
    return {
        "name": spec["name"],
        "params": spec["params"],
        "summary": res.summary,
        "ci": res.ci or _user_cis(res.per_user),
        "selection": selection,
        "by_activity": _by_activity(res.per_user),
        "training": {} if spec["name"] == EMBEDDING else training_facts(rec),
        "n_users": len(users),
        "seconds": {"fit": fit, "evaluate": seconds},
    }


def _scores(rec: Any, users: np.ndarray, items: np.ndarray, batch: int = 1024) -> np.ndarray:
    """The recommender's score of each recommended item (same shape as ``items``; NaN
    for an empty ``-1`` slot)."""
    out = np.empty(items.shape, dtype=np.float32)
    for start in range(0, len(users), batch):
        block = np.asarray(rec.score(users[start : start + batch]), dtype=np.float32)
        rows = items[start : start + batch]
        picked = np.take_along_axis(block, np.maximum(rows, 0), 1)
        out[start : start + batch] = np.where(rows >= 0, picked, np.nan)
    return out


def _user_cis(per_user: Any, n_boot: int = 1000) -> dict[str, list[float]]:
    """95% bootstrap interval (users resampled, seed 0) of every per-user metric's mean."""
    from graphrec.evaluate.stats import bootstrap_cis

    columns = [c for c in per_user.columns if "@" in c]
    cis = bootstrap_cis(per_user[columns], n_boot=n_boot, random_state=0)
    return {c: [lo, hi] for c, (lo, hi) in cis.items()}


def _by_activity(per_user: Any) -> dict[str, dict[str, Any]]:
    """Per activity band: users, each per-user metric's mean and its bootstrap interval
    (``"<metric> ci"``: ``[lo, hi]``, users resampled, seed 0)."""
    if "activity" not in per_user.columns:
        return {}
    metric_cols = [c for c in per_user.columns if "@" in c]
    out: dict[str, dict[str, Any]] = {}
    for band, frame in per_user.groupby("activity"):
        row: dict[str, Any] = {"n_users": len(frame)}
        cis = _user_cis(frame)
        for c in metric_cols:
            row[c] = float(frame[c].mean())
            row[f"{c} ci"] = cis[c]
        out[str(band)] = row
    return out


def _csv_gz(frame: Any, fh: Any) -> None:
    import gzip

    with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(frame.to_csv(index=False).encode("utf-8"))


# ---------------------------------------------------------------------------- shipping
def execute_shipped(job: Job, inputs: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Run ``job`` in a private temporary cache holding only ``inputs``; return its files.

    Used by executors whose workers do not share the output folder (Ray on a cluster):
    the driver sends the upstream files and writes the returned ones into its cache.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="graphrec-job-") as tmp:
        for rel, blob in inputs.items():
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / rel).write_bytes(blob)
        meta = execute(replace(job, cache=tmp))
        files = {
            str(p.relative_to(tmp)): p.read_bytes()
            for p in Path(tmp).rglob("*")
            if p.is_file() and str(p.relative_to(tmp)) not in inputs and not p.name.startswith(".")
        }
    return meta, files
