"""The data of a run: loading (with its content digest), preprocessing, splitting; cache loads.

:func:`prepare_data` loads, preprocesses and splits a dataset as a job's spec says
(memoised per process); :func:`dataset_content` is the digest the cache is keyed by;
:func:`load_embedder` / :func:`load_communities` read what upstream jobs saved.
Re-exported by :mod:`graphrec.experiment.stages`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from graphrec._cache import BoundedCache
from graphrec._fingerprint import content_digest
from graphrec._registry import _registry
from graphrec.community.base import Communities
from graphrec.data.interactions import Interactions
from graphrec.experiment._store import read_json, stable_hash

__all__ = [
    "Prepared",
    "data_facts",
    "dataset_content",
    "load_communities",
    "load_embedder",
    "prepare_data",
]

# per process: the last datasets prepared, by data key; the last loads (object, content digest)
_MEMO: BoundedCache[Prepared] = BoundedCache(2, "prepared datasets")
_LOADED: BoundedCache[tuple[Any, str]] = BoundedCache(8, "loaded datasets")
_NOT_CONTENT = frozenset({"source"})  # meta keys that say where the data is, not what


def remember(key: str, fetch: Callable[[], Prepared]) -> None:
    """Keep ``fetch()`` as this process's prepared data of ``key`` unless it is kept already
    (an executor's worker, handed the data, so that no task loads the dataset itself)."""
    _MEMO.get_or_compute(key, fetch)


class Prepared(NamedTuple):
    """The data of a run: train / valid (or None) / test, and facts about them."""

    train: Interactions
    valid: Interactions | None
    test: Interactions
    info: dict[str, Any]


# ---------------------------------------------------------------------------- data
def _source_spec(ds: dict[str, Any]) -> dict[str, Any]:
    return {"name": ds["name"], "path": ds.get("path"), "params": ds.get("params", {})}


def _load(ds: dict[str, Any], expected: str | None = None) -> tuple[Any, str]:
    """The dataset ``ds`` names, loaded, and the digest of its contents.

    A load kept from earlier in this process is reused only when it has the
    ``expected`` digest; otherwise the files are read again. A ``ValueError`` says so
    when they no longer hold the data the cache was keyed by.
    """
    from graphrec.data.loaders import load_dataset

    tag = stable_hash(_source_spec(ds))
    kept = _LOADED.get(tag)
    if kept is not None and expected is not None and kept[1] == expected:
        return kept
    obj = load_dataset(ds["name"], path=ds.get("path"), **ds.get("params", {}))
    content = content_digest(obj, ignore_keys=_NOT_CONTENT)
    _LOADED.put(tag, (obj, content))
    if expected is not None and content != expected:
        where = f" at {ds['path']}" if ds.get("path") else ""
        raise ValueError(
            f"dataset {ds['name']!r}{where} changed since the experiment was planned or run "
            f"(contents {expected[:12]}, now {content[:12]}); run the experiment again to "
            "recompute its results on the current data"
        )
    return obj, content


def dataset_content(ds: dict[str, Any]) -> str:
    """BLAKE2b digest of what dataset spec ``ds`` loads (read afresh from its files).

    Ids, weights, timestamps, side tables, the friend graph and the loader's report
    are hashed; where the files lie is not. The loaded data is kept for the jobs that
    run next in this process.
    """
    return _load(ds)[1]


def prepare_data(spec: dict[str, Any], key: str) -> Prepared:
    """Load, preprocess and split a dataset as ``spec`` says (memoised per process by ``key``).

    ``spec["content"]`` (set by the planner) is the digest the data must have; data that
    changed since raises a ``ValueError`` rather than giving results of other data.
    """
    kept = _MEMO.get(key)
    if kept is not None:
        return kept
    from graphrec.data.preprocess import binarize, k_core
    from graphrec.data.split import Split, split

    t0 = time.perf_counter()
    ds, sp_ = spec["dataset"], spec["split"]
    obj, content = _load(ds, spec.get("content"))
    if isinstance(obj, Split):
        if sp_["method"] != "given":
            raise ValueError(f"dataset {ds['name']!r} comes split; use split method 'given'")
        parts = obj
        load_report = dict(obj.train.meta.get("report", {}))
    else:
        if sp_["method"] == "given":
            raise ValueError(f"dataset {ds['name']!r} is not split; choose a split method")
        data = obj
        load_report = dict(obj.meta.get("report", {}))
        pre = ds.get("preprocess", {})
        if "binarize" in pre:
            data = binarize(data, pre["binarize"])
        if "k_core" in pre:
            data = k_core(data, *pre["k_core"])
        parts = split(
            data,
            sp_["method"],
            ratios=tuple(sp_["ratios"]),
            seed=sp_["seed"],
            leave_out=sp_["leave_out"],
            valid=sp_["valid"],
        )
    train, valid, test = parts.train, parts.valid, parts.test
    if sp_.get("merge_valid") and valid is not None:
        train, valid = train + valid, None
    info = {
        "users": train.n_users,
        "items": train.n_items,
        "train": train.nnz,
        "valid": None if valid is None else valid.nnz,
        "test": test.nnz,
        "report": dict(parts.report),
        "load_report": load_report,
        "content": content,
        "seconds": time.perf_counter() - t0,
    }
    prepared = Prepared(train, valid, test, info)
    _MEMO.put(key, prepared)
    return prepared


def data_facts(info: dict[str, Any]) -> dict[str, Any]:
    """What a job's meta records about its data: sizes, digest, loading and split reports."""
    keys = ("content", "users", "items", "train", "valid", "test", "load_report", "report")
    return {k: info.get(k) for k in keys}


# ---------------------------------------------------------------------------- loading
def load_embedder(cache: str | Path, ref: dict[str, Any]) -> Any:
    """The fitted embedder saved by an embed job (``ref = {"name": ..., "key": ...}``)."""
    cls = _registry("embedder").get(ref["name"])
    return cls.load(Path(cache) / "embed" / f"{ref['key']}.npz")


def unreadable(stage: str, cache: str | Path, key: str, meta: dict[str, Any]) -> str | None:
    """Why the files of a cache entry cannot be used, or None when they can.

    The digests say a file is the one written; this says it holds what a job reads
    (an embedder that loads, labels and top-K arrays that open), so an entry written
    by a faulty writer is recomputed instead of stopping the run later.
    """
    try:
        if stage == "embed":
            load_embedder(cache, {"name": meta.get("name"), "key": key})
        elif stage == "detect":
            communities = load_communities(cache, key)
            if communities.user_labels.ndim != 1:
                return "its user labels are not a vector"
        elif stage == "evaluate":
            with np.load(Path(cache) / "evaluate" / f"{key}.recs.npz", allow_pickle=False) as f:
                users, items, scores = f["users"], f["items"], f["scores"]
            if items.shape != scores.shape or len(users) != len(items):
                return f"its top-K arrays disagree ({users.shape}, {items.shape}, {scores.shape})"
    except (KeyError, OSError, ValueError, EOFError, TypeError, IndexError) as exc:
        return f"its {stage} output cannot be read ({type(exc).__name__}: {exc})"
    return None


def load_communities(cache: str | Path, key: str) -> Communities:
    """The communities saved by a detect job."""
    path = Path(cache) / "detect" / f"{key}.npz"
    with np.load(path, allow_pickle=False) as f:
        users = f["user_labels"]
        items = f["item_labels"] if "item_labels" in f.files else None
    meta_path = path.with_suffix(".json")
    meta = read_json(meta_path) if meta_path.exists() else {}
    return Communities(users, items, meta.get("name", ""), meta.get("params", {}), meta.get("seed"))
