"""Agglomerative (hierarchical) clustering of user embeddings (k by the silhouette)."""

from __future__ import annotations

import numpy as np

from graphrec._params import Boolean, Interval, Options, Pair, Seed, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._embedding_base import (
    _best_by_silhouette,
    _EmbeddingDetector,
    _k_candidates,
)

__all__ = ["EmbeddingAgglomerative"]


@detectors.register("agglomerative", needs=("embedder",))
class EmbeddingAgglomerative(_EmbeddingDetector):
    """Agglomerative (hierarchical) clustering of user embeddings; k by silhouette.

    The tree is built once (``scipy.cluster.hierarchy.linkage``) and cut at every k
    tried. Memory grows with the square of the number of users (the condensed
    distance matrix), so this is for up to some tens of thousands of users.

    Parameters
    ----------
    n_communities : int or None
        Number of communities; None picks the best silhouette in ``k_range``.
    k_range : (int, int)
    linkage : {"ward", "average", "complete", "single"}
    normalize : bool
    silhouette_sample : int
    random_state : int, Generator or None
        Only seeds the silhouette sample: the tree itself is deterministic.

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> emb = gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    >>> det = gr.create("detector", "agglomerative", n_communities=3).fit(data, embedder=emb)
    >>> det.communities_.n_communities
    3
    """

    _param_constraints = param_constraints(
        n_communities=[Interval(int, 1, None), None],
        k_range=Pair(Interval(int, 2, None)),
        linkage=Options("ward", "average", "complete", "single"),
        normalize=Boolean(),
        silhouette_sample=Interval(int, 2, None),
        random_state=Seed(),
    )
    max_users = 40_000

    def __init__(
        self,
        n_communities: int | None = None,
        k_range: tuple[int, int] = (2, 20),
        linkage: str = "ward",
        normalize: bool = True,
        silhouette_sample: int = 3000,
        random_state: RandomState = None,
    ) -> None:
        self.n_communities = n_communities
        self.k_range = k_range
        self.linkage = linkage
        self.normalize = normalize
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        from scipy.cluster.hierarchy import fcluster
        from scipy.cluster.hierarchy import linkage as build_tree

        if len(x) > self.max_users:
            raise ValueError(
                f"agglomerative clustering of {len(x)} users needs O(n^2) memory; "
                f"use kmeans or gmm above {self.max_users} users"
            )
        sample = int(self.silhouette_sample)
        candidates = _k_candidates(self.n_communities, self.k_range, n_users, len(x))
        tree = build_tree(x, method=self.linkage)

        def labels_for(k: int) -> np.ndarray:
            return fcluster(tree, k, criterion="maxclust").astype(np.int64) - 1

        labels, self.silhouette_scores_ = _best_by_silhouette(
            x, candidates, labels_for, rng, sample
        )
        return labels
