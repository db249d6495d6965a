"""The results table: selection on validation, cells that say what they measured."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrec.experiment import ExperimentResult


def _result(selection: bool = True, seeds: tuple[int, ...] = (0,)) -> ExperimentResult:
    """Two configurations: ``a`` is better on test, ``b`` on validation."""
    rows, valid, runs = [], [], []
    for seed in seeds:
        for name, test, val in (("a", 0.30, 0.10), ("b", 0.20, 0.15)):
            run = f"{name}{seed}"
            base = {"run": run, "dataset": "d", "embedder": "", "detector": "", "seed": seed}
            base["recommender"] = name
            row = {**base, "metric": "ndcg", "k": 20, "lo": test - 0.05, "hi": test + 0.05}
            rows.append({**row, "part": "test", "value": test + 0.01 * seed})
            valid.append({**row, "part": "valid", "value": val})
            runs.append({**base, "kind": "evaluate", "detect_key": None, "control_run": ""})
    table = pd.DataFrame(rows)
    table["k"] = table["k"].astype("Int64")
    chosen = pd.DataFrame(valid) if selection else pd.DataFrame(columns=table.columns)
    chosen["k"] = chosen["k"].astype("Int64")
    return ExperimentResult("t", ".", table, pd.DataFrame(runs), selection=chosen)


def test_the_best_run_is_chosen_on_validation_not_on_test():
    assert _result().best_run()["recommender"] == "b"


def test_without_a_validation_part_no_best_run_is_named():
    result = _result(selection=False)
    with pytest.raises(ValueError, match="no validation part, so no configuration is chosen"):
        result.best_run()
    assert not result.has_best()
    text = result.to_markdown(details=False)
    assert "No best run is named" in text and "Best by" not in text


def test_one_seed_cells_show_the_users_interval_and_no_spread_over_seeds():
    one = _result().summary(control=False)
    assert one.set_index("recommender").loc["a", "ndcg@20"] == "0.3000 [0.2500, 0.3500]"
    assert "one seed measures no spread" in _result().to_markdown(details=False)
    several = _result(seeds=(0, 1)).summary(control=False)
    assert several.set_index("recommender").loc["a", "ndcg@20"] == "0.3050 ± 0.0071"
