"""Statistics behind :func:`graphrec.community.profile.profile`: enrichment tests,
multiple-testing corrections, weighted medians and the demographic summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["adjust", "demographics", "enrichment_p", "weighted_median"]

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
