"""Describe communities the way an analyst would name them.

For each community: its size and activity, the items and the genres / tags most
over-represented in it (lift against the whole population, above a minimum support),
a demographic summary when the data has user features, the median release year and
rating date of its interactions when the data has them, and a short label made of
the distinctive genres or tags ("Film-Noir & Mystery"). :func:`profile` returns a
DataFrame, :func:`to_markdown` renders it.

Lift of an item in community ``c``: the share of ``c``'s members who interacted with
it divided by the share of all users who did. Lift of a genre: its share of ``c``'s
interactions divided by its share of all interactions. Only items interacted with by
at least ``max(min_count, min_support * size)`` members, and genres holding at least
``min_support`` of the community's interactions (and ``min_count`` of them), are listed.

A community is *named* only from over-representation that is both large (lift at
least ``min_lift``) and significant, tested on users, not interactions (one heavy
rater cannot name a community): a one-sided hypergeometric test of the community's
members drawn from all users, counting the users who lean to the genre (its share of
their interactions is above its share of all interactions) or consumed the item, with a
multiple-testing correction over every community x genre (or community x item) pair
(``correction``: Holm by default, or Benjamini-Hochberg), at level ``alpha``.
Communities below ``min_size`` users (default 20) are not named or tested: too few
users to say what they share. Otherwise the label says there is no distinctive genre.

Beside the genres, each profile shows what else sets a community apart: its activity
(median degree), mainstreamness (mean popularity of the items it consumed, as a share
of users), era (median rating date, median release year) and, in ``separated_by``,
which of these per-user attributes separates its members from the other users most
(the AUC of members against the rest, furthest from 0.5): "rating date (later, AUC
0.83)" says a community is mostly users who rated recently, whatever its genres.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec.community._profile_stats import (
    adjust,
    demographics,
    enrichment_p,
    leaning_users,
    separated_by,
    user_attributes,
    weighted_median,
)
from graphrec.community.base import Communities
from graphrec.data.interactions import Interactions

__all__ = ["profile", "to_markdown"]

_NAME_COLUMNS = ("title", "name")
_TAG_COLUMNS = ("genres", "tags")
_YEAR_COLUMNS = ("year",)
CORRECTIONS = ("holm", "bh")
MIN_SIZE = 20  # users: smaller communities are not named or tested


def profile(
    data: Interactions,
    communities: Any,
    top_n: int = 5,
    min_support: float = 0.05,
    min_count: int = 3,
    item_column: str | None = None,
    tag_column: str | None = None,
    min_lift: float = 1.5,
    alpha: float = 0.05,
    correction: str = "holm",
    min_size: int = MIN_SIZE,
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
        tags; by default the first present of ``title`` / ``name`` and ``genres`` / ``tags``
        (else the first column holding lists, as a feature file's genre column may).
    min_lift : float
        Smallest lift that can name a community.
    alpha : float
        Level of the corrected hypergeometric test that a naming lift must pass.
    correction : {"holm", "bh"}
        Multiple-testing correction over all community x genre (or item) pairs: Holm
        (family-wise error) or Benjamini-Hochberg (false discovery rate).
    min_size : int
        Communities with fewer users are listed but not named or tested (default 20).

    Returns
    -------
    DataFrame
        Columns ``community``, ``size``, ``share``, ``mean_activity``,
        ``median_activity`` (median degree of the members), ``activity_ratio``,
        ``mainstream`` (mean popularity of the community's interactions, the share of
        users who consumed each item) and ``mainstream_ratio`` (against all
        interactions), ``top_items`` (``"name (lift x)"`` strings), ``top_genres`` or
        ``top_tags`` (after the item column they come from), ``label`` (the distinctive
        genres, else items, or "no distinctive genre", or "not named (below 20 users)"),
        ``label_p`` (the largest corrected p-value among the named genres or items,
        ``nan`` when unnamed), ``separated_by`` (the per-user attribute with the AUC of
        members against the rest furthest from 0.5: activity, mainstreamness, rating
        date, release year), ``median_year`` / ``year_shift`` (median
        release year of the community's interactions and its difference from all
        interactions, when items have a ``year``), ``median_rated`` / ``rated_shift_days``
        (median rating date and its shift, with timestamps; the overall medians are in
        ``table.attrs["overall"]``), and per user feature ``mean_<col>`` (numbers with
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
    if not (isinstance(min_lift, (int, float)) and min_lift >= 1):
        raise ValueError(f"min_lift must be a number >= 1, got {min_lift!r}")
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 1:
        raise ValueError(f"min_size must be a positive integer (users), got {min_size!r}")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
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
    tested = sizes >= max(min_size, 1)  # the family of tests: communities big enough
    user_counts = item_counts  # communities x items: members who consumed the item
    if tags is not None:
        tag_names, tag_matrix = tags
        noun = "tag" if (tag_column or _tag_column(data)) == "tags" else "genre"
        lean = leaning_users(binary, tag_matrix)  # users x tags: leans to the tag or not
        users_of = (member @ lean).toarray()  # communities x tags: members who lean to it
        everyone = np.asarray(lean.sum(axis=0)).ravel()
        p_tags = adjust(enrichment_p(users_of, everyone, sizes, data.n_users, tested), correction)
    else:
        p_items = adjust(
            enrichment_p(user_counts, data.item_degrees(), sizes, data.n_users, tested),
            correction,
        )
    years, rated = _year_values(data), _time_values(data)
    overall: dict[str, Any] = {}
    if years is not None:
        all_counts = np.asarray(binary.sum(axis=0)).ravel()
        overall["median_year"] = weighted_median(years[1], all_counts[years[0]])
    if rated is not None:
        overall["median_rated"] = _as_date(np.median(rated), rated)
    popularity = data.item_degrees() / max(data.n_users, 1)  # share of users per item
    all_counts = np.asarray(binary.sum(axis=0)).ravel()
    mean_popularity = float(all_counts @ popularity / max(all_counts.sum(), 1e-12))
    attributes = user_attributes(data, binary, popularity, years, rated)
    rows = []
    for c in range(k):
        if sizes[c] == 0:
            continue
        inside = labels == c
        mainstream = float(item_counts[c] @ popularity / max(item_counts[c].sum(), 1e-12))
        row: dict[str, Any] = {
            "community": c,
            "size": int(sizes[c]),
            "share": sizes[c] / data.n_users,
            "mean_activity": activity[inside].mean(),
            "median_activity": float(np.median(activity[inside])),
            "activity_ratio": activity[inside].mean() / max(activity.mean(), 1e-12),
            "mainstream": mainstream,
            "mainstream_ratio": mainstream / max(mean_popularity, 1e-12),
        }
        items, item_lift = _top_items(item_counts[c], sizes[c], data, min_support, min_count, top_n)
        row["top_items"] = [f"{names[i]} ({lift:.1f}x)" for i, lift in zip(items, item_lift)]
        if tags is not None:
            top, tag_lift = _top_tags(
                item_counts[c], item_counts.sum(0), tag_matrix, min_support, min_count, top_n
            )
            row[f"top_{noun}s"] = [
                f"{tag_names[t]} ({lift:.1f}x)" for t, lift in zip(top, tag_lift)
            ]
            named = _distinctive(top, tag_lift, p_tags[c], min_lift, alpha)
            parts, label_p = [str(tag_names[t]) for t in named], p_tags[c, named]
            fallback = f"no distinctive {noun}"
        else:
            named = _distinctive(items, item_lift, p_items[c], min_lift, alpha)
            parts, label_p = [str(names[i]) for i in named], p_items[c, named]
            fallback = "no distinctive item"
        if not tested[c]:
            parts, label_p = [], np.array([])
            fallback = f"not named (below {min_size} users)"
        row["label"] = " & ".join(parts) if parts else fallback
        row["label_p"] = float(label_p.max()) if len(label_p) else float("nan")
        row["separated_by"] = separated_by(attributes, inside) if tested[c] else ""
        if years is not None:
            row["median_year"] = weighted_median(years[1], item_counts[c, years[0]])
            row["year_shift"] = row["median_year"] - overall["median_year"]
        if rated is not None:
            mine_ts = rated[np.repeat(inside, data.user_degrees())]
            row["median_rated"] = _as_date(np.median(mine_ts), rated) if mine_ts.size else None
            row["rated_shift_days"] = (
                (row["median_rated"] - overall["median_rated"]).total_seconds() / 86400
                if mine_ts.size
                else float("nan")
            )
        row.update(demographics(data.user_features, inside, min_support))
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["overall"] = overall
    return table


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
        column = _tag_column(data)
        if column is None:
            return None
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


def _tag_column(data: Interactions) -> str | None:
    """``genres`` or ``tags`` when present, else the first column holding lists of labels
    (a feature file's multi-valued column under another name)."""
    table = data.item_features
    if table is None:
        return None
    named = next((c for c in _TAG_COLUMNS if c in table), None)
    if named is not None:
        return named
    for col in table.columns:
        values = table[col].dropna()
        if len(values) and values.map(lambda v: isinstance(v, (list, tuple))).all():
            return str(col)
    return None


def _distinctive(
    order: np.ndarray, lift: np.ndarray, p_adjusted: np.ndarray, min_lift: float, alpha: float
) -> np.ndarray:
    """The first two of ``order`` (by lift) that are large and significant enough to name."""
    order = np.asarray(order, dtype=np.int64)
    keep = (np.asarray(lift) >= min_lift) & (p_adjusted[order] <= alpha)
    return order[keep][:2]


def _year_values(data: Interactions) -> tuple[np.ndarray, np.ndarray] | None:
    """Items with a known release year and their years (None without a year column)."""
    table = data.item_features
    column = next((c for c in _YEAR_COLUMNS if table is not None and c in table), None)
    if column is None:
        return None
    years = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
    known = np.flatnonzero(np.isfinite(years))
    if known.size == 0:
        return None
    return known, years[known]


def _time_values(data: Interactions) -> np.ndarray | None:
    ts = data.timestamps
    if ts is None or len(ts) == 0:
        return None
    return np.asarray(ts, dtype=np.int64)


def _as_date(value: float, reference: np.ndarray) -> pd.Timestamp:
    """A timestamp as a date: unix seconds, or milliseconds when the values are that large."""
    unit = "ms" if np.abs(reference).max() > 1e11 else "s"
    return pd.Timestamp(int(np.rint(value)), unit=unit).normalize()


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
        elif isinstance(value, pd.Timestamp):
            text = value.date().isoformat() if value == value.normalize() else str(value)
        elif isinstance(value, (float, np.floating)):
            text = "" if np.isnan(value) else f"{value:.{digits}f}"
        else:
            text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in table[cols].iterrows():
        lines.append("| " + " | ".join(cell(row[c]) for c in cols) + " |")
    return "\n".join(lines)
