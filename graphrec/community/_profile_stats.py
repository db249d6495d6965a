"""Statistics behind :func:`graphrec.community.profile.profile`: enrichment tests,
multiple-testing corrections, weighted medians, the demographic summary, the users who
lean to a genre and the per-user attributes a community is separated by."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec.data.interactions import Interactions

__all__ = [
    "adjust",
    "demographics",
    "enrichment_p",
    "leaning_users",
    "separated_by",
    "user_attributes",
    "weighted_median",
]

_MAX_CATEGORIES = 50  # categorical user features with more values are skipped (zip codes)
_MAX_NUMERIC_LEVELS = 12  # numeric features with at most this many (repeated) values are codes


def enrichment_p(
    observed: np.ndarray,
    successes: np.ndarray,
    draws: np.ndarray,
    population: float,
    rows: np.ndarray,
) -> np.ndarray:
    """One-sided hypergeometric p-values ``P(X >= observed)`` (rows x columns).

    ``X`` counts successes in ``draws[row]`` draws without replacement from a
    population of ``population`` holding ``successes[col]``. Pairs outside the family
    (empty rows, columns without successes) get ``nan``; pairs never observed get 1.
    """
    observed = np.asarray(observed, dtype=np.float64)
    out = np.full(observed.shape, np.nan)
    family = rows[:, None] & (np.asarray(successes)[None, :] > 0)
    out[family] = 1.0
    test = family & (observed > 0)
    r, c = np.nonzero(test)
    from scipy import stats

    out[r, c] = stats.hypergeom.sf(
        observed[r, c] - 1, int(np.rint(population)), np.asarray(successes)[c], np.asarray(draws)[r]
    )
    return out


def adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Holm or Benjamini-Hochberg adjusted p-values over the non-nan entries of ``p``.

    >>> adjust(np.array([0.01, 0.04, 0.03, np.nan]), "holm").round(2).tolist()[:3]
    [0.03, 0.06, 0.06]
    >>> adjust(np.array([0.01, 0.04, 0.03]), "bh").round(2).tolist()
    [0.03, 0.04, 0.04]
    """
    flat = p.ravel()
    idx = np.flatnonzero(~np.isnan(flat))
    m = len(idx)
    out = np.full(flat.shape, np.nan)
    if m == 0:
        return out.reshape(p.shape)
    order = idx[np.argsort(flat[idx], kind="stable")]
    ranked = flat[order]
    if correction == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = np.minimum.accumulate((m / np.arange(m, 0, -1)) * ranked[::-1])[::-1]
    out[order] = np.minimum(adj, 1.0)
    return out.reshape(p.shape)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Median of ``values`` repeated ``weights`` times (``nan`` without weight).

    >>> weighted_median(np.array([1990.0, 2000.0, 1995.0]), np.array([1, 1, 3]))
    1995.0
    """
    weights = np.asarray(weights, dtype=np.float64)
    keep = weights > 0
    if not keep.any():
        return float("nan")
    order = np.argsort(values[keep], kind="stable")
    v, w = values[keep][order], weights[keep][order]
    cum = np.cumsum(w)
    half = cum[-1] / 2
    lo = v[np.searchsorted(cum, half, side="left")]
    hi = v[np.searchsorted(cum, half, side="right")] if cum[-1] % 2 == 0 else lo
    return float((lo + hi) / 2)


def demographics(features: pd.DataFrame | None, inside: np.ndarray, min_support: float) -> dict:
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


def leaning_users(binary: sp.csr_array, tag_matrix: sp.csr_array) -> sp.csr_array:
    """Users x tags, 1 where the tag's share of the user's interactions is above its share
    of all interactions: the unit a genre is tested on is the user, so one heavy rater
    counts once, and a genre every user touches can still be over-represented."""
    counts = sp.csr_array(binary @ tag_matrix)  # interactions of each user with each tag
    degree = np.diff(binary.indptr).astype(np.float64)
    overall = np.asarray(counts.sum(axis=0)).ravel() / max(binary.nnz, 1)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    share = counts.data / np.maximum(degree[rows], 1.0)
    out = counts.copy()
    out.data = (share > overall[counts.indices]).astype(np.float64)
    out.eliminate_zeros()
    return out


def user_attributes(
    data: Interactions,
    binary: sp.csr_array,
    popularity: np.ndarray,
    years: tuple[np.ndarray, np.ndarray] | None,
    rated: np.ndarray | None,
) -> dict[str, tuple[np.ndarray, str, str]]:
    """Per-user values a community can differ in: ``name -> (values, higher, lower)``
    (``higher`` / ``lower``: how a community above / below the rest reads)."""
    degree = np.diff(binary.indptr).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "activity": (degree, "more active", "less active"),
            "mainstreamness": (binary @ popularity / degree, "more popular items", "niche items"),
        }
        if years is not None:
            year = np.full(data.n_items, np.nan)
            year[years[0]] = years[1]
            known = (~np.isnan(year)).astype(np.float64)
            total = binary @ np.nan_to_num(year)
            out["release year"] = (total / (binary @ known), "newer items", "older items")
    if rated is not None and len(rated) == data.matrix.nnz:
        out["rating date"] = (_row_medians(data.matrix, rated), "later", "earlier")
    return out


def _row_medians(matrix: Any, values: np.ndarray) -> np.ndarray:
    """The (lower) median of each row's ``values`` (aligned with the CSR entries)."""
    csr = sp.csr_array(matrix)
    degree = np.diff(csr.indptr)
    rows = np.repeat(np.arange(csr.shape[0]), degree)
    ordered = values[np.lexsort((values, rows))].astype(np.float64)
    out = np.full(csr.shape[0], np.nan)
    has = degree > 0
    out[has] = ordered[csr.indptr[:-1][has] + (degree[has] - 1) // 2]
    return out


def separated_by(attributes: dict[str, tuple[np.ndarray, str, str]], inside: np.ndarray) -> str:
    """``"rating date (later, AUC 0.83)"``: the attribute whose AUC of members against
    the other users is furthest from 0.5 (ties: the first listed)."""
    from scipy.stats import rankdata

    best, text = 0.0, ""
    for name, (values, higher, lower) in attributes.items():
        known = np.isfinite(values)
        a, b = inside & known, ~inside & known
        n1, n0 = int(a.sum()), int(b.sum())
        if n1 == 0 or n0 == 0:
            continue
        ranks = rankdata(values[known])
        auc = (ranks[a[known]].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
        if abs(auc - 0.5) > best:
            best = abs(auc - 0.5)
            text = f"{name} ({higher if auc > 0.5 else lower}, AUC {auc:.2f})"
    return text
