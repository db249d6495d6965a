"""A Gaussian mixture on user embeddings (k chosen by BIC); soft memberships in ``probs_``."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from graphrec._params import Boolean, Interval, Options, Pair, Seed, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._embedding_base import _EmbeddingDetector, _k_candidates

__all__ = ["EmbeddingGMM"]


@detectors.register("gmm", needs=("embedder",))
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
        candidates = _k_candidates(self.n_communities, self.k_range, n_users, len(x))
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
