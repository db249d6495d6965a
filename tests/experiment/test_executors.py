"""Executors: the process pool and Ray give the same results as the in-process executor."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from graphrec.experiment import make_executor, run_experiment


def _seed0(tiny_result):
    """The tiny experiment restricted to seed 0: same labels, same keys, same run ids."""
    table = tiny_result.table[tiny_result.table["seed"] == 0]
    return table.sort_values(["run", "metric", "k"]).reset_index(drop=True)


def _same(result, tiny_result):
    table = result.table.sort_values(["run", "metric", "k"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(table, _seed0(tiny_result), atol=1e-6)


def test_executor_names():
    from graphrec.cli import EXECUTORS
    from graphrec.experiment.executors import EXECUTORS as NAMES

    assert EXECUTORS == NAMES
    with pytest.raises(ValueError, match="expected one of local, process, ray"):
        make_executor("threads")
    with make_executor("local") as ex:
        assert [r for _, r in ex.map(str, [1, 2])] == ["1", "2"]


@pytest.mark.slow
def test_process_pool_matches_local(make_config, tiny_result, tmp_path):
    result = run_experiment(
        make_config(tmp_path, seeds=[0]), executor="process", jobs=2, plots=False
    )
    assert result.stats["evaluate"]["computed"] == 8
    _same(result, tiny_result)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_ray_local_cluster(make_config, tiny_result, tmp_path):
    # ray.init(local_mode=True) was removed in Ray 2.x: a one-node local Ray is started;
    # jobs receive their input files and return their outputs (no shared folder needed)
    result = run_experiment(make_config(tmp_path, seeds=[0]), executor="ray", jobs=1, plots=False)
    assert result.stats["detect"]["computed"] == 2
    _same(result, tiny_result)
    again = run_experiment(make_config(tmp_path, seeds=[0]), plots=False)  # the files ray made
    assert all(v["computed"] == 0 for v in again.stats.values())
