"""Validation of raw experiment configs (YAML structures) into the dataclasses of ``config``.

Every check appends ``"field: problem"`` to a list instead of raising, so one error
message reports everything wrong with a config at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graphrec._registry import _registry
from graphrec.evaluate.registry import always_metrics, metric, metric_names
from graphrec.experiment._components import check_keys, dependencies, entries
from graphrec.experiment.config import (
    CONTROL,
    SPLIT_METHODS,
    ComponentSpec,
    DatasetSpec,
    EvaluateSpec,
    ExperimentConfig,
    SplitSpec,
    dataset_is_split,
    expand_grid,
    recommender_needs,
)

__all__ = ["parse"]

_TOP = (
    "name",
    "output",
    "dataset",
    "embedders",
    "detectors",
    "recommenders",
    "evaluate",
    "seeds",
    "control",
)
_DATASET = ("name", "path", "params", "preprocess", "split")
_SPLIT = ("method", "ratios", "seed", "leave_out", "valid", "merge_valid")
_PREPROCESS = ("binarize", "k_core")
_EVALUATE = (
    "k",
    "metrics",
    "part",
    "primary",
    "cold_threshold",
    "hot_quantile",
    "community_metrics",
    "sample_users",
)


def parse(raw: Any, errors: list[str], output: str | None = None) -> ExperimentConfig | None:
    """Validate ``raw`` into an :class:`ExperimentConfig`, appending problems to ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append(f"the config must be a mapping with keys {', '.join(_TOP)}")
        return None
    check_keys(raw, _TOP, "config", errors)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("name: required, a non-empty string")
        name = "experiment"
    out = output if output is not None else raw.get("output", f"runs/{name}")
    if not isinstance(out, (str, os.PathLike)):
        errors.append(f"output: expected a folder path, got {out!r}")
        out = f"runs/{name}"
    dataset = _dataset(raw.get("dataset"), errors)
    embedders = entries(raw.get("embedders"), "embedder", errors)
    detectors = entries(raw.get("detectors"), "detector", errors, embedders)
    recommenders = entries(raw.get("recommenders"), "recommender", errors)
    evaluate = _evaluate(raw.get("evaluate"), errors)
    seeds = _seeds(raw.get("seeds", [0]), errors)
    control = raw.get("control", True)
    if not isinstance(control, bool):
        errors.append(f"control: true or false, got {control!r}")
        control = True
    if control and not errors:
        detectors = with_control(detectors, recommenders)
    # a list that was given but holds only invalid entries has its own errors already
    given = {key: bool(raw.get(key)) for key in ("embedders", "detectors")}
    dependencies(embedders, detectors, recommenders, errors, given)
    if not detectors and not recommenders:
        errors.append("config: give at least one detector or recommender")
    if dataset is None:
        return None
    return ExperimentConfig(
        name=name,
        output=Path(out).expanduser().absolute(),
        dataset=dataset,
        embedders=tuple(embedders),
        detectors=tuple(detectors),
        recommenders=tuple(recommenders),
        evaluate=evaluate,
        seeds=seeds,
        control=control,
    )


def with_control(
    detectors: list[ComponentSpec], recommenders: list[ComponentSpec]
) -> list[ComponentSpec]:
    """``detectors`` with the single-community control (detector ``single``) appended
    when a recommender uses detected communities and no ``single`` entry is there, so
    every community-aware run is paired with the same recommender on one community.
    A config that writes its control by hand (``communities: single`` in a recommender's
    parameters, or a ``single`` detector) gets none added."""
    variants = [(r.name, p) for r in recommenders for p in r.variants()]
    uses = any(recommender_needs(name, p)[1] for name, p in variants)
    by_hand = any(p.get("communities") == CONTROL for _, p in variants)
    if not detectors or not uses or by_hand or any(d.name == CONTROL for d in detectors):
        return detectors
    return [*detectors, ComponentSpec("detector", CONTROL, {}, index=len(detectors))]


def _dataset(raw: Any, errors: list[str]) -> DatasetSpec | None:
    if not isinstance(raw, Mapping) or "name" not in raw:
        errors.append("dataset: required, a mapping with at least 'name'")
        return None
    check_keys(raw, _DATASET, "dataset", errors)
    registry = _registry("dataset")
    name = raw["name"]
    try:
        registry.get(name)
    except ValueError as exc:
        errors.append(f"dataset.name: {exc}")
        return None
    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        errors.append(f"dataset.params: expected a mapping, got {params!r}")
        params = {}
    valid = [p for p in registry.parameters(name) if p != "path"]
    bad = sorted(set(params) - set(valid))
    if bad:
        errors.append(
            f"dataset.params: dataset {name!r} got unknown parameter(s) {', '.join(bad)}; "
            f"valid parameters: {', '.join(valid) or '(none)'} (the folder goes in dataset.path)"
        )
    path = raw.get("path")
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            errors.append(f"dataset.path: expected a folder or file path, got {path!r}")
            path = None
        elif not Path(path).expanduser().exists():
            errors.append(
                f"dataset.path: {path} does not exist (relative paths are resolved against "
                f"the current directory, {Path.cwd()})"
            )
        else:
            path = str(Path(path).expanduser().absolute())
    elif "path" in registry.info(name).needs:
        errors.append(
            f"dataset.path: dataset {name!r} needs a path (the folder or file to read; "
            "it has no download)"
        )
    if not bad:  # the loader's parameter check, without loading anything
        given_path = {} if path is None else {"path": path}
        for variant in expand_grid(params):
            try:
                registry.check(name, {**variant, **given_path})
            except ValueError as exc:
                errors.append(f"dataset.params: {exc}")
                break
    returns_split = dataset_is_split(name)
    split = _split(raw.get("split"), returns_split, errors)
    preprocess = _preprocess(raw.get("preprocess"), errors)
    if returns_split and preprocess:
        errors.append(
            f"dataset.preprocess: {name!r} gives a ready split; it cannot be preprocessed"
        )
    return DatasetSpec(name, path, dict(params), preprocess, split)


def _split(raw: Any, returns_split: bool, errors: list[str]) -> SplitSpec:
    if raw is None:
        return SplitSpec("given" if returns_split else "random")
    if isinstance(raw, str):
        raw = {"method": raw}
    if not isinstance(raw, Mapping):
        errors.append(f"dataset.split: expected 'given' or a mapping, got {raw!r}")
        return SplitSpec()
    check_keys(raw, _SPLIT, "dataset.split", errors)
    method = raw.get("method", "given" if returns_split else "random")
    if method not in SPLIT_METHODS:
        errors.append(
            f"dataset.split.method: unknown split method {method!r}; "
            f"expected one of {', '.join(SPLIT_METHODS)}"
        )
        method = "random"
    if returns_split and method != "given":
        errors.append("dataset.split.method: this dataset is already split; use 'given'")
    if method == "given" and not returns_split:
        errors.append("dataset.split.method: 'given' needs a dataset that comes split (lightgcn)")
    ratios = raw.get("ratios", [0.8, 0.1, 0.1])
    ok = isinstance(ratios, Sequence) and len(ratios) == 3
    ok = ok and all(isinstance(r, (int, float)) and r >= 0 for r in ratios)
    if not ok or abs(sum(ratios) - 1) > 1e-9 or ratios[0] == 0:
        errors.append(
            "dataset.split.ratios: three shares (train > 0, valid, test) summing to 1, "
            f"got {ratios!r}"
        )
        ratios = [0.8, 0.1, 0.1]
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        errors.append(f"dataset.split.seed: a non-negative integer or null, got {seed!r}")
        seed = None
    leave_out = raw.get("leave_out", "last")
    if leave_out not in ("last", "random"):
        errors.append(f"dataset.split.leave_out: 'last' or 'random', got {leave_out!r}")
    flags = {k: raw.get(k, d) for k, d in (("valid", True), ("merge_valid", False))}
    for key, value in flags.items():
        if not isinstance(value, bool):
            errors.append(f"dataset.split.{key}: true or false, got {value!r}")
    return SplitSpec(method, tuple(float(r) for r in ratios), seed, leave_out, **flags)


def _preprocess(raw: Any, errors: list[str]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errors.append(f"dataset.preprocess: expected a mapping, got {raw!r}")
        return {}
    check_keys(raw, _PREPROCESS, "dataset.preprocess", errors)
    out: dict[str, Any] = {}
    if "binarize" in raw:
        b = raw["binarize"]
        if (
            b is not True
            and b is not None
            and (isinstance(b, bool) or not isinstance(b, (int, float)))
        ):
            errors.append(f"dataset.preprocess.binarize: a threshold, true or null, got {b!r}")
        elif b is not None:
            out["binarize"] = None if b is True else float(b)
    if "k_core" in raw:
        k = raw["k_core"]
        pair = [k, k] if isinstance(k, int) and not isinstance(k, bool) else k
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in pair)
        ):
            errors.append(f"dataset.preprocess.k_core: [min_user, min_item] or one int, got {k!r}")
        else:
            out["k_core"] = [int(v) for v in pair]
    return out


def _evaluate(raw: Any, errors: list[str]) -> EvaluateSpec:
    if raw is None:
        return EvaluateSpec()
    if not isinstance(raw, Mapping):
        errors.append(f"evaluate: expected a mapping, got {raw!r}")
        return EvaluateSpec()
    check_keys(raw, _EVALUATE, "evaluate", errors)
    k = raw.get("k", [10, 20])
    ks = [k] if isinstance(k, int) else k
    k_ok = (
        isinstance(ks, list)
        and bool(ks)
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in ks)
    )
    if not k_ok:
        errors.append(f"evaluate.k: positive integers, got {k!r}")
        ks = [10, 20]
    ks = sorted(set(ks))
    metrics = raw.get("metrics", list(EvaluateSpec.metrics))
    metrics = [metrics] if isinstance(metrics, str) else metrics
    selectable, reported = _run_metrics()
    bad = [m for m in metrics if m not in selectable] if isinstance(metrics, list) else [metrics]
    if bad or not metrics:
        errors.append(
            f"evaluate.metrics: unknown metric(s) {bad or metrics}; available: "
            f"{', '.join(selectable)} ({', '.join(reported)} are always reported, and "
            "outside and communities_reached where the run has communities)"
        )
        metrics = list(EvaluateSpec.metrics)
    part = raw.get("part", "test")
    if part not in ("test", "valid"):
        errors.append(f"evaluate.part: 'test' or 'valid', got {part!r}")
    primary = raw.get("primary", f"{'ndcg' if 'ndcg' in metrics else metrics[0]}@{ks[-1]}")
    base, _, at = str(primary).partition("@")
    at_ok = at.isdigit() and (int(at) in ks or not k_ok)  # a bad k is reported once, above
    if base not in (*metrics, *reported) or not at_ok:
        errors.append(
            f"evaluate.primary: 'metric@k' with metric in {', '.join([*metrics, *reported])} "
            f"and k in {ks}, got {primary!r}"
        )
    cold = raw.get("cold_threshold", 5)
    if isinstance(cold, bool) or not isinstance(cold, int) or cold < 0:
        errors.append(f"evaluate.cold_threshold: a non-negative integer, got {cold!r}")
    hot = raw.get("hot_quantile", 0.9)
    if not isinstance(hot, (int, float)) or not 0 < hot < 1:
        errors.append(f"evaluate.hot_quantile: a number in (0, 1), got {hot!r}")
    cm = raw.get("community_metrics", True)
    if not isinstance(cm, bool):
        errors.append(f"evaluate.community_metrics: true or false, got {cm!r}")
    sample = raw.get("sample_users")
    if sample is not None and (
        isinstance(sample, bool) or not isinstance(sample, int) or sample < 1
    ):
        errors.append(f"evaluate.sample_users: a positive integer (or null: all), got {sample!r}")
    return EvaluateSpec(tuple(ks), tuple(metrics), part, str(primary), cold, hot, cm, sample)


def _run_metrics() -> tuple[list[str], list[str]]:
    """Registered metrics a config may name, and those every run reports anyway.

    Both leave out the metrics that need communities (``outside``, ...): a run
    reports them when its recommender or detector gives communities.
    """

    def usable(name: str) -> bool:
        return not {"user_communities", "item_communities"} & set(metric(name).needs)

    reported = [n for n in always_metrics() if usable(n)]
    return [n for n in metric_names() if usable(n) and n not in reported], reported


def _seeds(raw: Any, errors: list[str]) -> tuple[int, ...]:
    seeds = [raw] if isinstance(raw, int) and not isinstance(raw, bool) else raw
    ok = isinstance(seeds, list) and seeds
    ok = ok and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
    if not ok or len(set(seeds)) != len(seeds):
        errors.append(f"seeds: distinct non-negative integers, got {raw!r}")
        return (0,)
    return tuple(seeds)
