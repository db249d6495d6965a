"""The experiment cache: keyed by the data's contents and the code, robust to corruption."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from graphrec._fingerprint import content_digest
from graphrec.data.interactions import Interactions
from graphrec.experiment import run_experiment, stages


def _write_csv(
    path: Path, n_users: int = 60, n_items: int = 40, seed: int = 0, popular_last: bool = False
) -> Path:
    """A small ratings file: ``user,item,rating`` with string user ids, Zipf popularity."""
    rng = np.random.default_rng(seed)
    p = _zipf(n_items)[::-1] if popular_last else _zipf(n_items)
    rows = []
    for u in range(n_users):
        items = rng.choice(n_items, size=8, replace=False, p=p)
        rows += [(f"u{u}", int(i), int(rng.integers(1, 6))) for i in items]
    frame = pd.DataFrame(rows, columns=["user", "item", "rating"])
    frame.to_csv(path, index=False)
    return path


def _zipf(n: int) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1)
    return p / p.sum()


def _config(csv: Path, out: Path) -> dict:
    return {
        "name": "csv-cache",
        "output": str(out),
        "dataset": {"name": "csv", "path": str(csv), "params": {"rating_col": "rating"}},
        "detectors": [{"name": "bipartite_louvain"}],
        "recommenders": ["popularity", "community_popularity"],
        "evaluate": {"k": [5], "metrics": ["recall", "ndcg"]},
        "seeds": [0],
        "control": False,  # what is cached is the subject, not the comparison
    }


def _new_process() -> None:
    """Forget the data this process loaded, as a new ``graphrec run`` would not have it."""
    stages._MEMO.clear()
    getattr(stages, "_LOADED", {}).clear()  # (absent before the content keys)


def _values(result) -> pd.DataFrame:
    cols = ["dataset", "embedder", "detector", "recommender", "seed", "metric", "k", "value"]
    return result.table[cols].sort_values(cols[:-1]).reset_index(drop=True)


def test_edited_data_is_recomputed(tmp_path):
    csv = _write_csv(tmp_path / "ratings.csv", seed=0)
    first = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    _write_csv(csv, seed=1)  # same path and config, other interactions
    lines: list[str] = []
    second = run_experiment(_config(csv, tmp_path / "out"), plots=False, report=lines.append)
    assert second.stats["evaluate"] == {"computed": 2, "cached": 0}
    assert not any("already in the cache" in line for line in lines)
    fresh = run_experiment(_config(csv, tmp_path / "fresh"), plots=False)
    pd.testing.assert_frame_equal(_values(second), _values(fresh))  # the numbers follow the data
    assert not _values(second)["value"].equals(_values(first)["value"])
    written = pd.read_csv(tmp_path / "out" / "results.csv").query("part != 'valid'")
    assert np.allclose(np.sort(written["value"]), np.sort(fresh.table["value"]))


def test_fewer_items_after_an_edit_does_not_crash(tmp_path):
    csv = _write_csv(tmp_path / "ratings.csv", n_items=60, popular_last=True)
    run_experiment(_config(csv, tmp_path / "out"), plots=False)
    _write_csv(csv, n_items=20, seed=2)  # cached recommendations index items up to 59
    _new_process()
    result = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    assert result.stats["evaluate"]["cached"] == 0
    recs = pd.read_csv(tmp_path / "out" / "recommendations.csv")
    assert set(recs["item_id"]) <= set(range(20)) and (recs.groupby("user_id").size() == 5).all()
    run = result.runs["run"].iloc[0]
    info = json.loads((tmp_path / "out" / "provenance" / f"{run}.json").read_text())
    assert info["data"]["items"] <= 20


def test_unchanged_rerun_is_fully_cached(tmp_path):
    csv = _write_csv(tmp_path / "ratings.csv")
    first = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    csv.touch()  # a new modification time, the same contents
    lines: list[str] = []
    again = run_experiment(_config(csv, tmp_path / "out"), plots=False, report=lines.append)
    assert all(v["computed"] == 0 for v in again.stats.values())
    assert lines == ["3 of 3 runs were already in the cache"]
    pd.testing.assert_frame_equal(again.table, first.table)


def test_keys_and_provenance_name_data_and_code(tmp_path):
    csv = _write_csv(tmp_path / "ratings.csv")
    result = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    run = result.runs[result.runs["recommender"] == "popularity"].iloc[0]
    info = json.loads((tmp_path / "out" / "provenance" / f"{run['run']}.json").read_text())
    assert len(info["data"]["content"]) == 64
    assert info["code"]["graphrec"] and len(info["code"]["source"]) == 64
    assert info["data"]["users"] == 60 and info["data"]["load_report"]["rows"] == 480
    moved = tmp_path / "moved.csv"
    moved.write_bytes(csv.read_bytes())
    again = run_experiment(_config(moved, tmp_path / "out"), plots=False, overwrite=True)
    assert again.stats["evaluate"] == {"computed": 0, "cached": 2}  # contents, not the path


@pytest.mark.parametrize(
    ("stage", "suffix", "damage"),
    [
        ("evaluate", ".json", "truncate"),
        ("evaluate", ".per_user.csv.gz", "truncate"),
        ("evaluate", ".recs.npz", "garble"),
        ("detect", ".npz", "truncate"),
        ("detect", ".json", "garble"),
    ],
)
def test_corrupted_entry_is_recomputed(tmp_path, caplog, stage, suffix, damage):
    csv = _write_csv(tmp_path / "ratings.csv")
    first = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    victim = sorted((tmp_path / "out" / "cache" / stage).glob(f"*{suffix}"))[0]
    blob = victim.read_bytes()
    victim.write_bytes(blob[: len(blob) // 2] if damage == "truncate" else blob[:10] + b"\0" * 40)
    with caplog.at_level(logging.WARNING, logger="graphrec.experiment"):
        again = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    warned = [r.getMessage() for r in caplog.records if "corrupt" in r.getMessage()]
    assert len(warned) == 1 and victim.name.split(".")[0][:12] in warned[0]
    assert sum(v["computed"] for v in again.stats.values()) >= 1
    pd.testing.assert_frame_equal(_values(again), _values(first))
    if suffix.endswith(".gz"):
        gzip.decompress(victim.read_bytes())  # rewritten whole
    assert not list((tmp_path / "out").rglob("*.tmp"))


@pytest.mark.parametrize("stage", ["embed", "detect", "evaluate"])
def test_an_entry_with_a_valid_digest_but_bad_contents_is_recomputed(
    make_config, tmp_path, caplog, stage
):
    cfg = make_config(tmp_path, seeds=[0], detectors=[{"name": "kmeans"}], control=False)
    cfg["recommenders"] = ["embedding", "community_popularity"]
    first = run_experiment(cfg, plots=False)
    suffix = ".recs.npz" if stage == "evaluate" else ".npz"
    victim = sorted((tmp_path / "cache" / stage).glob(f"*{suffix}"))[0]
    np.savez(victim, unrelated=np.zeros(3))  # a readable archive, not what the job wrote
    meta_path = victim.with_name(victim.name.split(".")[0] + ".json")
    meta = json.loads(meta_path.read_text())
    meta["files"][suffix] = stages.file_digest(victim)  # the digest matches the new bytes
    meta_path.write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING, logger="graphrec.experiment"):
        again = run_experiment(cfg, plots=False)
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
    assert again.stats[stage]["computed"] == 1
    pd.testing.assert_frame_equal(again.table, first.table)


def test_results_reopened_after_an_edit_say_the_data_changed(tmp_path):
    from graphrec.experiment import ExperimentResult

    csv = _write_csv(tmp_path / "ratings.csv")
    result = run_experiment(_config(csv, tmp_path / "out"), plots=False)
    _write_csv(csv, n_items=55, seed=3)
    _new_process()
    loaded = ExperimentResult.load(tmp_path / "out")
    with pytest.raises(ValueError, match="changed since"):
        loaded.recommendations(result.best_run())


def test_corrupted_embedding_is_recomputed(make_config, tmp_path, caplog):
    cfg = make_config(tmp_path, seeds=[0], detectors=[{"name": "kmeans"}], control=False)
    cfg["recommenders"] = ["embedding", "community_popularity"]
    first = run_experiment(cfg, plots=False)
    (victim,) = (tmp_path / "cache" / "embed").glob("*.npz")
    victim.write_bytes(victim.read_bytes()[:100])
    with caplog.at_level(logging.WARNING, logger="graphrec.experiment"):
        again = run_experiment(cfg, plots=False)
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    assert again.stats["embed"] == {"computed": 1, "cached": 0}
    assert again.stats["evaluate"] == {"computed": 0, "cached": 2}
    pd.testing.assert_frame_equal(again.table, first.table)
    assert again.embedder(again.runs.iloc[0]).user_embeddings_.shape[0] == 120


def _interactions(**changes):
    base = {
        "matrix": np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]], dtype=np.float32),
        "user_ids": np.array(["a", "b"], dtype=object),
        "item_ids": np.array([10, 20, 30]),
        "timestamps": np.array([5, 6, 7, 8]),
        "item_features": pd.DataFrame({"genres": [["x"], ["y", "z"], []], "year": [1, 2, 3]}),
        "meta": {"source": "/some/where.csv", "report": {"duplicates_merged": 0}},
    }
    base.update(changes)
    base["matrix"] = sp.csr_array(base["matrix"])
    return Interactions(**base)


@pytest.mark.parametrize(
    "change",
    [
        {"matrix": np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 4.0]], dtype=np.float32)},
        {"user_ids": np.array(["a", "c"], dtype=object)},
        {"item_ids": np.array([10, 20, 31])},
        {"timestamps": np.array([5, 6, 8, 7])},
        {"item_features": pd.DataFrame({"genres": [["x"], ["y"], []], "year": [1, 2, 3]})},
        {"item_features": pd.DataFrame({"genres": [["x"], ["y", "z"], []], "year": [1, 2, 4]})},
        {"meta": {"source": "/some/where.csv", "report": {"duplicates_merged": 1}}},
    ],
)
def test_content_digest_sees_every_part_of_the_data(change):
    ignore = frozenset({"source"})
    base = content_digest(_interactions(), ignore_keys=ignore)
    assert content_digest(_interactions(), ignore_keys=ignore) == base  # a new equal object
    assert content_digest(_interactions(**change), ignore_keys=ignore) != base


def test_content_digest_ignores_where_the_data_lies():
    moved = _interactions(meta={"source": "/else/where.csv", "report": {"duplicates_merged": 0}})
    ignore = frozenset({"source"})
    assert content_digest(moved, ignore_keys=ignore) == content_digest(
        _interactions(), ignore_keys=ignore
    )
    assert content_digest(moved) != content_digest(_interactions())
