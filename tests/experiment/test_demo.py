"""The demo's chain on planted data: what it finds and how it chooses."""

from __future__ import annotations

import numpy as np
import pytest

from graphrec.experiment.demo import run_demo


@pytest.fixture(scope="module")
def report():
    return run_demo(
        n_users=400, n_items=200, n_communities=4, mu=0.1, seed=0, plots_dir=None, node2vec=False
    )


def test_detectors_recover_the_planted_communities(report):
    assert report.detectors.loc["bipartite_louvain", "nmi"] > 0.8
    assert report.detectors["communities"].min() >= 2
    # the serving detector is chosen without the truth: the best modularity
    assert report.served_by == report.detectors["barber_modularity"].idxmax()


def test_every_community_method_runs_beside_its_control(report):
    warm = list(report.warm.index)
    assert warm[:2] == ["popularity", "ease (base)"]
    assert sum("[control: one community]" in m for m in warm) == 1
    methods = set(report.new_users["method"])
    assert {"popularity", "ease (base)"} <= methods
    assert sum("[control: one community]" in m for m in methods) == 1
    assert sorted(set(report.new_users["n_revealed"])) == [1, 3, 10]
    assert np.isfinite(report.new_users["ndcg@20"]).all()


def test_profiles_name_communities_by_genre(report):
    from graphrec.data.synthetic import GENRES

    named = [label for label in report.profiles["label"] if label.split(" & ")[0] in GENRES]
    assert len(named) >= 2


def test_same_seed_same_report(report):
    again = run_demo(
        n_users=400, n_items=200, n_communities=4, mu=0.1, seed=0, plots_dir=None, node2vec=False
    )
    assert again.warm.equals(report.warm)
    assert again.new_users.drop(columns="ms_per_user").equals(
        report.new_users.drop(columns="ms_per_user")
    )
