"""What ``graphrec run`` prints after the tables: the config as the options change it,
the main metrics, and the best run with its breakdowns in a few columns."""

from __future__ import annotations

import argparse

__all__ = ["main_metrics", "override", "print_best_run"]


def override(config: object, args: argparse.Namespace) -> object:
    """The config with ``--seeds`` / ``--no-control`` applied (validated again)."""
    from graphrec.experiment import load_config

    raw = config.to_dict()  # type: ignore[attr-defined]
    if args.seeds:
        raw["seeds"] = list(args.seeds)
    if args.no_control:
        raw["control"] = False
        raw["detectors"] = [d for d in raw["detectors"] if d["name"] != "single"]
    return load_config(raw, output=config.output)  # type: ignore[attr-defined]


def main_metrics(result: object) -> list[str] | None:
    """The ranking metrics at the selection metric's K, and coverage there."""
    from graphrec.experiment._breakdown import main_k
    from graphrec.experiment._summary import _ranked

    table = result.table  # type: ignore[attr-defined]
    if table.empty:
        return None
    k = main_k(result)
    at_k = table[table["k"] == k]["metric"].unique().tolist()
    ranked = [m for m in at_k if _ranked(m)]  # the metrics the config asked for
    return [f"{m}@{k}" for m in ranked] + (["coverage@" + str(k)] if "coverage" in at_k else [])


def print_best_run(result: object) -> None:
    """The best run and its breakdowns in a few columns; the full tables' files named."""
    from graphrec.community.profile import to_markdown
    from graphrec.experiment._breakdown import BREAKDOWN_FILES, run_title

    report = result.best_run_report()  # type: ignore[attr-defined]
    if report.run is None and result.has_best() is False:  # type: ignore[attr-defined]
        from graphrec.experiment._breakdown import _no_best

        if (result.runs["kind"] == "evaluate").any():  # type: ignore[attr-defined]
            print(f"\n{_no_best(result)}")
    if report.run is not None:
        print(f"\nbest {report.how}:\n  {run_title(report.run)} (run {report.run['run']})")
        titles = {"community": "per community", "activity": "per activity band"}
        for column, table in report.compact.items():
            print(f"\n{titles[column]} (seed {report.run['seed']}; mean [95% CI]):")
            print(table.rename_axis(column).to_string())
        if report.tables:
            files = ", ".join(BREAKDOWN_FILES[c] for c in report.tables)
            print(f"(every metric with its interval: {files})")
    if report.profile is not None:
        cols = [c for c in ("community", "size", "label") if c in report.profile.columns]
        top = report.profile.sort_values("size", ascending=False, kind="stable").head(10)
        print(f"\ncommunities of run {report.profiled['run']} (profiles in summary.md):")
        print(to_markdown(top, cols))
