"""Shared machinery of the item-based closed-form recommenders (EASE, GF-CF, graph filters).

They score a user from the user's row of items alone, so any row can be scored: a
training user's (``score(users)``) or a new user's (``score(user_items=...)``, fold-in).
This module holds the parts they share: input checks, binarisation, the memory budget,
devices and scoring in user batches.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Device, Interval, check_params
from graphrec._validation import check_is_fitted, resolve_device
from graphrec.data.interactions import Interactions
from graphrec.graph._lowpass import binary_rows
from graphrec.recommend.base import BaseRecommender, default_batch_size

__all__ = [
    "RowScoringRecommender",
    "binary_rows",
    "check_budget",
    "sparse_dense",
    "to_device",
]

logger = logging.getLogger(__name__)

GIB = 2.0**30


def check_budget(nbytes: float, max_memory_gb: float | None, what: str, alternatives: str) -> None:
    """Raise a ``ValueError`` when ``nbytes`` exceeds ``max_memory_gb`` (None: no limit)."""
    if max_memory_gb is None:
        return
    if nbytes > max_memory_gb * GIB:
        raise ValueError(
            f"{what} needs about {nbytes / GIB:.1f} GiB, above max_memory_gb={max_memory_gb:g}; "
            f"raise max_memory_gb (or set it to None) if the machine has the memory, "
            f"or use {alternatives}"
        )


# the constraints of the scoring parameters every row-scoring model shares
SCORING_CONSTRAINTS = {
    "max_memory_gb": [Interval(float, 0, None, closed="neither"), None],
    "device": Device(),
    "batch_size": [Interval(int, 1, None), None],
}


class RowScoringRecommender(BaseRecommender):
    """Base of recommenders whose score for a user depends only on the user's item row.

    Subclasses implement ``_fit_rows(X)`` (``X``: the binary training matrix, float32
    CSR) and ``_score_rows(rows)`` (``rows``: a batch of binary rows, float32 CSR;
    returns a dense float32 block). Users with no items get all-zero scores (every
    item ties, so a ranking returns the lowest item indices); combine with a
    popularity fallback if such users matter.
    """

    supports_fold_in = True
    device: str
    batch_size: int | None

    def fit(self, train: Interactions) -> RowScoringRecommender:
        """Fit on ``train`` (binarised; negative weights are an error)."""
        if not isinstance(train, Interactions):
            raise ValueError(f"fit expects an Interactions object, got {type(train).__name__}")
        if train.nnz == 0:
            raise ValueError("cannot fit a recommender on empty training data")
        check_params(self)
        self.device_ = resolve_device(self.device)
        x = binary_rows(train, train.n_items, "the training matrix")
        self.train_ = train
        self._fit_rows(x)
        self.train_rows_ = x
        return self

    def _fit_rows(self, x: sp.csr_array) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score_rows(self, rows: sp.csr_array) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Dense scores of shape ``(n_rows, n_items)``.

        Parameters
        ----------
        users : int or array of int, optional
            Training user indices (default: all training users when ``user_items`` is
            None; mind the size, ``recommend`` and ``evaluate`` score in batches).
        user_items : sparse matrix or array of shape (n_new_users, n_items), optional
            Item rows of users to fold in (e.g. users unseen in training); scored
            without a refit. With ``users`` (one index per row) the rows replace
            those users' histories; these models use nothing but the rows.
        """
        check_is_fitted(self, "train_rows_")
        rows = self._rows(users, user_items)
        bs = self.batch_size or default_batch_size(self.n_items_)
        if rows.shape[0] <= bs:
            return self._score_rows(rows)
        out = np.empty(rows.shape, dtype=np.float32)
        for start in range(0, rows.shape[0], bs):
            out[start : start + bs] = self._score_rows(rows[start : start + bs])
        return out

    def _rows(self, users: Any, user_items: Any) -> sp.csr_array:
        if user_items is not None:
            rows = binary_rows(user_items, self.n_items_, "user_items")
            if users is not None:
                self._check_fold_in_users(users, rows.shape[0])
            return rows
        if users is None:
            return self.train_rows_
        return self.train_rows_[self._check_users(users)]


def to_device(x: np.ndarray, device: str) -> Any:
    """``x`` in C order on CPU, else a torch tensor on ``device`` (kept there for scoring).

    C order matters: scipy's CSR @ dense copies a dense operand in any other layout
    on every call (e.g. the F-ordered ``(R^T R).toarray()``), which made a one-user
    fold-in cost a copy of the whole items x items matrix.
    """
    if device == "cpu":
        return np.ascontiguousarray(x)
    import torch

    return torch.from_numpy(np.ascontiguousarray(x)).to(device)


def sparse_dense(rows: sp.csr_array, dense: Any) -> np.ndarray:
    """``rows @ dense`` as float32 numpy; ``dense`` is numpy (CPU) or a torch tensor."""
    if isinstance(dense, np.ndarray):
        return np.asarray(rows @ dense, dtype=np.float32)
    import torch

    from graphrec._sparse import to_torch_csr

    with torch.no_grad():
        out = torch.sparse.mm(to_torch_csr(rows).to(dense.device), dense)
    return out.cpu().numpy()
