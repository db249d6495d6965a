"""Benchmark of the foundation: loaders, preprocessing, projection and evaluation.

Reads the real datasets in ``../shared/datasets`` (or ``--data DIR``) and prints, per
step, wall-clock seconds and the step's peak memory above the process baseline,
against the targets of the foundation issue (2 cores): every step on ml-1m under
5 s; full-ranking evaluation of ItemKNN on gowalla under 60 s and 2 GiB. The
projection is also timed against the straightforward scipy computation (sparse
product of the whole matrix, then top-k per row) and the ratio printed.

    python experiments/bench_data.py            # all steps (about 2 minutes)
    python experiments/bench_data.py --quick    # skip gowalla
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from _rss import timed_peak

import graphrec as gr
from graphrec.data.preprocess import k_core
from graphrec.graph.projection import top_k_per_row

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"


def measure(label: str, fn: Callable[[], Any], target_s: float | None = None) -> Any:
    """Run ``fn`` once; print seconds and peak RSS growth (Linux /proc, reset per step)."""
    out, seconds, peak, _ = timed_peak(fn)
    verdict = ""
    if target_s is not None:
        verdict = f"  target < {target_s:.0f} s: {'ok' if seconds < target_s else 'MISSED'}"
    print(f"{label:48s} {seconds:8.2f} s  peak +{peak / 2**20:7.0f} MiB{verdict}")
    return out


def scipy_projection(matrix: sp.csr_array, top_k: int) -> sp.csr_array:
    """The peer: normalise, one sparse product of all users, top-k per row."""
    x = sp.csr_array(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sp.csr_array(sp.diags_array(1 / np.maximum(norms, 1e-12)) @ x)
    sim = sp.csr_array(x @ x.T)
    sim.setdiag(0)
    sim.eliminate_zeros()
    return top_k_per_row(sim, top_k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true", help="skip the gowalla steps")
    args = parser.parse_args()
    d = args.data
    if not d.exists():
        raise SystemExit(f"datasets folder {d} not found (pass --data DIR)")

    print(f"graphrec {gr.__version__}; data from {d}\n")
    measure("load movielens-100k", lambda: gr.load_dataset("movielens-100k", path=d / "ml-100k"))
    measure(
        "load lastfm-hetrec", lambda: gr.load_dataset("lastfm-hetrec", path=d / "lastfm-hetrec")
    )
    ml1m = measure(
        "load lightgcn ml-1m split",
        lambda: gr.load_dataset("lightgcn", path=d / "lightgcn-splits" / "ml-1m"),
        5,
    )
    full = ml1m.train + ml1m.valid + ml1m.test
    measure("k-core (10, 10) of ml-1m (all parts)", lambda: k_core(full, 10, 10), 5)
    measure(
        "random 80/10/10 split of ml-1m (all parts)",
        lambda: gr.split(full, "random", seed=0),
        5,
    )
    t0 = time.perf_counter()
    ours = measure(
        "top-50 cosine user projection, ml-1m train",
        lambda: gr.user_projection(ml1m.train, "cosine", top_k=50, symmetrize=False),
        5,
    )
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    peer = measure(
        "  peer: scipy full product + top-k", lambda: scipy_projection(ml1m.train.matrix, 50)
    )
    t_peer = time.perf_counter() - t0
    same = abs(ours - peer).max() < 1e-5
    print(f"  ratio peer / graphrec: {t_peer / t_ours:.1f}x faster; same result: {same}")

    train = ml1m.train + ml1m.valid
    pop = gr.create("recommender", "popularity").fit(train)
    res = measure(
        "evaluate Popularity, ml-1m (6k x 3.6k)",
        lambda: gr.evaluate(pop, ml1m.test, k=[20], train=train),
        5,
    )
    print(
        f"  Popularity recall@20 {res.summary['recall@20']:.4f} (published 0.1232), "
        f"ndcg@20 {res.summary['ndcg@20']:.4f} (published 0.1809)"
    )
    knn = measure(
        "fit ItemKNN, ml-1m", lambda: gr.create("recommender", "itemknn").fit(ml1m.train), 5
    )
    res = measure(
        "evaluate ItemKNN, ml-1m",
        lambda: gr.evaluate(
            knn, ml1m.test, k=[20], exclude=[ml1m.train, ml1m.valid], train=ml1m.train
        ),
        5,
    )
    print(
        f"  ItemKNN recall@20 {res.summary['recall@20']:.4f}, ndcg@20 {res.summary['ndcg@20']:.4f}"
    )
    if args.quick:
        return
    gow = measure(
        "load lightgcn gowalla split",
        lambda: gr.load_dataset("lightgcn", path=d / "lightgcn-splits" / "gowalla"),
    )
    gtrain = gow.train + gow.valid
    knn = measure("fit ItemKNN, gowalla", lambda: gr.create("recommender", "itemknn").fit(gtrain))
    res = measure(
        "evaluate ItemKNN, gowalla (30k x 41k)",
        lambda: gr.evaluate(knn, gow.test, k=[20], train=gtrain),
        60,
    )
    print(
        f"  ItemKNN recall@20 {res.summary['recall@20']:.4f}, ndcg@20 {res.summary['ndcg@20']:.4f}"
    )


if __name__ == "__main__":
    main()
