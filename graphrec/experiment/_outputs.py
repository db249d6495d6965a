"""The files an experiment writes: tables, ``summary.md``, the best run's lists and
communities, and one provenance record per run (all computed first, written atomically)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from graphrec.experiment._breakdown import BREAKDOWN_FILES
from graphrec.experiment._notes import _KINDS, run_warnings
from graphrec.experiment._store import atomic_write_bytes, atomic_write_json, package_versions
from graphrec.experiment.config import seed_param
from graphrec.experiment.plan import Plan, Run
from graphrec.experiment.results import ExperimentResult

__all__ = ["write_outputs"]


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def write_outputs(
    result: ExperimentResult,
    plan: Plan,
    metas: dict[str, dict[str, Any]],
    folder: Path | None = None,
) -> list[Path]:
    """Write the tables, the summary, the best run's files and per-run provenance.

    Into ``folder`` (default: the result's output folder; the runner passes its staging
    folder). Every output is computed first and written after, so a failure (a cache
    file that cannot be read, say) writes nothing.
    """
    out = Path(folder) if folder is not None else result.output
    report = result.best_run_report()
    texts: dict[Path, bytes] = {
        out / "results.csv": _csv_bytes(pd.concat([result.table, result.selection])),
        out / "runs.csv": _csv_bytes(result.runs),
        out / "by_activity.csv": _csv_bytes(result.by_activity),
        out / "summary.md": result.to_markdown().encode("utf-8"),
    }
    for column, table in report.tables.items():
        texts[out / BREAKDOWN_FILES[column]] = _csv_bytes(table.reset_index())
    if report.profile is not None:
        texts[out / "profiles.csv"] = _csv_bytes(report.profile)
    versions = package_versions()
    provenance = {
        out / "provenance" / f"{run.run}.json": _provenance(run, metas, versions)
        for run in plan.runs
    }
    has_best = result.has_best()
    if has_best:
        best = result.best_run()
        texts[out / "recommendations.csv"] = _csv_bytes(result.recommendations(best))
    detected = result.runs[result.runs["detect_key"].notna()]
    if len(detected):
        chosen = result.best_run() if has_best else detected.iloc[0]
        if not isinstance(chosen.get("detect_key"), str):
            chosen = detected.iloc[0]
        comm = result.communities(chosen)
        frame = pd.DataFrame({"user_id": result.user_ids(chosen), "community": comm.user_labels})
        texts[out / "communities.csv"] = _csv_bytes(frame)
    written = [atomic_write_json(path, info) for path, info in provenance.items()]
    written += [atomic_write_bytes(path, blob) for path, blob in texts.items()]
    return written


def _provenance(
    run: Run, metas: dict[str, dict[str, Any]], versions: dict[str, str | None]
) -> dict[str, Any]:
    final = metas[run.final]
    spec = final.get("spec", {})
    components = {}
    for stage, kind in _KINDS.items():
        if stage in run.keys:
            m = metas[run.keys[stage]]
            components[kind] = {"name": m.get("name"), "params": m.get("params")}
    return {
        "run": run.run,
        "kind": run.kind,
        "labels": {
            "dataset": run.dataset,
            "embedder": run.embedder,
            "detector": run.detector,
            "recommender": run.recommender,
        },
        "seed": run.seed,
        "config": {"data": spec.get("data"), **components, "evaluate": spec.get("evaluate")},
        "seeds": {
            "run": run.seed,
            "split": (spec.get("data") or {}).get("split", {}).get("seed"),
            **{
                k: c["params"].get(seed_param(k, c.get("name")) or "")
                for k, c in components.items()
                if isinstance(c.get("params"), dict)
            },
        },
        "keys": run.keys,
        "data": final.get("data", {}),
        "code": final.get("code", {}),
        "training": {
            _KINDS[stage]: metas[key]["training"]
            for stage, key in run.keys.items()
            if metas[key].get("training")
        },
        "warnings": run_warnings(run, metas),
        "timings": {stage: metas[key].get("seconds", {}) for stage, key in run.keys.items()},
        "cached_in_this_call": {
            stage: metas[key].get("cached", False) for stage, key in run.keys.items()
        },
        "results": final.get("summary") or final.get("metrics") or {},
        "versions": versions,
        "environment": final.get("environment", {}),
    }
