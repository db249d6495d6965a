"""k-means on user embeddings (k given or chosen by the silhouette)."""

from __future__ import annotations

import numpy as np

from graphrec._params import Boolean, Interval, Pair, Seed, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._embedding_base import (
    _best_by_silhouette,
    _EmbeddingDetector,
    _k_candidates,
)

__all__ = ["EmbeddingKMeans"]


@detectors.register("kmeans", needs=("embedder",))
class EmbeddingKMeans(_EmbeddingDetector):
    """k-means on user embeddings; k given or chosen by the silhouette over ``k_range``.

    Parameters
    ----------
    n_communities : int or None
        Number of communities; None picks the k in ``k_range`` with the best silhouette.
    k_range : (int, int)
        Inclusive range of k tried when ``n_communities`` is None.
    normalize : bool
        L2-normalise the vectors first.
    n_init : int
        k-means restarts.
    silhouette_sample : int
        Users sampled (seeded) to score the silhouette.
    random_state : int, Generator or None

    Attributes
    ----------
    labels_, communities_ : as for every detector
    silhouette_scores_ : dict
        Silhouette of each k tried (empty when ``n_communities`` was given).

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> emb = gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    >>> det = gr.create("detector", "kmeans", n_communities=3, random_state=0)
    >>> det.fit(data, embedder=emb).communities_.n_communities
    3
    """

    _param_constraints = param_constraints(
        n_communities=[Interval(int, 1, None), None],
        k_range=Pair(Interval(int, 2, None)),
        normalize=Boolean(),
        n_init=Interval(int, 1, None),
        silhouette_sample=Interval(int, 2, None),
        random_state=Seed(),
    )

    def __init__(
        self,
        n_communities: int | None = None,
        k_range: tuple[int, int] = (2, 20),
        normalize: bool = True,
        n_init: int = 10,
        silhouette_sample: int = 3000,
        random_state: RandomState = None,
    ) -> None:
        self.n_communities = n_communities
        self.k_range = k_range
        self.normalize = normalize
        self.n_init = n_init
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        from sklearn.cluster import KMeans

        n_init, sample = int(self.n_init), int(self.silhouette_sample)
        candidates = _k_candidates(self.n_communities, self.k_range, n_users, len(x))
        seed = int(rng.integers(2**31))

        def labels_for(k: int) -> np.ndarray:
            return KMeans(k, n_init=n_init, random_state=seed).fit_predict(x)

        labels, self.silhouette_scores_ = _best_by_silhouette(
            x, candidates, labels_for, rng, sample
        )
        return labels
