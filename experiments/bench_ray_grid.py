"""An experiment grid on a local Ray cluster of worker nodes against the local executor.

Issue 15 item 4 in miniature. graphrec's planted-community generator makes the data
(``--users`` users, a quarter as many items, 50 communities, mu 0.3, 30 interactions per
user by default); one grid (an SVD embedding; bipartite Louvain and k-means at two
sizes; popularity, community popularity and community blend: 1 + 3 + 7 jobs) runs first
with the local executor, then on a Ray cluster started here (a head without CPUs and
``--workers`` worker nodes of ``--cpus-per-worker`` CPUs, all on this machine), each in a
fresh output folder. It prints the seconds of each, their ratio, whether the results
are equal, where the tasks ran, and the bytes shipped: the prepared split is put in the
object store once, and each task's arguments are references of a few kilobytes.

    python experiments/bench_ray_grid.py --users 5000        # about 1.5 minutes on 2 busy cores
    python experiments/bench_ray_grid.py --users 1000000 --grid scale --no-local  # 1M x 250k

``--grid scale`` is the grid of the 1M pipeline instead: no embedding; bipartite Louvain
and bipartite Leiden; popularity and community popularity, evaluated on a seeded sample
of 10,000 test users (``evaluate.sample_users``). ``--no-local`` skips the local run
(then no ratio and no equality check).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

import graphrec as gr
from graphrec.experiment import _data, run_experiment
from graphrec.experiment.executors import RayExecutor, payload_bytes

MB = 2**20


def grid(args: argparse.Namespace) -> dict[str, Any]:
    """The experiment config of the benchmark."""
    c = args.communities
    if args.grid == "scale":
        return {
            "name": "ray_grid_scale",
            "dataset": {"name": "synthetic", "params": _data_params(args)},
            "detectors": [{"name": "bipartite_louvain"}, {"name": "bipartite_leiden"}],
            "recommenders": [{"name": "popularity"}, {"name": "community_popularity"}],
            "evaluate": {"k": [20], "metrics": ["recall", "ndcg"], "sample_users": 10_000},
            "seeds": [0],
        }
    return {
        "name": "ray_grid",
        "dataset": {"name": "synthetic", "params": _data_params(args)},
        "embedders": [{"name": "svd", "params": {"dim": 32}}],
        "detectors": [
            {"name": "bipartite_louvain"},
            {"name": "kmeans", "params": {"n_communities": [max(c // 2, 2), c], "n_init": 1}},
        ],
        "recommenders": [
            {"name": "popularity"},
            {"name": "community_popularity"},
            {"name": "community_blend", "params": {"alpha": 0.3}},
        ],
        "evaluate": {"k": [20], "metrics": ["recall", "ndcg"]},
        "seeds": [0],
    }


def _data_params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "n_users": args.users,
        "n_items": args.items or max(args.users // 4, 10),
        "n_communities": args.communities,
        "mean_degree": args.mean_degree,
        "mu": args.mu,
    }


def timed(label: str, fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    print(f"  {label:44s} {seconds:8.1f} s", flush=True)
    return out, seconds


def fresh_process_data() -> None:
    """Forget the data prepared earlier in this process, so each run prepares its own."""
    _data._MEMO.clear()
    _data._LOADED.clear()


def start_cluster(workers: int, cpus: int, store_mb: int) -> Any:
    from ray.cluster_utils import Cluster

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    store = store_mb * MB
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "object_store_memory": store, "include_dashboard": False},
    )
    for _ in range(workers):
        cluster.add_node(num_cpus=cpus, object_store_memory=store)
    cluster.wait_for_nodes()
    return cluster


def sorted_table(result: Any) -> pd.DataFrame:
    return result.table.sort_values(["run", "metric", "k"]).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--items", type=int, help="default: users / 4")
    parser.add_argument("--communities", type=int, default=50)
    parser.add_argument("--mean-degree", type=float, default=30.0)
    parser.add_argument("--mu", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=2, help="Ray worker nodes")
    parser.add_argument("--cpus-per-worker", type=int, default=1)
    parser.add_argument("--store-mb", type=int, help="object store per node (default: 4x data)")
    parser.add_argument("--grid", choices=("default", "scale"), default="default")
    parser.add_argument("--no-local", action="store_true", help="skip the local executor run")
    args = parser.parse_args()
    cfg = grid(args)

    print(f"graphrec {gr.__version__}, {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    data, _ = timed(
        "generate (planted communities)",
        lambda: gr.load_dataset("synthetic", **cfg["dataset"]["params"]),
    )
    data_mb = payload_bytes(data) / MB
    print(f"  data: {data}  ({data_mb:.1f} MiB serialised)")
    del data
    store_mb = args.store_mb or max(100, int(4 * data_mb) + 64)

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        local, t_local = None, float("nan")
        if not args.no_local:
            print("\nlocal executor (one process):")
            fresh_process_data()
            local, t_local = timed(
                "grid", lambda: run_experiment(cfg, output=Path(tmp) / "local", plots=False)
            )
        print(
            f"\nRay: head (0 CPUs) + {args.workers} worker nodes x {args.cpus_per_worker} CPU, "
            f"object store {store_mb} MiB per node:"
        )
        cluster, t_start = timed(
            "start the cluster", lambda: start_cluster(args.workers, args.cpus_per_worker, store_mb)
        )
        try:
            fresh_process_data()
            ex = RayExecutor(address=cluster.address)
            try:
                ray_result, t_ray = timed(
                    "grid",
                    lambda: run_experiment(cfg, output=Path(tmp) / "ray", executor=ex, plots=False),
                )
            finally:
                ex.close()
        finally:
            cluster.shutdown()

    same = "not checked (--no-local)"
    if local is not None:
        try:
            pd.testing.assert_frame_equal(sorted_table(ray_result), sorted_table(local), atol=1e-6)
            same = "yes (every run, metric and k)"
        except AssertionError as exc:
            same = f"NO: {str(exc).splitlines()[0]}"
    tasks, objects = ex.shipped["tasks"], ex.shipped["objects"]
    data_objects = {k: v for k, v in objects.items() if k.startswith("data/")}
    file_objects = {k: v for k, v in objects.items() if not k.startswith("data/")}
    arg = [t["arg_bytes"] for t in tasks]
    nodes = Counter(t["node"][:8] for t in tasks)
    data_total = sum(data_objects.values())
    done = ray_result if local is None else local
    jobs = {stage: v["computed"] for stage, v in done.stats.items()}
    rows = {
        "grid": f"{len(done.runs)} runs; jobs {jobs}",
        "local executor": "not run (--no-local)" if local is None else f"{t_local:.1f} s",
        f"ray, {args.workers} worker nodes": f"{t_ray:.1f} s (+ {t_start:.1f} s to start them)",
        "ratio local / ray": "not measured (--no-local)"
        if local is None
        else f"{t_local / t_ray:.2f}x (same machine, same run)",
        "same results": same,
        "tasks": f"{len(tasks)} on {len(nodes)} nodes: {dict(nodes)}",
        "data in the object store": f"{len(data_objects)} put, {data_total / MB:.1f} MiB "
        f"(shipped per task it would be {len(tasks) * data_total / MB:.1f} MiB in all)",
        "upstream files, each put once": f"{len(file_objects)}, "
        f"{sum(file_objects.values()) / MB:.2f} MiB",
        "arguments per task": f"mean {sum(arg) / len(arg) / 1024:.1f} KiB, max "
        f"{max(arg) / 1024:.1f} KiB (the job spec and object references)",
    }
    t = ray_result.table
    scores = t[(t["metric"] == "ndcg") & (t["k"] == 20)]
    print("\nndcg@20 per run (ray):")
    print(scores[[c for c in ("run", "detector", "recommender", "value") if c in t]].to_string())
    print("\n== summary ==")
    for label, value in rows.items():
        print(f"{label:31s}{value}")
    print("timings on a machine shared with other jobs vary; compare the ratio")


if __name__ == "__main__":
    main()
