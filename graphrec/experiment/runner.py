"""Run an experiment: plan the jobs, execute what is not cached, write the results.

Stages run in order (all embeddings, then all detections, then all evaluations), each
as a batch of independent jobs for the executor. A job whose intact result is in the
cache is not run again, so an interrupted experiment resumes where it stopped and a
changed parameter recomputes only the jobs downstream of it. Jobs are keyed by the
data's contents and the code as well as the config, so an edited dataset or a new
graphrec is recomputed; a damaged cache entry is recomputed with a warning.

The output folder gets ``results.csv``, ``runs.csv``, ``by_activity.csv``,
``summary.md`` (the tables over seeds, then the best run per community and activity
band and the profiles of its communities), ``config.resolved.yaml``, and of the best
run ``communities.csv``, ``recommendations.csv``, ``breakdown_community.csv`` /
``breakdown_activity.csv`` (every metric with its bootstrap interval) and
``profiles.csv``, ``provenance/<run>.json`` (resolved config, seeds, data digest and
loading report, code digest and versions, how training stopped, timings per stage,
host, warnings) and ``plots/``, all listed with their digests in ``manifest.json``.
They are written to a staging folder and swapped in at the end, so the folder holds
one complete set of outputs, of one config: the same config continues, another is
refused unless ``overwrite=True``.

>>> import tempfile
>>> cfg = {"name": "doc", "dataset": {"name": "synthetic",
...        "params": {"n_users": 120, "n_items": 60, "n_communities": 3}},
...        "detectors": [{"name": "bipartite_louvain"}],
...        "recommenders": [{"name": "community_popularity"}, {"name": "popularity"}]}
>>> with tempfile.TemporaryDirectory() as out:
...     result = run_experiment(cfg, output=out, plots=False)
...     sorted(result.table["recommender"].unique())
['', 'community_popularity', 'popularity']
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from graphrec.experiment._folder import OutputFolder
from graphrec.experiment._notes import (
    _time_budget,
    component_warnings,
    data_notes,
    run_warnings,
    time_budget_notes,
)
from graphrec.experiment._outputs import write_outputs
from graphrec.experiment._store import atomic_write_bytes
from graphrec.experiment.config import ExperimentConfig, load_config
from graphrec.experiment.executors import Executor, make_executor
from graphrec.experiment.plan import Plan, Run, make_plan
from graphrec.experiment.results import COLUMNS, ExperimentResult, tidy
from graphrec.experiment.stages import STAGES, Job, execute, execute_shipped

__all__ = [
    "collect",
    "data_notes",
    "run_experiment",
    "run_warnings",
    "summary_line",
    "time_budget_notes",
    "write_outputs",
]

logger = logging.getLogger(__name__)


Report = Callable[[str], None]


def run_experiment(
    config: ExperimentConfig | Mapping[str, Any] | str | os.PathLike[str],
    *,
    output: str | os.PathLike[str] | None = None,
    executor: str | Executor = "local",
    jobs: int | None = None,
    address: str | None = None,
    progress: bool = False,
    report: Report | None = None,
    plots: bool = True,
    resume: bool = False,
    overwrite: bool = False,
    extra: Callable[[ExperimentResult, Path], Any] | None = None,
) -> ExperimentResult:
    """Run (or resume) an experiment and write its results.

    Parameters
    ----------
    config : ExperimentConfig, mapping or path
        A validated config, or anything :func:`load_config` accepts (validated first).
    output : path, optional
        Overrides the config's output folder.
    executor : {"local", "process", "ray"} or Executor
        Where jobs run: in this process, in a local process pool of ``jobs`` workers,
        or as Ray tasks (``address`` of an existing cluster, else a local Ray).
    progress : bool
        Progress bars per stage (tqdm, on stderr).
    report : callable, optional
        Called with a one-line summary of each run finished in this call.
    plots : bool
        Write the figures of :func:`graphrec.experiment.plots.write_plots`.
    resume, overwrite : bool
        A folder holding the results of the same config is continued (its cache has
        every finished job); one of a different config is refused, unless
        ``overwrite=True`` replaces its results. ``resume=True`` refuses a folder
        without a finished run of this config. A second run on a folder in use is
        refused (see :mod:`graphrec.experiment._folder`).
    extra : callable, optional
        ``extra(result, folder)`` writes more files into the staging folder, to be
        published with the rest (``graphrec compare`` writes its tables so).

    Returns
    -------
    ExperimentResult
    """
    cfg = config if isinstance(config, ExperimentConfig) else load_config(config)
    if output is not None:
        cfg = replace(cfg, output=Path(output).expanduser().absolute())
    out = cfg.output
    with OutputFolder(out, cfg.to_yaml(), resume=resume, overwrite=overwrite) as folder:
        plan = make_plan(cfg, out / "cache")
        for note in time_budget_notes(plan):
            logger.warning("%s", note)
        n_eval = sum(r.kind == "evaluate" for r in plan.runs)
        logger.info(
            "%s: %d runs (%d evaluated), jobs: %s",
            cfg.name,
            len(plan.runs),
            n_eval,
            {s: len(j) for s, j in plan.jobs.items()},
        )
        t0 = time.perf_counter()
        owned = not isinstance(executor, Executor)
        ex = make_executor(executor, jobs, address=address) if owned else executor
        try:
            metas, stats = _execute_plan(plan, ex, progress, report)
        finally:
            if owned:
                ex.close()
        result = collect(cfg, plan, metas, stats)
        for note in [*data_notes(metas), *component_warnings(metas)]:
            logger.warning("%s", note)  # once per experiment, not once per job
        stage = folder.staging()
        write_outputs(result, plan, metas, stage)
        if plots and len(result.table):
            from graphrec.experiment.plots import write_plots

            write_plots(result, stage / "plots")
        if extra is not None:
            extra(result, stage)
        folder.publish(stage)
    logger.info("%s finished in %.1fs: %s", cfg.name, time.perf_counter() - t0, stats)
    return result


# ---------------------------------------------------------------------------- execution
def _execute_plan(
    plan: Plan, ex: Executor, progress: bool, report: Report | None
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, int]]]:
    from tqdm.auto import tqdm

    metas: dict[str, dict[str, Any]] = {}
    stats = {stage: {"computed": 0, "cached": 0} for stage in STAGES}
    finished = 0
    total = len(plan.runs)
    for stage in STAGES:
        todo = []
        for job in plan.jobs[stage].values():
            cached = job.cached()
            if cached is not None:
                metas[job.key] = {**cached, "cached": True}
                stats[stage]["cached"] += 1
            else:
                todo.append(replace(job, recompute=True))
        if not todo:
            continue
        with tqdm(total=len(todo), desc=stage, disable=not progress, leave=False) as bar:
            for job, meta in _run_jobs(ex, todo):
                metas[job.key] = meta
                stats[stage]["computed"] += 1
                bar.update()
                if report is None:
                    continue
                lines = []
                if stage == "embed":
                    secs = meta.get("seconds", {}).get("total", 0.0)
                    lines.append(f"embedded {plan.describe(job)} ({secs:.1f}s)")
                for run in plan.runs_of(job.key):
                    finished += 1
                    lines.append(f"[{finished}/{total}] {summary_line(run, meta)}")
                with tqdm.external_write_mode() if not bar.disable else nullcontext():
                    for line in lines:
                        report(line)
    if report:
        cached = total - finished
        if cached:
            report(f"{cached} of {total} runs were already in the cache")
    return metas, stats


def _run_jobs(ex: Executor, jobs: list[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
    if not ex.ships_files:
        yield from ex.map(execute, jobs)
        return
    items = [(job, _inputs(job)) for job in jobs]
    for (job, _), (meta, files) in ex.map(_shipped, items):
        done = f"{job.stage}/{job.key}.json"
        for rel in sorted(files, key=lambda r: r == done):  # the done marker last
            atomic_write_bytes(Path(job.cache) / rel, files[rel])
        yield job, meta


def _inputs(job: Job) -> dict[str, bytes]:
    return {rel: (Path(job.cache) / rel).read_bytes() for rel in job.inputs()}


def _shipped(item: tuple[Job, dict[str, bytes]]) -> tuple[dict[str, Any], dict[str, bytes]]:
    return execute_shipped(*item)


def summary_line(run: Run, meta: dict[str, Any]) -> str:
    """``dataset | components | seed N: metric=value ... (seconds)`` for one finished run."""
    seconds = meta.get("seconds", {}).get("total", 0.0)
    if run.kind == "evaluate":
        summary = meta.get("summary", {})
        ks = sorted({int(k.split("@")[1]) for k in summary if "@" in k})
        shown = [f"{m}@{ks[-1]}" for m in ("recall", "ndcg", "coverage")] if ks else []
        values = " ".join(f"{m}={summary[m]:.4f}" for m in shown if m in summary)
    else:
        metrics = meta.get("metrics", {})
        shown = ["n_communities", "modularity", "nmi", "friend_lift"]
        values = " ".join(
            f"{m}={metrics[m]:.4g}" for m in shown if m in metrics and metrics[m] == metrics[m]
        )
    return f"{run.title}: {values} ({seconds:.1f}s)"


# ---------------------------------------------------------------------------- results
def collect(
    cfg: ExperimentConfig,
    plan: Plan,
    metas: dict[str, dict[str, Any]],
    stats: dict[str, dict[str, int]],
) -> ExperimentResult:
    """Build the result tables from the job metas."""
    rows: list[dict[str, Any]] = []
    chosen_on: list[dict[str, Any]] = []  # the validation part, which variants are chosen on
    run_rows: list[dict[str, Any]] = []
    activity: list[dict[str, Any]] = []
    for run in plan.runs:
        meta = metas[run.final]
        base = {
            "run": run.run,
            "dataset": run.dataset,
            "embedder": run.embedder,
            "detector": run.detector,
            "recommender": run.recommender,
            "seed": run.seed,
        }
        if run.kind == "evaluate":
            rows += tidy(
                {**base, "part": cfg.evaluate.part}, meta.get("summary") or {}, meta.get("ci")
            )
            selection = meta.get("selection")
            if selection:
                part = {**base, "part": selection["part"]}
                chosen_on += tidy(part, selection["summary"], selection.get("ci"))
        else:  # community metrics, measured on the training graph
            rows += tidy({**base, "part": "train"}, meta.get("metrics") or {})
        for band, vals in (meta.get("by_activity") or {}).items():
            n = vals.get("n_users", 0)
            for name, value in vals.items():
                if "@" in name and not name.endswith(" ci"):
                    metric, _, k = name.partition("@")
                    lo, hi = vals.get(f"{name} ci") or (float("nan"), float("nan"))
                    activity.append(
                        {
                            **base,
                            "band": band,
                            "n_users": n,
                            "metric": metric,
                            "k": int(k),
                            "value": value,
                            "lo": lo,
                            "hi": hi,
                        }
                    )
        run_rows.append(_run_row(run, base, metas))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["k"] = table["k"].astype("Int64")
    selection = pd.DataFrame(chosen_on, columns=list(COLUMNS))
    selection["k"] = selection["k"].astype("Int64")
    budget = [line for run in plan.runs for line in _time_budget(run, metas)]
    return ExperimentResult(
        cfg.name,
        cfg.output,
        table,
        pd.DataFrame(run_rows),
        pd.DataFrame(activity),
        cfg.evaluate.primary,
        stats,
        list(dict.fromkeys([*data_notes(metas), *budget, *component_warnings(metas)])),
        part=cfg.evaluate.part,
        selection=selection,
    )


def _run_row(run: Run, base: dict[str, Any], metas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {**base, "kind": run.kind}
    for stage in STAGES:
        row[f"{stage}_key"] = run.keys.get(stage)
    row["final_key"] = run.final
    row["control_run"] = run.control
    row["cached"] = all(metas[k].get("cached", False) for k in run.keys.values())
    row.update(run.params)
    names = {
        "embed": ("fit", "embed"),
        "detect": ("fit", "detect"),
        "evaluate": ("fit", "recommend"),
    }
    for stage, key in run.keys.items():
        secs = metas[key].get("seconds", {})
        row[f"seconds.{names[stage][1]}"] = secs.get("fit", 0.0)
        if stage == "detect":
            row["seconds.quality"] = secs.get("metrics", 0.0)
            row["quality_graph"] = metas[key].get("quality_graph")  # modularity's graph
        if stage == "evaluate":
            row["seconds.evaluate"] = secs.get("evaluate", 0.0)
    return row
