"""The result of an evaluation: summary, per-user table, lists, and breakdowns of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphrec.evaluate.stats import group_table

__all__ = ["EvalResult"]


@dataclass(eq=False)
class EvalResult:
    """Metrics of one evaluation.

    Attributes
    ----------
    summary : dict
        Mean of each per-user metric (``"recall@20"``, ...) and the list-level
        beyond-accuracy metrics (``"coverage@20"``, ``"gini@20"``, ...).
    per_user : DataFrame
        One row per test user: ``user`` (index), ``user_id``, ``n_test``, and every
        per-user metric, ready for breakdowns (``result.by(...)``).
    recommendations : ndarray
        The top ``max(k)`` item indices of each test user (rows as in ``per_user``);
        ``-1`` marks an empty slot (fewer recommendable items than ``max(k)``).
    info : dict
        Ranking time, batch size, and with ``sample_users`` the sample
        (``info["sample"]``: its size, the number of test users, the seed).
    ci : dict
        With ``sample_users``: metric -> (low, high), the 95% confidence interval of
        the mean over all test users that the sample implies; empty otherwise.
    """

    summary: dict[str, float]
    per_user: pd.DataFrame
    k: list[int]
    recommendations: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)

    def by(
        self,
        column: str | pd.Series | np.ndarray,
        name: str | None = None,
        *,
        metrics: Sequence[str] | None = None,
        ci: bool = True,
        n_boot: int = 1000,
        random_state: int | None = 0,
    ) -> pd.DataFrame:
        """Per-group means of the per-user metrics with bootstrap confidence intervals.

        ``column`` names a column of ``per_user`` (``"community"``, ``"activity"``,
        ...) or gives one group label per row.
        """
        table = self.per_user
        if isinstance(column, str):
            if column not in table.columns:
                raise ValueError(
                    f"per_user has no column {column!r}; columns: {list(table.columns)}"
                )
            key: str | pd.Series = column
        else:
            key = pd.Series(np.asarray(column), index=table.index, name=name or "group")
            if len(key) != len(table):
                raise ValueError(f"need one group per test user ({len(table)}), got {len(key)}")
        return group_table(table, key, metrics, ci=ci, n_boot=n_boot, random_state=random_state)

    def to_frame(self) -> pd.DataFrame:
        """The summary as a one-column table (metric -> value)."""
        return pd.Series(self.summary, name="value").to_frame()

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4f}" for k, v in list(self.summary.items())[:6])
        return f"EvalResult({len(self.per_user)} users; {shown}, ...)"
