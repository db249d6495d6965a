"""EASE: the closed-form linear autoencoder of Steck (WWW 2019)."""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from graphrec._params import Interval, param_constraints
from graphrec._registry import recommenders
from graphrec._validation import check_is_fitted
from graphrec.recommend._rowscoring import (
    SCORING_CONSTRAINTS,
    RowScoringRecommender,
    check_budget,
    sparse_dense,
    to_device,
)

__all__ = ["EASE", "cholesky_inverse"]

logger = logging.getLogger(__name__)


def cholesky_inverse(a: np.ndarray, device: str = "cpu") -> np.ndarray:
    """Inverse of a symmetric positive-definite float32 matrix by Cholesky, in place on CPU.

    LAPACK ``potrf`` + ``potri`` overwrite ``a`` (no second n x n matrix); on CUDA
    ``torch.cholesky_inverse`` is used. Raises a ``ValueError`` when ``a`` is not
    positive definite.
    """
    if device != "cpu":
        import torch

        t = torch.from_numpy(a).to(device)
        factor, info = torch.linalg.cholesky_ex(t)
        if int(info) != 0:
            raise ValueError("the regularised gram matrix is not positive definite; raise l2")
        return torch.cholesky_inverse(factor).cpu().numpy()
    # a symmetric C-ordered matrix is its own Fortran-ordered transpose: LAPACK works in place
    a = a.T if a.flags.c_contiguous else np.asfortranarray(a)
    potrf, potri = scipy.linalg.get_lapack_funcs(("potrf", "potri"), (a,))
    c, info = potrf(a, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise ValueError("the regularised gram matrix is not positive definite; raise l2")
    inv, info = potri(c, lower=False, overwrite_c=True)
    if info != 0:  # pragma: no cover - potrf succeeded, so potri does
        raise ValueError(f"LAPACK potri failed (info={info})")
    n = inv.shape[0]
    step = max(1, 2**22 // max(1, n))
    for start in range(0, n, step):  # mirror the upper triangle, a block of rows at a time
        stop = min(n, start + step)
        block = inv[start:stop, :stop]
        rows = np.arange(start, stop)[:, None]
        cols = np.arange(stop)[None, :]
        lower = cols < rows
        block[lower] = inv[:stop, start:stop].T[lower]
    return inv.T  # symmetric; the C-ordered view


@recommenders.register("ease")
class EASE(RowScoringRecommender):
    """EASE (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019).

    The item-item weights ``B`` minimise ``||X - X B||^2 + l2 ||B||^2`` subject to
    ``diag(B) = 0``; the closed form is ``B = I - P diag(1 / diag(P))`` with
    ``P = (X^T X + l2 I)^-1``. A user with item row ``x`` gets the scores ``x B``
    (so any row can be scored: fold-in needs no refit).

    Memory strategy: ``P`` is computed in float32 by a Cholesky factorisation in place
    (no float64 inverse). When the catalogue is larger than the number of users, the
    same ``B`` is applied through the Woodbury identity
    ``P = (I - X^T (X X^T + l2 I)^-1 X) / l2``: only a users x users matrix is
    inverted and ``B`` is never formed (exact, not an approximation). The smaller of
    the two n x n matrices is held; when it exceeds ``max_memory_gb`` ``fit`` refuses
    with the size it would need and points to ``gfcf`` / ``graph_filter``, which
    never hold one.

    Parameters
    ----------
    l2 : float
        L2 regularisation (Steck's lambda; 300 on ml-1m, larger for bigger data).
    max_memory_gb : float or None
        Budget for the dense n x n matrices (n = min(users, items)); None: no limit.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``: where the inverse and scoring run.
    batch_size : int or None
        Users per scoring batch (default: about 16M scores per batch).

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=40, seed=0)
    >>> model = gr.create("recommender", "ease", l2=10.0).fit(data)
    >>> bool(abs(model.item_weights().diagonal()).max() == 0.0)
    True
    >>> model.score([0, 1]).shape
    (2, 40)
    """

    _param_constraints = param_constraints(
        l2=Interval(float, 0, None, closed="neither"),
        **SCORING_CONSTRAINTS,
    )

    def __init__(
        self,
        l2: float = 300.0,
        max_memory_gb: float | None = 4.0,
        device: str = "auto",
        batch_size: int | None = None,
    ) -> None:
        self.l2 = l2
        self.max_memory_gb = max_memory_gb
        self.device = device
        self.batch_size = batch_size

    def _fit_rows(self, x: sp.csr_array) -> None:
        n_users, n_items = x.shape
        self.solver_ = "items" if n_items <= n_users else "users"
        n = min(n_users, n_items)
        check_budget(
            2.0 * n * n * 4,
            self.max_memory_gb,
            f"EASE on {n_items} items and {n_users} users (two dense float32 {n} x {n} "
            f"matrices, {self.solver_} side)",
            "gfcf or graph_filter (training-free, no dense n x n matrix)",
        )
        t0 = time.perf_counter()
        l2 = np.float32(self.l2)
        if self.solver_ == "items":
            gram = (x.T @ x).toarray()
            gram[np.diag_indices(n)] += l2
            p = cholesky_inverse(gram, self.device_)
            dp = p.diagonal().copy()
            p /= -dp[None, :]
            p[np.diag_indices(n)] = 0.0
            self.weights_ = to_device(p, self.device_)  # B; diag(B) = 0
        else:
            gram = (x @ x.T).toarray()
            gram[np.diag_indices(n)] += l2
            self.kinv_ = cholesky_inverse(gram, self.device_)
            self.diag_p_ = self._diag_p(x)
        logger.info("ease: %s solver, n=%d, %.2fs", self.solver_, n, time.perf_counter() - t0)

    def _diag_p(self, x: sp.csr_array) -> np.ndarray:
        """``diag(P) = (1 - diag(X^T K^-1 X)) / l2``, a block of items at a time."""
        xt = sp.csr_array(x.T)
        out = np.empty(x.shape[1], dtype=np.float64)
        step = max(1, 2**24 // max(1, x.shape[0]))
        for start in range(0, x.shape[1], step):
            block = xt[start : start + step]
            proj = sparse_dense(block, self.kinv_)
            out[start : start + step] = (block.multiply(proj)).sum(axis=1)
        return ((1.0 - out) / float(self.l2)).astype(np.float32)

    def item_weights(self) -> np.ndarray:
        """The item-item matrix ``B`` (formed on request for the users-side solver)."""
        check_is_fitted(self, "solver_")
        if self.solver_ == "items":
            return np.asarray(self.weights_)
        eye = sp.eye_array(self.train_rows_.shape[1], dtype=np.float32, format="csr")
        return self._score_rows(eye)

    def _score_rows(self, rows: sp.csr_array) -> np.ndarray:
        if self.solver_ == "items":
            return sparse_dense(rows, self.weights_)
        x = self.train_rows_
        # x P = (x - ((x X^T) K^-1) X) / l2 ; x B = x - (x P) / diag(P)
        coef = sparse_dense(sp.csr_array(rows @ x.T), self.kinv_)
        xp = rows.toarray() - np.asarray(sp.csr_array(x.T) @ coef.T).T
        xp /= np.float32(self.l2)
        return np.asarray(rows.toarray() - xp / self.diag_p_[None, :], dtype=np.float32)
