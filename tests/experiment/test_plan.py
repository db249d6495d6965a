"""Grid expansion into runs and jobs; stable keys that change only downstream of an edit."""

from __future__ import annotations

from graphrec.experiment import load_config, make_plan
from graphrec.experiment.plan import label_variants


def _plan(cfg, tmp_path):
    return make_plan(load_config(cfg), tmp_path / "cache")


def test_run_and_job_counts(make_config, tmp_path):
    plan = _plan(make_config(tmp_path), tmp_path)
    per_seed = {
        "detect": 3,  # bipartite_louvain, kmeans on svd, the single-community control
        # popularity 1, embedding 1, community_popularity 3, community_blend 2 x 3
        "evaluate": 1 + 1 + 3 + 6,
    }
    kinds = [r.kind for r in plan.runs]
    assert kinds.count("detect") == 2 * per_seed["detect"]
    assert kinds.count("evaluate") == 2 * per_seed["evaluate"]
    assert {s: len(j) for s, j in plan.jobs.items()} == {"embed": 2, "detect": 6, "evaluate": 22}
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


def test_every_community_aware_run_is_paired_with_its_control(make_config, tmp_path):
    plan = _plan(make_config(tmp_path), tmp_path)
    runs = {r.run: r for r in plan.runs}
    for run in plan.runs:
        aware = run.kind == "evaluate" and "detect" in run.keys and run.detector != "single"
        assert bool(run.control) == aware, run.title
        if aware:
            control = runs[run.control]
            assert control.detector == "single" and control.seed == run.seed
            assert control.recommender == run.recommender
            # kmeans runs show svd; the control of a recommender without an embedder has none
            uses_embedder = "embed" in run.keys and run.recommender.startswith("community_blend")
            assert control.embedder == (run.embedder if uses_embedder else "")
    off = _plan(make_config(tmp_path, control=False), tmp_path)
    assert not any(r.control for r in off.runs)
    assert "single" not in {r.detector for r in off.runs}


def test_base_entries_and_detected_communities_are_labelled():
    labels, _ = label_variants(
        [
            ("community_backoff", {"communities": None}),
            ("community_backoff", {"communities": "single"}),
            ("community_blend", {"base": {"name": "ease", "params": {"l2": 100}}}),
        ]
    )
    assert labels == [
        "community_backoff",
        "community_backoff(communities=single)",
        "community_blend(base=ease(l2=100))",
    ]


def test_keys_change_only_downstream(make_config, tmp_path):
    base = _plan(make_config(tmp_path), tmp_path)
    cfg = make_config(tmp_path)
    cfg["recommenders"][3]["params"]["alpha"] = [0.2, 0.6]
    changed = _plan(cfg, tmp_path)
    assert base.jobs["embed"].keys() == changed.jobs["embed"].keys()
    assert base.jobs["detect"].keys() == changed.jobs["detect"].keys()
    new = set(changed.jobs["evaluate"]) - set(base.jobs["evaluate"])
    assert len(new) == 3 * 2  # alpha 0.6 x two detectors and the control x two seeds

    cfg = make_config(tmp_path)
    cfg["embedders"][0]["params"]["dim"] = 6
    changed = _plan(cfg, tmp_path)
    assert not set(base.jobs["embed"]) & set(changed.jobs["embed"])
    same_detect = set(base.jobs["detect"]) & set(changed.jobs["detect"])
    assert len(same_detect) == 4  # bipartite_louvain and the control do not use the embedding


def test_fixed_split_seed_shares_data(make_config, tmp_path):
    cfg = make_config(tmp_path)
    cfg["dataset"]["params"]["seed"] = 3
    cfg["dataset"]["split"] = {"method": "random", "seed": 5}
    plan = _plan(cfg, tmp_path)
    data_keys = {j.spec["data_key"] for j in plan.jobs["embed"].values()}
    assert len(data_keys) == 1
    assert {j.spec["params"]["random_state"] for j in plan.jobs["embed"].values()} == {0, 1}
