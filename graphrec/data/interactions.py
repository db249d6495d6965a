"""The ``Interactions`` container: a users x items CSR matrix plus id vocabularies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec.data._matrix import _as_csr, _as_csr_with_times, _as_index, _lookup

__all__ = ["Interactions"]


@dataclass(frozen=True, eq=False)
class Interactions:
    """User-item interactions with contiguous indices and the original ids.

    Parameters
    ----------
    matrix : scipy.sparse.csr_array, shape (n_users, n_items)
        Interaction weights (1.0 for implicit feedback, the rating or play count otherwise).
    user_ids, item_ids : ndarray
        ``user_ids[i]`` is the original id of user index ``i`` (likewise for items).
    timestamps : ndarray of int64, optional
        One timestamp per stored entry, aligned with ``matrix.data``. A matrix that is not
        in canonical CSR form (unsorted column indices, or CSC / COO / dense input) is
        sorted with its timestamps, so each (user, item) keeps its own time; a repeated
        (user, item) entry is then a ``ValueError``.
    user_features, item_features : DataFrame, optional
        Side tables with one row per user (item) index, in index order.
    user_graph : scipy.sparse.csr_array, optional
        A users x users graph, e.g. Last.fm friendships.
    meta : mapping
        Provenance: dataset name, source files, preprocessing reports.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"user": ["a", "a", "b"], "item": [10, 20, 20]})
    >>> data = Interactions.from_frame(df)
    >>> data.shape, data.user_index(["b"]).tolist(), data.item_ids.tolist()
    ((2, 2), [1], [10, 20])
    """

    matrix: sp.csr_array
    user_ids: np.ndarray
    item_ids: np.ndarray
    timestamps: np.ndarray | None = None
    user_features: pd.DataFrame | None = None
    item_features: pd.DataFrame | None = None
    user_graph: sp.csr_array | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        m = self.matrix
        if not isinstance(m, sp.csr_array) or not m.has_canonical_format:
            if self.timestamps is None:
                object.__setattr__(self, "matrix", _as_csr(m))
            else:  # re-sorting the entries must move their timestamps too
                m, ts = _as_csr_with_times(m, self.timestamps)
                object.__setattr__(self, "matrix", m)
                object.__setattr__(self, "timestamps", ts)
        n_users, n_items = self.matrix.shape
        object.__setattr__(self, "user_ids", np.asarray(self.user_ids))
        object.__setattr__(self, "item_ids", np.asarray(self.item_ids))
        if len(self.user_ids) != n_users:
            raise ValueError(f"user_ids has {len(self.user_ids)} entries for {n_users} matrix rows")
        if len(self.item_ids) != n_items:
            raise ValueError(f"item_ids has {len(self.item_ids)} entries for {n_items} columns")
        if self.timestamps is not None:
            ts = np.asarray(self.timestamps, dtype=np.int64)
            if ts.shape != (self.matrix.nnz,):
                raise ValueError(
                    f"timestamps must have one value per interaction ({self.matrix.nnz}), "
                    f"got shape {ts.shape}"
                )
            object.__setattr__(self, "timestamps", ts)
        for name, n in (("user_features", n_users), ("item_features", n_items)):
            table = getattr(self, name)
            if table is not None and len(table) != n:
                raise ValueError(f"{name} has {len(table)} rows, expected {n}")
        if self.user_graph is not None and self.user_graph.shape != (n_users, n_users):
            raise ValueError(
                f"user_graph has shape {self.user_graph.shape}, expected ({n_users}, {n_users})"
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        user_col: str = "user",
        item_col: str = "item",
        rating_col: str | None = None,
        time_col: str | None = None,
        *,
        duplicates: str = "auto",
        source: str = "data frame",
        **kwargs: Any,
    ) -> Interactions:
        """Build from a table of (user, item[, rating][, time]) rows.

        Rows with a missing user or item id are dropped; duplicate (user, item) pairs
        are combined as ``duplicates`` says (see :func:`graphrec.data.preprocess.clean_frame`;
        the default ``"auto"`` keeps the latest rating, sums a count column and counts
        rows without a rating column). What was dropped or merged is recorded in
        ``meta["report"]`` and said in a warning. Ids are indexed in sorted order, so the
        result does not depend on row order.
        """
        from graphrec.data.preprocess import clean_frame

        df, report = clean_frame(
            df, user_col, item_col, rating_col, time_col, duplicates=duplicates, source=source
        )
        if report["duplicates"] == "count":
            rating_col = "count"
        user_codes, user_ids = pd.factorize(df[user_col], sort=True)
        item_codes, item_ids = pd.factorize(df[item_col], sort=True)
        weights = (
            df[rating_col].to_numpy(np.float32)
            if rating_col is not None
            else np.ones(len(df), np.float32)
        )
        times = df[time_col].to_numpy(np.int64) if time_col is not None else None
        meta = {"source": source, "report": report, **kwargs.pop("meta", {})}
        return cls.from_coo(
            user_codes,
            item_codes,
            weights,
            times,
            user_ids=np.asarray(user_ids),
            item_ids=np.asarray(item_ids),
            meta=meta,
            **kwargs,
        )

    @classmethod
    def from_coo(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        weights: np.ndarray | None = None,
        timestamps: np.ndarray | None = None,
        *,
        user_ids: np.ndarray,
        item_ids: np.ndarray,
        **kwargs: Any,
    ) -> Interactions:
        """Build from index arrays; duplicate (user, item) pairs must not occur."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        if weights is None:
            weights = np.ones(len(users), np.float32)
        shape = (len(user_ids), len(item_ids))
        order = np.lexsort((items, users))
        users, items = users[order], items[order]
        if len(users) > 1:
            dup = (users[1:] == users[:-1]) & (items[1:] == items[:-1])
            if dup.any():
                k = int(np.flatnonzero(dup)[0])
                raise ValueError(
                    f"duplicate interaction for user index {users[k]}, item index {items[k]}; "
                    "combine duplicates first (Interactions.from_frame(duplicates=...))"
                )
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(users, minlength=shape[0]), out=indptr[1:])
        matrix = sp.csr_array((np.asarray(weights, np.float32)[order], items, indptr), shape=shape)
        ts = None if timestamps is None else np.asarray(timestamps, np.int64)[order]
        return cls(matrix, user_ids, item_ids, timestamps=ts, **kwargs)

    # ------------------------------------------------------------------ basic facts
    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape  # type: ignore[return-value]

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        """Number of stored interactions."""
        return self.matrix.nnz

    def __len__(self) -> int:
        return self.nnz

    def user_degrees(self) -> np.ndarray:
        """Number of interactions per user index."""
        return np.diff(self.matrix.indptr)

    def item_degrees(self) -> np.ndarray:
        """Number of interactions per item index."""
        return np.bincount(self.matrix.indices, minlength=self.n_items)

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """``(users, items, weights, timestamps)`` arrays in CSR order."""
        users = np.repeat(np.arange(self.n_users), self.user_degrees())
        return users, self.matrix.indices.astype(np.int64), self.matrix.data, self.timestamps

    def __repr__(self) -> str:
        density = self.nnz / max(1, self.n_users * self.n_items)
        extras = [
            name
            for name in ("timestamps", "user_features", "item_features", "user_graph")
            if getattr(self, name) is not None
        ]
        name = self.meta.get("name")
        head = f"{name!r}, " if name else ""
        tail = f"; with {', '.join(extras)}" if extras else ""
        return (
            f"Interactions({head}{self.n_users} users x {self.n_items} items, "
            f"{self.nnz} interactions, density {density:.3%}{tail})"
        )

    # ------------------------------------------------------------------ id mapping
    def user_index(self, ids: Any) -> np.ndarray:
        """Contiguous indices of original user ids (``ValueError`` for unknown ids)."""
        return _lookup(self.user_ids, ids, "user")

    def item_index(self, ids: Any) -> np.ndarray:
        """Contiguous indices of original item ids (``ValueError`` for unknown ids)."""
        return _lookup(self.item_ids, ids, "item")

    # ------------------------------------------------------------------ derived data
    def to_frame(self, original_ids: bool = True) -> pd.DataFrame:
        """Long table with columns user, item, weight (and timestamp)."""
        users, items, weights, ts = self.coo()
        out = pd.DataFrame(
            {
                "user": self.user_ids[users] if original_ids else users,
                "item": self.item_ids[items] if original_ids else items,
                "weight": weights,
            }
        )
        if ts is not None:
            out["timestamp"] = ts
        return out

    def filter(self, keep: np.ndarray) -> Interactions:
        """Keep the interactions where the boolean mask (over CSR entries) is true.

        Users, items, their ids and side tables are unchanged, so results of
        ``filter`` share one index space and can be compared and added.
        """
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (self.nnz,):
            raise ValueError(f"mask must have shape ({self.nnz},), got {keep.shape}")
        users = np.repeat(np.arange(self.n_users), self.user_degrees())[keep]
        indptr = np.zeros(self.n_users + 1, dtype=np.int64)
        np.cumsum(np.bincount(users, minlength=self.n_users), out=indptr[1:])
        matrix = sp.csr_array(
            (self.matrix.data[keep], self.matrix.indices[keep], indptr), shape=self.shape
        )
        ts = None if self.timestamps is None else self.timestamps[keep]
        return replace(self, matrix=matrix, timestamps=ts)

    def binary(self) -> Interactions:
        """A copy with every weight set to 1 (implicit feedback)."""
        matrix = self.matrix.copy()
        matrix.data[:] = 1.0
        return replace(self, matrix=matrix)

    def subset(
        self, users: np.ndarray | None = None, items: np.ndarray | None = None
    ) -> Interactions:
        """Restrict to the given user and item indices (booleans or indices), re-indexed.

        Side tables and the user graph are restricted accordingly.
        """
        u = np.arange(self.n_users) if users is None else _as_index(users, self.n_users)
        i = np.arange(self.n_items) if items is None else _as_index(items, self.n_items)
        matrix = self.matrix[u][:, i]
        ts = None
        if self.timestamps is not None:
            tmat = sp.csr_array(
                (
                    np.arange(1, self.nnz + 1, dtype=np.float64),
                    self.matrix.indices,
                    self.matrix.indptr,
                ),
                shape=self.shape,
            )[u][:, i]
            tmat = sp.csr_array(tmat)
            tmat.sort_indices()
            ts = self.timestamps[tmat.data.astype(np.int64) - 1]
        matrix = sp.csr_array(matrix)
        matrix.sort_indices()
        return Interactions(
            matrix,
            self.user_ids[u],
            self.item_ids[i],
            timestamps=ts,
            user_features=None
            if self.user_features is None
            else self.user_features.iloc[u].reset_index(drop=True),
            item_features=None
            if self.item_features is None
            else self.item_features.iloc[i].reset_index(drop=True),
            user_graph=None if self.user_graph is None else sp.csr_array(self.user_graph[u][:, u]),
            meta=dict(self.meta),
        )

    def same_space(self, other: Interactions) -> bool:
        """True when ``other`` uses the same user and item indices and ids."""
        return (
            self.shape == other.shape
            and np.array_equal(self.user_ids, other.user_ids)
            and np.array_equal(self.item_ids, other.item_ids)
        )

    def __add__(self, other: Interactions) -> Interactions:
        """Union of two interaction sets over the same users and items.

        Pairs present in both keep the larger weight and the later timestamp, so
        ``train + valid`` of a split is again a valid training set.
        """
        if not isinstance(other, Interactions):
            return NotImplemented
        if not self.same_space(other):
            raise ValueError(
                "can only add Interactions over the same users and items "
                f"(shapes {self.shape} and {other.shape}); split or load them from one dataset"
            )
        parts = [self.coo(), other.coo()]
        users = np.concatenate([p[0] for p in parts])
        items = np.concatenate([p[1] for p in parts])
        weights = np.concatenate([p[2] for p in parts])
        has_ts = self.timestamps is not None and other.timestamps is not None
        ts = np.concatenate([p[3] for p in parts]) if has_ts else None  # type: ignore[misc]
        key = users * self.n_items + items
        order = np.lexsort((-weights, key))
        key_sorted = key[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key_sorted[1:] != key_sorted[:-1]
        chosen = order[first]
        new_ts = None
        if ts is not None:
            new_ts = np.maximum.reduceat(ts[order], np.flatnonzero(first)) if len(ts) else ts
        return Interactions.from_coo(
            users[chosen],
            items[chosen],
            weights[chosen],
            new_ts,
            user_ids=self.user_ids,
            item_ids=self.item_ids,
            user_features=self.user_features,
            item_features=self.item_features,
            user_graph=self.user_graph,
            meta=dict(self.meta),
        )
