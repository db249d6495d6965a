"""What ``summary.md`` and :meth:`ExperimentResult.summary` show: the tables over seeds
with cells that say what they measured, each community-aware configuration against its
single-community control, and the best configuration with communities against the best
without, both chosen on validation.

>>> _cell(0.25, float("nan"), 1, 0.2, 0.3), _cell(0.25, 0.01, 3)
('0.2500 [0.2000, 0.3000]', '0.2500 ± 0.0100')
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from graphrec.community.profile import to_markdown
from graphrec.experiment.results import GROUP

__all__ = ["cell_legend", "markdown", "selection_lines", "summary"]

logger = logging.getLogger(__name__)


def summary(
    result: Any, metrics: list[str] | None = None, *, kind: str = "evaluate", control: bool = True
) -> pd.DataFrame:
    """One row per configuration, one string column per metric.

    A cell is ``mean ± sd (over seeds)`` with several seeds, and with one seed
    ``mean [lo, hi]``: the 95% bootstrap interval over the users (a list-level
    metric such as coverage has none). ``kind="evaluate"``: recommendation metrics
    (default: the evaluated ranking metrics at each K and ``coverage`` at the
    largest K) and, with ``control``, for each community-aware configuration its
    ratio to the single-community control on the primary metric (``vs single``:
    ratio [95% paired bootstrap interval]) and the Holm-corrected Wilcoxon p-value
    (``p (Holm)``); ``kind="detect"``: community metrics.
    """
    stats = result.summary_numbers(kind)
    if stats.empty:
        return pd.DataFrame()
    stats["name"] = [
        f"{m}@{k}" if not pd.isna(k) else m for m, k in zip(stats["metric"], stats["k"])
    ]
    chosen = metrics or _default_metrics(stats, kind)
    stats = stats[stats["name"].isin(chosen)]
    scale = stats.groupby("name")["mean"].transform(lambda v: v.abs().max())
    lo = stats["lo"] if "lo" in stats else pd.Series(np.nan, index=stats.index)
    hi = stats["hi"] if "hi" in stats else pd.Series(np.nan, index=stats.index)
    stats["cell"] = [
        _cell(m, s, n, a, b, 4 if big < 2 else 2)
        for m, s, n, a, b, big in zip(stats["mean"], stats["std"], stats["n"], lo, hi, scale)
    ]
    wide = stats.pivot_table(
        index=list(GROUP), columns="name", values="cell", aggfunc="first", sort=False
    )
    wide = wide[[c for c in chosen if c in wide.columns]].reset_index()
    wide.columns.name = None
    if kind == "evaluate" and control:
        wide = _with_control(result, wide)
    drop = ["recommender"] if kind == "detect" else []
    if wide["dataset"].nunique() == 1:
        drop.append("dataset")
    return wide.drop(columns=drop)


def _with_control(result: Any, wide: pd.DataFrame) -> pd.DataFrame:
    try:
        table = result.control_table()
    except (OSError, KeyError, ValueError) as exc:  # cache gone since the run
        logger.info("no control column: %s", exc)
        return wide
    if table.empty:
        return wide
    keyed = table.set_index(list(GROUP))
    ratio, p = [], []
    for config in wide[list(GROUP)].itertuples(index=False):
        row = keyed.loc[tuple(config)] if tuple(config) in keyed.index else None
        ratio.append("" if row is None else _ratio_cell(row))
        p.append("" if row is None else f"{row['p_holm']:.2g}")
    return wide.assign(**{"vs single": ratio, "p (Holm)": p})


def _default_metrics(stats: pd.DataFrame, kind: str) -> list[str]:
    names = list(dict.fromkeys(stats["name"]))
    if kind == "detect":
        wanted = (
            "n_communities",
            "largest_share",
            "singletons",
            "modularity",
            "barber_modularity",
        )
        extra = ("conductance", "nmi", "ari", "friend_lift")
        return [n for n in (*wanted, *extra) if n in names] + [
            n for n in names if n.endswith("_nmi_lift")
        ]
    ks = sorted({int(k) for k in stats["k"].dropna()})
    ranking = [m for m in dict.fromkeys(stats["metric"]) if _ranked(m)]
    chosen = [f"{m}@{k}" for k in ks for m in ranking]
    return [n for n in chosen if n in names] + [f"coverage@{ks[-1]}"]


def markdown(result: Any, details: bool = True) -> str:
    """``summary.md``: recommendation and community tables, each community-aware
    configuration against its single-community control, the best configuration
    with communities against the best without (both chosen on validation) and,
    with ``details``, the best run's per-community and per-activity breakdowns and
    the profiles of its communities (read from the cache)."""
    seeds = sorted(result.runs["seed"].unique().tolist())
    lines = [f"# {result.name}", ""]
    n_eval = int((result.runs["kind"] == "evaluate").sum())
    n_det = int((result.runs["kind"] == "detect").sum())
    lines.append(f"{n_eval} evaluated runs and {n_det} detections over seeds {seeds}. ")
    lines.append(f"Cells are {cell_legend(result)}.")
    rec = summary(
        result,
    )
    if not rec.empty:
        lines += ["", "## Recommendation", "", to_markdown(rec)]
        if "vs single" in rec.columns:
            lines += [
                "",
                f"`vs single`: {result.primary} of the configuration over the same "
                "recommender's on one community of every user (the control), with the "
                "95% paired bootstrap interval over users (all seeds pooled); "
                "`p (Holm)`: two-sided Wilcoxon signed-rank test of the per-user "
                "differences, Holm-corrected over the rows.",
            ]
        from graphrec.experiment._breakdown import _no_best, run_title, selection_text

        if result.has_best():
            best = result.best_run()
            lines += [
                "",
                f"Best {selection_text(result)}: {run_title(best)} (run {best['run']}).",
            ]
            lines += selection_lines(result)
        else:
            lines += ["", _no_best(result)]
    det = summary(result, kind="detect")
    if not det.empty:
        lines += ["", "## Communities", "", to_markdown(det)]
    if details:
        try:
            lines += result.best_run_report().markdown
        except (OSError, ValueError) as exc:  # cache or data gone or changed since
            lines += ["", f"(The best run's breakdowns need its cache and data: {exc})"]
    seconds = result.stage_seconds()
    if seconds:
        shown = ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items())
        lines += [
            "",
            f"Compute time, summed over distinct jobs (cached ones included): {shown}.",
        ]
    if result.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in result.notes)]
    return "\n".join(lines) + "\n"


def cell_legend(result: Any) -> str:
    """What a cell of :meth:`summary` holds: ``mean ± sd over seeds [0, 1]``, or with
    one seed the mean and its 95% bootstrap interval over the users."""
    seeds = sorted(result.runs["seed"].unique().tolist())
    part = "test" if result.part == "test" else "validation"
    if len(seeds) > 1:
        return f"mean ± standard deviation over seeds {seeds}, on the {part} part"
    return (
        f"mean [95% bootstrap interval over the {part} users], seed {seeds[0]} "
        "(one seed measures no spread over seeds)"
    )


def selection_lines(result: Any) -> list[str]:
    from graphrec.experiment.controls import selected_comparison

    try:
        c = selected_comparison(result)
    except (OSError, KeyError, ValueError) as exc:  # cache gone since the run
        logger.info("no selection comparison: %s", exc)
        return []
    if c is None:
        return []
    where = "test" if result.part == "test" else "validation"
    seeds = f"{c['seeds']} seed{'s' if c['seeds'] > 1 else ''}"
    return [
        "",
        "## Selection on validation",
        "",
        f"Chosen on validation by {c['metric']}: with communities, {c['with']} "
        f"({c['valid']['with']:.4f}); without, {c['without']} ({c['valid']['without']:.4f}).",
        f"On {where}: {c['mean']:.4f} against {c['control']:.4f}, ratio {c['ratio']:.3f} "
        f"[{c['lo']:.3f}, {c['hi']:.3f}] (95% paired bootstrap over {c['users']} users, "
        f"{seeds}), Wilcoxon p = {c['p']:.2g}.",
    ]


def _ranked(name: Any) -> bool:
    """A per-user metric chosen in the config (not one every run reports)."""
    from graphrec.evaluate.registry import metric, metric_names

    if name not in metric_names():
        return False
    entry = metric(name)
    return entry.per_user and not entry.always


def _cell(
    mean: float, std: float, n: int, lo: float = np.nan, hi: float = np.nan, digits: int = 4
) -> str:
    """``mean ± sd`` over several seeds; ``mean [lo, hi]`` (the users' interval) for one.

    >>> _cell(0.25, np.nan, 1, 0.2, 0.3), _cell(0.25, 0.01, 3), _cell(0.5, np.nan, 1)
    ('0.2500 [0.2000, 0.3000]', '0.2500 ± 0.0100', '0.5000')
    """
    if pd.isna(mean):
        return ""
    if n >= 2:
        return f"{mean:.{digits}f} ± {std:.{digits}f}"
    if pd.isna(lo) or pd.isna(hi):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def _ratio_cell(row: Any) -> str:
    """``1.021 [0.998, 1.044]``: a ratio to the control and its interval."""
    return f"{row['ratio']:.3f} [{row['lo']:.3f}, {row['hi']:.3f}]"
