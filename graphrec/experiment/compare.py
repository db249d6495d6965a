"""Compare community detection methods on one dataset, in one table.

:func:`compare_methods` runs an experiment (so everything is cached and recorded like any
other): the methods on one split of the data, embedding-clustering methods on an SVD
embedding, and the community-aware recommenders on each partition. The table has one
column per method and one row per measure:

- structure: number of communities, largest share, modularity and mean conductance on
  the user projection each method partitioned (row ``quality graph`` names it; methods
  that do not partition a projection are measured on the reference cosine top-50
  projection), Barber's bipartite modularity;
- ground truth (synthetic data): NMI and ARI with the planted communities;
- side information: friend-pair lift (Last.fm) and NMI lift of categorical user
  features such as gender or age band (MovieLens), against label shuffles;
- agreement: ARI with each other method;
- downstream: Recall, NDCG and coverage at K of each community-aware recommender, and
  beside them the same measures of the baselines (``baselines``): by default popularity
  and the base recommender the blended recommenders start from (the embedder's own
  scores); name any registered recommender to add its row, e.g. the strong bases
  ``ease`` or ``graph_filter`` (``--baselines popularity embedding ease``): one value
  each, repeated per method.

The data is loaded, preprocessed (``preprocess``: binarise at a threshold, k-core, as
in a config's ``dataset.preprocess``) and split as a config with the same ``dataset``
section would, so a method finds the same communities here as in ``graphrec run``
(:func:`detect_communities` gives one method's partition that way, for profiles).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from graphrec._registry import _registry
from graphrec.community import quality
from graphrec.experiment._quality import quality_graph_name
from graphrec.experiment._store import read_json
from graphrec.experiment.config import (
    EMBEDDING,
    dataset_is_split,
    detector_needs_embedder,
    recommender_needs,
)
from graphrec.experiment.results import ExperimentResult

__all__ = [
    "DEFAULT_BASELINES",
    "DEFAULT_METHODS",
    "DEFAULT_RECOMMENDERS",
    "compare_methods",
    "detect_communities",
]

DEFAULT_METHODS = (
    "louvain",
    "leiden",
    "label_propagation",
    "bipartite_louvain",
    "bipartite_leiden",
    "spectral_bipartite",
    "kmeans",
    "agglomerative",
)
DEFAULT_RECOMMENDERS = ("community_popularity", "community_blend", "community_restricted")
DEFAULT_BASELINES = ("popularity", EMBEDDING)  # EMBEDDING: the blends' base, the embedder
SYNTHETIC = {"n_users": 1000, "n_items": 500, "n_communities": 5, "mu": 0.2}


def compare_config(
    dataset: str,
    *,
    path: str | os.PathLike[str] | None = None,
    methods: Sequence[str] | None = None,
    recommenders: Sequence[str] = DEFAULT_RECOMMENDERS,
    k: int = 20,
    seed: int = 0,
    embedder: str = "svd",
    dataset_params: Mapping[str, Any] | None = None,
    output: str | os.PathLike[str] = "runs/compare",
    preprocess: Mapping[str, Any] | None = None,
    split: str = "random",
    baselines: Sequence[str] = DEFAULT_BASELINES,
) -> dict[str, Any]:
    """The experiment config :func:`compare_methods` runs (a plain dict).

    ``preprocess`` is a config's ``dataset.preprocess`` (``{"binarize": 4, "k_core":
    5}``), ``split`` its ``dataset.split.method`` (seeded by ``seed``), ``baselines``
    the recommenders evaluated once, without communities, beside the community ones.
    """
    methods = list(methods or DEFAULT_METHODS)
    params = dict(dataset_params or (SYNTHETIC if dataset == "synthetic" else {}))
    returns_split = dataset_is_split(dataset)
    recommenders = [*recommenders, *baselines]
    emb_params = {"dim": 32} if embedder == "svd" else {}
    needs_emb = any(detector_needs_embedder(m) for m in methods if m in _registry("detector"))
    config: dict[str, Any] = {
        "name": f"compare-{dataset}",
        "output": str(output),
        "dataset": {
            "name": dataset,
            "params": params,
            "split": "given" if returns_split else {"method": split, "seed": seed},
        },
        "embedders": [{"name": embedder, "params": emb_params}],
        "detectors": [{"name": m} for m in methods],
        "recommenders": [{"name": r} for r in recommenders],
        "evaluate": {"k": [k], "metrics": ["recall", "ndcg"], "primary": f"ndcg@{k}"},
        "seeds": [seed],
    }
    if path is not None:
        config["dataset"]["path"] = str(path)
    if preprocess:
        config["dataset"]["preprocess"] = dict(preprocess)
    known = _registry("recommender")
    # the embedding pseudo-recommender and unknown names (reported by the check) keep them
    if not needs_emb and not any(r not in known or recommender_needs(r)[0] for r in recommenders):
        config.pop("embedders")
    return config


def compare_methods(
    dataset: str,
    *,
    path: str | os.PathLike[str] | None = None,
    methods: Sequence[str] | None = None,
    k: int = 20,
    seed: int = 0,
    embedder: str = "svd",
    dataset_params: Mapping[str, Any] | None = None,
    output: str | os.PathLike[str] | None = None,
    preprocess: Mapping[str, Any] | None = None,
    split: str = "random",
    baselines: Sequence[str] = DEFAULT_BASELINES,
    **run_options: Any,
) -> pd.DataFrame:
    """Compare detection methods on ``dataset``: one column per method, one row per measure.

    Parameters
    ----------
    dataset : str
        A registered dataset name (``synthetic`` uses 1,000 users and 5 communities).
    path : path, optional
        Folder of the dataset files.
    methods : list of str
        Registered detector names (default :data:`DEFAULT_METHODS`).
    k : int
        Cut-off of the downstream metrics.
    seed : int
        Split and detector seed.
    embedder : str
        Embedder for the embedding-clustering methods and the blended recommenders.
    output : path, optional
        Keep the experiment (cache, results, plots) here; default a temporary folder.
    preprocess : mapping, optional
        As a config's ``dataset.preprocess``: ``binarize`` (a threshold, or true) and
        ``k_core`` (``[min_user, min_item]`` or one int).
    split : str
        The split method (``random``, ``temporal``, ``leave_one_out``), seeded by ``seed``.
    baselines : list of str
        Recommenders evaluated once without communities, one row each (default
        :data:`DEFAULT_BASELINES`; ``"embedding"`` is the embedder's own scores).
    run_options
        Passed to :func:`~graphrec.experiment.run_experiment` (``executor``, ``report``).

    Examples
    --------
    >>> table = compare_methods("synthetic", methods=["bipartite_louvain", "leiden"],
    ...                         dataset_params={"n_users": 200, "n_items": 100})
    >>> list(table.columns), bool((table.loc["nmi (truth)"] > 0.9).all())
    (['bipartite_louvain', 'leiden'], True)
    """
    from graphrec.experiment.runner import run_experiment

    run_options.setdefault("plots", output is not None)
    with tempfile.TemporaryDirectory(prefix="graphrec-compare-") as tmp:
        out = Path(output) if output is not None else Path(tmp)
        config = compare_config(
            dataset,
            path=path,
            methods=methods,
            k=k,
            seed=seed,
            embedder=embedder,
            dataset_params=dataset_params,
            output=out,
            preprocess=preprocess,
            split=split,
            baselines=baselines,
        )
        result = run_experiment(config, **run_options)
        return comparison_table(result, k)


def detect_communities(
    dataset: str,
    method: str,
    *,
    path: str | os.PathLike[str] | None = None,
    seed: int = 0,
    embedder: str = "svd",
    dataset_params: Mapping[str, Any] | None = None,
    preprocess: Mapping[str, Any] | None = None,
    split: str = "random",
) -> tuple[Any, Any]:
    """``(train, communities)``: one method's partition of the training data, found as
    ``graphrec run`` finds it on a config with the same dataset section and seed.

    >>> train, comm = detect_communities("synthetic", "bipartite_louvain",
    ...                                  dataset_params={"n_users": 200, "n_items": 100})
    >>> comm.user_labels.shape == (train.n_users,)
    True
    """
    from graphrec.experiment.runner import run_experiment
    from graphrec.experiment.stages import prepare_data

    with tempfile.TemporaryDirectory(prefix="graphrec-detect-") as tmp:
        config = compare_config(
            dataset,
            path=path,
            methods=[method],
            recommenders=(),
            baselines=(),
            seed=seed,
            embedder=embedder,
            dataset_params=dataset_params,
            output=tmp,
            preprocess=preprocess,
            split=split,
        )
        config["evaluate"] = {}  # nothing is evaluated
        result = run_experiment(config, plots=False)
        run = result.runs.iloc[0]
        meta = read_json(result.cache / "detect" / f"{run['detect_key']}.json")
        train = prepare_data(meta["spec"]["data"], meta["spec"]["data_key"]).train
        return train, result.communities(run)


def _quality_graph(result: ExperimentResult, run: pd.Series) -> str:
    """The graph a detect run's modularity and conductance were measured on (its meta)."""
    meta = read_json(result.cache / "detect" / f"{run['detect_key']}.json")
    if meta.get("quality_graph"):
        return str(meta["quality_graph"])
    from graphrec.experiment.stages import prepare_data  # a meta written before it was kept

    train = prepare_data(meta["spec"]["data"], meta["spec"]["data_key"]).train
    return quality_graph_name(train, result.communities(run.name))


def comparison_table(result: ExperimentResult, k: int = 20) -> pd.DataFrame:
    """The comparison table of a finished compare experiment (measures x methods)."""
    runs = result.runs
    det_runs = runs[runs["kind"] == "detect"]
    names = {
        r["run"]: r["detector"] if not r["embedder"] else f"{r['detector']} ({r['embedder']})"
        for _, r in det_runs.iterrows()
    }
    t = result.table
    quality_rows = t[t["run"].isin(names)].assign(method=lambda f: f["run"].map(names))
    table = quality_rows.pivot_table(index="metric", columns="method", values="value", sort=False)
    order = [
        m
        for m in (
            "n_communities",
            "largest_share",
            "unassigned_share",
            "modularity",
            "barber_modularity",
            "conductance",
            "nmi",
            "ari",
            "friend_lift",
        )
        if m in table.index
    ]
    order += [m for m in table.index if m.endswith("_nmi_lift")]
    table = table.loc[order].rename(index={"nmi": "nmi (truth)", "ari": "ari (truth)"})
    partitions = {names[r]: result.communities(r) for r in names}
    if "modularity" in table.index:
        graphs = {
            names[r]: _quality_graph(result, row) for r, row in det_runs.set_index("run").iterrows()
        }
        at = list(table.index).index(
            "conductance" if "conductance" in table.index else "modularity"
        )
        table = pd.concat(
            [
                table.iloc[: at + 1].astype(object),
                pd.DataFrame([graphs], index=["quality graph"], dtype=object),
                table.iloc[at + 1 :].astype(object),
            ]
        )
    labels = {m: c.user_labels for m, c in partitions.items()}
    for other, theirs in labels.items():
        table.loc[f"ARI with {other}"] = {
            m: quality.ari(theirs, mine) for m, mine in labels.items()
        }
    evaluated = runs[runs["kind"] == "evaluate"]
    by_key = {r["detect_key"]: names[r["run"]] for _, r in det_runs.iterrows()}
    baselines = []
    for _, run in evaluated.iterrows():
        values = t[(t["run"] == run["run"]) & (t["k"] == k)].set_index("metric")["value"]
        method = by_key.get(run["detect_key"])
        if method is None:  # a baseline, without communities: beside every method
            if not isinstance(run["detect_key"], str):
                baselines.append((_baseline_name(run), values))
            continue
        for metric in ("recall", "ndcg", "coverage"):
            if metric in values:
                table.loc[f"{run['recommender']} {metric}@{k}", method] = values[metric]
    for name, values in baselines:
        for metric in ("recall", "ndcg", "coverage"):
            if metric in values:
                table.loc[f"{name} {metric}@{k}"] = values[metric]
    table.columns.name = None
    return table[list(dict.fromkeys(names.values()))]


def _baseline_name(run: pd.Series) -> str:
    """``popularity``, or ``base (svd)`` for the embedder's own scores."""
    if run["recommender"] == EMBEDDING:
        return f"base ({run['embedder']})"
    return str(run["recommender"])
