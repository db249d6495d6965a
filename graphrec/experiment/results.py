"""Experiment results: the tidy table, summaries over seeds, the best run and its outputs.

``results.csv`` has one row per run, metric and K: ``run, dataset, embedder, detector,
recommender, seed, metric, k, value`` (``k`` empty for community metrics such as
``modularity`` or ``nmi``, whose rows have an empty ``recommender``). ``runs.csv``
has one row per run with its labels, the parameters that vary across the experiment
(``embedder.dim``, ``dataset.mu``, ...) and the seconds of each stage.

>>> import pandas as pd
>>> t = pd.DataFrame({"run": ["a", "b"], "dataset": "d", "embedder": "", "detector": "",
...                   "recommender": "popularity", "seed": [0, 1], "metric": "recall",
...                   "k": [20, 20], "value": [0.1, 0.3]})
>>> row = summarize(t).iloc[0]
>>> round(row["mean"], 3), int(row["n"])
(0.2, 2)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphrec.community.base import Communities
from graphrec.community.profile import to_markdown
from graphrec.experiment._store import read_json

__all__ = ["COLUMNS", "GROUP", "ExperimentResult", "summarize", "tidy"]

logger = logging.getLogger(__name__)

COLUMNS = ("run", "dataset", "embedder", "detector", "recommender", "seed", "metric", "k", "value")
GROUP = ("dataset", "embedder", "detector", "recommender")


def tidy(row: dict[str, Any], values: dict[str, float]) -> list[dict[str, Any]]:
    """Rows of the tidy table for one run: ``"recall@20"`` becomes metric ``recall``, k 20."""
    out = []
    for name, value in values.items():
        metric, _, k = name.partition("@")
        out.append({**row, "metric": metric, "k": int(k) if k else pd.NA, "value": float(value)})
    return out


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (ddof 1; 0 for one seed) and number of seeds per configuration."""
    keys = [*GROUP, "metric", "k"]
    t = table.copy()
    t["k"] = t["k"].astype("Int64")
    grouped = t.groupby(keys, dropna=False, sort=False)["value"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    out["std"] = out["std"].fillna(0.0)
    return out.rename(columns={"count": "n"})


@dataclass
class ExperimentResult:
    """What :func:`~graphrec.experiment.run_experiment` returns (and writes to ``output``).

    Attributes
    ----------
    table : DataFrame
        The tidy results (``results.csv``).
    runs : DataFrame
        One row per run (``runs.csv``): labels, varying parameters, stage seconds, keys.
    by_activity : DataFrame
        Recommendation metrics per activity band (``cold``, ``warm``, ``hot``) and run.
    stats : dict
        Jobs computed and taken from the cache, per stage, in the call that made this.
    notes : list of str
        Warnings about the results: rows the loader dropped or combined, training cut
        by a time budget (``summary.md`` lists them under "Notes").
    part : str
        The part the runs were evaluated on (``evaluate.part``: ``test`` or ``valid``),
        which the best run is chosen on.
    best_report : BestRunReport, optional
        The best run's breakdowns and profiles, once computed (:meth:`best_report_`).
    """

    name: str
    output: Path
    table: pd.DataFrame
    runs: pd.DataFrame
    by_activity: pd.DataFrame = field(default_factory=pd.DataFrame)
    primary: str = "ndcg@20"
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    part: str = "test"
    best_report: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ summaries
    def summary(self, metrics: list[str] | None = None, *, kind: str = "evaluate") -> pd.DataFrame:
        """One row per configuration, one ``mean ± std`` string column per metric.

        ``kind="evaluate"``: recommendation metrics (default: the evaluated ranking
        metrics at each K and ``coverage`` at the largest K); ``kind="detect"``:
        community metrics.
        """
        stats = self.summary_numbers(kind)
        if stats.empty:
            return pd.DataFrame()
        stats["name"] = [
            f"{m}@{k}" if not pd.isna(k) else m for m, k in zip(stats["metric"], stats["k"])
        ]
        chosen = metrics or self._default_metrics(stats, kind)
        stats = stats[stats["name"].isin(chosen)]
        scale = stats.groupby("name")["mean"].transform(lambda v: v.abs().max())
        stats["cell"] = [
            _cell(m, s, n, 4 if big < 2 else 2)
            for m, s, n, big in zip(stats["mean"], stats["std"], stats["n"], scale)
        ]
        wide = stats.pivot_table(
            index=list(GROUP), columns="name", values="cell", aggfunc="first", sort=False
        )
        wide = wide[[c for c in chosen if c in wide.columns]].reset_index()
        wide.columns.name = None
        drop = ["recommender"] if kind == "detect" else []
        if wide["dataset"].nunique() == 1:
            drop.append("dataset")
        return wide.drop(columns=drop)

    def summary_numbers(self, kind: str = "evaluate") -> pd.DataFrame:
        """:func:`summarize` of the runs of one kind (``"evaluate"`` or ``"detect"``)."""
        runs = set(self.runs.loc[self.runs["kind"] == kind, "run"])
        part = self.table[self.table["run"].isin(runs)]
        return summarize(part) if len(part) else pd.DataFrame()

    def _default_metrics(self, stats: pd.DataFrame, kind: str) -> list[str]:
        names = list(dict.fromkeys(stats["name"]))
        if kind == "detect":
            wanted = ("n_communities", "largest_share", "modularity", "barber_modularity")
            extra = ("conductance", "nmi", "ari", "friend_lift")
            return [n for n in (*wanted, *extra) if n in names] + [
                n for n in names if n.endswith("_nmi_lift")
            ]
        ks = sorted({int(k) for k in stats["k"].dropna()})
        ranking = [m for m in dict.fromkeys(stats["metric"]) if _ranked(m)]
        chosen = [f"{m}@{k}" for k in ks for m in ranking]
        return [n for n in chosen if n in names] + [f"coverage@{ks[-1]}"]

    def best_run(self, metric: str | None = None) -> pd.Series:
        """The run of the configuration with the best mean ``metric`` (lowest seed first).

        ``metric`` is ``"name@k"`` (default: the config's ``evaluate.primary``); lower is
        better only for ``gini``.
        """
        metric = metric or self.primary
        name, _, k = metric.partition("@")
        t = self.table
        rows = (
            t[(t["metric"] == name) & (t["k"].astype("Int64") == int(k))]
            if k
            else t[t["metric"] == name]
        )
        if rows.empty:
            raise ValueError(f"no results for metric {metric!r}")
        means = rows.groupby(list(GROUP), sort=False)["value"].mean()
        best = means.idxmin() if name == "gini" else means.idxmax()
        mask = np.logical_and.reduce([self.runs[c] == v for c, v in zip(GROUP, best)])
        candidates = self.runs[mask & self.runs["run"].isin(rows["run"])]
        return candidates.sort_values("seed").iloc[0]

    # ------------------------------------------------------------------ artefacts
    def _row(self, run: str | pd.Series) -> pd.Series:
        run_id = run["run"] if isinstance(run, pd.Series) else run
        rows = self.runs[self.runs["run"] == run_id]
        if rows.empty:
            raise ValueError(f"no run {run_id!r} in {self.output}")
        return rows.iloc[0]

    @property
    def cache(self) -> Path:
        return self.output / "cache"

    def communities(self, run: str | pd.Series) -> Communities:
        """The communities of a run (one with a detector)."""
        from graphrec.experiment.stages import load_communities

        row = self._row(run)
        if not isinstance(row.get("detect_key"), str):
            raise ValueError(f"run {row['run']} has no detector")
        return load_communities(self.cache, row["detect_key"])

    def embedder(self, run: str | pd.Series) -> Any:
        """The fitted embedder of a run (one with an embedder)."""
        from graphrec.experiment.stages import load_embedder

        row = self._row(run)
        if not isinstance(row.get("embed_key"), str):
            raise ValueError(f"run {row['run']} has no embedder")
        meta = read_json(self.cache / "embed" / f"{row['embed_key']}.json")
        return load_embedder(self.cache, {"name": meta["name"], "key": row["embed_key"]})

    def per_user(self, run: str | pd.Series) -> pd.DataFrame:
        """The per-user metrics of an evaluated run."""
        row = self._row(run)
        return pd.read_csv(self.cache / "evaluate" / f"{row['evaluate_key']}.per_user.csv.gz")

    def recommendations(self, run: str | pd.Series) -> pd.DataFrame:
        """Top-K lists of an evaluated run: ``user_id, rank, item_id, score`` (original ids)."""
        row = self._row(run)
        with np.load(self.cache / "evaluate" / f"{row['evaluate_key']}.recs.npz") as f:
            users, items, scores = f["users"], f["items"], f["scores"]
        ids = self.per_user(row)["user_id"].to_numpy()
        item_ids = self._item_ids(row)
        n, k = items.shape
        listed = items.ravel() >= 0  # -1: an empty slot (too few recommendable items)
        flat = items.ravel()[listed]
        return pd.DataFrame(
            {
                "user_id": np.repeat(ids if len(ids) == n else users, k)[listed],
                "rank": np.tile(np.arange(1, k + 1), n)[listed],
                "item_id": item_ids[flat] if item_ids is not None else flat,
                "score": scores.ravel()[listed],
            }
        )

    def _item_ids(self, row: pd.Series) -> np.ndarray | None:
        from graphrec.experiment.stages import prepare_data

        meta = read_json(self.cache / "evaluate" / f"{row['evaluate_key']}.json")
        spec = meta["spec"]
        return prepare_data(spec["data"], spec["data_key"]).train.item_ids

    def user_ids(self, run: str | pd.Series) -> np.ndarray:
        """Original user ids (index -> id) of the data of a run."""
        from graphrec.experiment.stages import prepare_data

        row = self._row(run)
        stage = "evaluate" if isinstance(row.get("evaluate_key"), str) else "detect"
        meta = read_json(self.cache / stage / f"{row[f'{stage}_key']}.json")
        return prepare_data(meta["spec"]["data"], meta["spec"]["data_key"]).train.user_ids

    # ------------------------------------------------------------------ reports
    def best_run_report(self) -> Any:
        """The best run broken down per community and activity band, and the profiles of
        its communities (:class:`~graphrec.experiment._breakdown.BestRunReport`; computed
        once, from the cache)."""
        if self.best_report is None:
            from graphrec.experiment._breakdown import best_run_report

            self.best_report = best_run_report(self)
        return self.best_report

    def to_markdown(self, details: bool = True) -> str:
        """``summary.md``: recommendation and community tables (mean ± std over seeds) and,
        with ``details``, the best run's per-community and per-activity breakdowns and
        the profiles of its communities (read from the cache)."""
        seeds = sorted(self.runs["seed"].unique().tolist())
        lines = [f"# {self.name}", ""]
        n_eval = int((self.runs["kind"] == "evaluate").sum())
        n_det = int((self.runs["kind"] == "detect").sum())
        lines.append(f"{n_eval} evaluated runs and {n_det} detections over seeds {seeds}; ")
        lines.append("cells are mean ± standard deviation over the seeds.")
        rec = self.summary()
        if not rec.empty:
            lines += ["", "## Recommendation", "", to_markdown(rec)]
            from graphrec.experiment._breakdown import run_title, selection_text

            best = self.best_run()
            lines += ["", f"Best {selection_text(self)}: {run_title(best)} (run {best['run']})."]
        det = self.summary(kind="detect")
        if not det.empty:
            lines += ["", "## Communities", "", to_markdown(det)]
        if details:
            try:
                lines += self.best_run_report().markdown
            except (OSError, ValueError) as exc:  # cache or data gone or changed since
                lines += ["", f"(The best run's breakdowns need its cache and data: {exc})"]
        seconds = self.stage_seconds()
        if seconds:
            shown = ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items())
            lines += [
                "",
                f"Compute time, summed over distinct jobs (cached ones included): {shown}.",
            ]
        if self.notes:
            lines += ["", "## Notes", "", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines) + "\n"

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per stage summed over the distinct jobs (a shared embedding counts once)."""
        out = {}
        for stage, columns in (
            ("embed", ("seconds.embed",)),
            ("detect", ("seconds.detect", "seconds.quality")),
            ("evaluate", ("seconds.recommend", "seconds.evaluate")),
        ):
            key = f"{stage}_key"
            present = [c for c in columns if c in self.runs.columns]
            if key not in self.runs.columns or not present:
                continue
            jobs = self.runs[self.runs[key].notna()].drop_duplicates(key)
            total = float(jobs[present].sum().sum())
            if total > 0:
                out[stage] = total
        return out

    def __repr__(self) -> str:
        return (
            f"ExperimentResult({self.name!r}: {len(self.runs)} runs, {len(self.table)} values, "
            f"output={str(self.output)!r})"
        )

    @classmethod
    def load(cls, output: str | Path) -> ExperimentResult:
        """Re-open the results an experiment wrote to ``output``."""
        import yaml

        out = Path(output)
        for name in ("results.csv", "runs.csv"):
            if not (out / name).exists():
                raise FileNotFoundError(f"{out / name} not found; run the experiment first")
        table = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
        table["k"] = table["k"].astype("Int64")
        runs = pd.read_csv(out / "runs.csv", keep_default_na=False, na_values=[""])
        for col in GROUP:
            table[col] = table[col].fillna("").astype(str)
            runs[col] = runs[col].fillna("").astype(str)
        activity = out / "by_activity.csv"
        by_activity = pd.read_csv(activity) if activity.exists() else pd.DataFrame()
        config = yaml.safe_load((out / "config.resolved.yaml").read_text(encoding="utf-8"))
        evaluate = config.get("evaluate", {})
        primary = evaluate.get("primary", "ndcg@20")
        part = evaluate.get("part", "test")
        return cls(config["name"], out, table, runs, by_activity, primary, part=part)


def _ranked(name: Any) -> bool:
    """A per-user metric chosen in the config (not one every run reports)."""
    from graphrec.evaluate.registry import metric, metric_names

    if name not in metric_names():
        return False
    entry = metric(name)
    return entry.per_user and not entry.always


def _cell(mean: float, std: float, n: int, digits: int = 4) -> str:
    if pd.isna(mean):
        return ""
    return f"{mean:.{digits}f}" if n < 2 else f"{mean:.{digits}f} ± {std:.{digits}f}"
