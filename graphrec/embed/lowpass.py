"""The low-pass spectral basis of the item graph (the GF-CF / graph_filter basis) as vectors."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, check_params, param_constraints
from graphrec._registry import embedders
from graphrec.data.interactions import Interactions
from graphrec.embed.base import BaseEmbedder, check_fit_data
from graphrec.graph._lowpass import binary_rows, normalized_matrix, top_singular

__all__ = ["LowPass"]


@embedders.register("lowpass")
class LowPass(BaseEmbedder):
    """User and item vectors from the ideal low-pass filter of the item-item graph.

    With ``R~ = D_u^-1/2 R D_i^-1/2`` and ``V`` its top-``dim`` right singular vectors
    (the eigenvectors of the normalised item graph that GF-CF and ``graph_filter`` use),
    users get ``r D_i^-1/2 V`` and items ``D_i^1/2 V``: their dot products are GF-CF's
    ideal low-pass scores ``r D_i^-1/2 V V^T D_i^1/2``, and the user vectors are what
    the embedding detectors (``kmeans``, ``gmm``, ...) cluster. Training-free and
    deterministic (no seed); it differs from ``svd`` (``U S^1/2``, ``V S^1/2``) in
    weighting the basis by the filter instead of by the singular values.

    Fold-in is exact: a new user's vector is its binary row times the same
    projection, ``x D_i^-1/2 V``, so ``score(user_items=x)`` is GF-CF's ideal
    low-pass score of ``x`` and a training user's own row folds in to exactly the
    user's vector.

    Parameters
    ----------
    dim : int
        Number of basis vectors (< min(n_users, n_items), at most the rank).
    n_iter : int
        Passes of the subspace iteration for catalogues above 6000 items.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> gr.create("embedder", "lowpass", dim=8).fit(data).user_embeddings_.shape
    (100, 8)
    """

    _param_constraints = param_constraints(
        dim=Interval(int, 1, None), n_iter=Interval(int, 1, None)
    )

    def __init__(self, dim: int = 64, n_iter: int = 8) -> None:
        self.dim = dim
        self.n_iter = n_iter

    def fit(self, train: Interactions, valid: Interactions | None = None) -> LowPass:
        train, _ = check_fit_data(train, valid)
        check_params(self)
        dim, n_iter = self.dim, self.n_iter
        x = binary_rows(train, train.n_items, "the training matrix")
        r, _ = normalized_matrix(x)
        gram = (r.T @ r).toarray() if x.shape[1] <= 6000 else None
        sigma, vecs = top_singular(r, dim, gram, n_iter, param="dim")
        self.singular_values_ = sigma.astype(np.float32)
        self.item_embeddings_ = (np.sqrt(x.sum(axis=0))[:, None] * vecs).astype(np.float32)
        self.train_ = train
        self.user_embeddings_ = self._fold_in_vectors(x)
        return self

    supports_fold_in = True

    def _fold_in_vectors(self, rows: sp.csr_array) -> np.ndarray:
        """``x D_i^-1/2 V`` (``= x item_embeddings_ / d_i``) of the binary rows."""
        x = binary_rows(rows, self.n_items_, "user_items")
        return np.asarray(x @ self._fitted_cache("projection", self._projection), np.float32)

    def _projection(self) -> np.ndarray:
        """``D_i^-1/2 V`` (items x dim), from the item vectors ``D_i^1/2 V``."""
        di = np.asarray(binary_rows(self.train_, self.n_items_, "the training matrix").sum(axis=0))
        di = di.ravel().astype(np.float32)
        scale = np.divide(1.0, di, out=np.zeros_like(di), where=di > 0)
        return np.ascontiguousarray(scale[:, None] * self.item_embeddings_)
