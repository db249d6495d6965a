"""Executors: the process pool and Ray give the same results as the in-process executor.

The Ray tests start a local cluster of a head and two worker nodes (ray is in the
``dev`` extra, so they run in CI) and stop it at the end of the module.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import ray

import graphrec as gr
from graphrec.cli import main
from graphrec.experiment import make_executor, run_experiment, stages
from graphrec.experiment.executors import (
    RayExecutor,
    check_resources,
    remember_data,
    task_options,
)
from graphrec.experiment.stages import Job


def _seed0(tiny_result):
    """The tiny experiment restricted to seed 0: same labels, same keys, same run ids."""
    table = tiny_result.table[tiny_result.table["seed"] == 0]
    return table.sort_values(["run", "metric", "k"]).reset_index(drop=True)


def _sorted(result):
    return result.table.sort_values(["run", "metric", "k"]).reset_index(drop=True)


def _same(result, tiny_result):
    pd.testing.assert_frame_equal(_sorted(result), _seed0(tiny_result), atol=1e-6)


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
    assert result.stats["evaluate"]["computed"] == 11  # 8 and 3 controls
    _same(result, tiny_result)


# ---------------------------------------------------------------------------- Ray
MB = 2**20
SMALL = {
    "name": "small",
    "dataset": {"name": "synthetic", "params": {"n_users": 150, "n_items": 60, "n_communities": 3}},
    "detectors": [{"name": "bipartite_louvain"}],
    "recommenders": [{"name": "community_popularity"}],
    "seeds": [0],
    "control": False,  # the jobs shipped are the subject
}


@pytest.mark.slow
def test_ray_without_address_starts_and_stops_a_local_ray(tmp_path, monkeypatch):
    # runs before the module's cluster exists (tests run in file order)
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    local = run_experiment({**SMALL, "output": str(tmp_path / "local")}, plots=False)
    result = run_experiment(
        {**SMALL, "output": str(tmp_path / "ray")}, executor="ray", jobs=1, plots=False
    )
    assert not ray.is_initialized()  # the Ray it started is stopped
    pd.testing.assert_frame_equal(_sorted(result), _sorted(local), atol=1e-6)


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster started and stopped here: a head without CPUs and two 1-CPU
    worker nodes, so every task runs on a worker (small object stores, no dashboard)."""
    from ray.cluster_utils import Cluster

    old = os.environ.get("RAY_USAGE_STATS_ENABLED")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "object_store_memory": 100 * MB, "include_dashboard": False},
    )
    workers = [cluster.add_node(num_cpus=1, object_store_memory=100 * MB) for _ in range(2)]
    try:
        cluster.wait_for_nodes()
        yield cluster, {node.node_id for node in workers}
    finally:
        pids = [p.process.pid for node in cluster.list_all_nodes() for p in _processes(node)]
        cluster.shutdown()
        if old is None:
            os.environ.pop("RAY_USAGE_STATS_ENABLED", None)
        else:
            os.environ["RAY_USAGE_STATS_ENABLED"] = old
    assert not [pid for pid in pids if _alive(pid)], "Ray processes left running"


def _processes(node):
    return [info for infos in node.all_processes.values() for info in infos if info.process]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


class _DeletingExecutor(RayExecutor):
    """Removes the dataset file once the driver planned the jobs, before any task runs."""

    def __init__(self, path: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.path = path

    def map(self, fn, items):
        items = list(items)
        self.path.unlink(missing_ok=True)
        yield from super().map(fn, items)


@pytest.mark.slow
def test_ray_cluster_matches_local_and_ships_data_once(ray_cluster, tmp_path):
    cluster, workers = ray_cluster
    data = gr.load_dataset("synthetic", n_users=600, n_items=150, n_communities=4, seed=0)
    coo = data.matrix.tocoo()
    path = tmp_path / "ratings.csv"
    ratings = {"user": data.user_ids[coo.row], "item": data.item_ids[coo.col]}
    pd.DataFrame(ratings).to_csv(path, index=False)
    cfg = {
        "name": "grid",
        "dataset": {"name": "csv", "path": str(path)},
        "embedders": [{"name": "svd", "params": {"dim": 8}}],
        "detectors": [
            {"name": "bipartite_louvain"},
            {"name": "kmeans", "params": {"n_communities": 4, "n_init": 2}},
        ],
        "recommenders": [{"name": "popularity"}, {"name": "community_popularity"}],
        "evaluate": {"k": [10]},
        "seeds": [0],
        "control": False,
    }
    local = run_experiment({**cfg, "output": str(tmp_path / "local")}, plots=False)
    # connects as `--address` does; the workers never read the (deleted) data file
    ex = _DeletingExecutor(path, address=cluster.address)
    try:
        result = run_experiment({**cfg, "output": str(tmp_path / "ray")}, executor=ex, plots=False)
    finally:
        ex.close()
    assert not ray.is_initialized()  # the driver let go of the cluster it joined
    assert not path.exists()
    pd.testing.assert_frame_equal(_sorted(result), _sorted(local), atol=1e-6)
    objects, tasks = ex.shipped["objects"], ex.shipped["tasks"]
    assert len(tasks) == 1 + 2 + 3  # embed, detect, evaluate jobs
    # on worker nodes only (the head has no CPU); which ones is Ray's best-effort spread,
    # which a fast task may not need (all on one node is a valid schedule)
    assert {t["node"] for t in tasks} <= workers
    assert all(t["options"] == {"num_cpus": 1} for t in tasks)  # no component on a GPU
    (data_name,) = [name for name in objects if name.startswith("data/")]  # put once
    assert objects[data_name] > 100_000  # the split: train, valid and test matrices
    assert max(t["arg_bytes"] for t in tasks) < objects[data_name] / 20  # references only
    assert sorted(n.split("/")[0] for n in objects if n != data_name) == [
        "detect",
        "detect",
        "embed",  # read by kmeans, put once
    ]
    pd.DataFrame(ratings).to_csv(path, index=False)  # the same contents again
    again = run_experiment({**cfg, "output": str(tmp_path / "ray")}, plots=False)
    assert all(v["computed"] == 0 for v in again.stats.values())  # the files ray made


@pytest.mark.slow
def test_ray_cli_address_and_resources(ray_cluster, tmp_path, capsys):
    cluster, _ = ray_cluster
    config = tmp_path / "grid.yaml"
    config.write_text(
        "name: cli\n"
        "dataset: {name: synthetic, params: {n_users: 150, n_items: 60, n_communities: 3}}\n"
        "detectors: [{name: bipartite_louvain}]\n"
        "recommenders: [{name: community_popularity}]\n"
        "control: false\n"
    )
    out = tmp_path / "out"
    argv = ["run", str(config), "--out", str(out), "--executor", "ray", "--no-plots"]
    assert main([*argv, "--address", cluster.address]) == 0
    assert (out / "results.csv").exists()
    assert "1 computed" in capsys.readouterr().out
    # a task asking for a GPU the cluster lacks is refused before it would wait for ever
    with pytest.raises(ValueError, match=r"num_gpus=1 but the Ray cluster has 0"):
        ex = make_executor("ray", address=cluster.address, resources={"detect": {"num_gpus": 1}})
        try:
            run_experiment(config, output=tmp_path / "gpu", executor=ex, plots=False)
        finally:
            ex.close()


def test_ray_resources_are_checked():
    with pytest.raises(ValueError, match="unknown stage 'fit'"):
        check_resources({"fit": {"num_cpus": 1}})
    with pytest.raises(ValueError, match=r"resources\['embed'\]\['num_cpus'\] must be a non-neg"):
        check_resources({"embed": {"num_cpus": -1}})
    with pytest.raises(ValueError, match="unknown; expected one of num_cpus, num_gpus"):
        check_resources({"embed": {"gpus": 1}})
    gpu = Job("embed", "k", {"params": {"device": "cuda:1"}})
    assert task_options(gpu) == {"num_cpus": 1, "num_gpus": 1}
    assert task_options(gpu, {"embed": {"num_gpus": 0.5}}) == {"num_cpus": 1, "num_gpus": 0.5}
    assert task_options(Job("evaluate", "k", {"params": {"device": "auto"}})) == {"num_cpus": 1}


def test_worker_keeps_fetched_data_once_per_key(monkeypatch):
    from graphrec._cache import BoundedCache
    from graphrec.experiment import _data

    monkeypatch.setattr(_data, "_MEMO", BoundedCache(2, "test"))
    fetched = []

    def fetch(name):
        return lambda: fetched.append(name) or name

    for key in ["a", "a", "b", "a", "c"]:
        remember_data(key, fetch(key))
    assert fetched == ["a", "b", "c"]  # a second task on the same data fetches nothing
    assert list(_data._MEMO._data) == ["a", "c"]  # least recently used (b) dropped
    assert stages.prepare_data({}, "c") == "c"  # where the stages look first
