"""HDBSCAN on user embeddings (deterministic; noise users unassigned unless attached)."""

from __future__ import annotations

import numpy as np

from graphrec._params import Boolean, Interval, param_constraints
from graphrec._registry import detectors
from graphrec.community._embedding_base import _attach_noise, _EmbeddingDetector

__all__ = ["EmbeddingHDBSCAN"]


@detectors.register("hdbscan", needs=("embedder",))
class EmbeddingHDBSCAN(_EmbeddingDetector):
    """HDBSCAN on user embeddings (scikit-learn); noise users ``-1`` unless attached.

    Parameters
    ----------
    min_cluster_size : int
        Smallest community.
    min_samples : int or None
        Density smoothing (None = ``min_cluster_size``).
    attach_noise : bool
        Attach each noise user to the cluster of its nearest clustered user.
    normalize : bool

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> emb = gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    >>> det = gr.create("detector", "hdbscan").fit(data, embedder=emb)
    >>> det.communities_.n_communities
    3
    """

    _param_constraints = param_constraints(
        min_cluster_size=Interval(int, 2, None),
        min_samples=[Interval(int, 1, None), None],
        attach_noise=Boolean(),
        normalize=Boolean(),
    )

    takes_seed = False  # deterministic: no random_state, Communities.seed is None

    def __init__(
        self,
        min_cluster_size: int = 15,
        min_samples: int | None = None,
        attach_noise: bool = False,
        normalize: bool = True,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.attach_noise = attach_noise
        self.normalize = normalize

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        from sklearn.cluster import HDBSCAN

        size = int(self.min_cluster_size)
        if size > len(x):
            raise ValueError(f"min_cluster_size={size} is larger than the number of users")
        samples = None if self.min_samples is None else int(self.min_samples)
        labels = HDBSCAN(min_cluster_size=size, min_samples=samples, copy=True).fit_predict(x)
        labels = labels.astype(np.int64)
        return _attach_noise(x, labels) if self.attach_noise else labels
