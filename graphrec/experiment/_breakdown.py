"""The best run, broken down: per community and per activity band, and its profiles.

:func:`breakdowns` gives the full tables (every per-user metric with a 95% bootstrap
interval, the number of users and the catalogue coverage of the group's lists; 30 to 60
columns), written as ``breakdown_community.csv`` and ``breakdown_activity.csv``;
:func:`compact` keeps the columns a reader looks at first (users, NDCG and recall at
the main K with their intervals, coverage), for ``summary.md`` and the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from graphrec.experiment._store import read_json
from graphrec.experiment.config import CONTROL

__all__ = [
    "BREAKDOWN_FILES",
    "BestRunReport",
    "best_run_report",
    "breakdowns",
    "compact",
    "main_k",
    "profiled_run",
]

BREAKDOWN_FILES = {"community": "breakdown_community.csv", "activity": "breakdown_activity.csv"}
MAIN_METRICS = ("ndcg", "recall")
_BANDS = ("cold", "warm", "hot")
MAX_PROFILED = 20  # communities profiled in summary.md (the largest)
_PROFILE_HIDDEN = ("mean_activity", "label_p", "mainstream_ratio")


@dataclass
class BestRunReport:
    """The best-run part of ``summary.md`` and the full tables behind it.

    ``run``: the evaluated run broken down (None without evaluations); ``how``: how it
    was chosen; ``tables``: full breakdowns by ``community`` / ``activity``; ``compact``:
    their few-column versions; ``profile``: the profile table of ``profiled``'s
    communities; ``markdown``: the lines of ``summary.md``.
    """

    run: pd.Series | None = None
    how: str = ""
    k: int = 20
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    compact: dict[str, pd.DataFrame] = field(default_factory=dict)
    profiled: pd.Series | None = None
    profile: pd.DataFrame | None = None
    markdown: list[str] = field(default_factory=list)


def run_title(run: pd.Series) -> str:
    """``dataset | embedder | detector | recommender`` of a run (empty parts left out)."""
    parts = [str(run[c]) for c in ("dataset", "embedder", "detector", "recommender") if run[c]]
    return " | ".join(parts)


def selection_text(result: Any) -> str:
    """How the best run is chosen, naming the metric and the part it was measured on."""
    if result.part == "valid":
        return f"by {result.primary} on the validation part (mean over seeds), reported there"
    return f"by {result.primary} on the validation part (mean over seeds), reported on test"


def _no_best(result: Any) -> str:
    try:
        result.selection_means()
    except ValueError as exc:
        return f"No best run is named: {exc}."
    return "No best run is named."


def best_run_report(result: Any) -> BestRunReport:
    """Break down the best run and profile its communities (see :class:`BestRunReport`)."""
    from graphrec.community.profile import to_markdown

    report = BestRunReport(k=main_k(result))
    lines = report.markdown
    evaluated = result.runs[result.runs["kind"] == "evaluate"]
    if len(evaluated) and not result.has_best():
        lines += ["", "## Best run", "", _no_best(result)]
    elif len(evaluated):
        run = report.run = result.best_run()
        report.how = selection_text(result)
        report.tables = breakdowns(result, run)
        report.compact = {c: compact(t, report.k) for c, t in report.tables.items()}
        lines += [
            "",
            "## Best run",
            "",
            f"{run_title(run)} (run {run['run']}, seed {run['seed']}), chosen {report.how}.",
        ]
        titles = {"community": "Per community", "activity": "Per activity band"}
        for column, table in report.compact.items():
            shown = table.reset_index().rename(columns={"index": column})
            lines += ["", f"### {titles[column]}", "", to_markdown(shown)]
        if report.tables:
            files = ", ".join(BREAKDOWN_FILES[c] for c in report.tables)
            lines += [
                "",
                f"Cells: mean [95% bootstrap interval] over the test users of seed "
                f"{run['seed']}. Every metric, with its interval: {files}.",
            ]
    profiled, why = profiled_run(result)
    if profiled is not None:
        report.profiled = profiled
        report.profile = _profile(result, profiled)
        table = report.profile
        shown = table.sort_values("size", ascending=False, kind="stable").head(MAX_PROFILED)
        cols = [c for c in shown.columns if c not in _PROFILE_HIDDEN]
        more = (
            f" The {MAX_PROFILED} largest of {len(table)} are shown; all are in profiles.csv."
            if len(table) > MAX_PROFILED
            else " Also in profiles.csv."
        )
        lines += [
            "",
            "## Community profiles",
            "",
            f"{run_title(profiled)} (run {profiled['run']}): {why}; distinctive items and "
            f"genres by lift against all users, with the label named only by a "
            f"significant lift.{more}",
            "",
            to_markdown(shown, cols),
        ]
    return report


def _profile(result: Any, run: pd.Series) -> pd.DataFrame:
    from graphrec.community.profile import profile
    from graphrec.experiment.stages import prepare_data

    meta = read_json(result.cache / "detect" / f"{run['detect_key']}.json")
    train = prepare_data(meta["spec"]["data"], meta["spec"]["data_key"]).train
    return profile(train, result.communities(run))


def main_k(result: Any) -> int:
    """The K of the selection metric (``ndcg@20`` -> 20), else the largest evaluated K."""
    _, _, k = str(result.primary).partition("@")
    ks = sorted(int(v) for v in result.table["k"].dropna().unique())
    if k.isdigit() and (not ks or int(k) in ks):
        return int(k)
    return ks[-1] if ks else 10


def breakdowns(result: Any, run: pd.Series) -> dict[str, pd.DataFrame]:
    """Full per-community and per-activity tables of one evaluated run.

    One row per group: ``users``, every per-user metric and its ``lo`` / ``hi`` 95%
    bootstrap bounds (seeded), and ``coverage@K`` (share of the catalogue in the
    group's top-K lists, at the main K). A key is absent when the per-user table has no
    such column (a run without communities has no community breakdown).
    """
    from graphrec.evaluate.stats import group_table

    per_user = result.per_user(run)
    k = main_k(result)
    items = _top_items(result, run, len(per_user), k)
    n_items = _n_items(result, run)
    out = {}
    for column in BREAKDOWN_FILES:
        if column not in per_user.columns or per_user[column].isna().all():
            continue
        table = group_table(per_user, column, ci=True, n_boot=1000, random_state=0)
        if items is not None and n_items:
            groups = per_user[column].to_numpy()
            table[f"coverage@{k}"] = [
                len(np.unique(_listed(items[groups == g]))) / n_items for g in table.index
            ]
        if column == "activity":
            table = table.reindex([b for b in _BANDS if b in table.index])
        out[column] = table
    return out


def compact(table: pd.DataFrame, k: int, metrics: tuple[str, ...] = MAIN_METRICS) -> pd.DataFrame:
    """A few columns of a breakdown table: users, ``metric@k`` with ``[lo, hi]``, coverage.

    >>> t = pd.DataFrame({"users": [3], "ndcg@10": [0.25], "ndcg@10 lo": [0.125],
    ...                   "ndcg@10 hi": [0.5], "recall@10": [0.5], "precision@10": [0.1]})
    >>> compact(t, 10).to_dict("records")
    [{'users': 3, 'ndcg@10': '0.2500 [0.1250, 0.5000]', 'recall@10': '0.5000'}]
    """
    out = pd.DataFrame(index=table.index)
    if "users" in table.columns:
        out["users"] = table["users"].astype(int)
    for m in metrics:
        name = f"{m}@{k}"
        if name not in table.columns:
            continue
        lo, hi = table.get(f"{name} lo"), table.get(f"{name} hi")
        out[name] = [
            f"{v:.4f}" if lo is None or hi is None else f"{v:.4f} [{a:.4f}, {b:.4f}]"
            for v, a, b in zip(
                table[name],
                lo if lo is not None else table[name],
                hi if hi is not None else table[name],
            )
        ]
    if f"coverage@{k}" in table.columns:
        out[f"coverage@{k}"] = [f"{v:.4f}" for v in table[f"coverage@{k}"]]
    return out


def profiled_run(result: Any) -> tuple[pd.Series | None, str]:
    """The run whose communities ``summary.md`` profiles, and why that one.

    The best run when it has a detector; else the best run among those with one; else
    the first detection (an experiment without evaluations).
    """
    from graphrec.experiment.controls import community_aware

    runs = result.runs
    with_detector = runs[community_aware(runs)]
    if result.has_best():
        best = result.best_run()
        if isinstance(best.get("detect_key"), str) and best["detector"] != CONTROL:
            return best, "the best run's communities"
        if len(with_detector):
            best = replace(result, runs=with_detector, best_report=None).best_run()
            return best, (
                "the best run has no detected communities, so these are the best "
                "community-aware run's"
            )
    detections = runs[runs["detect_key"].notna() & (runs["detector"] != CONTROL)]
    if len(detections):
        return detections.iloc[0], "the first detection (no best run is named)"
    return None, ""


def _top_items(result: Any, run: pd.Series, n_rows: int, k: int) -> np.ndarray | None:
    path = result.cache / "evaluate" / f"{run['evaluate_key']}.recs.npz"
    with np.load(path) as f:
        items = f["items"]
    return items[:, :k] if len(items) == n_rows else None


def _listed(items: np.ndarray) -> np.ndarray:
    flat = items.ravel()
    return flat[flat >= 0]


def _n_items(result: Any, run: pd.Series) -> int:
    meta = read_json(result.cache / "evaluate" / f"{run['evaluate_key']}.json")
    data = meta.get("data") or {}
    if data.get("items"):
        return int(data["items"])
    ids = result._item_ids(run)
    return 0 if ids is None else len(ids)
