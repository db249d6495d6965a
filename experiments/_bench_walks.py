"""Benchmark of Node2Vec random walks: graphrec's walks vs the node2vec package and PecanPy.

With the parameters of the Node2Vec issue (dim 64, walk length 40, 10 walks per node,
window 5, p = 1, q = 0.5, one word2vec epoch, unweighted), on the ml-100k graph and on
the train part of the ml-1m LightGCN split, it prints:

- graphrec: seconds for the walks (:func:`graphrec.embed.walks.random_walks`)
  and for a whole ``Node2Vec.fit`` (graph + walks + word2vec), with one word2vec
  thread (the reproducible default) and with one per core (as PecanPy runs);
- the ``node2vec`` package: seconds for its walks (transition tables + walks), on
  ml-100k only; on ml-1m the size of its transition tables is printed instead;
- PecanPy ``SparseOTF`` (with ``--pecanpy-python``, a Python that has pecanpy
  installed; it pins an old numpy, so keep it in its own environment): seconds to
  read the edge list, for the walks (first call, numba compilation included, as its
  CLI reports it; and a second, warm call) and for word2vec, run as a subprocess;
- the ratios against the issue's targets, with ok / MISSED;
- Recall@20 of Node2Vec and Popularity on an ml-100k random split (seed 0).

    python experiments/_bench_walks.py --pecanpy-python /tmp/pecanpy-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import graphrec as gr
from graphrec.embed.random_walk import Node2Vec, random_walks

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
PARAMS: dict[str, Any] = {
    "dim": 64,
    "walk_length": 40,
    "n_walks": 10,
    "window": 5,
    "p": 1.0,
    "q": 0.5,
    "epochs": 1,
}
CORES = os.cpu_count() or 1

# Run by the PecanPy interpreter: argv = edge-list path, JSON parameters.
PECANPY_SCRIPT = """
import json, sys, time
import numba
from gensim.models import Word2Vec
from pecanpy import pecanpy
path, prm = sys.argv[1], json.loads(sys.argv[2])
numba.set_num_threads(prm["workers"])
t0 = time.perf_counter()
g = pecanpy.SparseOTF(p=prm["p"], q=prm["q"], workers=prm["workers"], random_state=0)
g.read_edg(path, weighted=False, directed=False)
t1 = time.perf_counter()
walks = g.simulate_walks(prm["n_walks"], prm["walk_length"])
t2 = time.perf_counter()
g.simulate_walks(prm["n_walks"], prm["walk_length"])
t3 = time.perf_counter()
Word2Vec(walks, vector_size=prm["dim"], window=prm["window"], sg=1, min_count=0,
         workers=prm["workers"], epochs=prm["epochs"], seed=0)
t4 = time.perf_counter()
print(json.dumps({"read": t1 - t0, "walks": t2 - t1, "walks_warm": t3 - t2,
                  "word2vec": t4 - t3, "total": (t1 - t0) + (t2 - t1) + (t4 - t3)}))
"""


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def ours(data: gr.Interactions) -> dict[str, float]:
    """graphrec: walks alone, then whole fits with 1 and with CORES word2vec threads."""
    adj = gr.BipartiteGraph.from_interactions(data, weighted=False).adjacency()
    starts = np.flatnonzero(np.diff(adj.indptr) > 0)
    walk_args = {k: PARAMS[k] for k in ("n_walks", "walk_length", "p", "q")}
    random_walks(adj, **{**walk_args, "n_walks": 1}, random_state=0, start_nodes=starts)  # warm
    walks, t_walks = _timed(
        lambda: random_walks(adj, **walk_args, weighted=False, random_state=0, start_nodes=starts)
    )
    out = {"walks": t_walks, "n_walks": float(len(walks))}
    for workers in sorted({1, CORES}):
        _, out[f"total_w{workers}"] = _timed(
            lambda w=workers: Node2Vec(**PARAMS, workers=w, random_state=0).fit(data)
        )
    return out


def package_walks(data: gr.Interactions) -> float | None:
    """Seconds for the node2vec package's transition tables + walks (None if not installed)."""
    try:
        from node2vec import Node2Vec as Node2VecPackage
    except ImportError as exc:  # e.g. numpy 2, which the package does not allow
        print(f"  node2vec package: not importable ({exc}); skipped")
        return None
    graph = gr.BipartiteGraph.from_interactions(data, weighted=False).to_networkx()
    _, seconds = _timed(
        lambda: Node2VecPackage(
            graph,
            dimensions=PARAMS["dim"],
            walk_length=PARAMS["walk_length"],
            num_walks=PARAMS["n_walks"],
            p=PARAMS["p"],
            q=PARAMS["q"],
            workers=1,
            quiet=True,
            seed=0,
        )
    )
    return seconds


def package_table_bytes(data: gr.Interactions) -> float:
    """Bytes of the package's per-edge transition tables: sum of deg(v)^2 float64 entries."""
    deg = np.diff(gr.BipartiteGraph.from_interactions(data).adjacency().indptr).astype(np.float64)
    return float((deg**2).sum() * 8)


def pecanpy(data: gr.Interactions, python: str) -> dict[str, float] | None:
    """PecanPy SparseOTF in a subprocess on an edge list of the graph; None if it fails."""
    users, items, _, _ = data.coo()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edges.tsv"
        edges = np.column_stack([users, items.astype(np.int64) + data.n_users])
        np.savetxt(path, edges, fmt="%d", delimiter="\t")
        prm = {**PARAMS, "workers": CORES}
        proc = subprocess.run(
            [python, "-c", PECANPY_SCRIPT, str(path), json.dumps(prm)],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        print(f"  PecanPy failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_graph(
    name: str, data: gr.Interactions, pecanpy_python: str | None, with_package: bool
) -> None:
    graph = gr.BipartiteGraph.from_interactions(data)
    print(f"\n== {name}: {graph.n_nodes} nodes, {2 * graph.n_edges} directed edges ==")
    mine = ours(data)
    w1, wc = mine["total_w1"], mine[f"total_w{CORES}"]
    print(f"  graphrec walks          {mine['walks']:8.2f} s   ({int(mine['n_walks'])} walks)")
    print(f"  graphrec total, 1 thread{w1:8.2f} s   (walks + word2vec, reproducible)")
    if CORES > 1:
        print(f"  graphrec total, {CORES} thr. {wc:8.2f} s   (word2vec threads = PecanPy's)")

    if with_package:
        seconds = package_walks(data)
        if seconds is not None:
            ratio = seconds / mine["walks"]
            print(f"  node2vec package walks  {seconds:8.2f} s")
            verdict = _verdict(ratio >= 50)
            print(f"    package / ours walks  {ratio:8.1f} x   target >= 50 x: {verdict}")
    else:
        size = package_table_bytes(data)
        print(
            f"  node2vec package: skipped; its transition tables alone would take "
            f"{size / 1e9:.2f} GB (sum of squared degrees x 8 bytes)"
        )

    if pecanpy_python is None:
        print("  PecanPy: skipped (pass --pecanpy-python, a Python with pecanpy installed)")
        return
    pp = pecanpy(data, pecanpy_python)
    if pp is None:
        return
    print(
        f"  PecanPy SparseOTF walks {pp['walks']:8.2f} s   (first call, numba compilation "
        f"included; warm call {pp['walks_warm']:.2f} s)"
    )
    print(
        f"  PecanPy total           {pp['total']:8.2f} s   (read {pp['read']:.2f} + walks + "
        f"word2vec {pp['word2vec']:.2f}, {CORES} threads)"
    )
    ratio, warm = pp["walks"] / mine["walks"], pp["walks_warm"] / mine["walks"]
    print(
        f"    PecanPy / ours walks  {ratio:8.1f} x   target >= 4 x: {_verdict(ratio >= 4)}"
        f"   (warm: {warm:.1f} x, {_verdict(warm >= 4)})"
    )
    for label, total in (("1 thread", w1), (f"{CORES} threads", wc)):
        r = pp["total"] / total
        print(f"    PecanPy / ours total  {r:8.2f} x   ({label}) target >= 1 x: {_verdict(r >= 1)}")


def recall(data_dir: Path) -> None:
    data = gr.load_dataset("movielens-100k", path=data_dir / "ml-100k")
    split = gr.split(data, "random", seed=0)
    exclude = [split.train, split.valid]
    pop = gr.create("recommender", "popularity").fit(split.train)
    n2v = Node2Vec(**PARAMS, random_state=0).fit(split.train)
    r_pop = gr.evaluate(pop, split.test, k=[20], exclude=exclude, train=split.train).summary[
        "recall@20"
    ]
    r_n2v = gr.evaluate(n2v, split.test, k=[20], exclude=exclude, train=split.train).summary[
        "recall@20"
    ]
    print("\n== ml-100k random split (seed 0), Recall@20 ==")
    print(f"  Popularity {r_pop:.4f}")
    print(f"  Node2Vec   {r_n2v:.4f}   target > Popularity: {_verdict(r_n2v > r_pop)}")


def run(data_dir: Path, pecanpy_python: str | None) -> None:
    """Print the walk benchmark on ml-100k and the ml-1m split (train) from ``data_dir``."""
    data_dir = Path(data_dir)
    print(f"Node2Vec walks, parameters {PARAMS}, unweighted; {CORES} cores")
    ml100k = gr.load_dataset("movielens-100k", path=data_dir / "ml-100k")
    bench_graph("ml-100k", ml100k, pecanpy_python, with_package=True)
    ml1m = gr.load_dataset("lightgcn", path=data_dir / "lightgcn-splits" / "ml-1m").train
    bench_graph("ml-1m split, train", ml1m, pecanpy_python, with_package=False)
    recall(data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="datasets folder")
    parser.add_argument(
        "--pecanpy-python", default=None, help="a Python interpreter with pecanpy installed"
    )
    args = parser.parse_args()
    run(args.data, args.pecanpy_python)


if __name__ == "__main__":
    main()
