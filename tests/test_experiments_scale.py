"""Smoke test of experiments/bench_scale.py on its two tiny shapes."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "bench_scale.py"


def test_bench_scale_prints_every_stage_and_the_growth_exponent(tmp_path):
    stages = [
        "generate",
        "split",
        "walk_projection",
        "bipartite_leiden",
        "leiden",
        "community_popularity",
        "evaluate_sample",
    ]
    out = tmp_path / "scale.csv"
    cmd = [sys.executable, str(SCRIPT), "--shapes", "1k", "3k", "--stages", *stages]
    run = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "NMI" in run.stdout and "exponent 1k->3k" in run.stdout
    table = pd.read_csv(out, index_col=0)
    assert list(table.index) == stages
    assert (table[["1k s", "3k s"]] > 0).all().all()
    assert table["exponent 1k->3k"].notna().all()
