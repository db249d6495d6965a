"""Truncated SVD of the normalised biadjacency: a cheap, deterministic embedding."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, Seed, check_params, param_constraints
from graphrec._registry import embedders
from graphrec._sparse import degree_normalize
from graphrec._validation import RandomState, check_random_state, seed_from
from graphrec.data.interactions import Interactions
from graphrec.embed.base import BaseEmbedder, check_fit_data

__all__ = ["SVD"]


@embedders.register("svd")
class SVD(BaseEmbedder):
    """Truncated SVD embeddings (randomised SVD from scikit-learn).

    The biadjacency ``R`` is normalised as ``D_u^-1/2 R D_i^-1/2`` (the LightGCN
    normalisation; ``normalize=False`` uses ``R`` as is) and factorised as
    ``U S V^T``; users get ``U S^(1/2)`` and items ``V S^(1/2)``, so dot products
    approximate the normalised matrix.

    The user vectors are computed as the exact projection of their rows, ``U S^1/2 =
    d_u^-1/2 r D_i^-1/2 V S^-1/2`` (equal to the SVD's for an exact SVD), so that
    fold-in is exact: a new user's row ``x`` (weights kept) gets the same projection,
    its scores are ``d_x^-1/2 x D_i^-1/2 V V^T D_i^1/2``, and a training user's own
    row folds in to exactly the user's vector.

    Parameters
    ----------
    dim : int
        Number of singular vectors.
    normalize : bool
        Symmetric degree normalisation before the SVD.
    n_iter : int
        Power iterations of the randomised SVD.
    random_state : int, Generator or None

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> gr.create("embedder", "svd", dim=8, random_state=0).fit(data).user_embeddings_.shape
    (100, 8)
    """

    _param_constraints = param_constraints(
        dim=Interval(int, 1, None),
        normalize=Boolean(),
        n_iter=Interval(int, 0, None),
        random_state=Seed(),
    )

    def __init__(
        self,
        dim: int = 64,
        normalize: bool = True,
        n_iter: int = 7,
        random_state: RandomState = None,
    ) -> None:
        self.dim = dim
        self.normalize = normalize
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, train: Interactions, valid: Interactions | None = None) -> SVD:
        train, _ = check_fit_data(train, valid)
        check_params(self)
        dim = int(self.dim)
        if dim >= min(train.shape):
            raise ValueError(
                f"dim={dim} must be smaller than min(n_users, n_items)={min(train.shape)}"
            )
        rng = check_random_state(self.random_state)
        r = train.matrix.astype(np.float64)
        if self.normalize:
            r = degree_normalize(r, 0.5, 0.5, via_sqrt=True)
        from sklearn.utils.extmath import randomized_svd

        _, s, vt = randomized_svd(r, dim, n_iter=self.n_iter, random_state=seed_from(rng) % 2**32)
        root = np.sqrt(s)
        self.singular_values_ = s.astype(np.float32)
        self.item_embeddings_ = (vt.T * root).astype(np.float32)
        self.train_ = train
        self.user_embeddings_ = self._fold_in_vectors(train.matrix)
        return self

    supports_fold_in = True

    def _fold_in_vectors(self, rows: sp.csr_array) -> np.ndarray:
        """``d_x^-1/2 x D_i^-1/2 V S^-1/2`` (no scaling without ``normalize``)."""
        x = sp.csr_array(rows, dtype=np.float64)
        if self.normalize:
            du = np.asarray(x.sum(axis=1)).ravel()
            su = np.divide(1.0, np.sqrt(du), out=np.zeros_like(du), where=du > 0)
            x = sp.csr_array(sp.diags_array(su) @ x)
        return np.asarray(x @ self._fitted_cache("projection", self._projection), np.float32)

    def _projection(self) -> np.ndarray:
        """``D_i^-1/2 V S^-1/2`` (items x dim; no ``D_i`` without ``normalize``)."""
        s = getattr(self, "singular_values_", None)  # files saved before it was kept:
        if s is None:  # the squared column norms of V S^1/2
            s = (self.item_embeddings_.astype(np.float64) ** 2).sum(axis=0)
        s = np.asarray(s, dtype=np.float64)
        proj = self.item_embeddings_ / np.where(s > 0, s, np.inf)  # V S^-1/2
        if self.normalize:
            di = np.asarray(self.train_.matrix.sum(axis=0), dtype=np.float64).ravel()
            proj = proj * np.divide(1.0, np.sqrt(di), out=np.zeros_like(di), where=di > 0)[:, None]
        return np.ascontiguousarray(proj)

    def _state(self) -> dict[str, np.ndarray]:
        return {"singular_values": self.singular_values_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        if "singular_values" in state:
            self.singular_values_ = state["singular_values"]
