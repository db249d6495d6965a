"""Communities as clusters of user embeddings (any fitted embedder: SVD, LightGCN, Node2Vec...).

Every detector here takes ``fit(train, embedder=...)`` with a *fitted* embedder (its
``user_embeddings_`` are clustered) or an array of shape ``(n_users, d)``. Vectors are
L2-normalised by default (``normalize=True``: cosine geometry, which removes the
activity-driven norm of spectral and dot-product embeddings), except for the
Gaussian mixture. Users whose vector is
zero (e.g. no training interaction in an SVD) are unassigned (``-1``).

The number of clusters is either given or chosen: by the silhouette over ``k_range``
(k-means, agglomerative), by BIC (Gaussian mixture) or by the eigengap (``knn_spectral``).
The density-based detectors (DBSCAN, HDBSCAN) are in :mod:`graphrec.community.density`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from threadpoolctl import threadpool_limits

from graphrec._deprecation import renamed_parameters
from graphrec._params import Boolean, Interval, Options, Pair, Seed, check_params, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community.base import (
    BaseDetector,
    check_detector_input,
    check_n_communities,
    resolve_seed,
    user_vectors,
)
from graphrec.data.interactions import Interactions

__all__ = [
    "EmbeddingAgglomerative",
    "EmbeddingGMM",
    "EmbeddingKMeans",
    "EmbeddingSpectral",
]

logger = logging.getLogger(__name__)


class _EmbeddingDetector(BaseDetector):
    """Shared steps: get and normalise the vectors, pick k, write the labels back."""

    normalize: bool
    random_state: RandomState  # only when takes_seed (DBSCAN and HDBSCAN take none)

    def fit(self, train: Interactions, embedder: Any = None) -> _EmbeddingDetector:
        """Cluster the user vectors of ``embedder`` (fitted on ``train``)."""
        check_params(self)
        train = check_detector_input(train)
        vectors = user_vectors(embedder, train, self._registered_name)
        norms = np.linalg.norm(vectors, axis=1)
        active = norms > 0
        if active.sum() < 2:
            raise ValueError(
                f"detector {self._registered_name!r}: fewer than 2 users have a non-zero vector"
            )
        x = vectors[active]
        if self.normalize:
            x = x / norms[active, None]
        seed = resolve_seed(self.random_state) if self.takes_seed else None
        self._soft = None
        part = self._cluster(x, np.random.default_rng(seed), train.n_users)
        labels = np.full(train.n_users, -1, np.int64)
        labels[active] = part
        probs = None
        if self._soft is not None:  # soft memberships of the active users (GMM)
            probs = np.zeros((train.n_users, self._soft.shape[1]))
            probs[active] = self._soft
        del self._soft
        return self._finish(labels, seed=seed, probs=probs)

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover


def _k_candidates(
    k: int | None, k_range: tuple[int, int], n_users: int, n: int, name: str = "n_communities"
) -> list[int]:
    """The given k (checked), or the candidates in ``k_range`` that fit ``n`` vectors."""
    if k is not None:
        k = check_n_communities(k, name, n_users)
        if k > n:
            raise ValueError(f"{name}={k} is larger than the number of users with vectors ({n})")
        return [k]
    high = min(int(k_range[1]), n - 1)
    if high < k_range[0]:
        raise ValueError(f"k_range={tuple(k_range)} does not fit {n} users with vectors")
    return list(range(int(k_range[0]), high + 1))


def _best_by_silhouette(
    x: np.ndarray,
    candidates: list[int],
    labels_for: Callable[[int], np.ndarray],
    rng: np.random.Generator,
    sample_size: int,
) -> tuple[np.ndarray, dict[int, float]]:
    """Labels of the candidate k with the highest silhouette (on one seeded sample)."""
    if len(candidates) == 1:
        return labels_for(candidates[0]), {}
    from sklearn.metrics import silhouette_score

    sample = rng.choice(len(x), size=min(sample_size, len(x)), replace=False)
    best, best_score, scores = None, -np.inf, {}
    for k in candidates:
        labels = labels_for(k)
        n_labels = len(np.unique(labels[sample]))
        score = silhouette_score(x[sample], labels[sample]) if 1 < n_labels < len(sample) else -1.0
        scores[k] = float(score)
        if score > best_score:
            best, best_score = labels, score
    logger.info("silhouette by k: %s", {k: round(v, 4) for k, v in scores.items()})
    assert best is not None
    return best, scores


@detectors.register("kmeans", needs=("embedder",))
@renamed_parameters(n_clusters="n_communities")
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


@detectors.register("gmm", needs=("embedder",))
@renamed_parameters(n_components="n_communities")
class EmbeddingGMM(_EmbeddingDetector):
    """Gaussian mixture on user embeddings; the number of components chosen by BIC.

    Parameters
    ----------
    n_communities : int or None
        Number of communities; None picks the k in ``k_range`` with the lowest BIC.
    k_range : (int, int)
        Inclusive range of k tried when ``n_communities`` is None.
    covariance_type : {"full", "diag", "spherical", "tied"}
        Covariance of each component.
    normalize : bool
        L2-normalise the vectors first. Off by default: normalised vectors lie on a
        sphere, which full-covariance components fit poorly (BIC then over-splits).
    n_init : int
        EM restarts per k.
    random_state : int, Generator or None

    Attributes
    ----------
    bic_ : dict
        BIC of each k tried.
    probs_ : ndarray, shape (n_users, n_communities)
        Posterior membership of each user (rows sum to 1; zero rows for unassigned
        users); ``labels_`` is its argmax.

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> emb = gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    >>> det = gr.create("detector", "gmm", random_state=0).fit(data, embedder=emb)
    >>> det.probs_.shape, bool((det.probs_.argmax(axis=1) == det.labels_).all())
    ((300, 3), True)
    """

    _param_constraints = param_constraints(
        n_communities=[Interval(int, 1, None), None],
        k_range=Pair(Interval(int, 2, None)),
        covariance_type=Options("diag", "full", "spherical", "tied"),
        normalize=Boolean(),
        n_init=Interval(int, 1, None),
        random_state=Seed(),
    )

    def __init__(
        self,
        n_communities: int | None = None,
        k_range: tuple[int, int] = (2, 20),
        covariance_type: str = "full",
        normalize: bool = False,
        n_init: int = 2,
        random_state: RandomState = None,
    ) -> None:
        self.n_communities = n_communities
        self.k_range = k_range
        self.covariance_type = covariance_type
        self.normalize = normalize
        self.n_init = n_init
        self.random_state = random_state

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        from sklearn.mixture import GaussianMixture

        n_init = int(self.n_init)
        candidates = _k_candidates(
            self.n_communities, self.k_range, n_users, len(x)
        )
        seed = int(rng.integers(2**31))
        best, best_bic, self.bic_ = None, np.inf, {}
        # EM (and its k-means start) on low-dimensional vectors makes many tiny BLAS and
        # OpenMP calls; threads only add overhead there (tens of times slower when busy)
        with threadpool_limits(1):
            for k in candidates:
                model = GaussianMixture(
                    k, covariance_type=self.covariance_type, n_init=n_init, random_state=seed
                ).fit(x)
                bic = float(model.bic(x))
                self.bic_[k] = bic
                if bic < best_bic:
                    best, best_bic = model.predict_proba(x), bic
        assert best is not None
        self._soft = best
        return best.argmax(axis=1)


@detectors.register("agglomerative", needs=("embedder",))
@renamed_parameters(n_clusters="n_communities")
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


@detectors.register("knn_spectral", needs=("embedder",))
@renamed_parameters(n_clusters="n_communities")
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


detectors.rename("spectral", "knn_spectral")  # the old name, for one release
