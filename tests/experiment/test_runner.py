"""The runner end to end: outputs, caching, recomputing only what changed, resume, atomicity."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
import yaml

from graphrec.experiment import ExperimentResult, run_experiment, stages
from graphrec.experiment._store import atomic_write_text
from graphrec.experiment.results import COLUMNS


def test_outputs(tiny_result):
    out = tiny_result.output
    for name in (
        "results.csv",
        "runs.csv",
        "by_activity.csv",
        "summary.md",
        "communities.csv",
        "recommendations.csv",
        "config.resolved.yaml",
    ):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "results.csv")
    assert tuple(table.columns) == COLUMNS
    assert set(table["seed"]) == {0, 1}
    recall = table[(table["metric"] == "recall") & (table["k"] == 10)]
    # 8 configurations and 3 controls (community_popularity, two blends) x 2 seeds
    assert recall["part"].value_counts().to_dict() == {"test": 22, "valid": 22}
    assert recall["value"].between(0, 1).all()
    assert (recall["lo"] <= recall["value"]).all() and (recall["value"] <= recall["hi"]).all()
    community = table[(table["metric"] == "nmi") & (table["detector"] != "single")]
    assert len(community) == 4 and community["k"].isna().all() and (community["value"] > 0.5).all()
    assert (community["part"] == "train").all()
    recs = pd.read_csv(out / "recommendations.csv")
    assert list(recs.columns) == ["user_id", "rank", "item_id", "score"]
    assert recs.groupby("user_id")["rank"].max().eq(10).all()
    assert (recs.groupby("user_id")["score"].diff().dropna() <= 1e-6).all()  # ranked by score
    comm = pd.read_csv(out / "communities.csv")
    assert list(comm.columns) == ["user_id", "community"] and len(comm) == 120
    summary = (out / "summary.md").read_text()
    assert "## Recommendation" in summary and "## Communities" in summary and " ± " in summary
    assert "vs single" in summary and "## Selection on validation" in summary
    resolved = yaml.safe_load((out / "config.resolved.yaml").read_text())
    assert resolved["detectors"][1]["params"]["n_communities"] == 3
    for ext in ("png", "svg"):
        for name in ("metrics", "activity", "community_sizes", "embedding_map"):
            assert (out / "plots" / f"{name}.{ext}").stat().st_size > 1000
    assert not list(out.rglob("*.tmp"))


def test_provenance(tiny_result):
    run = tiny_result.runs[tiny_result.runs["recommender"] == "community_blend(alpha=0.5)"].iloc[0]
    info = json.loads((tiny_result.output / "provenance" / f"{run['run']}.json").read_text())
    assert info["seed"] == run["seed"]
    assert info["seeds"]["split"] == run["seed"]
    assert info["config"]["recommender"]["params"]["alpha"] == 0.5
    assert info["config"]["embedder"]["params"]["random_state"] == run["seed"]
    assert set(info["timings"]) == {"embed", "detect", "evaluate"}
    assert info["timings"]["evaluate"]["evaluate"] >= 0
    for package in ("graphrec", "torch", "numpy", "scipy", "scikit-learn", "networkx"):
        assert info["versions"][package]
    assert info["environment"]["hostname"] and info["environment"]["device"]
    assert info["results"]["recall@10"] == pytest.approx(
        tiny_result.table.query("run == @run.run and metric == 'recall' and k == 10")[
            "value"
        ].item()
    )


def test_result_api(tiny_result):
    best = tiny_result.best_run("recall@10")
    chosen_on = tiny_result.selection.query("metric == 'recall' and k == 10")
    means = chosen_on.groupby(["embedder", "detector", "recommender"])["value"].mean()
    assert means.max() == pytest.approx(
        means[(best["embedder"], best["detector"], best["recommender"])]
    )
    summary = tiny_result.summary(["recall@10", "coverage@10"])
    assert list(summary.columns) == [
        "embedder",
        "detector",
        "recommender",
        "recall@10",
        "coverage@10",
        "vs single",
        "p (Holm)",
    ]
    assert len(summary) == 11  # with the 3 single-community controls
    assert tiny_result.communities(best).user_labels.shape == (120,) if best["detector"] else True
    loaded = ExperimentResult.load(tiny_result.output)
    pd.testing.assert_frame_equal(loaded.summary(), tiny_result.summary())
    assert loaded.best_run()["run"] == tiny_result.best_run()["run"]


def test_second_run_recomputes_nothing(tiny_result):
    again = run_experiment(tiny_result.output / "config.resolved.yaml", plots=False)
    assert all(v["computed"] == 0 for v in again.stats.values())
    assert again.stats["evaluate"]["cached"] == 22
    pd.testing.assert_frame_equal(again.table, tiny_result.table)


def test_changed_recommender_param_recomputes_only_evaluation(make_config, tmp_path):
    run_experiment(make_config(tmp_path, seeds=[0]), plots=False)
    cfg = make_config(tmp_path, seeds=[0])
    cfg["recommenders"][3]["params"]["alpha"] = [0.2, 0.7]
    lines: list[str] = []
    result = run_experiment(cfg, plots=False, report=lines.append, overwrite=True)
    assert result.stats["embed"] == {"computed": 0, "cached": 1}
    assert result.stats["detect"] == {"computed": 0, "cached": 3}
    # alpha 0.7 on two detectors and on the control
    assert result.stats["evaluate"] == {"computed": 3, "cached": 8}
    assert len(lines) == 4 and "alpha=0.7" in lines[0] and "recall@10=" in lines[0]
    assert lines[-1] == "11 of 14 runs were already in the cache"  # 3 detections, 8 evaluations


def test_data_dependent_error_names_the_component(make_config, tmp_path):
    cfg = make_config(tmp_path, seeds=[0])
    cfg["detectors"] = [{"name": "kmeans", "params": {"n_communities": 400}}]
    cfg["recommenders"] = [{"name": "community_popularity"}]
    message = (
        r"detector kmeans\(n_communities=400, .*\): n_communities=400 is larger .* users \(120\)"
    )
    with pytest.raises(ValueError, match=message):
        run_experiment(cfg, plots=False)


def test_resume_after_interruption(make_config, tmp_path, monkeypatch):
    real = stages._evaluate
    calls = {"n": 0}

    def flaky(job, data):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C in the 4th evaluation
        return real(job, data)

    monkeypatch.setattr(stages, "_evaluate", flaky)
    cfg = make_config(tmp_path, seeds=[0])
    with pytest.raises(KeyboardInterrupt):
        run_experiment(cfg, plots=False)
    assert not (tmp_path / "results.csv").exists()
    assert not list(tmp_path.rglob("*.tmp"))
    monkeypatch.setattr(stages, "_evaluate", real)
    result = run_experiment(cfg, plots=False)
    assert result.stats["embed"]["computed"] == 0 and result.stats["detect"]["computed"] == 0
    assert result.stats["evaluate"] == {"computed": 8, "cached": 3}


def test_refuses_a_foreign_output_folder(make_config, tmp_path):
    (tmp_path / "results.csv").write_text("somebody else's results\n")
    with pytest.raises(ValueError, match=r"holds other files \(results.csv\) and no graphrec"):
        run_experiment(make_config(tmp_path, seeds=[0]), plots=False)
    assert (tmp_path / "results.csv").read_text() == "somebody else's results\n"


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    from graphrec.experiment._store import atomic_write

    path = tmp_path / "out.txt"
    atomic_write_text(path, "complete")

    def broken(fh):
        fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_evaluate_on_valid_and_leave_one_out(make_config, tmp_path):
    cfg = make_config(
        tmp_path,
        seeds=[0],
        detectors=[{"name": "bipartite_louvain"}],
        recommenders=["popularity", "community_popularity"],
        evaluate={"k": [5], "part": "valid", "metrics": ["hit_rate", "mrr"]},
    )
    cfg["dataset"]["split"] = {"method": "leave_one_out", "leave_out": "random"}
    result = run_experiment(cfg, plots=False)
    hit = result.table.query("metric == 'hit_rate'")  # popularity, louvain and the control
    assert len(hit) == 3 and hit["value"].between(0, 1).all()
    assert (hit["part"] == "valid").all() and result.selection.empty  # chosen and shown there
    assert set(result.table["metric"]) >= {"mrr", "coverage", "modularity"}


@pytest.mark.realdata
def test_given_split_merge_valid(shared_datasets, tmp_path):
    cfg = {
        "name": "lastfm-pop",
        "output": str(tmp_path),
        "dataset": {
            "name": "lightgcn",
            "path": str(shared_datasets / "lightgcn-splits" / "lastfm"),
            "split": {"method": "given", "merge_valid": True},
        },
        "recommenders": ["popularity"],
        "evaluate": {"k": [20]},
    }
    result = run_experiment(cfg, plots=False)
    data = json.loads(next((tmp_path / "cache" / "data").glob("*.json")).read_text())
    assert data["valid"] is None and data["train"] == 64315 + 9143
    assert 0 < result.table.query("metric == 'recall'")["value"].item() < 1
    assert np.isfinite(result.table["value"]).all()


def _with_training_facts(monkeypatch, cls, stopped_by, n_epochs):
    """Make ``cls.fit`` leave ``stopped_by_`` / ``n_epochs_`` as the torch trainer does."""
    real = cls.fit

    def fit(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        self.stopped_by_ = stopped_by
        self.n_epochs_ = n_epochs(self) if callable(n_epochs) else n_epochs
        return out

    monkeypatch.setattr(cls, "fit", fit)


def test_provenance_records_how_training_stopped(make_config, tmp_path, monkeypatch):
    from graphrec.embed.spectral import SVD

    _with_training_facts(monkeypatch, SVD, "early_stopping", 7)
    cfg = make_config(tmp_path, seeds=[0], recommenders=["embedding"], detectors=[])
    result = run_experiment(cfg, plots=False)
    info = json.loads((tmp_path / "provenance" / f"{result.runs['run'][0]}.json").read_text())
    assert info["training"]["embedder"] == {"stopped_by": "early_stopping", "n_epochs": 7}
    assert info["warnings"] == []  # no time budget, no rows dropped


def test_time_budget_warns_and_records_epochs(make_config, tmp_path, monkeypatch, caplog):
    from graphrec.embed.lightgcn import LightGCN

    _with_training_facts(monkeypatch, LightGCN, "epochs", lambda model: model.epochs)
    cfg = make_config(
        tmp_path,
        seeds=[0],
        embedders=[{"name": "mf", "params": {"dim": 4, "epochs": 2, "max_minutes": 5}}],
        detectors=[],
        recommenders=["embedding", "popularity"],
    )
    with caplog.at_level(logging.WARNING, logger="graphrec.experiment"):
        result = run_experiment(cfg, plots=False)
    warned = [r.getMessage() for r in caplog.records if "max_minutes=5" in r.getMessage()]
    assert len(warned) == 1 and "depend on the machine" in warned[0]
    by_rec = result.runs.set_index("recommender")["run"]
    info = json.loads((tmp_path / "provenance" / f"{by_rec['embedding']}.json").read_text())
    training = info["training"]["embedder"]
    assert training["stopped_by"] == "epochs" and training["n_epochs"] == 2
    (warning,) = info["warnings"]
    assert "max_minutes=5" in warning and "ran 2 epochs and stopped by epochs" in warning
    plain = json.loads((tmp_path / "provenance" / f"{by_rec['popularity']}.json").read_text())
    assert plain["warnings"] == []  # popularity does not use the embedding
    summary = (tmp_path / "summary.md").read_text()
    assert "## Notes" in summary and "max_minutes=5" in summary


def test_rows_the_loader_dropped_are_reported(tmp_path, caplog):
    csv = tmp_path / "ratings.csv"
    rows = [f"u{u},{i},{1 + (u + i) % 5}" for u in range(30) for i in range(u % 7, u % 7 + 6)]
    rows += ["u1,3,5", ",4,2"]  # a re-rating of (u1, 3) and a row without a user id
    csv.write_text("user,item,rating\n" + "\n".join(rows) + "\n")
    cfg = {
        "name": "dropped",
        "output": str(tmp_path / "out"),
        "dataset": {"name": "csv", "path": str(csv), "params": {"rating_col": "rating"}},
        "recommenders": ["popularity"],
        "evaluate": {"k": [5]},
    }
    with caplog.at_level(logging.WARNING, logger="graphrec.experiment"):
        result = run_experiment(cfg, plots=False)
    info = json.loads(
        (tmp_path / "out" / "provenance" / f"{result.runs['run'][0]}.json").read_text()
    )
    report = info["data"]["load_report"]
    assert {k: v for k, v in report.items() if "dropped" in k and v} == {"missing_ids_dropped": 1}
    assert sum(v for k, v in report.items() if "merged" in k or "combined" in k) == 1
    assert len(info["warnings"]) == 1 and "ratings.csv" in info["warnings"][0]
    warned = [r.getMessage() for r in caplog.records if "ratings.csv" in r.getMessage()]
    assert len(warned) == 1 and "missing ids dropped: 1" in warned[0]
    assert "missing ids dropped: 1" in (tmp_path / "out" / "summary.md").read_text()


def test_a_failure_while_writing_leaves_the_previous_outputs(make_config, tmp_path, monkeypatch):
    run_experiment(make_config(tmp_path, seeds=[0]), plots=False)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.*") if p.is_file()}
    cfg = make_config(tmp_path, seeds=[0])
    cfg["recommenders"][3]["params"]["alpha"] = [0.3, 0.9]

    def broken(self, run):
        raise OSError("cannot read the best run's recommendations")

    monkeypatch.setattr(ExperimentResult, "recommendations", broken)
    with pytest.raises(OSError, match="best run"):
        run_experiment(cfg, plots=False, overwrite=True)
    after = {p.name: p.read_bytes() for p in tmp_path.glob("*.*") if p.is_file()}
    assert after == before  # no table, summary or config half-updated


def test_summary_breaks_down_the_best_run_and_profiles_it(tiny_result):
    out = tiny_result.output
    summary = (out / "summary.md").read_text()
    best = tiny_result.best_run()
    section = summary[summary.index("## Best run") :]
    assert (
        f"(run {best['run']}, seed {best['seed']}), chosen by ndcg@10 on the validation part"
        in section
    )
    assert "reported on test" in section
    full = pd.read_csv(out / "breakdown_community.csv").set_index("community")
    assert full.shape[1] > 30 and {"ndcg@10 lo", "ndcg@10 hi", "coverage@10"} <= set(full.columns)
    per_user = tiny_result.per_user(best)
    assert full["users"].sum() == len(per_user)
    means = per_user.groupby("community")["ndcg@10"].mean()
    assert np.allclose(full["ndcg@10"], means)  # the breakdown is of the best run
    table = section[section.index("### Per community") : section.index("### Per activity band")]
    assert "| community | users | ndcg@10 | recall@10 | coverage@10 |" in table
    first = full.iloc[0]
    cell = f"{first['ndcg@10']:.4f} [{first['ndcg@10 lo']:.4f}, {first['ndcg@10 hi']:.4f}]"
    assert cell in table
    bands = pd.read_csv(out / "breakdown_activity.csv")["activity"].tolist()
    assert bands == [b for b in ("cold", "warm", "hot") if b in bands]
    profiles = pd.read_csv(out / "profiles.csv")
    assert "## Community profiles" in section and "the best run's communities" in section
    assert profiles["size"].sum() == len(tiny_result.communities(best).user_labels)
    assert all(str(label) in section for label in profiles["label"])


def test_best_run_chosen_on_valid_says_so(make_config, tmp_path):
    cfg = make_config(
        tmp_path,
        seeds=[0],
        embedders=[],
        detectors=[{"name": "bipartite_louvain"}],
        recommenders=["popularity", "community_popularity"],
        evaluate={"k": [5], "part": "valid"},
    )
    result = run_experiment(cfg, plots=False)
    summary = (tmp_path / "summary.md").read_text()
    assert f"chosen by {result.primary} on the validation part" in summary
    assert "no validation evaluation" not in summary
    reopened = ExperimentResult.load(tmp_path)
    assert reopened.part == "valid"


def test_evaluate_on_a_sample_of_the_test_users(make_config, tmp_path):
    cfg = make_config(tmp_path, seeds=[0], detectors=[], recommenders=["popularity"])
    cfg["evaluate"] = {"k": [5], "sample_users": 25}
    result = run_experiment(cfg, plots=False)
    resolved = yaml.safe_load((result.output / "config.resolved.yaml").read_text())
    assert resolved["evaluate"]["sample_users"] == 25
    recs = pd.read_csv(result.output / "recommendations.csv")
    assert recs["user_id"].nunique() == 25  # the lists of the sampled users only


def test_skipped_feature_rows_are_not_reported_as_changed_interactions():
    from graphrec.experiment._notes import _data_note

    spec = {"spec": {"data": {"dataset": {"path": "ml"}}}}
    only_side = {**spec, "data": {"load_report": {"item_feature_rows_ignored": 5}}}
    note = _data_note(only_side)
    assert "changed" not in note and "kept every interaction" in note
    assert "item feature rows ignored: 5" in note
    both = {
        **spec,
        "data": {"load_report": {"missing_ids_dropped": 2, "friend_links_ignored": 1}},
    }
    note = _data_note(both)
    assert "changed the interactions: missing ids dropped: 2" in note
    assert "friend links ignored: 1" in note


def test_a_component_warning_is_said_once_with_what_to_do(tmp_path, caplog):
    import warnings

    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 60, 900), rng.integers(0, 40, 900)
    frame = pd.DataFrame({"user": users, "item": items, "rating": rng.integers(1, 6, 900)})
    frame.drop_duplicates(["user", "item"]).to_csv(tmp_path / "r.csv", index=False)
    cfg = {
        "name": "warned",
        "output": str(tmp_path / "out"),
        "dataset": {
            "name": "csv",
            "path": str(tmp_path / "r.csv"),
            "params": {"rating_col": "rating"},
        },
        "recommenders": [{"name": "ease", "params": {"l2": [10.0, 100.0]}}],
        "evaluate": {"k": [5]},
        "seeds": [0, 1],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing reaches the user as a library-line warning
        with caplog.at_level(logging.WARNING, logger="graphrec.experiment"):
            result = run_experiment(cfg, plots=False)
    said = [r.getMessage() for r in caplog.records if "non-binary" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("recommender ease: ")
    assert "binarise the data first" in said[0] and "(4 jobs)" in said[0]
    assert "non-binary" in (tmp_path / "out" / "summary.md").read_text()
    run = result.runs.iloc[0]["run"]
    info = json.loads((tmp_path / "out" / "provenance" / f"{run}.json").read_text())
    assert any("non-binary" in w for w in info["warnings"])
