"""The tables of a comparison of community detection methods (:func:`compare_methods`).

:class:`Comparison` holds them: the communities table (one row per method), the
recommendation table (one row per recommender and partition, the control and the
baselines included, with intervals and the test against the control), the pairwise
agreement and everything in one wide table; :meth:`Comparison.to_text` renders the
first two for a 100-column terminal, :meth:`Comparison.write` writes all four.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from graphrec.community import quality
from graphrec.experiment._quality import COMMUNITY_METRICS, quality_graph_name
from graphrec.experiment._store import read_json
from graphrec.experiment.config import CONTROL, EMBEDDING
from graphrec.experiment.results import ExperimentResult

__all__ = [
    "Comparison",
    "agreement_table",
    "communities_table",
    "comparison",
    "comparison_table",
    "recommendation_table",
]


def _quality_graph(result: ExperimentResult, run: pd.Series) -> str:
    """The graph a detect run's modularity and conductance were measured on (its meta)."""
    meta = read_json(result.cache / "detect" / f"{run['detect_key']}.json")
    if meta.get("quality_graph"):
        return str(meta["quality_graph"])
    from graphrec.experiment.stages import prepare_data  # a meta written before it was kept

    train = prepare_data(meta["spec"]["data"], meta["spec"]["data_key"]).train
    return quality_graph_name(train, result.communities(run.name))


# the community metrics a comparison shows, in their order (entropy and the friends'
# share inside are in compare.csv's source, results.csv, not the table)
_QUALITY_ORDER = tuple(
    m for m in COMMUNITY_METRICS if m not in ("normalized_entropy", "friend_share_inside")
)
_SHORT = {
    "n_communities": "n",
    "largest_share": "largest",
    "singletons": "singletons",
    "unassigned_share": "unassigned",
    "modularity": "modularity",
    "barber_modularity": "barber",
    "item_information": "item info",
    "conductance": "conductance",
    "nmi": "nmi",
    "ari": "ari",
    "friend_lift": "friends",
}


@dataclass
class Comparison:
    """What :func:`compare_methods` returns: the tables of one comparison.

    Attributes
    ----------
    communities : DataFrame
        One row per method: number of communities, share of users in the largest,
        singleton communities, modularity and conductance (on ``quality graph``),
        Barber's bipartite modularity and, where the data has them, NMI / ARI with the
        planted communities, friend lift and feature NMI lifts.
    recommendation : DataFrame
        One row per recommender and partition (baselines once, ``communities`` empty):
        ``ndcg@k`` / ``recall@k`` with their 95% bootstrap intervals over the test
        users, ``coverage@k``, the validation ``ndcg@k`` the best is chosen on and, for
        a community-aware row, ``vs single`` (the ratio to the same recommender on one
        community of every user, its paired interval) and ``p_holm`` (Wilcoxon,
        Holm-corrected over the table).
    agreement : DataFrame
        The adjusted Rand index between every two methods' partitions.
    wide : DataFrame
        Everything in one table, measures x methods (``compare.csv``).
    result : ExperimentResult
        The experiment behind the tables.
    """

    communities: pd.DataFrame
    recommendation: pd.DataFrame
    agreement: pd.DataFrame
    wide: pd.DataFrame
    result: ExperimentResult
    k: int = 20

    FILES: ClassVar[dict[str, str]] = {
        "wide": "compare.csv",
        "communities": "compare_communities.csv",
        "recommendation": "compare_recommendation.csv",
        "agreement": "compare_agreement.csv",
    }

    def to_text(self) -> str:
        """The two tables as a terminal (100 columns) shows them, with their legends."""
        return _text(self)

    def write(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write the four tables (:attr:`FILES`) atomically into ``folder``."""
        from graphrec.experiment._store import atomic_write_text

        out = Path(folder)
        return [
            atomic_write_text(
                out / name, getattr(self, attr).to_csv(index=attr != "recommendation")
            )
            for attr, name in self.FILES.items()
        ]

    def __repr__(self) -> str:
        return self.to_text()


def _method_names(result: ExperimentResult) -> dict[str, str]:
    det_runs = result.runs[result.runs["kind"] == "detect"]
    return {
        r["run"]: r["detector"] if not r["embedder"] else f"{r['detector']} ({r['embedder']})"
        for _, r in det_runs.iterrows()
    }


def communities_table(result: ExperimentResult) -> pd.DataFrame:
    """One row per method (the control left out): the community measures of
    :class:`Comparison`, with the graph modularity and conductance were measured on."""
    names = {r: m for r, m in _method_names(result).items() if m != CONTROL}
    t = result.table
    rows = t[t["run"].isin(names)].assign(method=lambda f: f["run"].map(names))
    table = rows.pivot_table(index="method", columns="metric", values="value", sort=False)
    order = [m for m in _QUALITY_ORDER if m in table.columns]
    order += [m for m in table.columns if m.endswith("_nmi_lift")]
    table = table[order].reindex(list(dict.fromkeys(names.values())))
    for col in ("n_communities", "singletons"):
        if col in table:
            table[col] = table[col].round().astype("Int64")
    if "modularity" in table.columns:
        runs = result.runs.set_index("run")
        run_of = {m: r for r, m in names.items()}
        table["quality graph"] = [
            _quality_graph(result, runs.loc[run_of[m]].rename(run_of[m])) for m in table.index
        ]
    table.index.name = "method"
    return table


def recommendation_table(result: ExperimentResult, k: int = 20) -> pd.DataFrame:
    """One row per recommender and partition (:class:`Comparison`), the control's rows
    included (``communities`` ``single``), baselines once."""
    from graphrec.experiment.controls import control_table

    det = result.runs[result.runs["kind"] == "detect"]
    method_of = {row["detect_key"]: _method_names(result)[row["run"]] for _, row in det.iterrows()}
    evaluated = result.runs[result.runs["kind"] == "evaluate"]
    t = result.table[result.table["k"] == k]
    valid = result.selection
    rows = []
    for _, run in evaluated.iterrows():
        values = t[t["run"] == run["run"]].set_index("metric")
        method = method_of.get(run["detect_key"], "") if isinstance(run["detect_key"], str) else ""
        name = _baseline_name(run) if not method else str(run["recommender"])
        row: dict[str, Any] = {"recommender": name, "communities": method}
        for metric in ("ndcg", "recall", "coverage"):
            if metric in values.index:
                row[f"{metric}@{k}"] = values.loc[metric, "value"]
                if metric != "coverage":
                    row[f"{metric}@{k} lo"] = values.loc[metric, "lo"]
                    row[f"{metric}@{k} hi"] = values.loc[metric, "hi"]
        if len(valid):
            v = valid[
                (valid["run"] == run["run"]) & (valid["k"] == k) & (valid["metric"] == "ndcg")
            ]
            row[f"valid ndcg@{k}"] = v["value"].iloc[0] if len(v) else np.nan
        row["_group"] = tuple(run[c] for c in ("dataset", "embedder", "detector", "recommender"))
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):  # one row per configuration: the mean over seeds, their sd and count
        keys = ["recommender", "communities", "_group"]
        grouped = table.groupby(keys, sort=False, dropna=False)
        numbers = [c for c in table.columns if c not in keys]
        out = grouped[numbers].mean()
        out["seeds"] = grouped.size()
        out[f"ndcg@{k} sd"] = grouped[f"ndcg@{k}"].std()
        table = out.reset_index()
    controls = control_table(result, f"ndcg@{k}")
    if len(controls) and len(table):
        keyed = controls.set_index(["dataset", "embedder", "detector", "recommender"])
        for col, src in (("vs single", "ratio"), ("vs single lo", "lo"), ("vs single hi", "hi")):
            table[col] = [keyed[src].get(g, np.nan) for g in table["_group"]]
        table["p_holm"] = [keyed["p_holm"].get(g, np.nan) for g in table["_group"]]
    return table.drop(columns="_group") if len(table) else table


def agreement_table(result: ExperimentResult) -> pd.DataFrame:
    """Adjusted Rand index between every two methods' partitions (the control left out)."""
    names = {r: m for r, m in _method_names(result).items() if m != CONTROL}
    labels = {m: result.communities(r).user_labels for r, m in names.items()}
    return pd.DataFrame(
        {
            m: {o: quality.ari(theirs, mine) for o, theirs in labels.items()}
            for m, mine in labels.items()
        }
    )


def comparison(result: ExperimentResult, k: int = 20) -> Comparison:
    """The :class:`Comparison` of a finished compare experiment."""
    return Comparison(
        communities_table(result),
        recommendation_table(result, k),
        agreement_table(result),
        comparison_table(result, k),
        result,
        k,
    )


def comparison_table(result: ExperimentResult, k: int = 20) -> pd.DataFrame:
    """Everything in one table, measures x methods (``compare.csv``): the community
    measures, the graph they were measured on, the ARI with every other method, each
    recommender's NDCG, recall and coverage at ``k`` on each partition, its ratio to
    the single-community control, and the baselines' values repeated per method."""
    comm = communities_table(result)
    table = comm.T.astype(object)
    table = table.rename(index={"nmi": "nmi (truth)", "ari": "ari (truth)"})
    agreement = agreement_table(result)
    for other in agreement.index:
        table.loc[f"ARI with {other}"] = agreement.loc[other]
    rec = recommendation_table(result, k)
    for _, row in rec.iterrows():
        metrics = [c for c in row.index if c.endswith(f"@{k}") and not c.startswith("valid")]
        if row["communities"] == CONTROL:
            continue
        if not row["communities"]:  # a baseline: beside every method
            for m in metrics:
                table.loc[f"{row['recommender']} {m}"] = row[m]
            continue
        if row["communities"] not in table.columns:
            continue
        for m in metrics:
            table.loc[f"{row['recommender']} {m}", row["communities"]] = row[m]
        if not pd.isna(row.get("vs single", np.nan)):
            table.loc[f"{row['recommender']} ndcg@{k} vs single", row["communities"]] = row[
                "vs single"
            ]
    table.columns.name = None
    return table


def _text(c: Comparison) -> str:
    k = c.k
    lines = []
    comm = c.communities.copy()
    graphs = comm.pop("quality graph") if "quality graph" in comm else None
    if "unassigned_share" in comm and not comm["unassigned_share"].fillna(0).any():
        comm = comm.drop(columns="unassigned_share")
    lifts = [c for c in comm.columns if c.endswith("_nmi_lift")]
    side = comm[lifts].rename(columns=lambda c: c.removesuffix("_nmi_lift"))
    comm = comm.drop(columns=lifts).rename(columns=_SHORT)
    comm.columns.name = side.columns.name = None
    lines.append(comm.to_string(float_format=lambda v: f"{v:.3f}", na_rep=""))
    if graphs is not None:
        lines.append("")
        for graph, methods in graphs.groupby(graphs, sort=False):
            lines += _wrap(f"modularity, conductance of {', '.join(methods.index)}: {graph}")
    lines += _wrap(
        "largest: share of users in the largest community; a partition with most users in "
        "one community has a low conductance that says little. item info: I(community; "
        "item) / H(item), how much the community says about what its users choose."
    )
    if lifts:
        lines += ["", side.to_string(float_format=lambda v: f"{v:.2f}")]
        lines += _wrap(
            "NMI of each user feature with the communities over its NMI with shuffled labels "
            "(1: no more than chance)."
        )
    rec = c.recommendation
    if len(rec):
        shown = pd.DataFrame({"recommender": rec["recommender"], "communities": rec["communities"]})
        name = f"ndcg@{k}"
        several = rec["seeds"].max() > 1
        if several:
            shown[name] = [f"{v:.3f} ± {sd:.3f}" for v, sd in zip(rec[name], rec[f"{name} sd"])]
        else:
            shown[name] = [
                _interval(v, a, b)
                for v, a, b in zip(rec[name], rec[f"{name} lo"], rec[f"{name} hi"])
            ]
        if "vs single" in rec:
            shown["vs single"] = [
                "" if pd.isna(v) else _interval(v, a, b)
                for v, a, b in zip(rec["vs single"], rec["vs single lo"], rec["vs single hi"])
            ]
            shown["p (Holm)"] = ["" if pd.isna(p) else f"{p:.2g}" for p in rec["p_holm"]]
        lines += ["", shown.to_string(index=False)]
        cells = (
            f"mean ± sd over {rec['seeds'].max()} seeds"
            if several
            else "mean [95% bootstrap interval over the test users]"
        )
        lines += _wrap(
            f"ndcg@{k}: {cells}; vs single: ratio "
            "to the same recommender on one community of every user (the control) "
            "[95% paired interval]; p (Holm): Wilcoxon signed-rank, Holm-corrected over the "
            "rows."
        )
    result = c.result
    if result.has_best():
        from graphrec.experiment._breakdown import run_title

        best = result.best_run()
        lines += _wrap(f"Best on validation ndcg@{k} (reported on test): {run_title(best)}.")
    elif len(rec):
        from graphrec.experiment._breakdown import _no_best

        lines += _wrap(_no_best(result))
    return "\n".join(lines)


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


def _interval(v: float, lo: float, hi: float) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return f"{v:.3f}"
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def _baseline_name(run: pd.Series) -> str:
    """``popularity``, or ``base (svd)`` for the embedder's own scores."""
    if run["recommender"] == EMBEDDING:
        return f"base ({run['embedder']})"
    return str(run["recommender"])
