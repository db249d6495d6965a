"""A community recommender's base given in the config as a recommender entry."""

import numpy as np
import pytest

import graphrec as gr
from graphrec.experiment import run_experiment
from graphrec.experiment.config import ConfigError, load_config
from graphrec.recommend.community import CommunityBlend

DATA = {"n_users": 120, "n_items": 60, "n_communities": 3, "mean_degree": 12}


def _config(tmp_path, recommenders, embedders=None):
    cfg = {
        "name": "base",
        "dataset": {"name": "synthetic", "params": dict(DATA)},
        "detectors": [{"name": "bipartite_louvain"}],
        "recommenders": recommenders,
        "evaluate": {"k": [10]},
        "seeds": [0],
        "output": str(tmp_path / "out"),
    }
    if embedders is not None:
        cfg["embedders"] = embedders
    return cfg


def test_a_base_recommender_needs_no_embedder_and_matches_the_direct_model(tmp_path):
    base = {"name": "ease", "params": {"l2": 10.0}}
    recs = [{"name": "community_blend", "params": {"base": base, "alpha": 0.3}}]
    cfg = load_config(_config(tmp_path, recs))  # no embedders: the base is EASE
    assert cfg.recommenders[0].params["base"] == base
    result = run_experiment(cfg, plots=False)
    label = "community_blend(base=ease(l2=10))"  # the base is named in the label
    run = result.runs[
        (result.runs["recommender"] == label) & (result.runs["detector"] != "single")
    ].iloc[0]
    comm = result.communities(run)
    data = gr.load_dataset("synthetic", seed=0, **DATA)
    split = gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=0)
    rec = CommunityBlend(
        base=gr.create("recommender", "ease", l2=10.0), communities=comm, alpha=0.3
    ).fit(split.train)
    direct = gr.evaluate(
        rec, split.test, k=[10], exclude=[split.train, split.valid], train=split.train
    )
    value = result.table.query("run == @run.run and k == 10").set_index("metric")["value"]
    assert value["ndcg"] == pytest.approx(direct.summary["ndcg@10"])


def test_the_run_embedder_stays_the_default_base(tmp_path):
    recs = [{"name": "community_backoff", "params": {"lambda0": 0.5}}]
    with pytest.raises(ConfigError, match="needs an embedder"):
        load_config(_config(tmp_path, recs))
    cfg = load_config(_config(tmp_path, recs, [{"name": "svd", "params": {"dim": 4}}]))
    result = run_experiment(cfg, plots=False)
    assert np.isfinite(result.table.query("metric == 'ndcg'")["value"]).all()


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("ease", "params.base: expected a recommender entry"),
        ({"name": "easy"}, "params.base.name: unknown recommender 'easy'"),
        ({"name": "community_popularity"}, "a base must be a recommender that needs nothing"),
        ({"name": "ease", "params": {"l2": -1.0}}, "params.base.params: recommender 'ease'"),
        ({"name": "ease", "params": {"l2": [1.0, 2.0]}}, "no grids inside a base"),
        ({"name": "ease", "prams": {}}, "params.base: unknown key 'prams'"),
    ],
)
def test_bad_base_entries_are_named(tmp_path, base, expected):
    recs = [{"name": "community_blend", "params": {"base": base}}]
    with pytest.raises(ConfigError, match=expected):
        load_config(_config(tmp_path, recs))


def test_a_former_parameter_name_is_unknown(tmp_path):
    recs = [{"name": "community_blend", "params": {"embedder": "svd"}}]
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) embedder"):
        load_config(_config(tmp_path, recs, [{"name": "svd"}]))


def test_the_single_community_control_runs_without_a_detector(tmp_path):
    base = {"name": "ease", "params": {"l2": 10.0}}
    recs = [
        {"name": "community_backoff", "params": {"base": base, "communities": "single"}},
        {"name": "community_backoff", "params": {"base": base}},
    ]
    cfg = _config(tmp_path, recs)
    result = run_experiment(cfg, plots=False)
    runs = result.runs[result.runs["recommender"].str.startswith("community_backoff")]
    assert len(runs) == 2 and (runs["detector"] == "").sum() == 1  # the control: no detector
    data = gr.load_dataset("synthetic", seed=0, **DATA)
    split = gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=0)
    rec = gr.create(
        "recommender",
        "community_backoff",
        base=gr.create("recommender", "ease", l2=10.0),
        communities="single",
    ).fit(split.train)
    direct = gr.evaluate(
        rec, split.test, k=[10], exclude=[split.train, split.valid], train=split.train
    )
    control = runs[runs["detector"] == ""].iloc[0]
    table = result.table[(result.table["run"] == control.run) & (result.table["k"] == 10)]
    value = table.set_index("metric")["value"]
    assert value["ndcg"] == pytest.approx(direct.summary["ndcg@10"])
    bad = [{"name": "community_blend", "params": {"base": base, "communities": [0, 1]}}]
    with pytest.raises(ConfigError, match=r"params.communities: set by the runner .*only 'single'"):
        load_config(_config(tmp_path, bad))
