"""DBSCAN on user embeddings (deterministic; noise users unassigned unless attached)."""

from __future__ import annotations

import numpy as np

from graphrec._params import Boolean, Interval, param_constraints
from graphrec._registry import detectors
from graphrec.community._embedding_base import _attach_noise, _EmbeddingDetector

__all__ = ["EmbeddingDBSCAN"]


@detectors.register("dbscan", needs=("embedder",))
class EmbeddingDBSCAN(_EmbeddingDetector):
    """DBSCAN on user embeddings; noise users get ``-1`` unless ``attach_noise=True``.

    Parameters
    ----------
    eps : float or None
        Neighbourhood radius; None uses the ``eps_quantile`` quantile of the distance
        of each user to its ``min_samples``-th nearest neighbour.
    min_samples : int
        Neighbours (the point included) that make a core point.
    eps_quantile : float
    attach_noise : bool
        Attach each noise user to the cluster of its nearest clustered user.
    normalize : bool

    Attributes
    ----------
    eps_ : float
        The radius used.

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> emb = gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    >>> det = gr.create("detector", "dbscan", attach_noise=True).fit(data, embedder=emb)
    >>> bool((det.labels_ >= 0).all())
    True
    """

    _param_constraints = param_constraints(
        eps=[Interval(float, 0, None, closed="neither"), None],
        min_samples=Interval(int, 1, None),
        eps_quantile=Interval(float, 0, 1, closed="neither"),
        attach_noise=Boolean(),
        normalize=Boolean(),
    )

    takes_seed = False  # deterministic: no random_state, Communities.seed is None

    def __init__(
        self,
        eps: float | None = None,
        min_samples: int = 10,
        eps_quantile: float = 0.5,
        attach_noise: bool = False,
        normalize: bool = True,
    ) -> None:
        self.eps = eps
        self.min_samples = min_samples
        self.eps_quantile = eps_quantile
        self.attach_noise = attach_noise
        self.normalize = normalize

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        from sklearn.cluster import DBSCAN
        from sklearn.neighbors import NearestNeighbors

        min_samples = int(self.min_samples)
        if min_samples > len(x):
            raise ValueError(f"min_samples={min_samples} is larger than the number of users")
        if self.eps is None:
            dist, _ = NearestNeighbors(n_neighbors=min_samples).fit(x).kneighbors(x)
            eps = float(np.quantile(dist[:, -1], self.eps_quantile))
        else:
            eps = float(self.eps)
        self.eps_ = max(eps, 1e-12)
        labels = DBSCAN(eps=self.eps_, min_samples=min_samples).fit_predict(x).astype(np.int64)
        return _attach_noise(x, labels) if self.attach_noise else labels
