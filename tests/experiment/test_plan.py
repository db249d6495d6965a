"""Grid expansion into runs and jobs; stable keys that change only downstream of an edit."""

from __future__ import annotations

from graphrec.experiment import load_config, make_plan
from graphrec.experiment.plan import label_variants


def _plan(cfg, tmp_path):
    return make_plan(load_config(cfg), tmp_path / "cache")


def test_run_and_job_counts(make_config, tmp_path):
    plan = _plan(make_config(tmp_path), tmp_path)
    per_seed = {
        "detect": 2,  # bipartite_louvain, kmeans on svd
        # popularity 1, embedding 1, community_popularity 2, community_blend 2 x 2
        "evaluate": 1 + 1 + 2 + 4,
    }
    kinds = [r.kind for r in plan.runs]
    assert kinds.count("detect") == 2 * per_seed["detect"]
    assert kinds.count("evaluate") == 2 * per_seed["evaluate"]
    assert {s: len(j) for s, j in plan.jobs.items()} == {"embed": 2, "detect": 4, "evaluate": 16}
    assert len({r.run for r in plan.runs}) == len(plan.runs)


def test_dataset_grid_and_labels(make_config, tmp_path):
    cfg = make_config(tmp_path, seeds=[0])
    cfg["dataset"]["params"]["mu"] = [0.1, 0.3]
    plan = _plan(cfg, tmp_path)
    assert {r.dataset for r in plan.runs} == {"synthetic(mu=0.1)", "synthetic(mu=0.3)"}
    assert {r.params["dataset.mu"] for r in plan.runs} == {0.1, 0.3}
    blends = {r.recommender for r in plan.runs if r.recommender.startswith("community_blend")}
    assert blends == {"community_blend(alpha=0.2)", "community_blend(alpha=0.5)"}
    kmeans = [r for r in plan.runs if r.detector == "kmeans"]
    assert kmeans and all(r.embedder == "svd" for r in kmeans)


def test_labels_show_only_varying_parameters():
    labels, varying = label_variants(
        [("svd", {"dim": 4, "n_iter": 2}), ("svd", {"dim": 8, "n_iter": 2}), ("mf", {"dim": 4})]
    )
    assert labels == ["svd(dim=4)", "svd(dim=8)", "mf"]
    assert varying == {"dim"}


def test_keys_change_only_downstream(make_config, tmp_path):
    base = _plan(make_config(tmp_path), tmp_path)
    cfg = make_config(tmp_path)
    cfg["recommenders"][3]["params"]["alpha"] = [0.2, 0.6]
    changed = _plan(cfg, tmp_path)
    assert base.jobs["embed"].keys() == changed.jobs["embed"].keys()
    assert base.jobs["detect"].keys() == changed.jobs["detect"].keys()
    new = set(changed.jobs["evaluate"]) - set(base.jobs["evaluate"])
    assert len(new) == 2 * 2  # alpha 0.6 x two detectors x two seeds

    cfg = make_config(tmp_path)
    cfg["embedders"][0]["params"]["dim"] = 6
    changed = _plan(cfg, tmp_path)
    assert not set(base.jobs["embed"]) & set(changed.jobs["embed"])
    same_detect = set(base.jobs["detect"]) & set(changed.jobs["detect"])
    assert len(same_detect) == 2  # bipartite_louvain does not use the embedding


def test_fixed_split_seed_shares_data(make_config, tmp_path):
    cfg = make_config(tmp_path)
    cfg["dataset"]["params"]["seed"] = 3
    cfg["dataset"]["split"] = {"method": "random", "seed": 5}
    plan = _plan(cfg, tmp_path)
    data_keys = {j.spec["data_key"] for j in plan.jobs["embed"].values()}
    assert len(data_keys) == 1
    assert {j.spec["params"]["random_state"] for j in plan.jobs["embed"].values()} == {0, 1}
