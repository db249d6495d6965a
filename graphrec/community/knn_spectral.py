"""Spectral clustering of the kNN graph of user embeddings (k given or by the eigengap)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, Pair, Seed, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._embedding_base import _EmbeddingDetector, _k_candidates

__all__ = ["EmbeddingSpectral"]

logger = logging.getLogger(__name__)


@detectors.register("knn_spectral", needs=("embedder",))
class EmbeddingSpectral(_EmbeddingDetector):
    """Spectral clustering of the k-nearest-neighbour graph of user embeddings.

    The affinity is the symmetrised ``n_neighbors`` graph of the vectors; k given, or
    the largest relative eigengap ``(mu_{k+1} + 0.01) / (mu_k + 0.01)`` of its normalised
    Laplacian (eigenvalues ``mu``) within ``k_range``. Labels come
    from scikit-learn's ``spectral_clustering`` (k-means on the spectral embedding).

    Parameters
    ----------
    n_communities : int or None
    k_range : (int, int)
    n_neighbors : int
    normalize : bool
    random_state : int, Generator or None

    Attributes
    ----------
    eigenvalues_ : ndarray
        Leading eigenvalues of the normalised affinity (for the eigengap).

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> emb = gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    >>> det = gr.create("detector", "knn_spectral", random_state=0).fit(data, embedder=emb)
    >>> det.communities_.n_communities
    3
    """

    _param_constraints = param_constraints(
        n_communities=[Interval(int, 1, None), None],
        k_range=Pair(Interval(int, 2, None)),
        n_neighbors=Interval(int, 1, None),
        normalize=Boolean(),
        random_state=Seed(),
    )

    def __init__(
        self,
        n_communities: int | None = None,
        k_range: tuple[int, int] = (2, 20),
        n_neighbors: int = 15,
        normalize: bool = True,
        random_state: RandomState = None,
    ) -> None:
        self.n_communities = n_communities
        self.k_range = k_range
        self.n_neighbors = n_neighbors
        self.normalize = normalize
        self.random_state = random_state

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        import scipy.sparse.linalg as sla
        from sklearn.cluster import spectral_clustering
        from sklearn.neighbors import kneighbors_graph

        n_neighbors = min(int(self.n_neighbors), len(x) - 1)
        candidates = _k_candidates(self.n_communities, self.k_range, n_users, len(x))
        knn = sp.csr_array(kneighbors_graph(x, n_neighbors, include_self=False))
        affinity = sp.csr_array(knn.maximum(knn.T))
        degree = np.asarray(affinity.sum(axis=1)).ravel()
        scale = sp.diags_array(1.0 / np.sqrt(np.maximum(degree, 1e-12)))
        n_values = min(max(candidates) + 1, len(x) - 1)
        values = sla.eigsh(
            scale @ affinity @ scale,
            k=n_values,
            which="LA",
            v0=rng.standard_normal(len(x)),
            return_eigenvectors=False,
        )
        self.eigenvalues_ = np.sort(values)[::-1]
        if len(candidates) == 1:
            k = candidates[0]
        else:
            # relative eigengap of the normalised Laplacian (eigenvalues 1 - lambda): the
            # absolute gap favours large k once the noise eigenvalues spread out
            mu = 1.0 - self.eigenvalues_ + 1e-2
            gaps = {c: mu[c] / mu[c - 1] for c in candidates}
            k = max(gaps, key=lambda c: (gaps[c], -c))
        affinity32 = sp.csr_matrix(affinity)  # scikit-learn wants 32-bit indices here
        affinity32.indices = affinity32.indices.astype(np.int32)
        affinity32.indptr = affinity32.indptr.astype(np.int32)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            labels = spectral_clustering(
                affinity32,
                n_clusters=k,
                random_state=int(rng.integers(2**31)),
                assign_labels="kmeans",
            )
        for w in caught:  # e.g. "Graph is not fully connected": worth a log line, not a warning
            logger.info("spectral clustering: %s", w.message)
        return labels.astype(np.int64)
