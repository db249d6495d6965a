"""Describe communities the way an analyst would name them.

For each community: its size and activity, the items and the genres / tags most
over-represented in it (lift against the whole population, above a minimum support),
a demographic summary when the data has user features, and a short label made of
the top genres or tags ("Film-Noir & Mystery"). :func:`profile` returns a DataFrame,
:func:`to_markdown` renders it.

Lift of an item in community ``c``: the share of ``c``'s members who interacted with
it divided by the share of all users who did. Lift of a genre: its share of ``c``'s
interactions divided by its share of all interactions. Only items interacted with by
at least ``max(min_count, min_support * size)`` members, and genres holding at least
``min_support`` of the community's interactions (and ``min_count`` of them), qualify.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec.community.base import Communities
from graphrec.data.interactions import Interactions

__all__ = ["profile", "to_markdown"]

_NAME_COLUMNS = ("title", "name")
_TAG_COLUMNS = ("genres", "tags")
_MAX_CATEGORIES = 50  # categorical user features with more values are skipped (zip codes)
_MAX_NUMERIC_LEVELS = 12  # numeric features with at most this many (repeated) values are codes


def profile(
    data: Interactions,
    communities: Any,
    top_n: int = 5,
    min_support: float = 0.05,
    min_count: int = 3,
    item_column: str | None = None,
    tag_column: str | None = None,
) -> pd.DataFrame:
    """One row per community: size, activity, distinctive items and genres, demographics, label.

    Parameters
    ----------
    data : Interactions
        The data the communities were found on (interactions count as present/absent).
    communities : Communities or array of user labels
    top_n : int
        Items and genres / tags listed per community.
    min_support : float
        Minimum share of the community (members for items, interactions for genres).
    min_count : int
        Minimum number of members (items) or interactions (genres).
    item_column, tag_column : str, optional
        Columns of ``data.item_features`` with the item names and the list of genres or
        tags; by default the first present of ``title`` / ``name`` and ``genres`` / ``tags``.

    Returns
    -------
    DataFrame
        Columns ``community``, ``size``, ``share``, ``mean_activity``, ``activity_ratio``,
        ``top_items`` (``"name (lift x)"`` strings), ``top_tags`` (when the items have
        genres or tags), ``label``, and per user feature ``mean_<col>`` (numbers with
        many values, e.g. age), ``pct_<col>_<value>`` (two-valued features, e.g.
        ``pct_gender_F``: the share of the less common value) and ``top_<col>``
        (categorical features: the most over-represented value, its share and lift).

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 2, mean_degree=15, mu=0.1, seed=0)
    >>> table = profile(data, truth, top_n=2)
    >>> table[["community", "size"]].to_dict("list")
    {'community': [0, 1], 'size': [100, 100]}
    """
    if not isinstance(data, Interactions):
        raise ValueError(f"profile expects Interactions, got {type(data).__name__}")
    labels = communities.user_labels if isinstance(communities, Communities) else communities
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (data.n_users,):
        raise ValueError(
            f"labels must have one entry per user ({data.n_users}), got {labels.shape}"
        )
    if not 0 <= min_support < 1:
        raise ValueError(f"min_support must be in [0, 1), got {min_support!r}")
    binary = sp.csr_array(data.matrix, dtype=np.float64, copy=True)
    binary.eliminate_zeros()
    binary.data[:] = 1.0
    k = int(labels.max(initial=-1)) + 1
    ok = labels >= 0
    member = sp.csr_array(
        (np.ones(ok.sum()), (labels[ok], np.flatnonzero(ok))), shape=(k, data.n_users)
    )
    sizes = np.asarray(member.sum(axis=1)).ravel()
    activity = np.diff(binary.indptr).astype(np.float64)
    item_counts = (member @ binary).toarray()  # communities x items: members who interacted
    names = _item_names(data, item_column)
    tags = _tag_matrix(data, tag_column)
    rows = []
    for c in range(k):
        if sizes[c] == 0:
            continue
        row: dict[str, Any] = {
            "community": c,
            "size": int(sizes[c]),
            "share": sizes[c] / data.n_users,
            "mean_activity": activity[labels == c].mean(),
            "activity_ratio": activity[labels == c].mean() / max(activity.mean(), 1e-12),
        }
        items, item_lift = _top_items(item_counts[c], sizes[c], data, min_support, min_count, top_n)
        row["top_items"] = [f"{names[i]} ({lift:.1f}x)" for i, lift in zip(items, item_lift)]
        label_parts = [str(names[i]) for i in items[:2]]
        if tags is not None:
            tag_names, tag_matrix = tags
            top, tag_lift = _top_tags(
                item_counts[c], item_counts.sum(0), tag_matrix, min_support, min_count, top_n
            )
            row["top_tags"] = [f"{tag_names[t]} ({lift:.1f}x)" for t, lift in zip(top, tag_lift)]
            if len(top):
                label_parts = [str(tag_names[t]) for t in top[:2]]
        row["label"] = " & ".join(label_parts) if label_parts else f"community {c}"
        row.update(_demographics(data.user_features, labels == c, min_support))
        rows.append(row)
    return pd.DataFrame(rows)


def _item_names(data: Interactions, column: str | None) -> np.ndarray:
    table = data.item_features
    if column is not None:
        if table is None or column not in table:
            raise ValueError(f"item_features has no column {column!r}")
        return table[column].astype(str).to_numpy()
    for name in _NAME_COLUMNS:
        if table is not None and name in table:
            return table[name].astype(str).to_numpy()
    return np.asarray(data.item_ids).astype(str)


def _tag_matrix(data: Interactions, column: str | None) -> tuple[np.ndarray, sp.csr_array] | None:
    """Items x tags indicator matrix of a list-valued item column, with the tag names."""
    table = data.item_features
    if column is None:
        candidates = [c for c in _TAG_COLUMNS if table is not None and c in table]
        if not candidates:
            return None
        column = candidates[0]
    elif table is None or column not in table:
        raise ValueError(f"item_features has no column {column!r}")
    lists = [v if isinstance(v, (list, tuple, np.ndarray)) else [] for v in table[column]]
    lengths = np.array([len(v) for v in lists])
    flat = pd.Series([t for v in lists for t in v], dtype=object)
    if flat.empty:
        return None
    codes, uniques = pd.factorize(flat)
    rows = np.repeat(np.arange(len(lists)), lengths)
    matrix = sp.csr_array((np.ones(len(codes)), (rows, codes)), shape=(len(lists), len(uniques)))
    matrix.data[:] = 1.0  # a tag listed twice for an item counts once
    return np.asarray(uniques, dtype=object), matrix


def _top_items(
    counts: np.ndarray,
    size: float,
    data: Interactions,
    min_support: float,
    min_count: int,
    top_n: int,
) -> tuple[np.ndarray, np.ndarray]:
    overall = data.item_degrees() / data.n_users
    support = counts >= max(min_count, min_support * size)
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = np.where(support & (overall > 0), (counts / size) / overall, -np.inf)
    order = np.lexsort((-counts, -lift))[:top_n]
    order = order[np.isfinite(lift[order])]
    return order, lift[order]


def _top_tags(
    counts: np.ndarray,
    all_counts: np.ndarray,
    tag_matrix: sp.csr_array,
    min_support: float,
    min_count: int,
    top_n: int,
) -> tuple[np.ndarray, np.ndarray]:
    mine = tag_matrix.T @ counts  # interactions of the community per tag
    everyone = tag_matrix.T @ all_counts
    share = mine / max(counts.sum(), 1e-12)
    base = everyone / max(all_counts.sum(), 1e-12)
    support = (share >= min_support) & (mine >= min_count)
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = np.where(support & (base > 0), share / base, -np.inf)
    order = np.lexsort((-mine, -lift))[:top_n]
    order = order[np.isfinite(lift[order])]
    return order, lift[order]


def _demographics(features: pd.DataFrame | None, inside: np.ndarray, min_support: float) -> dict:
    """Mean of numeric features; top value (and minority share if two-valued) of categories."""
    out: dict[str, Any] = {}
    if features is None:
        return out
    for col in features.columns:
        values = features[col]
        n_values = values.nunique()
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        coded = n_values <= _MAX_NUMERIC_LEVELS and 2 * n_values <= len(values)
        if numeric and not coded:
            out[f"mean_{col}"] = float(values[inside].mean())
            continue
        if n_values < 2 or n_values > _MAX_CATEGORIES or 2 * n_values > len(values):
            continue  # constant, or an identifier-like column (zip codes)
        mine = values[inside].value_counts(normalize=True)
        overall = values.value_counts(normalize=True)
        if n_values == 2:  # e.g. gender: the share of the less common value ("pct_gender_F")
            minority = overall.sort_values(kind="stable").index[0]
            out[f"pct_{col}_{minority}"] = float(mine.get(minority, 0.0))
        lift = (mine / overall.reindex(mine.index)).where(mine >= min_support).dropna()
        if lift.empty:
            continue
        best = lift.sort_values(ascending=False, kind="stable").index[0]
        out[f"top_{col}"] = f"{best} ({mine[best]:.0%}, {lift[best]:.1f}x)"
    return out


def to_markdown(table: pd.DataFrame, columns: list[str] | None = None, digits: int = 2) -> str:
    """Render a profile (or any DataFrame) as a Markdown table, without extra packages.

    Lists are joined with ``", "``, floats rounded to ``digits``, ``|`` escaped.

    >>> print(to_markdown(pd.DataFrame({"label": ["Noir & Mystery"], "share": [0.25]})))
    | label | share |
    |---|---|
    | Noir & Mystery | 0.25 |
    """
    cols = list(table.columns) if columns is None else list(columns)
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"no such column(s): {', '.join(missing)}")

    def cell(value: Any) -> str:
        if isinstance(value, (list, tuple, np.ndarray)):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, (float, np.floating)):
            text = "" if np.isnan(value) else f"{value:.{digits}f}"
        else:
            text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in table[cols].iterrows():
        lines.append("| " + " | ".join(cell(row[c]) for c in cols) + " |")
    return "\n".join(lines)
