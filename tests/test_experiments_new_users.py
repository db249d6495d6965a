"""Smoke test of experiments/bench_new_users.py on synthetic data (no real data)."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import graphrec as gr
from graphrec.recommend.base import BaseRecommender

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "bench_new_users.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_new_users", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_new_users"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_new_users", None)


class TinyCommunity(BaseRecommender):
    """Popularity in the community whose members' items best match the row."""

    supports_fold_in = True

    def __init__(self, communities=None, weight=1.0):
        self.communities = communities
        self.weight = weight

    def fit(self, train):
        labels = np.asarray(self.communities)
        onehot = np.eye(labels.max() + 1)[labels]
        self.counts_ = onehot.T @ train.binary().matrix.toarray()
        self.global_ = train.item_degrees().astype(float)
        self.train_ = train
        return self

    def score(self, users=None, *, user_items=None):
        comm = np.asarray((user_items @ self.counts_.T).argmax(axis=1)).ravel()
        return (self.counts_[comm] + self.weight * self.global_).astype(np.float32)


def test_the_benchmark_runs_end_to_end_on_synthetic_data(bench, monkeypatch, tmp_path, capsys):
    data = gr.planted_communities(300, 120, 3, mean_degree=20, seed=0).data.binary()
    monkeypatch.setattr(bench, "load", lambda name, data_dir: data)
    tiny = lambda ctx, params: TinyCommunity(communities=ctx.communities, **params)  # noqa: E731
    monkeypatch.setattr(
        bench,
        "METHODS",
        [
            bench.Method("ease", bench.registered("ease"), bench.grid_of({"l2": (10.0, 100.0)})),
            bench.Method("not_there", bench.registered("no_such_recommender")),
            bench.Method("tiny", tiny, ({"weight": 0.0}, {"weight": 1.0}), communities=True),
        ],
    )
    res = bench.run("synthetic", tmp_path, quick=True, ns=(1, 3, 10))
    out = capsys.readouterr().out
    assert "'no_such_recommender' is not registered" in out
    table = res["table"]
    # ease, the tiny method on detected communities and its single-community control
    assert set(table["method"]) == {"ease", "tiny[detected]", "tiny[single]"}
    assert sorted(table["n_revealed"].unique()) == [1, 3, 10]
    for col in ("ndcg@20 lo", "ndcg@20 hi", "coverage@20 lo", "coverage@20 hi"):
        assert table[col].notna().all()
    assert (table["ndcg@20 lo"] <= table["ndcg@20"]).all()
    assert (table["coverage@20 lo"] <= table["coverage@20"]).all()
    assert res["verdict"].startswith("VERDICT synthetic: n<=3 target")
    # selection on valid: every candidate's valid score is recorded
    assert set(res["valid"]["label"]) >= {"ease", "tiny[single]", "tiny[louvain]"}
    written = bench.plot({"synthetic": res}, tmp_path, overwrite=False)
    assert [p.suffix for p in written] == [".png", ".svg"] and all(
        p.stat().st_size for p in written
    )
    with pytest.raises(FileExistsError):
        bench.plot({"synthetic": res}, tmp_path, overwrite=False)


def test_coverage_interval_is_the_jackknife(bench):
    # items 0..3 listed; users 0 and 2 each hold one item no other list has, user 1 two
    recs = np.array([[0, 1], [2, 3], [1, 4]])
    lo, hi = bench.coverage_ci(recs, 10)
    loo = np.array([4, 3, 4]) / 10  # coverage without each user
    se = np.sqrt(2 / 3 * ((loo - loo.mean()) ** 2).sum())
    assert (lo, hi) == pytest.approx((0.5 - 1.96 * se, 0.5 + 1.96 * se))
