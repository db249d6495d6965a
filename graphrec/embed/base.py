"""The embedder protocol and the shared base: fit, dot-product scores, save / load."""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from graphrec._io import atomic_write
from graphrec._params import check_params
from graphrec._ranking import BaseRecommender
from graphrec._validation import check_is_fitted
from graphrec.data.interactions import Interactions

__all__ = ["BaseEmbedder", "Embedder", "bpr_fold_in", "check_fit_data", "mean_fold_in"]

FORMAT_VERSION = 1


@runtime_checkable
class Embedder(Protocol):
    """Learns user and item vectors (CPU numpy arrays) from interactions."""

    user_embeddings_: np.ndarray
    item_embeddings_: np.ndarray

    def fit(self, train: Interactions, valid: Interactions | None = None) -> Any: ...


def check_fit_data(train: Any, valid: Any = None) -> tuple[Interactions, Interactions | None]:
    """Validate the arguments of ``Embedder.fit`` and return them."""
    if not isinstance(train, Interactions):
        raise ValueError(f"fit expects an Interactions object, got {type(train).__name__}")
    if train.nnz == 0:
        raise ValueError("cannot fit an embedder on empty training data (0 interactions)")
    if valid is not None:
        if not isinstance(valid, Interactions):
            raise ValueError(f"valid must be Interactions or None, got {type(valid).__name__}")
        if not valid.same_space(train):
            raise ValueError(
                "valid must use the training data's user and item index space "
                f"(shapes {valid.shape} vs {train.shape}); split both from one dataset"
            )
        unknown = (valid.user_degrees() > 0) & (train.user_degrees() == 0)
        if unknown.any():
            raise ValueError(
                f"valid holds {int(unknown.sum())} users with no training interactions "
                f"(e.g. user index {int(np.flatnonzero(unknown)[0])}); they cannot be embedded"
            )
    return train, valid


class BaseEmbedder(BaseRecommender):
    """Base class of embedders. A fitted embedder is also a dot-product recommender.

    Subclasses implement ``fit`` (setting ``train_``, ``user_embeddings_`` and
    ``item_embeddings_``) and may override ``_state`` / ``_set_state`` to save more
    than the two embedding tables.

    Fold-in: a subclass that sets ``supports_fold_in = True`` implements
    ``_fold_in_vectors(rows)`` (validated float32 CSR rows of items -> one user
    vector per row, in the space of ``user_embeddings_``); :meth:`fold_in` and
    ``score(user_items=X)`` / ``recommend(user_items=X)`` then serve users unseen in
    training, with the item vectors fixed and no refit.
    """

    user_embeddings_: np.ndarray
    item_embeddings_: np.ndarray

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Dot-product scores ``(n_rows, n_items)`` of training users or fold-in rows.

        Parameters
        ----------
        users : int or array of int, optional
            Training user indices (default: all; mind the size). Given with
            ``user_items``, one per row: it only names the rows' users.
        user_items : sparse matrix of shape (n_rows, n_items), optional
            Items of users to fold in (see :meth:`fold_in`).
        """
        check_is_fitted(self, ("user_embeddings_", "item_embeddings_"))
        if user_items is not None:
            return dot_t(self.fold_in(user_items, users=users), self.item_embeddings_)
        users = self._check_users(np.arange(len(self.user_embeddings_)) if users is None else users)
        return dot_t(self.user_embeddings_[users], self.item_embeddings_)

    def fold_in(self, user_items: Any, *, users: Any = None) -> np.ndarray:
        """User vectors for rows of items (users unseen in training), items fixed.

        How each model folds in is in its class docstring. Returns float32 of
        shape ``(n_rows, dim)``; scoring them against ``item_embeddings_`` is what
        ``score(user_items=...)`` does.
        """
        if not self.supports_fold_in:
            raise ValueError(f"{type(self).__name__} cannot fold in new users (user_items=)")
        check_is_fitted(self, ("user_embeddings_", "item_embeddings_"))
        rows = self._fold_in_rows(users, user_items)
        dim = self.item_embeddings_.shape[1]
        if rows.shape[0] == 0:
            return np.zeros((0, dim), np.float32)
        return np.asarray(self._fold_in_vectors(rows), dtype=np.float32).reshape(-1, dim)

    def _fold_in_vectors(self, rows: sp.csr_array) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _fitted_cache(self, name: str, compute: Any) -> Any:
        """``compute()`` once per fitted (or loaded) model: what every fold-in reuses
        (item degrees, propagated item layers), so one user's call stays cheap."""
        cache = self.__dict__.setdefault("_fitted_cache_store", {})
        held = cache.get(name)  # (train_, item_embeddings_, value): held, so never stale
        if held is None or held[0] is not self.train_ or held[1] is not self.item_embeddings_:
            held = cache[name] = (self.train_, self.item_embeddings_, compute())
        return held[2]

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        """Extra arrays to save (e.g. model weights); keys must be identifiers."""
        return {}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``_state`` returned."""

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the fitted embedder to one ``.npz`` file (atomically).

        The file holds the parameters (as JSON), both embedding tables, the
        training interactions (so ``recommend`` can mask seen items after ``load``)
        and subclass state. Nothing is pickled. An existing file is only replaced
        with ``overwrite=True``.
        """
        check_is_fitted(self, ("user_embeddings_", "item_embeddings_", "train_"))
        path = Path(path)
        if path.suffix != ".npz":
            path = (
                path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
            )
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        params = self.get_params(deep=False)
        try:
            config = json.dumps(
                {"class": type(self).__name__, "format": FORMAT_VERSION, "params": params}
            )
        except TypeError as exc:
            raise ValueError(
                f"cannot save {type(self).__name__}: parameters must be JSON values "
                f"(int seeds, strings, numbers), got {params}"
            ) from exc
        train = self.train_
        arrays: dict[str, np.ndarray] = {
            "config": np.array(config),
            "user_embeddings": self.user_embeddings_,
            "item_embeddings": self.item_embeddings_,
            "train_indptr": train.matrix.indptr,
            "train_indices": train.matrix.indices,
            "train_data": train.matrix.data,
            "user_ids": _plain(train.user_ids),
            "item_ids": _plain(train.item_ids),
        }
        for key, value in self._state().items():
            arrays[f"state__{key}"] = np.asarray(value)
        atomic_write(path, lambda fh: np.savez(fh, **arrays), overwrite=True)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BaseEmbedder:
        """Read an embedder written by :meth:`save` (``allow_pickle=False``).

        A file that is not such an archive (truncated, corrupted, another format,
        arrays missing or of inconsistent shapes) raises a ``ValueError`` naming it.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no saved embedder at {path}")
        expected = "a .npz archive written by Embedder.save"
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic != b"PK\x03\x04":
            raise ValueError(
                f"{path} is not a graphrec embedder file: expected {expected} "
                f"(a zip archive), but it starts with {magic!r}"
                + (" (the file is empty)" if not magic else "")
            )
        try:
            with np.load(path, allow_pickle=False) as f:
                files = dict(f.items())
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise ValueError(
                f"{path} is truncated or corrupted: expected {expected} "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        if "config" not in files:
            raise ValueError(
                f"{path} is not a graphrec embedder file: expected {expected} "
                "(it has no 'config' entry)"
            )
        try:
            config = json.loads(str(files.pop("config")))
            params = config["params"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: its 'config' entry is not valid ({exc})") from exc
        if config.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"{path} has format {config.get('format')!r}; this graphrec reads format "
                f"{FORMAT_VERSION}"
            )
        if config.get("class") != cls.__name__:
            raise ValueError(
                f"{path} holds a {config.get('class')}, not a {cls.__name__}; "
                f"load it with that class"
            )
        missing = sorted(_SAVED_ARRAYS - files.keys())
        if missing:
            raise ValueError(f"{path} is incomplete: the arrays {missing} are missing")
        user_ids, item_ids = files["user_ids"], files["item_ids"]
        users, items = files["user_embeddings"], files["item_embeddings"]
        if (
            users.ndim != 2
            or items.ndim != 2
            or users.shape[1] != items.shape[1]
            or len(users) != len(user_ids)
            or len(items) != len(item_ids)
        ):
            raise ValueError(
                f"{path} is inconsistent: embeddings {users.shape} / {items.shape} for "
                f"{len(user_ids)} users and {len(item_ids)} items"
            )
        try:
            model = cls(**params)
            check_params(model)  # a file's parameters get the checks a constructor's get
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: its saved parameters are invalid ({exc})") from None
        try:
            matrix = sp.csr_array(
                (files["train_data"], files["train_indices"], files["train_indptr"]),
                shape=(len(user_ids), len(item_ids)),
            )
            model.train_ = Interactions(matrix, user_ids, item_ids)
        except ValueError as exc:
            raise ValueError(f"{path}: its training interactions are invalid ({exc})") from exc
        model.user_embeddings_ = users
        model.item_embeddings_ = items
        model._set_state(
            {k[len("state__") :]: v for k, v in files.items() if k.startswith("state__")}
        )
        return model


def dot_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T``; a few rows of ``a`` (one user's fold-in) go through ``einsum``,
    since BLAS on a row times a transposed view, or on small threaded products on a
    busy machine, was measured 10-100x slower."""
    if a.shape[0] <= 16:
        return np.einsum("nd,id->ni", a, b)
    return a @ b.T


def mean_fold_in(rows: sp.csr_array, item_vectors: np.ndarray) -> np.ndarray:
    """The weighted mean of the row's item vectors (zeros for an empty row).

    >>> rows = sp.csr_array(np.array([[1.0, 0.0, 3.0]]))
    >>> mean_fold_in(rows, np.array([[4.0], [9.0], [0.0]])).tolist()
    [[1.0]]
    """
    total = np.asarray(rows.sum(axis=1)).ravel()
    scale = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    return np.asarray((sp.diags_array(scale) @ rows) @ item_vectors, dtype=np.float32)


def bpr_fold_in(
    rows: sp.csr_array,
    items: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    weight: float = 1.0,
    init: np.ndarray,
    steps: int,
    lr: float,
    reg: float,
    n_negatives: int = 256,
    chunk: int = 4096,
) -> np.ndarray:
    """Fit each row's free vector ``e`` by BPR against fixed item vectors.

    The user's vector is ``z = offset + weight * e`` (``offset``: the part computed
    from the row, e.g. LightGCN's propagated layers; None is 0). ``e`` starts at
    ``init`` and takes ``steps`` Adam steps (step size ``lr``) on the BPR loss
    averaged over all (positive, negative) pairs of the row, plus ``reg * |e|^2 /
    2``. The negatives are one fixed, evenly spaced subset of ``n_negatives`` item
    indices (all items when the catalogue is smaller), less the row's own items: no
    sampling, so the result is deterministic and a row's vector does not depend on
    the other rows. Rows go in chunks of ``chunk``. Returns ``z`` (float32, per row).

    >>> rows = sp.csr_array(np.array([[1.0, 0.0, 0.0]]))
    >>> items = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    >>> z = bpr_fold_in(rows, items, init=np.zeros((1, 2)), steps=50, lr=0.1, reg=0.0)
    >>> int(np.argmax(z @ items.T))  # item 0 now scores highest
    0
    """
    rows = sp.csr_array(rows, dtype=np.float32)
    n, m = rows.shape
    neg = np.unique(np.linspace(0, m - 1, min(m, n_negatives)).round().astype(np.int64))
    q = np.ascontiguousarray(items, dtype=np.float32)
    out = np.empty((n, q.shape[1]), np.float32)
    for start in range(0, n, chunk):
        part = slice(start, start + chunk)
        off = None if offset is None else offset[part]
        out[part] = _bpr_chunk(rows[part], q, neg, off, weight, init[part], steps, lr, reg)
    return out


def _bpr_chunk(
    rows: sp.csr_array,
    q: np.ndarray,
    neg: np.ndarray,
    offset: np.ndarray | None,
    weight: float,
    init: np.ndarray,
    steps: int,
    lr: float,
    reg: float,
) -> np.ndarray:
    n = rows.shape[0]
    e = np.array(init, dtype=np.float32)
    base = np.zeros_like(e) if offset is None else np.asarray(offset, np.float32)
    who = np.repeat(np.arange(n), np.diff(rows.indptr))  # the row of each positive
    q_pos, q_neg = q[rows.indices], q[neg]
    # pair (positive p, negative j) counts unless j is one of the row's own items
    valid = ~(rows[:, neg].toarray() > 0)[who]  # (positives, negatives)
    n_pairs = np.zeros(n, np.float32)
    np.add.at(n_pairs, who, valid.sum(axis=1).astype(np.float32))
    scale = np.divide(1.0, n_pairs, out=np.zeros_like(n_pairs), where=n_pairs > 0)[who]
    gather = sp.csr_array(
        (np.ones(len(who), np.float32), (who, np.arange(len(who)))), shape=(n, len(who))
    )
    mom, var = np.zeros_like(e), np.zeros_like(e)
    for t in range(1, steps + 1):
        z = base + weight * e
        s_pos = np.einsum("pd,pd->p", z[who], q_pos)
        s_neg = dot_t(z, q_neg)  # (n, negatives)
        # d/d(s_j - s_i) of -log sigmoid(s_i - s_j) is sigmoid(s_j - s_i)
        g = _sigmoid(s_neg[who] - s_pos[:, None]) * valid * scale[:, None]
        grad_z = gather @ (g @ q_neg - g.sum(axis=1)[:, None] * q_pos)
        grad = weight * np.asarray(grad_z, np.float32) + reg * e
        mom = 0.9 * mom + 0.1 * grad
        var = 0.999 * var + 0.001 * grad * grad
        e -= lr * (mom / (1 - 0.9**t)) / (np.sqrt(var / (1 - 0.999**t)) + 1e-8)
    return base + weight * e


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_SAVED_ARRAYS = frozenset(
    {"user_embeddings", "item_embeddings", "train_indptr", "train_indices", "train_data",
     "user_ids", "item_ids"}
)  # fmt: skip


def _plain(ids: np.ndarray) -> np.ndarray:
    """Ids as a non-object array, so they save without pickling."""
    ids = np.asarray(ids)
    return ids.astype(str) if ids.dtype == object else ids
