"""Figures of experiment results (matplotlib; every function returns a ``Figure``).

Figures are built with ``matplotlib.figure.Figure`` directly, never with pyplot, so no
window opens and no global state changes; :func:`save_figure` writes PNG and SVG
atomically. In a notebook, a returned figure displays as the cell's value.

>>> import numpy as np
>>> fig = community_sizes({"louvain": np.array([0, 0, 0, 1, 1, 2])})
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from graphrec.experiment._projection import project
from graphrec.experiment._store import atomic_write_bytes

if TYPE_CHECKING:
    from graphrec.experiment.results import ExperimentResult

__all__ = [
    "activity_bands",
    "community_sizes",
    "embedding_map",
    "metric_comparison",
    "new_users_curve",
    "nmi_vs_mu",
    "save_figure",
    "write_plots",
]

logger = logging.getLogger(__name__)

BANDS = ("cold", "warm", "hot")


def save_figure(
    fig: Figure, path: str | Path, formats: Sequence[str] = ("png", "svg"), dpi: int = 120
) -> list[Path]:
    """Write ``fig`` to ``path.png`` and ``path.svg`` (atomically); return the paths."""
    path = Path(path)
    out = []
    for fmt in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
        out.append(atomic_write_bytes(path.with_name(f"{path.name}.{fmt}"), buf.getvalue()))
    return out


def _config_label(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    return " + ".join(str(row[c]) for c in columns if isinstance(row[c], str) and row[c])


def _error_bars(sel: pd.DataFrame) -> tuple[Any, str]:
    """``xerr`` for bars of means, and what it is: the standard deviation over seeds
    when there are several, else the 95% bootstrap interval over users (asymmetric);
    none for a value measured once without an interval (coverage of one seed)."""
    several = sel["n"].fillna(1).max() > 1
    if several:
        return sel["std"].to_numpy(), "± sd over seeds"
    if {"lo", "hi"} <= set(sel.columns) and sel["lo"].notna().any():
        lower = (sel["mean"] - sel["lo"]).clip(lower=0).fillna(0).to_numpy()
        upper = (sel["hi"] - sel["mean"]).clip(lower=0).fillna(0).to_numpy()
        return np.vstack([lower, upper]), "95% bootstrap interval over users"
    return None, ""


def metric_comparison(
    result: ExperimentResult, metrics: Sequence[str] | None = None, top: int = 25
) -> Figure:
    """Each configuration's mean, one panel per metric (horizontal bars), with error bars
    from what was measured: the standard deviation over seeds when there are several,
    the 95% bootstrap interval over users with one seed (each panel's title says which).

    ``metrics`` are ``"name@k"`` strings (default: the primary metric, recall and coverage
    at the same K). With several datasets, each configuration has one bar per dataset.
    At most ``top`` community-aware configurations (best by the first metric) are shown;
    the configurations without communities (popularity, bases) and the single-community
    controls always are.
    """
    from graphrec.experiment.config import CONTROL

    stats = result.summary_numbers("evaluate")
    if stats.empty:
        raise ValueError("no evaluated runs to compare")
    k = result.primary.partition("@")[2]
    metrics = list(metrics or dict.fromkeys([result.primary, f"recall@{k}", f"coverage@{k}"]))
    stats["name"] = [f"{m}@{kk}" for m, kk in zip(stats["metric"], stats["k"])]
    stats["config"] = [
        _config_label(r, ("embedder", "detector", "recommender")) for _, r in stats.iterrows()
    ]
    kept = (stats["detector"] == "") | (stats["detector"] == CONTROL)
    always = set(stats.loc[kept, "config"])
    first = stats[stats["name"] == metrics[0]].groupby("config")["mean"].mean()
    ranked = first.sort_values(ascending=True)
    aware = [c for c in ranked.index if c not in always][-top:]
    order = [c for c in ranked.index if c in always or c in aware]
    datasets = list(dict.fromkeys(stats["dataset"]))
    height = 0.8 / len(datasets)
    fig = Figure(figsize=(4.2 * len(metrics), 0.9 + 0.32 * len(order) * max(1, len(datasets) / 2)))
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    y = np.arange(len(order))
    for ax, metric in zip(axes, metrics):
        part = stats[stats["name"] == metric]
        what = ""
        for j, ds in enumerate(datasets):
            sel = part[part["dataset"] == ds].set_index("config").reindex(order)
            xerr, what = _error_bars(sel)
            ax.barh(
                y + (j - (len(datasets) - 1) / 2) * height,
                sel["mean"],
                height=height,
                xerr=xerr,
                capsize=2 if xerr is not None else 0,
                label=ds if len(datasets) > 1 else None,
            )
        ax.set_title(f"{metric}\n({what})" if what else f"{metric}\n(no interval)", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, order)
    if len(datasets) > 1:
        axes[-1].legend(fontsize="small")
    seeds = sorted(result.runs["seed"].unique().tolist())
    where = "test" if result.part == "test" else "validation"
    fig.suptitle(f"{result.name}: mean on the {where} part, seeds {seeds}")
    fig.tight_layout()
    return fig


def community_sizes(partitions: Mapping[str, Any], log: bool | None = None) -> Figure:
    """Community sizes by rank (largest first), one line per method.

    ``partitions`` maps a name to a label array or a ``Communities`` (``-1`` ignored).
    ``log``: a logarithmic size axis; by default when sizes span more than 20x.
    """
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    spans = []
    for name, labels in partitions.items():
        lab = np.asarray(getattr(labels, "user_labels", labels))
        sizes = np.sort(np.bincount(lab[lab >= 0]))[::-1]
        sizes = sizes[sizes > 0]
        ax.plot(
            np.arange(1, len(sizes) + 1), sizes, marker="o", ms=3, label=f"{name} ({len(sizes)})"
        )
        spans.append(sizes.max() / sizes.min() if len(sizes) else 1.0)
    if log or (log is None and max(spans, default=1.0) > 20):
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("community rank")
    ax.set_ylabel("users")
    ax.set_title("Community size distribution")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def embedding_map(
    vectors: np.ndarray,
    labels: Any,
    method: str = "auto",
    sample: int = 2000,
    random_state: int = 0,
    title: str | None = None,
) -> Figure:
    """2-D map of user embeddings coloured by community.

    ``method``: ``"tsne"`` (scikit-learn), ``"umap"`` (needs ``umap-learn``) or ``"auto"``
    (UMAP when installed, else t-SNE); the title names the projection used. At most
    ``sample`` users (seeded) are mapped.
    """
    x = np.asarray(vectors, dtype=np.float64)
    lab = np.asarray(getattr(labels, "user_labels", labels))
    if len(x) != len(lab):
        raise ValueError(f"{len(x)} vectors but {len(lab)} labels")
    rng = np.random.default_rng(random_state)
    pick = np.sort(rng.choice(len(x), size=min(sample, len(x)), replace=False))
    x, lab = x[pick], lab[pick]
    xy, used = project(x, method, random_state)
    fig = Figure(figsize=(6, 5.5))
    ax = fig.subplots()
    noise = lab < 0
    if noise.any():
        ax.scatter(*xy[noise].T, s=5, c="lightgrey", label="unassigned")
    n = int(lab.max(initial=0)) + 1
    cmap, top = ("tab10", 10) if n <= 10 else ("tab20", 20) if n <= 20 else ("nipy_spectral", n)
    points = ax.scatter(*xy[~noise].T, s=6, c=lab[~noise], cmap=cmap, vmin=-0.5, vmax=top - 0.5)
    if 1 < lab.max(initial=0) + 1 <= 20:
        handles, names = points.legend_elements(num=None)
        ax.legend(
            handles, names, title="community", fontsize="x-small", markerscale=0.8, loc="best"
        )
    ax.set_xticks([])
    ax.set_yticks([])
    # the projection is named whatever the title: distances on a t-SNE map mean little
    ax.set_title(
        f"{title} ({used} projection)" if title else f"User embeddings ({used} projection)"
    )
    fig.tight_layout()
    return fig


def nmi_vs_mu(
    result: ExperimentResult, metric: str = "nmi", parameter: str = "dataset.mu"
) -> Figure:
    """Ground-truth agreement of each detector against the mixing parameter of a sweep.

    Needs a synthetic sweep (``dataset.params.mu`` a list): the mean over seeds, with
    ± sd error bars only when there are several seeds (the title says which).
    """
    runs = result.runs
    if parameter not in runs.columns:
        raise ValueError(f"the runs have no column {parameter!r}; sweep dataset.params.mu")
    t = result.table[result.table["metric"] == metric].merge(runs[["run", parameter]], on="run")
    if t.empty:
        raise ValueError(f"no {metric!r} values (only synthetic data has ground truth)")
    t["method"] = [_config_label(r, ("embedder", "detector")) for _, r in t.iterrows()]
    stats = t.groupby(["method", parameter])["value"].agg(["mean", "std", "count"]).reset_index()
    several = stats["count"].max() > 1
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for method, part in stats.groupby("method", sort=False):
        ax.errorbar(
            part[parameter].to_numpy(float),
            part["mean"].to_numpy(float),
            yerr=part["std"].fillna(0).to_numpy(float) if several else None,
            marker="o",
            capsize=3 if several else 0,
            label=method,
        )
    ax.set_xlabel(parameter.split(".", 1)[1] + " (share of out-of-community interactions)")
    ax.set_ylabel(metric.upper())
    ax.set_ylim(-0.02, 1.02)
    spread = f"mean ± sd over {stats['count'].max()} seeds" if several else "one seed"
    ax.set_title(f"{metric.upper()} with the planted communities ({spread})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def activity_bands(result: ExperimentResult, metric: str | None = None, top: int = 8) -> Figure:
    """Recommendation quality per user activity band (cold / warm / hot), grouped bars.

    Bars are means over seeds of the ``top`` configurations best on ``metric``
    (``"name@k"``, default the primary metric), with error bars from what was measured:
    ± sd over seeds when there are several, else the 95% bootstrap interval over the
    band's users (the title says which).
    """
    t = result.by_activity
    if t is None or t.empty:
        raise ValueError("no per-activity results (evaluated runs with training data needed)")
    name, _, k = (metric or result.primary).partition("@")
    dataset = t["dataset"].iloc[0]  # several datasets (a sweep): the first one
    t = t[(t["metric"] == name) & (t["k"] == int(k)) & (t["dataset"] == dataset)].copy()
    t["config"] = [
        _config_label(r, ("embedder", "detector", "recommender")) for _, r in t.iterrows()
    ]
    grouped = t.groupby(["config", "band"])
    means = grouped["value"].mean().unstack("band")
    several = grouped.size().max() > 1
    if several:
        lower = upper = grouped["value"].std().unstack("band")
    elif {"lo", "hi"} <= set(t.columns):
        lower = (means - grouped["lo"].mean().unstack("band")).clip(lower=0)
        upper = (grouped["hi"].mean().unstack("band") - means).clip(lower=0)
    else:
        lower = upper = None
    bands = [b for b in BANDS if b in means.columns]
    overall = result.summary_numbers("evaluate")
    overall = overall[
        (overall["metric"] == name) & (overall["k"] == int(k)) & (overall["dataset"] == dataset)
    ]
    overall["config"] = [
        _config_label(r, ("embedder", "detector", "recommender")) for _, r in overall.iterrows()
    ]
    best = overall.groupby("config")["mean"].mean().sort_values(ascending=False).index[:top]
    means = means.reindex([c for c in best if c in means.index])
    fig = Figure(figsize=(max(6, 1.2 * len(bands) * max(1, len(means)) / 2), 4.2))
    ax = fig.subplots()
    width = 0.8 / max(1, len(means))
    x = np.arange(len(bands))
    for i, (config, row) in enumerate(means.iterrows()):
        err = None
        if lower is not None and upper is not None:
            err = np.vstack([lower.loc[config, bands], upper.loc[config, bands]]).astype(float)
        ax.bar(
            x + (i - (len(means) - 1) / 2) * width,
            row[bands],
            width,
            yerr=err,
            capsize=2 if err is not None else 0,
            label=config,
        )
    counts = t.drop_duplicates(["run", "band"]).groupby("band")["n_users"].mean()
    ax.set_xticks(x, [f"{b}\n({counts.get(b, 0):.0f} users)" for b in bands])
    ax.set_ylabel(f"{name}@{k}")
    spread = (
        "± sd over seeds"
        if several
        else "95% bootstrap interval over users"
        if lower is not None
        else "no interval"
    )
    many = result.by_activity["dataset"].nunique() > 1
    where = f"{dataset}, " if many else ""
    ax.set_title(f"{name}@{k} by user activity ({where}{spread})")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(
        fontsize="x-small", ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False
    )
    fig.tight_layout()
    return fig


def write_plots(result: ExperimentResult, folder: str | Path) -> list[Path]:
    """Every figure that applies to ``result``, as PNG and SVG in ``folder``."""
    folder = Path(folder)
    written: list[Path] = []
    runs = result.runs
    evaluated = runs[runs["kind"] == "evaluate"]
    if len(evaluated):
        written += save_figure(metric_comparison(result), folder / "metrics")
        if len(result.by_activity):
            written += save_figure(activity_bands(result), folder / "activity")
    detections = runs[runs["kind"] == "detect"]
    if len(detections):
        first = detections[
            (detections["seed"] == detections["seed"].min())
            & (detections["dataset"] == detections["dataset"].iloc[0])
        ]
        parts = {
            _config_label(r, ("embedder", "detector")): result.communities(r)
            for _, r in first.iterrows()
        }
        written += save_figure(community_sizes(parts), folder / "community_sizes")
        mapped = _map_run(result, evaluated, detections)
        if mapped is not None:
            emb = result.embedder(mapped)
            fig = embedding_map(
                emb.user_embeddings_,
                result.communities(mapped),
                title=f"{mapped['embedder']} users, coloured by {mapped['detector']}",
            )
            written += save_figure(fig, folder / "embedding_map")
        if "dataset.mu" in runs.columns and (result.table["metric"] == "nmi").any():
            written += save_figure(nmi_vs_mu(result), folder / "nmi_vs_mu")
    logger.info("wrote %d figure files to %s", len(written), folder)
    return written


def _map_run(result: ExperimentResult, evaluated: pd.DataFrame, detections: pd.DataFrame) -> Any:
    """The run whose embeddings and communities are mapped: the best run if it has both."""
    from graphrec.experiment.config import CONTROL

    if result.has_best():
        best = result.best_run()
        if (
            isinstance(best.get("embed_key"), str)
            and isinstance(best.get("detect_key"), str)
            and best["detector"] != CONTROL
        ):
            return best
    detections = detections[detections["detector"] != CONTROL]
    evaluated = evaluated[evaluated["detector"] != CONTROL]
    both = detections[detections["embed_key"].notna()]
    if len(both):
        return both.iloc[0]
    if len(evaluated):
        both = evaluated[evaluated["embed_key"].notna() & evaluated["detect_key"].notna()]
        if len(both):
            return both.iloc[0]
    return None


def new_users_curve(table: pd.DataFrame, metric: str = "ndcg@20") -> Figure:
    """``metric`` against the number of revealed items, one line per method, with CIs.

    ``table`` is :attr:`graphrec.evaluate.new_users.NewUserResult.table` (columns
    ``method``, ``n_revealed``, ``metric`` and, when computed, ``"<metric> lo"`` /
    ``"<metric> hi"``).
    """
    for column in ("method", "n_revealed", metric):
        if column not in table.columns:
            raise ValueError(f"table has no column {column!r} (columns: {list(table.columns)})")
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.subplots()
    for method, rows in table.groupby("method", sort=False):
        rows = rows.sort_values("n_revealed")
        (line,) = ax.plot(rows["n_revealed"], rows[metric], marker="o", label=str(method))
        lo, hi = f"{metric} lo", f"{metric} hi"
        if lo in rows and hi in rows and rows[lo].notna().all():
            ax.fill_between(
                rows["n_revealed"], rows[lo], rows[hi], alpha=0.15, color=line.get_color()
            )
    ax.set_xscale("log")
    ticks = sorted(table["n_revealed"].unique())
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_xlabel("items revealed per new user")
    ax.set_ylabel(metric)
    ax.set_title(f"New users: {metric} against revealed items")
    ax.legend(fontsize="x-small", loc="best")
    fig.tight_layout()
    return fig
