"""Density-based clustering of user embeddings: DBSCAN and HDBSCAN.

Both are deterministic, so they take no ``random_state`` (``takes_seed = False``).
Both find the number of communities themselves and leave users in sparse regions
unassigned (``-1``, noise) unless ``attach_noise=True``, which gives each noise user
the community of its nearest clustered user. Vectors are prepared as for every
embedding detector (:mod:`graphrec.community.embedding`): L2-normalised by default,
zero vectors unassigned.
"""

from __future__ import annotations

import logging

import numpy as np

from graphrec._params import Boolean, Interval, param_constraints
from graphrec._registry import detectors
from graphrec.community._embedding_base import _EmbeddingDetector

__all__ = ["EmbeddingDBSCAN", "EmbeddingHDBSCAN"]

logger = logging.getLogger(__name__)


def _attach_noise(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Give each noise point (-1) the label of its nearest clustered point."""
    from sklearn.neighbors import NearestNeighbors

    noise = labels < 0
    if not noise.any() or noise.all():
        if noise.all():
            logger.warning("every user is noise; nothing to attach to")
        return labels
    nn = NearestNeighbors(n_neighbors=1).fit(x[~noise])
    _, idx = nn.kneighbors(x[noise])
    out = labels.copy()
    out[noise] = labels[~noise][idx[:, 0]]
    return out


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
