"""Expansion of a config into runs and the cached jobs they need.

Grids expand into variants; each variant gets a readable label (its name, plus the
parameters that vary: ``community_blend(alpha=0.3)``). For each seed and dataset
variant, every embedder, detector and recommender variant becomes a job whose key is
the hash of what determines it:

- data: the digest of the loaded dataset's contents (ids, weights, timestamps, side
  tables, loader report: :func:`~graphrec.experiment.stages.dataset_content`), the
  loader name and parameters, preprocessing and split, seeds resolved; not the path, so
  an edited file is recomputed and a moved one is not;
- embed: data key, embedder name and parameters (``random_state`` = the run seed unless
  given; ``verbose`` ignored), whether validation data is used;
- detect: data key, embed key (embedding-clustering detectors), detector and parameters;
- evaluate: data key, embed and detect keys, recommender and parameters, evaluation spec.

Every key includes the code: graphrec's version, the digest of its source files and the
versions of the packages that shape results (:func:`code_key`). Changing one parameter
changes only the keys downstream of it, so only those jobs run again. Planning reads
the dataset once per loader setting to hash it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from graphrec._fingerprint import code_fingerprint
from graphrec._registry import _registry
from graphrec.experiment._store import package_versions, stable_hash
from graphrec.experiment.config import (
    CONTROL,
    EMBEDDING,
    ComponentSpec,
    ExperimentConfig,
    fine_tunable_embedder,
    needs_fine_tunable,
    recommender_needs,
)
from graphrec.experiment.stages import STAGES, Job, dataset_content

__all__ = ["Plan", "Run", "Variant", "code_key", "make_plan"]

_NOT_HASHED = ("verbose",)


class Variant(NamedTuple):
    """One grid point of a config entry."""

    entry: ComponentSpec | None
    name: str
    params: dict[str, Any]
    label: str


@dataclass(frozen=True)
class Run:
    """One result row group: a detection (``kind="detect"``) or an evaluated recommender."""

    run: str
    kind: str
    dataset: str
    embedder: str
    detector: str
    recommender: str
    seed: int
    keys: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    control: str = ""  # a community-aware run: its single-community control run

    @property
    def final(self) -> str:
        """The key of the run's last job (its result)."""
        return self.keys["evaluate" if self.kind == "evaluate" else "detect"]

    @property
    def title(self) -> str:
        parts = [p for p in (self.embedder, self.detector, self.recommender) if p]
        return f"{self.dataset} | {' + '.join(parts)} | seed {self.seed}"


@dataclass
class Plan:
    """Runs in config order and the unique jobs of each stage (by key)."""

    runs: list[Run]
    jobs: dict[str, dict[str, Job]]

    def runs_of(self, key: str) -> list[Run]:
        """The runs whose result is the job ``key``."""
        return [r for r in self.runs if r.final == key]

    def describe(self, job: Job) -> str:
        """``dataset | component | seed N`` of a job, from the first run that uses it."""
        for run in self.runs:
            if run.keys.get(job.stage) == job.key:
                label = {"embed": run.embedder, "detect": run.detector}.get(
                    job.stage, run.recommender
                )
                return f"{run.dataset} | {label} | seed {run.seed}"
        return f"{job.stage} {job.key[:12]}"


def label_variants(items: Sequence[tuple[str, dict[str, Any]]]) -> tuple[list[str], set[str]]:
    """Labels for ``(base, params)`` items: the base, plus the parameters that vary and,
    for a recommender that starts from another (``base`` given as an entry), that base.

    Returns the labels and the names of the varying parameters. ``communities=None``
    (the detected communities, beside ``communities=single``) is not written out.

    >>> label_variants([("lightgcn", {"dim": 32, "lr": 0.1}), ("lightgcn", {"dim": 64, "lr": 0.1})])
    (['lightgcn(dim=32)', 'lightgcn(dim=64)'], {'dim'})
    >>> label_variants([("community_blend", {"base": {"name": "ease"}, "communities": c})
    ...                 for c in (None, "single")])[0]
    ['community_blend(base=ease)', 'community_blend(base=ease, communities=single)']
    """
    groups: dict[str, list[int]] = {}
    for i, (base, _) in enumerate(items):
        groups.setdefault(base, []).append(i)
    varying: set[str] = set()
    shown: list[list[str]] = [[] for _ in items]
    for members in groups.values():
        if len(members) < 2:
            continue
        keys = sorted({k for i in members for k in items[i][1]})
        vary = [k for k in keys if len({_show(items[i][1].get(k)) for i in members}) > 1]
        varying.update(vary)
        for i in members:
            shown[i] = vary
    labels = []
    for (base, params), vary in zip(items, shown):
        parts = [] if "base" in vary or not isinstance(params.get("base"), Mapping) else ["base"]
        parts += [k for k in vary if not (k == "communities" and params.get(k) is None)]
        inner = ", ".join(f"{k}={_show(params.get(k))}" for k in parts)
        labels.append(f"{base}({inner})" if inner else base)
    return labels, varying


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_show(v) for v in value) + "]"
    if isinstance(value, Mapping) and "name" in value:  # a component entry: base=ease(l2=100)
        inner = ", ".join(f"{k}={_show(v)}" for k, v in (value.get("params") or {}).items())
        return f"{value['name']}({inner})" if inner else str(value["name"])
    return str(value)


def _variants(entries: Sequence[ComponentSpec]) -> tuple[list[Variant], set[str]]:
    raw = [(e, p) for e in entries for p in e.variants()]
    labels, varying = label_variants([(e.label or e.name, p) for e, p in raw])
    if len(set(labels)) != len(labels):
        dup = next(lab for lab in labels if labels.count(lab) > 1)
        raise ValueError(f"two {entries[0].kind} entries are identical ({dup}); give each a label")
    return [Variant(e, e.name, p, lab) for (e, p), lab in zip(raw, labels)], varying


def _seeded(kind: str, name: str, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """``params`` with the seed parameter (``random_state``) set to the run seed, when the
    component declares it takes one (:attr:`graphrec._registry.Entry.takes_seed`)."""
    if name == EMBEDDING:
        return dict(params)
    key = _registry(kind).info(name).seed_param
    if key is None or key in params:
        return dict(params)
    return {**params, key: seed}


def code_key() -> dict[str, Any]:
    """What of the code enters every key: graphrec's version and source digest, and
    the installed versions of the packages that compute results (numpy, torch, ...)."""
    code = code_fingerprint()
    return {
        "graphrec": code["graphrec"],
        "source": code["source"],
        "packages": package_versions(),
    }


def _hashed(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in _NOT_HASHED}


def make_plan(cfg: ExperimentConfig, cache: str | Path) -> Plan:
    """Every run of ``cfg`` and the jobs they need, deduplicated by key.

    The dataset is read (once per loader setting) to key the jobs by its contents.
    """
    planner = _Planner(cfg, str(cache))
    for seed in cfg.seeds:
        for d_params, d_label in zip(planner.ds_params, planner.ds_labels):
            planner.add_seed(seed, d_params, d_label)
    return Plan(planner.runs, planner.jobs)


class _Planner:
    """Builds the jobs and runs of one config, seed by seed and dataset variant by variant."""

    def __init__(self, cfg: ExperimentConfig, cache: str) -> None:
        self.cfg, self.cache = cfg, cache
        self.code = code_key()
        self.contents: dict[str, str] = {}  # loader setting -> digest of what it loads
        ds = cfg.dataset
        self.ds_params = ds.variants()
        self.ds_labels, self.ds_vary = label_variants([(ds.name, p) for p in self.ds_params])
        self.embedders, self.emb_vary = _variants(cfg.embedders)
        self.detectors, self.det_vary = _variants(cfg.detectors)
        self.recommenders, self.rec_vary = _variants(cfg.recommenders)
        self.ev = {
            "k": list(cfg.evaluate.k),
            "metrics": list(cfg.evaluate.metrics),
            "part": cfg.evaluate.part,
            "cold_threshold": cfg.evaluate.cold_threshold,
            "hot_quantile": cfg.evaluate.hot_quantile,
        }
        if cfg.evaluate.sample_users is not None:  # only then, so other runs keep their keys
            self.ev["sample_users"] = cfg.evaluate.sample_users
        self.jobs: dict[str, dict[str, Job]] = {stage: {} for stage in STAGES}
        self.runs: list[Run] = []

    # ------------------------------------------------------------------ helpers
    def job(self, stage: str, spec: dict[str, Any], hashed: dict[str, Any]) -> str:
        key = stable_hash({"stage": stage, **hashed, "code": self.code})
        self.jobs[stage].setdefault(key, Job(stage, key, spec, self.cache))
        return key

    def data_spec(self, seed: int, d_params: dict[str, Any]) -> dict[str, Any]:
        ds = self.cfg.dataset
        params = dict(d_params)
        key = _registry("dataset").info(ds.name).seed_param
        if key is not None and key not in params:
            params[key] = seed  # generated data: a new draw per seed
        split = {
            "method": ds.split.method,
            "ratios": list(ds.split.ratios),
            "seed": seed if ds.split.seed is None else ds.split.seed,
            "leave_out": ds.split.leave_out,
            "valid": ds.split.valid,
            "merge_valid": ds.split.merge_valid,
        }
        dataset = {"name": ds.name, "path": ds.path, "params": params}
        tag = stable_hash(dataset)
        if tag not in self.contents:
            self.contents[tag] = dataset_content(dataset)
        return {
            "dataset": {**dataset, "preprocess": dict(ds.preprocess)},
            "split": split,
            "content": self.contents[tag],
        }

    # ------------------------------------------------------------------ one seed
    def add_seed(self, seed: int, d_params: dict[str, Any], d_label: str) -> None:
        data = self.data_spec(seed, d_params)
        where = {k: v for k, v in data["dataset"].items() if k != "path"}
        data_key = stable_hash({"data": {**data, "dataset": where}, "code": self.code})
        base = {"data": data, "data_key": data_key}
        flat = {f"dataset.{k}": d_params.get(k) for k in sorted(self.ds_vary)}
        ctx = _Context(seed, d_label, data_key, base, flat)
        emb_refs = {v.label: self.add_embedder(ctx, v) for v in self.embedders}
        detections = [det for v in self.detectors for det in self.add_detector(ctx, v, emb_refs)]
        for v in self.recommenders:
            self.add_recommender(ctx, v, emb_refs, detections)

    def add_run(
        self, ctx: _Context, kind: str, keys: dict[str, str], labels: tuple, extra: dict
    ) -> None:
        run_id = stable_hash({"keys": keys, "seed": ctx.seed, "labels": list(labels)})[:12]
        e, d, r = labels
        self.runs.append(
            Run(run_id, kind, ctx.label, e, d, r, ctx.seed, keys, {**ctx.flat, **extra})
        )

    def add_embedder(self, ctx: _Context, v: Variant) -> dict[str, str]:
        p = _seeded("embedder", v.name, v.params, ctx.seed)
        use_valid = self.cfg.evaluate.part == "test"  # early stopping, never on the test part
        spec = {**ctx.base, "name": v.name, "params": p, "use_valid": use_valid}
        hashed = {
            "data": ctx.data_key,
            "name": v.name,
            "params": _hashed(p),
            "use_valid": use_valid,
        }
        return {"name": v.name, "key": self.job("embed", spec, hashed)}

    def add_detector(
        self, ctx: _Context, v: Variant, emb_refs: dict[str, dict[str, str]]
    ) -> list[tuple[Variant, Variant | None, str]]:
        assert v.entry is not None
        uses = v.entry.embedder
        choices: list[Variant | None] = (
            [None]
            if uses is None
            else [e for e in self.embedders if e.entry is not None and e.entry.index in uses]
        )
        out = []
        for e in choices:
            p = _seeded("detector", v.name, v.params, ctx.seed)
            ref = emb_refs[e.label] if e is not None else None
            metrics = self.cfg.evaluate.community_metrics
            spec = {
                **ctx.base,
                "name": v.name,
                "params": p,
                "embed": ref,
                "community_metrics": metrics,
            }
            hashed = {
                "data": ctx.data_key,
                "name": v.name,
                "params": _hashed(p),
                "embed": ref and ref["key"],
                "community_metrics": metrics,
            }
            key = self.job("detect", spec, hashed)
            out.append((v, e, key))
            keys = ({"embed": ref["key"]} if ref else {}) | {"detect": key}
            extra = self.flat(e, v, None)
            self.add_run(ctx, "detect", keys, (e.label if e else "", v.label, ""), extra)
        return out

    def add_recommender(
        self,
        ctx: _Context,
        v: Variant,
        emb_refs: dict[str, dict[str, str]],
        detections: list[tuple[Variant, Variant | None, str]],
    ) -> None:
        needs_emb, needs_comm = recommender_needs(v.name, v.params)
        # a recommender that fine-tunes its embedder is paired with fine-tunable ones only
        usable = self.embedders
        if needs_fine_tunable(v.name):
            usable = [e for e in self.embedders if fine_tunable_embedder(e.name)]
        # (detector, embedder shown for the run, detect key, embedder the recommender uses)
        combos: list[tuple[Variant | None, Variant | None, str | None, Variant | None]] = []
        if needs_comm:
            for det, det_emb, det_key in detections:
                if det_emb is not None:  # an embedding detector: keep to its embedder
                    if not needs_emb:
                        combos.append((det, det_emb, det_key, None))
                    elif det_emb in usable:
                        combos.append((det, det_emb, det_key, det_emb))
                elif needs_emb:
                    combos.extend((det, e, det_key, e) for e in usable)
                else:
                    combos.append((det, None, det_key, None))
        elif needs_emb:
            combos.extend((None, e, None, e) for e in usable)
        else:
            combos.append((None, None, None, None))
        p = _seeded("recommender", v.name, v.params, ctx.seed)
        single = next((key for det, _, key in detections if det.name == CONTROL), None)
        first = len(self.runs)
        made: dict[tuple[str, str | None], int] = {}  # (recommender's embedder, detect key)
        for det, run_emb, det_key, rec_emb in combos:
            ref = emb_refs[rec_emb.label] if rec_emb is not None else None
            detect = {"key": det_key} if det_key else None
            spec = {**ctx.base, "name": v.name, "params": p, "embed": ref, "detect": detect}
            hashed = {
                "data": ctx.data_key,
                "name": v.name,
                "params": _hashed(p),
                "embed": ref and ref["key"],
                "detect": det_key,
                "evaluate": self.ev,
            }
            key = self.job("evaluate", {**spec, "evaluate": self.ev}, hashed)
            keys = {"embed": emb_refs[run_emb.label]["key"]} if run_emb is not None else {}
            keys |= ({"detect": det_key} if det_key else {}) | {"evaluate": key}
            labels = (run_emb.label if run_emb else "", det.label if det else "", v.label)
            self.add_run(ctx, "evaluate", keys, labels, self.flat(run_emb, det, v))
            made[(rec_emb.label if rec_emb else "", det_key)] = len(self.runs) - 1
        if single is None:
            return
        for (emb, det_key), i in made.items():  # pair each run with its control
            control = made.get((emb, single))
            if det_key != single and control is not None and i >= first:
                self.runs[i] = replace(self.runs[i], control=self.runs[control].run)

    def flat(self, emb: Variant | None, det: Variant | None, rec: Variant | None) -> dict[str, Any]:
        """The varying parameters of a run's components, as ``kind.param`` columns."""
        out: dict[str, Any] = {}
        for kind, v, vary in (
            ("embedder", emb, self.emb_vary),
            ("detector", det, self.det_vary),
            ("recommender", rec, self.rec_vary),
        ):
            if v is not None:
                out.update({f"{kind}.{k}": v.params[k] for k in sorted(vary) if k in v.params})
        return out


class _Context(NamedTuple):
    seed: int
    label: str
    data_key: str
    base: dict[str, Any]
    flat: dict[str, Any]
