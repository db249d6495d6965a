"""Community-aware runs against their controls, on the same users.

Every run that uses detected communities is paired (in the plan) with the same
recommender on one community of every user, the single-community control (detector
``single``): what the recommender gives with the communities taken away. Two tables:

- :func:`control_table`: per community-aware configuration, the ratio of its mean
  primary metric to the control's, the 95% paired-bootstrap interval of that ratio
  (users resampled in pairs, every seed's users pooled) and the two-sided Wilcoxon
  signed-rank p-value, Holm-corrected over the rows of the table;
- :func:`selected_comparison`: the best configuration with communities against the
  best without (the control and the plain baselines), both chosen on the validation
  part and compared once on the reported part.

Both read the per-user metrics from the experiment's cache.

>>> import tempfile
>>> from graphrec.experiment import run_experiment
>>> cfg = {"name": "doc", "dataset": {"name": "synthetic",
...        "params": {"n_users": 150, "n_items": 60, "n_communities": 3}},
...        "detectors": [{"name": "bipartite_louvain"}],
...        "recommenders": [{"name": "community_popularity"}]}
>>> with tempfile.TemporaryDirectory() as out:
...     result = run_experiment(cfg, output=out, plots=False)
...     table = control_table(result)
>>> list(table["detector"]), bool(table.loc[0, "ratio"] > 1)
(['bipartite_louvain'], True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphrec.evaluate.stats import holm, paired_ratio
from graphrec.experiment.config import CONTROL

__all__ = ["community_aware", "control_table", "selected_comparison"]

_GROUP = ("dataset", "embedder", "detector", "recommender")


def community_aware(runs: pd.DataFrame) -> pd.Series:
    """Which evaluated runs use detected communities (a detector other than the control)."""
    detect = runs["detect_key"] if "detect_key" in runs else pd.Series(np.nan, index=runs.index)
    return (runs["kind"] == "evaluate") & detect.notna() & (runs["detector"] != CONTROL)


def _paired(result: Any, pairs: list[tuple[str, str]], metric: str) -> tuple[Any, Any]:
    """Per-user ``metric`` of each (run, other run) pair, aligned on the user and
    concatenated over the pairs (the seeds)."""
    mine, theirs = [], []
    for run, other in pairs:
        a = result.per_user(run).set_index("user")[metric]
        b = result.per_user(other).set_index("user")[metric]
        both = a.index.intersection(b.index)
        mine.append(a.loc[both].to_numpy())
        theirs.append(b.loc[both].to_numpy())
    return np.concatenate(mine), np.concatenate(theirs)


def _ratio(result: Any, pairs: list[tuple[str, str]], metric: str, n_boot: int) -> dict[str, Any]:
    """:func:`paired_ratio` of the pairs' per-user ``metric``, under this module's names."""
    r = paired_ratio(*_paired(result, pairs, metric), n_boot=n_boot, random_state=0)
    return {
        "seeds": len(pairs),
        "users": r["users"],
        "mean": r["mean"],
        "control": r["mean_control"],
        "ratio": r["ratio"],
        "lo": r["ratio lo"],
        "hi": r["ratio hi"],
        "p": r["p_wilcoxon"],
    }


def control_table(result: Any, metric: str | None = None, n_boot: int = 2000) -> pd.DataFrame:
    """Each community-aware configuration against its single-community control.

    Columns: the configuration (dataset, embedder, detector, recommender), ``seeds``,
    ``users`` (pairs, over the seeds), ``mean`` and ``control`` (the means of
    ``metric``, default the primary), ``ratio`` with ``lo`` / ``hi`` (95% paired
    bootstrap), ``p`` (Wilcoxon) and ``p_holm`` (Holm over the rows). Empty when no run
    has a control (``control: false``, or no community-aware recommender).
    """
    metric = metric or result.primary
    runs = result.runs
    if "control_run" not in runs:
        return pd.DataFrame()
    chosen = runs[community_aware(runs) & runs["control_run"].fillna("").astype(bool)]
    rows = []
    for config, group in chosen.groupby(list(_GROUP), sort=False):
        pairs = list(zip(group["run"], group["control_run"]))
        rows.append({**dict(zip(_GROUP, config)), **_ratio(result, pairs, metric, n_boot)})
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = holm(table["p"].to_numpy())
    return table


def selected_comparison(
    result: Any, metric: str | None = None, n_boot: int = 2000
) -> dict[str, Any] | None:
    """The best configuration with communities against the best without, both chosen on
    the validation part by ``metric`` (default the primary) and compared on the reported
    part: ``{"with", "without"`` (the two runs' labels), ``"valid"`` (their validation
    means), ``"mean"``, ``"control"``, ``"ratio"``, ``"lo"``, ``"hi"``, ``"p"``,
    ``"seeds"``, ``"users"}``. None when there is nothing to compare (no validation part,
    or no runs on one side).
    """
    metric = metric or result.primary
    runs = result.runs[result.runs["kind"] == "evaluate"]
    aware = community_aware(runs)
    if not aware.any() or aware.all():
        return None
    try:
        means = result.selection_means(metric)
    except ValueError:
        return None
    sides = {}
    for side, mask in (("with", aware), ("without", ~aware)):
        configs = runs.loc[mask, list(_GROUP)].drop_duplicates()
        keyed = means.reindex(pd.MultiIndex.from_frame(configs)).dropna()
        if keyed.empty:
            return None
        sides[side] = keyed.idxmin() if metric.startswith("gini") else keyed.idxmax()
    pairs = []
    for seed in sorted(runs["seed"].unique()):
        chosen = []
        for side in ("with", "without"):
            match = np.logical_and.reduce(
                [runs[c] == v for c, v in zip(_GROUP, sides[side])] + [runs["seed"] == seed]
            )
            chosen.append(runs.loc[match, "run"])
        if len(chosen[0]) and len(chosen[1]):
            pairs.append((chosen[0].iloc[0], chosen[1].iloc[0]))
    if not pairs:
        return None
    label = {side: " | ".join(p for p in cfg if p) for side, cfg in sides.items()}
    return {
        "with": label["with"],
        "without": label["without"],
        "valid": {side: float(means[sides[side]]) for side in sides},
        "metric": metric,
        **_ratio(result, pairs, metric, n_boot),
    }
