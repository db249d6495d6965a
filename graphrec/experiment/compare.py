"""Compare community detection methods on one dataset.

:func:`compare_methods` runs an experiment (so everything is cached and recorded like any
other): the methods on one split of the data, embedding-clustering methods on an SVD
embedding, the community-aware recommenders on each partition and, beside each, the same
recommender on one community of every user (the single-community control). It returns
a :class:`Comparison` of two tables a terminal shows whole:

- communities, one row per method: number of communities, share of users in the
  largest, singleton communities, modularity and mean conductance on the user
  projection each method partitioned (methods that do not partition a projection are
  measured on the reference cosine top-50 projection), Barber's bipartite modularity;
  NMI / ARI with planted communities (synthetic data), friend-pair lift (Last.fm) and
  NMI lift of categorical user features (MovieLens) against label shuffles;
- recommendation, one row per recommender and partition: NDCG and recall at K with
  their 95% bootstrap intervals over the test users, coverage, the ratio to the
  control with its paired interval and the Holm-corrected Wilcoxon p-value, and the
  baselines once (``baselines``: by default popularity and the blends' base, the
  embedder's own scores; name any registered recommender to add it, e.g. the strong
  bases ``ease`` or ``graph_filter``).

The best configuration is chosen on the validation part and reported on test. The
pairwise ARI between methods and everything in one wide table go to files
(:meth:`Comparison.write`).

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

from graphrec._registry import _registry
from graphrec.experiment._store import read_json
from graphrec.experiment.comparison import Comparison, comparison
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
    "compare_config",
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
    seeds: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The experiment config :func:`compare_methods` runs (a plain dict).

    ``preprocess`` is a config's ``dataset.preprocess`` (``{"binarize": 4, "k_core":
    5}``), ``split`` its ``dataset.split.method`` (seeded by ``seed``), ``baselines``
    the recommenders evaluated once, without communities, beside the community ones;
    ``seeds`` (several) replaces ``seed``, each seed with its own split.
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
            "split": "given"
            if returns_split
            else {"method": split, "seed": None if seeds else seed},
        },
        "embedders": [{"name": embedder, "params": emb_params}],
        "detectors": [{"name": m} for m in methods],
        "recommenders": [{"name": r} for r in recommenders],
        "evaluate": {"k": [k], "metrics": ["recall", "ndcg"], "primary": f"ndcg@{k}"},
        "seeds": list(seeds) if seeds else [seed],
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
    seeds: Sequence[int] | None = None,
    **run_options: Any,
) -> Comparison:
    """Compare detection methods on ``dataset`` (see :class:`Comparison`).

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
    seeds : list of int, optional
        Several seeds instead (each its own split): cells are then mean ± sd over them.
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

    Returns
    -------
    Comparison

    Examples
    --------
    >>> c = compare_methods("synthetic", methods=["bipartite_louvain", "leiden"],
    ...                     dataset_params={"n_users": 200, "n_items": 100})
    >>> list(c.communities.index), bool((c.communities["nmi"] > 0.9).all())
    (['bipartite_louvain', 'leiden'], True)
    >>> sorted(set(c.recommendation["communities"]))
    ['', 'bipartite_louvain', 'leiden', 'single']
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
            seeds=seeds,
        )
        made: list[Comparison] = []

        def write_tables(result: ExperimentResult, folder: Path) -> None:
            made.append(comparison(result, k))
            made[0].write(folder)

        if output is not None:  # the tables join the experiment's outputs
            run_options.setdefault("extra", write_tables)
        result = run_experiment(config, **run_options)
        return made[0] if made else comparison(result, k)


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
