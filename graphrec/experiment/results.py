"""Experiment results: the tidy table, summaries over seeds, the best run and its outputs.

``results.csv`` has one row per run, part, metric and K: ``run, dataset, embedder,
detector, recommender, seed, part, metric, k, value, lo, hi``. ``part`` is ``test``
(what is reported), ``valid`` (what variants are chosen on; the same fitted model
ranked for the validation users) or ``train`` (community metrics such as
``modularity`` or ``nmi``, whose rows have an empty ``recommender`` and ``k``).
``lo`` / ``hi`` bound the 95% bootstrap interval of a per-user metric's mean (users
resampled, seed 0; empty for list-level metrics such as coverage). ``runs.csv`` has
one row per run with its labels, the parameters that vary across the experiment
(``embedder.dim``, ``dataset.mu``, ...), the seconds of each stage and, for a
community-aware run, ``control_run``: its single-community control.

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
from graphrec.experiment._store import read_json

__all__ = ["COLUMNS", "GROUP", "ExperimentResult", "summarize", "tidy"]

logger = logging.getLogger(__name__)

COLUMNS = (
    "run",
    "dataset",
    "embedder",
    "detector",
    "recommender",
    "seed",
    "part",
    "metric",
    "k",
    "value",
    "lo",
    "hi",
)
INTERVAL = ("lo", "hi")  # the 95% bootstrap interval over users of a per-user metric
GROUP = ("dataset", "embedder", "detector", "recommender")


def tidy(
    row: dict[str, Any],
    values: dict[str, float],
    ci: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows of the tidy table for one run: ``"recall@20"`` becomes metric ``recall``, k 20;
    ``ci`` maps a name to its interval ``[lo, hi]`` (columns ``lo``, ``hi``)."""
    out = []
    ci = ci or {}
    for name, value in values.items():
        metric, _, k = name.partition("@")
        lo, hi = ci.get(name) or (np.nan, np.nan)
        out.append(
            {
                **row,
                "metric": metric,
                "k": int(k) if k else pd.NA,
                "value": float(value),
                "lo": float(lo),
                "hi": float(hi),
            }
        )
    return out


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: the mean over seeds, the standard deviation over seeds (ddof 1;
    NaN for one seed, which measures no spread), the number of seeds ``n`` and, when the
    table has intervals, ``lo`` / ``hi``: the mean of the seeds' 95% bootstrap bounds
    over users (with one seed, that seed's interval)."""
    keys = [*GROUP, "metric", "k"]
    t = table.copy()
    t["k"] = t["k"].astype("Int64")
    grouped = t.groupby(keys, dropna=False, sort=False)
    out = grouped["value"].agg(["mean", "std", "count"])
    for col in INTERVAL:
        if col in t.columns:
            out[col] = grouped[col].mean()
    return out.reset_index().rename(columns={"count": "n"})


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
        The part the runs are reported on (``evaluate.part``: ``test`` or ``valid``).
    selection : DataFrame
        The same runs measured on the validation part (rows of ``results.csv`` with
        ``part`` ``valid``), which the best configuration is chosen on; empty when the
        split has no validation part or the runs are reported on it.
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
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    best_report: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ summaries
    def summary(
        self, metrics: list[str] | None = None, *, kind: str = "evaluate", control: bool = True
    ) -> pd.DataFrame:
        """One row per configuration, one string column per metric (see
        :func:`graphrec.experiment._summary.summary`: ``mean ± sd`` over several seeds,
        ``mean [lo, hi]`` over users for one; ``vs single`` and ``p (Holm)`` against the
        single-community control)."""
        from graphrec.experiment._summary import summary

        return summary(self, metrics, kind=kind, control=control)

    def control_table(self, metric: str | None = None) -> pd.DataFrame:
        """Each community-aware configuration against its single-community control
        (:func:`~graphrec.experiment.controls.control_table`; read from the cache)."""
        from graphrec.experiment.controls import control_table

        return control_table(self, metric)

    def summary_numbers(self, kind: str = "evaluate") -> pd.DataFrame:
        """:func:`summarize` of the runs of one kind (``"evaluate"`` or ``"detect"``)."""
        runs = set(self.runs.loc[self.runs["kind"] == kind, "run"])
        part = self.table[self.table["run"].isin(runs)]
        return summarize(part) if len(part) else pd.DataFrame()

    def selection_means(self, metric: str | None = None) -> pd.Series:
        """Mean ``metric`` over seeds per configuration on the part configurations are
        chosen on: validation (``selection``), or the reported part when that is the
        validation part. Raises ValueError when the split has no validation part."""
        metric = metric or self.primary
        source = self.table if self.part == "valid" else self.selection
        if source is None or source.empty:
            raise ValueError(
                "the split has no validation part, so no configuration is chosen and no "
                "best run is named (choosing on the test part would report a biased "
                "winner); give the split a validation part (dataset.split.valid: true, "
                "or a loader that has one)"
            )
        name, _, k = metric.partition("@")
        rows = source[(source["metric"] == name) & source["run"].isin(self.runs["run"])]
        if k:
            rows = rows[rows["k"].astype("Int64") == int(k)]
        if rows.empty:
            raise ValueError(f"no results for metric {metric!r}")
        return rows.groupby(list(GROUP), sort=False)["value"].mean()

    def best_run(self, metric: str | None = None) -> pd.Series:
        """The run of the configuration with the best mean ``metric`` on the validation
        part (lowest seed first): its test values are what is reported.

        ``metric`` is ``"name@k"`` (default: the config's ``evaluate.primary``); lower is
        better only for ``gini``. Raises ValueError when the split has no validation
        part (see :meth:`selection_means`).
        """
        metric = metric or self.primary
        means = self.selection_means(metric)
        best = means.idxmin() if metric.startswith("gini") else means.idxmax()
        mask = np.logical_and.reduce([self.runs[c] == v for c, v in zip(GROUP, best)])
        candidates = self.runs[mask & (self.runs["kind"] == "evaluate")]
        return candidates.sort_values("seed").iloc[0]

    def has_best(self) -> bool:
        """Whether a best run can be named (evaluated runs and a validation part)."""
        if not (self.runs["kind"] == "evaluate").any():
            return False
        try:
            self.selection_means()
        except ValueError:
            return False
        return True

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
        """``summary.md`` (:func:`graphrec.experiment._summary.markdown`): the tables,
        the controls, the selection on validation and, with ``details``, the best run's
        breakdowns and the profiles of its communities."""
        from graphrec.experiment._summary import markdown

        return markdown(self, details)

    def cell_legend(self) -> str:
        """What a cell of :meth:`summary` holds (mean ± sd over seeds, or the users' interval)."""
        from graphrec.experiment._summary import cell_legend

        return cell_legend(self)

    def selection_lines(self) -> list[str]:
        """The best configuration with communities against the best without, both chosen
        on validation (:func:`~graphrec.experiment.controls.selected_comparison`)."""
        from graphrec.experiment._summary import selection_lines

        return selection_lines(self)

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
        selection = pd.DataFrame(columns=table.columns)
        runs = pd.read_csv(out / "runs.csv", keep_default_na=False, na_values=[""])
        for col in GROUP:
            table[col] = table[col].fillna("").astype(str)
            runs[col] = runs[col].fillna("").astype(str)
        if "control_run" in runs:
            runs["control_run"] = runs["control_run"].fillna("").astype(str)
        activity = out / "by_activity.csv"
        by_activity = pd.read_csv(activity) if activity.exists() else pd.DataFrame()
        config = yaml.safe_load((out / "config.resolved.yaml").read_text(encoding="utf-8"))
        evaluate = config.get("evaluate", {})
        primary = evaluate.get("primary", "ndcg@20")
        part = evaluate.get("part", "test")
        if "part" in table.columns and part == "test":
            selection = table[table["part"] == "valid"].reset_index(drop=True)
            table = table[table["part"] != "valid"].reset_index(drop=True)
        return cls(
            config["name"], out, table, runs, by_activity, primary, part=part, selection=selection
        )
