"""Breakdowns and significance: activity bands, grouped tables with bootstrap
confidence intervals, paired comparisons of two evaluations.

>>> import numpy as np
>>> activity_bands(np.array([1, 5, 6, 50, 7, 8, 9, 10, 11, 12])).tolist()
['cold', 'cold', 'warm', 'hot', 'warm', 'warm', 'warm', 'warm', 'warm', 'warm']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from graphrec._validation import RandomState, check_random_state

__all__ = [
    "activity_bands",
    "bootstrap_ci",
    "bootstrap_cis",
    "compare_to_baseline",
    "group_table",
    "holm",
    "paired_comparison",
    "paired_ratio",
]


def activity_bands(degrees: np.ndarray, cold: int = 5, hot_quantile: float = 0.9) -> np.ndarray:
    """Label users ``cold`` (<= ``cold`` training interactions), ``hot`` (top
    ``1 - hot_quantile`` by activity, and not cold) or ``warm``."""
    degrees = np.asarray(degrees)
    if not 0 < hot_quantile < 1:
        raise ValueError(f"hot_quantile must be in (0, 1), got {hot_quantile}")
    threshold = np.quantile(degrees, hot_quantile) if len(degrees) else 0
    bands = np.full(len(degrees), "warm", dtype=object)
    bands[degrees > threshold] = "hot"
    bands[degrees <= cold] = "cold"
    return bands


def bootstrap_ci(
    values: np.ndarray,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: RandomState = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean (seeded).

    >>> lo, hi = bootstrap_ci(np.r_[np.zeros(50), np.ones(50)], random_state=0)
    >>> 0.39 < lo < 0.5 < hi < 0.61
    True
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return float("nan"), float("nan")
    rng = check_random_state(random_state)
    means = np.empty(n_boot)
    chunk = max(1, 2**22 // max(1, len(values)))  # bound the resample matrix
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, len(values), size=(stop - start, len(values)))
        means[start:stop] = values[idx].mean(axis=1)
    tail = (1 - level) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(lo), float(hi)


def bootstrap_cis(
    values: pd.DataFrame | Mapping[str, np.ndarray],
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: RandomState = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of the mean of every column, from one set of
    resamples of the rows (users), so the columns' intervals come from the same draws.

    NaN entries (a metric undefined for a user, such as novelty of an empty list) are
    left out of each resample's mean. Memory stays bounded: resamples are drawn in
    chunks of about 2**22 entries.

    >>> cis = bootstrap_cis({"hit": np.r_[np.zeros(50), np.ones(50)]}, random_state=0)
    >>> lo, hi = cis["hit"]
    >>> 0.39 < lo < 0.5 < hi < 0.61
    True
    """
    columns = list(values.columns if isinstance(values, pd.DataFrame) else values)
    matrix = np.column_stack([np.asarray(values[c], dtype=np.float64) for c in columns])
    n = matrix.shape[0]
    if n == 0 or not columns:
        return {c: (float("nan"), float("nan")) for c in columns}
    rng = check_random_state(random_state)
    means = np.empty((n_boot, len(columns)))
    chunk = max(1, 2**22 // max(1, n * len(columns)))
    finite = np.isfinite(matrix)
    filled = np.where(finite, matrix, 0.0)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        counts = finite[idx].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means[start:stop] = filled[idx].sum(axis=1) / counts
    tail = (1 - level) / 2
    out = {}
    for j, c in enumerate(columns):
        col = means[:, j][np.isfinite(means[:, j])]
        if col.size == 0:
            out[c] = (float("nan"), float("nan"))
        else:
            lo, hi = np.quantile(col, [tail, 1 - tail])
            out[c] = (float(lo), float(hi))
    return out


def paired_ratio(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    random_state: RandomState = 0,
) -> dict[str, float]:
    """``mean(a) / mean(b)`` over paired per-user values, its bootstrap interval (users
    resampled in pairs) and the two-sided Wilcoxon signed-rank p-value of ``a - b``.

    The ratio is what "1.09x the control" means; the interval and the test read the
    same pairs. A ratio is NaN when ``b``'s mean is 0; the p-value is 1 when every
    difference is 0.

    >>> r = paired_ratio(np.array([0.2, 0.4, 0.6, 0.8] * 10), np.array([0.1, 0.2, 0.3, 0.4] * 10))
    >>> round(r["ratio"], 3), round(r["ratio lo"], 3), r["p_wilcoxon"] < 0.001
    (2.0, 2.0, True)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(
            f"paired values must be two 1-d arrays of one length, got {a.shape}, {b.shape}"
        )
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = len(a)
    if n == 0:
        raise ValueError("no users with a value in both evaluations")
    mean_b = b.mean()
    ratio = a.mean() / mean_b if mean_b > 0 else float("nan")
    rng = check_random_state(random_state)
    ratios = np.empty(n_boot)
    chunk = max(1, 2**22 // n)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios[start:stop] = a[idx].mean(axis=1) / b[idx].mean(axis=1)
    ratios = ratios[np.isfinite(ratios)]
    tail = (1 - level) / 2
    lo, hi = np.quantile(ratios, [tail, 1 - tail]) if ratios.size else (np.nan, np.nan)
    diff = a - b
    if np.allclose(diff, 0):
        p = 1.0
    else:
        from scipy import stats as sstats

        p = float(sstats.wilcoxon(diff, zero_method="zsplit").pvalue)
    return {
        "users": n,
        "mean": float(a.mean()),
        "mean_control": float(mean_b),
        "ratio": float(ratio),
        "ratio lo": float(lo),
        "ratio hi": float(hi),
        "p_wilcoxon": p,
    }


def group_table(
    per_user: pd.DataFrame,
    key: str | pd.Series,
    metrics: Sequence[str] | None = None,
    *,
    ci: bool = True,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: RandomState = 0,
) -> pd.DataFrame:
    """Mean (and bootstrap CI) of each metric per group, with the number of users.

    Columns: ``users``, then ``<metric>`` and, with ``ci``, ``<metric> lo`` and
    ``<metric> hi`` for each metric.
    """
    keys = per_user[key] if isinstance(key, str) else key
    metrics = list(metrics) if metrics is not None else [c for c in per_user if "@" in c]
    rng = check_random_state(random_state)
    rows = {}
    for group, frame in per_user.groupby(keys, sort=True):
        row: dict[str, Any] = {"users": len(frame)}
        for m in metrics:
            row[m] = frame[m].mean()
            if ci:
                row[f"{m} lo"], row[f"{m} hi"] = bootstrap_ci(
                    frame[m].to_numpy(), n_boot, level, rng
                )
        rows[group] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = keys.name if isinstance(keys, pd.Series) else key
    return out


def paired_comparison(
    a: Any,
    b: Any,
    metric: str,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    random_state: RandomState = 0,
) -> dict[str, float]:
    """Compare two evaluations on the users both evaluated (per-user pairing).

    Returns the two means, the mean difference ``b - a`` with a bootstrap CI, the
    Wilcoxon signed-rank p-value and the paired t-test p-value.
    """
    pa = a.per_user.set_index("user")[metric]
    pb = b.per_user.set_index("user")[metric]
    joined = pd.concat([pa.rename("a"), pb.rename("b")], axis=1, join="inner")
    if joined.empty:
        raise ValueError("the two results share no evaluated users")
    diff = (joined["b"] - joined["a"]).to_numpy()
    lo, hi = bootstrap_ci(diff, n_boot, level, random_state)
    if np.allclose(diff, 0):
        p_wilcoxon = p_t = 1.0
    else:
        from scipy import stats as sstats

        p_wilcoxon = float(sstats.wilcoxon(diff, zero_method="zsplit").pvalue)
        p_t = float(sstats.ttest_1samp(diff, 0.0).pvalue)
    return {
        "users": len(diff),
        "mean_a": float(joined["a"].mean()),
        "mean_b": float(joined["b"].mean()),
        "diff": float(diff.mean()),
        "diff lo": lo,
        "diff hi": hi,
        "p_wilcoxon": p_wilcoxon,
        "p_ttest": p_t,
    }


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down; controls the family-wise error).

    With the ``m`` p-values sorted ascending, the ``i``-th (from 1) is multiplied by
    ``m - i + 1``, then a running maximum keeps the order, and values are capped
    at 1. Reject at level ``alpha`` where the adjusted value is ``<= alpha``. NaN
    entries are kept and not counted in ``m``.

    >>> holm([0.01, 0.04, 0.03]).round(4).tolist()   # 3 x 0.01, 2 x 0.03, max(0.06, 0.04)
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"pvalues must be one-dimensional, got shape {p.shape}")
    finite = ~np.isnan(p)
    if ((p[finite] < 0) | (p[finite] > 1)).any():
        raise ValueError("pvalues must lie in [0, 1]")
    out = np.full(len(p), np.nan)
    idx = np.flatnonzero(finite)
    m = len(idx)
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def compare_to_baseline(
    results: Mapping[str, Any],
    metric: str,
    baseline: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """One row per method: its mean, and its paired difference to ``baseline``.

    ``baseline`` defaults to the first entry. A difference whose confidence
    interval excludes 0 (and small p-values) is one the data supports. Each method
    is one comparison with the baseline; ``p_holm`` is the Wilcoxon p-value
    corrected for their number (:func:`holm`), the one to read when several
    methods are compared (with a single comparison it equals ``p_wilcoxon``).
    """
    if not results:
        raise ValueError("compare_to_baseline needs at least one result")
    names = list(results)
    baseline = baseline or names[0]
    if baseline not in results:
        raise ValueError(f"baseline {baseline!r} is not among {names}")
    rows = {}
    for name in names:
        if name == baseline:
            rows[name] = {metric: results[name].summary[metric]}
            continue
        cmp = paired_comparison(results[baseline], results[name], metric, **kwargs)
        rows[name] = {
            metric: cmp["mean_b"],
            "diff": cmp["diff"],
            "diff lo": cmp["diff lo"],
            "diff hi": cmp["diff hi"],
            "p_wilcoxon": cmp["p_wilcoxon"],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    if "p_wilcoxon" in out:
        out["p_holm"] = holm(out["p_wilcoxon"].to_numpy())
    return out
