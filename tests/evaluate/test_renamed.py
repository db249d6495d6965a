"""Names that say one thing: the paired comparison with a baseline has one name."""

import numpy as np
import pandas as pd
import pytest

import graphrec as gr
from graphrec.evaluate import stats


class _Result:  # the two attributes compare_to_baseline reads from an evaluation
    def __init__(self, values):
        self.per_user = pd.DataFrame({"user": np.arange(len(values)), "recall@10": values})
        self.summary = {"recall@10": float(np.mean(values))}


RESULTS = {
    "base": _Result(np.linspace(0.0, 0.5, 40)),
    "better": _Result(np.linspace(0.0, 0.5, 40) + np.linspace(0.05, 0.15, 40)),
}


def test_compare_to_baseline_is_public():
    assert gr.evaluate.compare_to_baseline is stats.compare_to_baseline
    table = stats.compare_to_baseline(RESULTS, "recall@10", n_boot=100, random_state=0)
    assert table.loc["better", "diff"] == pytest.approx(0.1)
    assert table.loc["better", "p_holm"] < 0.01


def test_the_former_name_is_gone():
    assert not hasattr(stats, "compare") and "compare" not in stats.__all__
