"""The shared ranking machinery (the bottom layer): the recommender protocol and
base class, scoring in user batches, masked top-k, and the validation score that
training monitors.

Every stage may use it: an embedder is a recommender (``graphrec.embed``), and
early stopping ranks the validation users without importing ``graphrec.evaluate``.
:mod:`graphrec.recommend.base` re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from graphrec._estimator import BaseEstimator
from graphrec._metrics import PER_USER_RANKING, hits_matrix
from graphrec._topk import topk
from graphrec._validation import check_is_fitted

if TYPE_CHECKING:  # annotations only: the bottom layer imports no stage
    from graphrec.data.interactions import Interactions

__all__ = [
    "BaseRecommender",
    "Recommender",
    "check_user_items",
    "default_batch_size",
    "parse_monitor",
    "rank_items",
    "ranking_validation",
    "user_batches",
]


@runtime_checkable
class Recommender(Protocol):
    """Anything with ``fit``, ``score`` and ``recommend`` (the signature follows ``implicit``)."""

    def fit(self, train: Interactions) -> Any: ...

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray: ...

    def recommend(
        self, users: Any = None, k: int = 10, *, user_items: Any = None, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]: ...


def default_batch_size(n_items: int, budget: int = 2**24) -> int:
    """Users per scoring batch so that one dense block holds about ``budget`` scores."""
    return int(max(1, min(4096, budget // max(1, n_items))))


def user_batches(users: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(users), batch_size):
        yield users[start : start + batch_size]


def rank_items(
    scores: np.ndarray, k: int, exclude: sp.csr_array | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` items of a dense score block, with the entries of ``exclude`` masked.

    ``exclude`` has one row per row of ``scores``; its stored entries get ``-inf``.
    Ties go to the lower item index. Scores are modified in place. An item scored
    ``-inf`` (masked, or so scored by the model) never fills a slot: a row with fewer
    than ``k`` recommendable items ends in empty slots, item ``-1`` with score ``-inf``
    (as :func:`graphrec.evaluate` marks them).

    >>> items, scores = rank_items(np.array([[0.5, 0.2, 0.9]]), 3,
    ...                            sp.csr_array(np.array([[0, 0, 1]])))
    >>> items.tolist(), scores.tolist()
    ([[0, 1, -1]], [[0.5, 0.2, -inf]])
    """
    if exclude is not None and exclude.nnz:
        rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    items, values = topk(scores, k)
    items[np.isneginf(values)] = -1
    return items, values


def check_user_items(user_items: Any, n_items: int, what: str = "user_items") -> sp.csr_array:
    """Fold-in rows as a float32 CSR array of ``n_items`` columns (weights kept).

    A ``ValueError`` names ``what`` for anything but a 2-d numeric matrix of
    ``n_items`` columns with finite, non-negative weights (a 1-d array is one row).

    >>> check_user_items([[0, 1, 1]], 3).indices.tolist()
    [1, 2]
    """
    if not sp.issparse(user_items):
        arr = np.asarray(user_items)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.dtype.kind not in "biuf":
            raise ValueError(
                f"{what} must be a 2-d numeric array or sparse matrix, got shape {arr.shape} "
                f"and dtype {arr.dtype}"
            )
        user_items = arr
    rows = sp.csr_array(user_items, dtype=np.float32, copy=True)  # never the caller's arrays
    if rows.ndim != 2 or rows.shape[1] != n_items:
        raise ValueError(f"{what} must have {n_items} columns (items), got shape {rows.shape}")
    rows.sum_duplicates()
    rows.eliminate_zeros()
    if rows.nnz and not np.isfinite(rows.data).all():
        raise ValueError(f"{what} holds NaN or infinite weights")
    if rows.nnz and rows.data.min() < 0:
        raise ValueError(f"{what} holds negative weights (min {rows.data.min():g})")
    return rows


class BaseRecommender(BaseEstimator):
    """Base class: subclasses implement ``fit`` (setting ``train_``) and ``score``.

    ``recommend`` ranks in user batches, so memory stays bounded for any number of users.
    """

    train_: Interactions

    def score(self, users: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def n_items_(self) -> int:
        check_is_fitted(self, "train_")
        return self.train_.n_items

    def _check_users(self, users: Any) -> np.ndarray:
        check_is_fitted(self, "train_")
        users = np.atleast_1d(np.asarray(users))
        if users.dtype.kind not in "iu":
            raise ValueError(f"users must be integer user indices, got dtype {users.dtype}")
        n = self.train_.n_users
        if users.size and (users.min() < 0 or users.max() >= n):
            bad = users[(users < 0) | (users >= n)][:5].tolist()
            raise ValueError(
                f"user indices {bad} are out of range for {n} training users "
                "(map original ids with data.user_index(ids))"
            )
        return users.astype(np.int64)

    supports_fold_in: bool = False  # True where score(user_items=...) scores new users' rows

    def _fold_in_rows(self, users: Any, user_items: Any) -> sp.csr_array:
        """Validated fold-in rows (float32 CSR, weights kept); checks ``users`` beside them."""
        check_is_fitted(self, "train_")
        rows = check_user_items(user_items, self.n_items_)
        if users is not None:
            self._check_fold_in_users(users, rows.shape[0])
        return rows

    def _check_fold_in_users(self, users: Any, n_rows: int) -> np.ndarray:
        """``users`` given beside ``user_items``: one valid user index per row."""
        users = self._check_users(users)
        if len(users) != n_rows:
            raise ValueError(
                f"users and user_items must match: {len(users)} user indices for "
                f"{n_rows} rows of user_items"
            )
        return users

    def recommend(
        self,
        users: Any = None,
        k: int = 10,
        *,
        user_items: Any = None,
        exclude_seen: bool = True,
        batch_size: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` item indices and scores for each user index, best first.

        Parameters
        ----------
        users : int or array of int, optional
            User indices of the training data (default: all of them).
        k : int
            List length.
        user_items : sparse matrix of shape (n_new_users, n_items), optional
            Fold-in: recommend to these item rows (users unseen in training, or
            training users with an updated history) without a refit; only for models
            with ``supports_fold_in``. ``exclude_seen`` then masks each row's items.
            Given with ``users`` (one index per row), the rows replace those users'
            training histories and ``users`` names who they are, for models that use
            side information (e.g. a friend graph); the others ignore it.
        exclude_seen : bool
            Mask the items each user interacted with in the training data.

        Returns
        -------
        (items, scores) : ndarrays of shape (len(users), min(k, n_items))
            Best first. Only recommendable items fill a slot: a user with fewer than
            ``k`` of them (``k`` near the catalogue size) gets empty slots at the end,
            item ``-1`` with score ``-inf``.
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if user_items is not None:
            return self._recommend_rows(users, k, user_items, exclude_seen, batch_size)
        check_is_fitted(self, "train_")
        users = self._check_users(np.arange(self.train_.n_users) if users is None else users)
        batch_size = batch_size or default_batch_size(self.n_items_)
        seen = self.train_.matrix if exclude_seen else None
        out_items, out_scores = [], []
        for batch in user_batches(users, batch_size):
            scores = np.array(self.score(batch), dtype=np.float32)
            items, vals = rank_items(scores, k, None if seen is None else seen[batch])
            out_items.append(items)
            out_scores.append(vals)
        if not out_items:
            return np.empty((0, k), np.int64), np.empty((0, k), np.float32)
        return np.concatenate(out_items), np.concatenate(out_scores)

    def _recommend_rows(
        self, users: Any, k: int, user_items: Any, exclude_seen: bool, batch_size: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if not self.supports_fold_in:
            raise ValueError(
                f"{type(self).__name__} cannot score new users' rows (user_items=); "
                "use a model whose supports_fold_in is True (every built-in one)"
            )
        check_is_fitted(self, "train_")
        rows = check_user_items(user_items, self.n_items_)
        if users is not None:
            users = self._check_fold_in_users(users, rows.shape[0])
        batch_size = batch_size or default_batch_size(self.n_items_)
        out_items = np.empty((rows.shape[0], min(k, self.n_items_)), np.int64)
        out_scores = np.empty(out_items.shape, np.float32)
        for start in range(0, rows.shape[0], batch_size):
            batch = rows[start : start + batch_size]
            who = None if users is None else users[start : start + batch_size]
            scores = np.array(
                self.score(user_items=batch) if who is None else self.score(who, user_items=batch),
                dtype=np.float32,
            )
            items, vals = rank_items(scores, k, batch if exclude_seen else None)
            out_items[start : start + len(items)] = items
            out_scores[start : start + len(items)] = vals
        return out_items, out_scores


def parse_monitor(monitor: Any) -> tuple[str, int]:
    """``"ndcg@20"`` -> ``("ndcg", 20)``; a ``ValueError`` for anything else.

    >>> parse_monitor("recall@50")
    ('recall', 50)
    """
    metric, _, k = str(monitor).partition("@")
    if not isinstance(monitor, str) or metric not in PER_USER_RANKING or not k.isdigit():
        raise ValueError(
            f"monitor must be a ranking metric at a cut-off such as 'ndcg@20' (metrics: "
            f"{', '.join(PER_USER_RANKING)}), got {monitor!r}"
        )
    if int(k) < 1:
        raise ValueError(f"monitor's cut-off must be >= 1, got {monitor!r}")
    return metric, int(k)


def ranking_validation(
    train: Interactions, valid: Interactions, monitor: str = "ndcg@20"
) -> Callable[[Any], float]:
    """The validation score of early stopping: ``model -> monitor`` on ``valid``.

    Full ranking as in :func:`graphrec.evaluate` (every item scored, the user's
    ``train`` items masked, the mean over the users with validation interactions),
    so the value equals ``evaluate(model, valid, k=[k], exclude=[train])``'s
    ``summary[monitor]``. The mask, relevant items and users are built once here;
    the returned function only scores and ranks.

    >>> import scipy.sparse as sp
    >>> from graphrec.data.interactions import Interactions
    >>> ids = np.arange(2), np.arange(4)
    >>> train = Interactions(sp.csr_array(np.array([[1, 0, 0, 0], [0, 1, 0, 0]])), *ids)
    >>> valid = Interactions(sp.csr_array(np.array([[0, 0, 1, 0], [0, 0, 0, 1]])), *ids)
    >>> class Fixed(BaseRecommender):
    ...     def score(self, users):  # item 2 first, then item 3
    ...         return np.tile([3.0, 0.0, 2.0, 1.0], (len(users), 1))
    >>> model = Fixed()
    >>> model.train_ = train
    >>> ranking_validation(train, valid, "recall@1")(model)  # user 0: hit, user 1: miss
    0.5
    """
    metric_name, k = parse_monitor(monitor)
    metric = PER_USER_RANKING[metric_name]
    users = np.flatnonzero(valid.user_degrees() > 0)
    if users.size == 0:
        raise ValueError("valid has no interactions to validate on")
    n_items = valid.n_items
    kmax = min(k, n_items)
    seen = train.matrix
    relevant = valid.matrix[users]
    n_relevant = valid.user_degrees()[users]
    batch_size = default_batch_size(n_items)

    def score(model: Any) -> float:
        recs = np.empty((len(users), kmax), dtype=np.int64)
        for start in range(0, len(users), batch_size):
            batch = users[start : start + batch_size]
            scores = np.array(model.score(batch), dtype=np.float32)
            if scores.shape != (len(batch), n_items):
                raise ValueError(
                    f"{type(model).__name__}.score returned shape {scores.shape}, "
                    f"expected {(len(batch), n_items)}"
                )
            recs[start : start + len(batch)] = rank_items(scores, kmax, seen[batch])[0]
        return float(np.mean(metric(hits_matrix(recs, relevant), n_relevant, kmax)))

    return score
