"""Preprocessing functions: cleaning raw tables, implicit conversion and k-cores.

Each function returns a new object and leaves its input untouched; what was
removed is logged and recorded in ``Interactions.meta["report"]``.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from graphrec.data.interactions import Interactions

__all__ = [
    "binarize",
    "check_weights",
    "clean_frame",
    "is_count_column",
    "k_core",
    "resolve_duplicates",
]

logger = logging.getLogger(__name__)

_DUPLICATE_MODES = ("auto", "sum", "max", "first", "last", "count", "drop", "error")
# a rating column whose name has one of these words (or the word "n") holds counts
_COUNT_WORDS = ("count", "play", "listen", "click", "view", "visit", "purchase", "freq")


def is_count_column(name: object) -> bool:
    """Whether a weight column's name says it holds counts (the rule of ``duplicates="auto"``).

    The name is split into words (at non-letters and camelCase boundaries); it is a
    count column when a word is ``n`` or starts with one of ``count``, ``play``,
    ``listen``, ``click``, ``view``, ``visit``, ``purchase``, ``freq``.

    >>> [is_count_column(c) for c in ("playcount", "n_plays", "userViews", "rating", "review")]
    [True, True, True, False, False]
    """
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower()
    return any(w == "n" or w.startswith(_COUNT_WORDS) for w in re.findall(r"[a-z]+", spaced))


def resolve_duplicates(duplicates: str, rating_col: object) -> str:
    """The mode ``duplicates="auto"`` stands for (other modes are returned unchanged).

    ``"auto"`` is ``"last"`` for explicit ratings (a ``rating_col`` that is not a count
    column, see :func:`is_count_column`): a re-rating replaces the earlier one. It is
    ``"sum"`` for a count column (play counts add up) and ``"count"`` without a rating
    column (each row is one event; the weight is the number of rows).

    >>> resolve_duplicates("auto", "stars"), resolve_duplicates("auto", "plays")
    ('last', 'sum')
    >>> resolve_duplicates("auto", None), resolve_duplicates("max", "stars")
    ('count', 'max')
    """
    if duplicates not in _DUPLICATE_MODES:
        raise ValueError(f"duplicates must be one of {_DUPLICATE_MODES}, got {duplicates!r}")
    if duplicates != "auto":
        return duplicates
    if rating_col is None:
        return "count"
    return "sum" if is_count_column(rating_col) else "last"


def clean_frame(
    df: pd.DataFrame,
    user_col: str = "user",
    item_col: str = "item",
    rating_col: str | None = None,
    time_col: str | None = None,
    *,
    duplicates: str = "auto",
    source: str = "data frame",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    r"""Check columns, drop rows with missing ids and combine duplicate pairs.

    Parameters
    ----------
    duplicates : {"auto", "sum", "max", "first", "last", "count", "drop", "error"}
        How repeated (user, item) rows are combined: sum or max of the rating, the
        first or last row (by time when ``time_col`` is given, else file order),
        ``"count"`` (the weight becomes the number of rows), ``"drop"`` (keep the
        first row), or raise. ``"auto"`` (the default) keeps the last rating for
        explicit ratings, sums a count column and counts rows without a rating
        column (see :func:`resolve_duplicates`).

    Returns
    -------
    (DataFrame, report)
        The cleaned table and a dict with ``rows``, ``missing_ids_dropped``,
        ``duplicates_merged`` (rows merged into another row of the same pair),
        ``duplicates`` (the mode used, ``"auto"`` resolved) and ``interactions``.
        When rows were dropped or merged a ``UserWarning`` says how many.

    >>> import warnings
    >>> df = pd.DataFrame({"user": [1, 1, None], "item": [5, 5, 6], "stars": [4, 5, 3]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out, report = clean_frame(df, rating_col="stars")
    >>> report["missing_ids_dropped"], report["duplicates_merged"], out["stars"].tolist()
    (1, 1, [5])
    >>> print(str(caught[0].message).replace(" and ", "\n").replace("; ", "\n"))
    data frame: dropped 1 row(s) with a missing id
    merged 1 repeated (user, item) row(s) by keeping the last (duplicates='last')
    1 interactions from 3 rows
    """
    duplicates = resolve_duplicates(duplicates, rating_col)
    needed = [c for c in (user_col, item_col, rating_col, time_col) if c is not None]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"{source}: missing column(s) {missing}; available columns: {list(df.columns)}"
        )
    df = df[needed].copy()
    for col in (rating_col, time_col):
        if col is not None and not pd.api.types.is_numeric_dtype(df[col]):
            values = pd.to_numeric(df[col], errors="coerce")
            bad = values.isna() & df[col].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(
                    f"{source}: column {col!r} must be numeric; row {row} has {df[col].iloc[row]!r}"
                )
            df[col] = values
    rows = len(df)
    has_id = df[user_col].notna() & df[item_col].notna()
    if rows and not has_id.any():
        raise ValueError(
            f"{source}: every row ({rows}) lacks a {user_col!r} or {item_col!r} id, so no "
            "interaction is left; check the column names and the file"
        )
    df = df[has_id]
    for col in (user_col, item_col):
        ids = df[col]
        if pd.api.types.is_float_dtype(ids) and (ids == np.floor(ids)).all():
            df[col] = ids.astype(np.int64)
        elif pd.api.types.is_integer_dtype(ids):  # nullable Int64 with its missing rows gone
            df[col] = ids.astype(np.int64)
    n_missing = rows - len(df)
    n_nonpositive = 0
    if rating_col is not None:
        check_weights(df[rating_col], source, repr(rating_col))
        positive = (df[rating_col] > 0).to_numpy()
        n_nonpositive = int((~positive).sum())
        if n_nonpositive == len(df) and len(df):
            raise ValueError(
                f"{source}: every weight in column {rating_col!r} is zero or negative, so no "
                "interaction is left; a weight must be > 0 (leave out the weight column to "
                "count every row as an interaction)"
            )
        df = df[positive]
    n_before = len(df)
    keys = [user_col, item_col]
    if duplicates == "count":
        df = df.groupby(keys, sort=False, as_index=False).agg(
            count=(item_col, "size"), **({time_col: (time_col, "max")} if time_col else {})
        )
    elif df.duplicated(keys).any():
        if duplicates == "error":
            row = int(np.flatnonzero(df.duplicated(keys).to_numpy())[0])
            raise ValueError(f"{source}: duplicate (user, item) pair in row {row}")
        if duplicates in ("sum", "max"):
            agg: dict[str, str] = {}
            if rating_col is not None:
                agg[rating_col] = duplicates
            if time_col is not None:
                agg[time_col] = "max"
            df = (
                df.groupby(keys, sort=False, as_index=False).agg(agg)
                if agg
                else df.drop_duplicates(keys)
            )
        else:
            if time_col is not None:
                df = df.sort_values(time_col, kind="stable")
            keep = "last" if duplicates == "last" else "first"
            df = df.drop_duplicates(keys, keep=keep)
    report = {
        "rows": rows,
        "missing_ids_dropped": int(n_missing),
        "nonpositive_weights_dropped": n_nonpositive,
        "duplicates_merged": int(n_before - len(df)),
        "duplicates": duplicates,
        "interactions": len(df),
    }
    if n_missing or n_nonpositive or report["duplicates_merged"]:
        logger.info("%s: %s", source, report)
        warnings.warn(_cleaning_message(source, report), UserWarning, stacklevel=2)
    return df.reset_index(drop=True), report


_HOW = {
    "sum": "summing their weights",
    "max": "keeping the largest weight",
    "first": "keeping the first",
    "last": "keeping the last",
    "count": "counting them (the weight is the number of rows)",
    "drop": "keeping the first",
}


def _cleaning_message(source: str, report: dict[str, Any]) -> str:
    parts = []
    if report["missing_ids_dropped"]:
        parts.append(f"dropped {report['missing_ids_dropped']} row(s) with a missing id")
    if report["nonpositive_weights_dropped"]:
        parts.append(
            f"dropped {report['nonpositive_weights_dropped']} row(s) whose weight is zero or "
            "negative (not an interaction)"
        )
    if report["duplicates_merged"]:
        parts.append(
            f"merged {report['duplicates_merged']} repeated (user, item) row(s) by "
            f"{_HOW[report['duplicates']]} (duplicates={report['duplicates']!r})"
        )
    return (
        f"{source}: {' and '.join(parts)}; {report['interactions']} interactions from "
        f"{report['rows']} rows"
    )


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_weights(
    values: pd.Series,
    source: str,
    column: str,
    line_of: Callable[[int], int] | None = None,
) -> None:
    """Raise ``ValueError`` at the first weight that is missing, not finite or too large.

    Weights are stored as float32, so a magnitude past 3.4e38 (``1e300``) is refused as
    well as ``inf`` and ``nan``. Zero and negative weights are not refused here:
    :func:`clean_frame` drops them (they are not interactions) and reports how many.

    >>> check_weights(pd.Series([1.0, float("inf")]), "r.csv", "'stars'")
    Traceback (most recent call last):
    ...
    ValueError: r.csv row 1, column 'stars': expected a finite weight ...
    """
    numbers = values.to_numpy(np.float64, na_value=np.nan)
    bad = ~(np.abs(numbers) <= _FLOAT32_MAX)  # nan, inf and float32 overflow
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        what = "is empty" if values.isna().iloc[pos] else f"is {values.iloc[pos]!r}"
        where = f"line {line_of(pos)}" if line_of else f"row {values.index[pos]}"
        raise ValueError(
            f"{source} {where}, column {column}: expected a finite weight of magnitude "
            f"at most 3.4e38 (weights are float32), but it {what}"
        )


def binarize(data: Interactions, threshold: float | None = None) -> Interactions:
    """Implicit feedback: keep interactions with weight >= ``threshold``, set weights to 1.

    Raises ``ValueError`` when no weight reaches ``threshold``.

    >>> import scipy.sparse as sp
    >>> d = Interactions(sp.csr_array([[5.0, 2.0], [4.0, 0.0]]), [0, 1], [0, 1])
    >>> binarize(d, threshold=4).matrix.toarray().tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    out = data if threshold is None else data.filter(data.matrix.data >= threshold)
    if data.nnz and not out.nnz:
        w = data.matrix.data
        raise ValueError(
            f"binarize(threshold={threshold!r}) removed every interaction (weights range "
            f"from {w.min():g} to {w.max():g}); lower threshold"
        )
    dropped = data.nnz - out.nnz
    return _with_report(out.binary(), "binarize", threshold=threshold, dropped=dropped)


def k_core(
    data: Interactions, min_user_interactions: int = 5, min_item_interactions: int = 5
) -> Interactions:
    """Iteratively remove users and items with too few interactions.

    Repeats until every remaining user has at least ``min_user_interactions`` and
    every item at least ``min_item_interactions``; removed users and items are
    dropped from the index space (ids, side tables and user graph follow). Raises
    ``ValueError`` when nothing would be left.
    """
    for name, v in (
        ("min_user_interactions", min_user_interactions),
        ("min_item_interactions", min_item_interactions),
    ):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    users, items, _, _ = data.coo()
    keep = np.ones(data.nnz, dtype=bool)
    while True:
        udeg = np.bincount(users[keep], minlength=data.n_users)
        ideg = np.bincount(items[keep], minlength=data.n_items)
        bad = (udeg[users] < min_user_interactions) | (ideg[items] < min_item_interactions)
        bad &= keep
        if not bad.any():
            break
        keep &= ~bad
    if data.nnz and not keep.any():
        raise ValueError(
            f"k_core(min_user_interactions={min_user_interactions}, "
            f"min_item_interactions={min_item_interactions}) removed every interaction (the "
            f"most active user has {data.user_degrees().max()} interactions, the most popular "
            f"item {data.item_degrees().max()}); lower min_user_interactions / "
            "min_item_interactions"
        )
    out = data.filter(keep)
    udeg, ideg = out.user_degrees(), out.item_degrees()
    out = out.subset(users=udeg > 0, items=ideg > 0)
    return _with_report(
        out,
        "k_core",
        min_user_interactions=min_user_interactions,
        min_item_interactions=min_item_interactions,
        users_removed=data.n_users - out.n_users,
        items_removed=data.n_items - out.n_items,
        interactions_removed=data.nnz - out.nnz,
    )


def _with_report(data: Interactions, step: str, **facts: Any) -> Interactions:
    logger.info("%s: %s", step, facts)
    steps = [*data.meta.get("preprocessing", []), {"step": step, **facts}]
    return replace(data, meta={**data.meta, "preprocessing": steps})
