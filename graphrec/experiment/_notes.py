"""What a reader of an experiment's results should know: time budgets, data cleaning.

The warnings of :func:`~graphrec.experiment.run_experiment` and the "Notes" of
``summary.md`` and of each run's provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphrec.experiment.plan import Plan, Run

__all__ = ["data_notes", "run_warnings", "time_budget_notes"]

_KINDS = {"embed": "embedder", "detect": "detector", "evaluate": "recommender"}
_CLEANING = ("dropped", "merged", "combined", "ignored", "removed", "skipped")  # report keys
# report keys about side tables (features, friends): rows skipped there leave the
# interactions as they were
_SIDE_TABLES = ("feature_rows", "friend_links")


def time_budget_notes(plan: Plan) -> list[str]:
    """One warning per component variant trained on a wall-clock budget (``max_minutes``)."""
    seen: dict[tuple[str, str], float] = {}
    for stage, jobs in plan.jobs.items():
        for job in jobs.values():
            minutes = (job.spec.get("params") or {}).get("max_minutes")
            if minutes is not None:
                seen.setdefault((_KINDS[stage], str(job.spec.get("name"))), minutes)
    return [
        f"{kind} {name} has max_minutes={minutes}: training stops on a wall-clock budget, so "
        "its results depend on the machine and its load; the epochs actually run are "
        "recorded in each run's provenance (training.n_epochs, training.stopped_by)"
        for (kind, name), minutes in seen.items()
    ]


def _time_budget(run: Run, metas: dict[str, dict[str, Any]]) -> list[str]:
    """The time-budget warning of one run, with the epochs its models actually ran."""
    out = []
    for stage, key in run.keys.items():
        meta = metas[key]
        minutes = (meta.get("params") or {}).get("max_minutes")
        if minutes is None:
            continue
        training = meta.get("training") or {}
        ran = training.get("n_epochs")
        how = training.get("stopped_by")
        out.append(
            f"{_KINDS[stage]} {meta.get('name')} (seed {run.seed}) trained with "
            f"max_minutes={minutes}, so this result depends on the machine's load; it ran "
            f"{'an unknown number of' if ran is None else ran} epochs"
            + (f" and stopped by {how}" if how else "")
        )
    return out


def _cleaning(report: Mapping[str, Any], prefix: str = "") -> dict[str, int]:
    """The positive counts of a loader's report that say rows were dropped or combined.

    >>> _cleaning({"rows": 9, "missing_ids_dropped": 2, "duplicates_merged": {"train": 1}})
    {'missing_ids_dropped': 2, 'duplicates_merged (train)': 1}
    """
    out = {}
    for name, value in report.items():
        label = f"{prefix} ({name})" if prefix else str(name)
        if isinstance(value, Mapping):
            if any(word in str(name) for word in _CLEANING):
                out.update(_cleaning(value, str(name)))
            continue
        wanted = prefix or any(word in str(name) for word in _CLEANING)
        if wanted and isinstance(value, (int, float)) and not isinstance(value, bool):
            if value > 0:
                out[label] = int(value)
    return out


def _data_note(meta: dict[str, Any]) -> str | None:
    data = meta.get("data") or {}
    counts = _cleaning(data.get("load_report") or {})
    if not counts:
        return None
    ds = (meta.get("spec") or {}).get("data", {}).get("dataset", {})
    where = ds.get("path") or ds.get("name")
    side = {k: v for k, v in counts.items() if any(w in k for w in _SIDE_TABLES)}
    changed = {k: v for k, v in counts.items() if k not in side}

    def shown(c: dict[str, int]) -> str:
        return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in c.items())

    parts = []
    if changed:
        parts.append(f"loading {where} changed the interactions: {shown(changed)}")
    if side:
        lead = "and" if changed else f"loading {where} kept every interaction;"
        parts.append(f"{lead} skipped side-table rows that match no user or item ({shown(side)})")
    return " ".join(parts) + " (see data.load_report in provenance)"


def data_notes(metas: dict[str, dict[str, Any]]) -> list[str]:
    """One line per dataset whose loading dropped or combined rows (from the loader report)."""
    notes: dict[str, str] = {}
    for meta in metas.values():
        content = (meta.get("data") or {}).get("content")
        note = _data_note(meta)
        if note is not None:
            notes.setdefault(str(content), note)
    return list(dict.fromkeys(notes.values()))


def run_warnings(run: Run, metas: dict[str, dict[str, Any]]) -> list[str]:
    """What a reader of one run's results should know: data cleaning, time budgets and
    the warnings its components gave."""
    note = _data_note(metas[run.final])
    said = [w for key in run.keys.values() for w in metas[key].get("warnings") or []]
    return ([note] if note else []) + _time_budget(run, metas) + list(dict.fromkeys(said))


def component_warnings(metas: dict[str, dict[str, Any]]) -> list[str]:
    """Every distinct warning the experiment's components gave, once, with the number
    of jobs that gave it: ``"recommender ease: ... (12 jobs)"``."""
    counts: dict[str, int] = {}
    for meta in metas.values():
        for w in meta.get("warnings") or []:
            counts[w] = counts.get(w, 0) + 1
    return [f"{w} ({n} job{'s' if n > 1 else ''})" for w, n in counts.items()]
