"""Community metrics recorded for every detection: structure, ground truth, side information.

All come from :mod:`graphrec.community.quality`; this module only decides which apply
to a dataset and names them for the results table.

>>> import graphrec as gr
>>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
>>> m = community_quality(data, truth)
>>> m["nmi"], m["n_communities"], sorted(m)[:3]
(1.0, 4.0, ['ari', 'barber_modularity', 'conductance'])
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._cache import BoundedCache
from graphrec._registry import detectors
from graphrec.community import _graph, quality
from graphrec.community._graph import describe_projection
from graphrec.community.base import BaseDetector, ProjectionDetector
from graphrec.data.interactions import Interactions
from graphrec.experiment.config import build

__all__ = ["COMMUNITY_METRICS", "community_quality", "projection_graph", "quality_graph_name"]

logger = logging.getLogger(__name__)

COMMUNITY_METRICS = (
    "n_communities",
    "largest_share",
    "singletons",
    "unassigned_share",
    "normalized_entropy",
    "modularity",
    "barber_modularity",
    "item_information",
    "conductance",
    "nmi",
    "ari",
    "friend_lift",
    "friend_share_inside",
)
TRUTH_COLUMN = "community"  # synthetic data: the planted communities
# memoised projections, keyed by the data key and the graph's settings
_GRAPHS: BoundedCache[sp.csr_array] = BoundedCache(4, "quality projections")
_MAX_LEVELS = 30  # categorical user features with more values are skipped (zip codes)
# co-occurring user pairs above which the exact reference projection is not built
# (2e9 at 100k planted users took about two minutes on a 2-core machine)
MAX_REFERENCE_PAIRS = 5e9


def _detector_of(communities: Any) -> BaseDetector:
    """An unfitted detector with the partition's method, parameters and seed (for its
    graph: a sampled projection is drawn again with the seed the partition recorded)."""
    method = getattr(communities, "method", "")
    if method in detectors:
        params = dict(getattr(communities, "params", {}))
        seed = getattr(communities, "seed", None)
        if seed is not None and "random_state" in params:
            params["random_state"] = seed
        try:
            return build("detector", method, params)
        except (TypeError, ValueError) as exc:  # parameters of another graphrec version
            logger.warning("quality graph of %s: parameters not usable (%s)", method, exc)
    return BaseDetector()  # measured on the reference projection


def quality_graph_name(train: Interactions, communities: Any) -> str:
    """Name of the graph :func:`community_quality` measures ``communities`` on.

    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "louvain", top_k=20, random_state=0).fit(data)
    >>> quality_graph_name(data, det.communities_)
    'cosine top-20 projection, weights binary'
    """
    if _reference_too_large(train, communities):
        return "none: the reference projection is too large (see the run's warnings)"
    return describe_projection(*_detector_of(communities).quality_projection(train))


def projection_graph(
    train: Interactions, communities: Any = None, data_key: str | None = None
) -> sp.csr_array:
    """The user projection a partition's modularity and conductance are measured on.

    For a detector that partitions a user projection (Louvain, Leiden, label
    propagation) it is that projection, with the detector's own ``projection``,
    ``top_k`` and ``weighting``; for every other partition (bipartite, embedding
    clustering, topics, or plain labels) it is the reference projection
    (:data:`graphrec.community.base.REFERENCE_PROJECTION`: cosine top-50, ``"auto"``
    weighting). Memoised by ``data_key`` and the graph's settings. ``ValueError`` when
    the projection has no edges.
    """
    spec = _detector_of(communities).quality_projection(train)
    key = None if data_key is None else (data_key, *spec)
    method = getattr(communities, "method", "") or "partition"

    def compute() -> sp.csr_array:
        return _graph.spec_graph(train, spec, method)

    return compute() if key is None else _GRAPHS.get_or_compute(key, compute)


def _reference_too_large(train: Interactions, communities: Any) -> str:
    """Why the exact reference projection is not built for ``communities`` ('' if it is).

    A partition found on its own projection is measured on it (its detector paid for
    it); every other one on the exact cosine reference projection, whose cost is the
    number of co-occurring user pairs, ``sum(item degree ** 2)``: above
    :data:`MAX_REFERENCE_PAIRS` it would take longer than the detection itself (about
    an hour at a million users), so it is skipped with a warning.
    """
    detector = _detector_of(communities)
    if isinstance(detector, ProjectionDetector) or not train.nnz:
        return ""
    degrees = train.item_degrees().astype(np.float64)
    pairs = float(degrees @ degrees)
    if pairs <= MAX_REFERENCE_PAIRS:
        return ""
    return (
        f"the exact reference projection (cosine top-50) of {train.n_users:,} users costs "
        f"{pairs:.2g} co-occurring pairs (sum of squared item degrees), above "
        f"{MAX_REFERENCE_PAIRS:.0g}; barber_modularity is the graph measure of this "
        "partition (or detect on a sampled projection: projection='walk', n_walks=500)"
    )


def community_quality(
    train: Interactions,
    communities: Any,
    *,
    data_key: str | None = None,
    n_permutations: int = 20,
    random_state: int = 0,
) -> dict[str, float]:
    """Metrics of a partition of ``train``'s users, each included when it applies.

    Always: ``n_communities``, ``largest_share`` (the share of users in the largest
    community) and ``singletons`` (communities of one user): beside conductance and
    modularity they show a degenerate partition (one giant community scores a low
    conductance), ``unassigned_share``, ``normalized_entropy``; ``modularity`` and
    ``conductance`` (mean) on the user
    projection the partition was found on (the reference cosine top-50 projection for
    partitions that were not found on one; :func:`projection_graph`, named by
    :func:`quality_graph_name`); ``barber_modularity`` on the user-item graph;
    ``item_information`` (:func:`~graphrec.community.quality.item_information`, how much
    the community says about the items its users choose). With planted
    communities (``user_features["community"]``): ``nmi`` and ``ari``. With a
    friendship graph: ``friend_lift`` and ``friend_share_inside``. For each categorical
    user feature (e.g. gender, age band): ``<feature>_nmi_lift`` against label shuffles.
    """
    labels = np.asarray(getattr(communities, "user_labels", communities), dtype=np.int64)
    out: dict[str, float] = {}
    sizes = quality.size_stats(labels)
    for key in (
        "n_communities",
        "largest_share",
        "singletons",
        "unassigned_share",
        "normalized_entropy",
    ):
        out[key] = float(sizes[key])
    too_large = _reference_too_large(train, communities)
    if too_large:
        warnings.warn(f"modularity and conductance skipped: {too_large}", stacklevel=2)
    else:
        try:
            graph = projection_graph(train, communities, data_key)
        except ValueError as exc:  # no two users share an item: no graph measures
            logger.warning("modularity and conductance skipped: %s", exc)
        else:
            out["modularity"] = quality.modularity(graph, labels)
            out["conductance"] = quality.conductance(graph, labels).mean
    if train.nnz:
        out["barber_modularity"] = quality.barber_modularity(train, communities)
        out["item_information"] = quality.item_information(train, labels)
    features = train.user_features
    if features is not None and TRUTH_COLUMN in features.columns:
        truth = features[TRUTH_COLUMN].to_numpy()
        if truth.dtype.kind in "iu":
            out["nmi"] = quality.nmi(truth, labels)
            out["ari"] = quality.ari(truth, labels)
    if train.user_graph is not None and sp.csr_array(train.user_graph).nnz:
        lift = quality.friend_lift(
            train.user_graph, labels, n_permutations=n_permutations, random_state=random_state
        )
        out["friend_lift"] = lift["lift"]
        out["friend_share_inside"] = lift["share_inside"]
    for column in _categorical(features):
        try:
            agree = quality.attribute_agreement(
                labels, features[column], n_permutations, random_state=random_state
            )
        except ValueError as exc:  # e.g. a single community
            logger.debug("attribute %s skipped: %s", column, exc)
            continue
        out[f"{column}_nmi_lift"] = agree["nmi_lift"]
    return {k: float(v) for k, v in out.items()}


def _categorical(features: pd.DataFrame | None) -> list[str]:
    """User feature columns with 2..30 values that are not numbers (gender, age band, ...)."""
    if features is None:
        return []
    out = []
    for column in features.columns:
        if column == TRUTH_COLUMN:
            continue
        values = features[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        try:
            levels = values.nunique(dropna=True)
        except TypeError:  # lists per user
            continue
        if 2 <= levels <= _MAX_LEVELS:
            out.append(str(column))
    return out
