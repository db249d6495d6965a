"""Community-aware recommendation against plain LightGCN, one table per dataset.

For each dataset: LightGCN (early-stopped on validation), then Louvain, Leiden,
bipartite Louvain and k-means on the LightGCN user vectors, each feeding the
community-aware recommenders. Reported on test (train and valid masked): Recall@20
and NDCG@20 overall with 95% bootstrap CIs, Recall@20 of cold users, coverage@20,
novelty@20, and the paired NDCG@20 difference to LightGCN (Wilcoxon p-value).

    python experiments/bench_community_rec.py                  # ml-100k, lastfm, ml-1m
    python experiments/bench_community_rec.py --datasets ml-100k --quick

The goal: a community-aware recommender that beats LightGCN on cold users'
Recall@20 and on coverage@20 while losing less than 2% of overall NDCG@20. The last
line per dataset says which variants (if any) get there.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import graphrec as gr
from graphrec.evaluate.stats import bootstrap_ci, paired_comparison

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"


def load(name: str, data_dir: Path) -> gr.Split:
    if name == "ml-100k":
        data = gr.load_dataset("movielens-100k", path=data_dir / "ml-100k").binary()
        return gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=0)
    return gr.load_dataset("lightgcn", path=data_dir / "lightgcn-splits" / name)


def cold_threshold(train: gr.Interactions) -> int:
    """5 (the issue's band) when some users are that cold, else the 10th percentile.

    When many users share the percentile's degree (the lastfm split gives 99.9% of
    users exactly 35 training items), only the users strictly below it are cold.
    """
    deg = train.user_degrees()
    deg = deg[deg > 0]
    if (deg <= 5).mean() >= 0.02:
        return 5
    threshold = int(np.quantile(deg, 0.1))
    return threshold - 1 if (deg <= threshold).mean() > 0.2 else threshold


def row(name: str, res: Any, base: Any | None) -> dict[str, Any]:
    pu = res.per_user
    lo, hi = bootstrap_ci(pu["ndcg@20"].to_numpy(), random_state=0)
    cold = pu[pu["activity"] == "cold"]
    out = {
        "method": name,
        "recall@20": res.summary["recall@20"],
        "ndcg@20": res.summary["ndcg@20"],
        "ndcg CI": f"[{lo:.4f}, {hi:.4f}]",
        "cold recall@20": cold["recall@20"].mean() if len(cold) else float("nan"),
        "coverage@20": res.summary["coverage@20"],
        "novelty@20": res.summary["novelty@20"],
    }
    if base is not None:
        cmp = paired_comparison(base, res, "ndcg@20")
        out["d ndcg"] = cmp["diff"]
        out["p"] = cmp["p_wilcoxon"]
    return out


def run(name: str, data_dir: Path, minutes: float, quick: bool) -> None:
    split = load(name, data_dir)
    train, valid, test = split.train, split.valid, split.test
    cold = cold_threshold(train)
    print(f"\n=== {name}: {split}; cold = <= {cold} training interactions")
    t0 = time.perf_counter()
    emb = gr.create("embedder", "lightgcn", max_minutes=minutes, random_state=0)
    emb.fit(train, valid=valid)
    print(f"LightGCN: {time.perf_counter() - t0:.0f} s, best epoch {emb.best_epoch_}")
    kw = dict(k=[20], exclude=[train, valid], cold_threshold=cold)
    base = gr.evaluate(emb, test, **kw)
    rows = [row("lightgcn", base, None)]
    detectors = {
        "louvain": gr.create("detector", "louvain", random_state=0),
        "leiden": gr.create("detector", "leiden", random_state=0),
        "bipartite_louvain": gr.create("detector", "bipartite_louvain", random_state=0),
        "kmeans": gr.create("detector", "kmeans", n_communities=10, random_state=0),
    }
    if quick:
        detectors = {k: detectors[k] for k in ("leiden", "bipartite_louvain")}
    for det_name, det in detectors.items():
        t = time.perf_counter()
        det.fit(train, embedder=emb) if det_name == "kmeans" else det.fit(train)
        comm = det.communities_
        print(
            f"{det_name}: {len(np.unique(comm.user_labels[comm.user_labels >= 0]))} "
            f"communities in {time.perf_counter() - t:.1f} s"
        )
        variants: dict[str, Any] = {
            "community_popularity": dict(),
            "community_restricted": dict(embedder=emb, min_support=2),
            "community_blend a=0.1": dict(embedder=emb, alpha=0.1),
            "community_blend a=0.3": dict(embedder=emb, alpha=0.3),
        }
        if not quick:
            variants["community_model"] = dict(embedder=emb, epochs=5, min_size=100)
        for var, params in variants.items():
            rec_name = var.split()[0]
            if " a=" in var:
                params = {**params, "alpha": float(var.split("a=")[1])}
            rec = gr.create("recommender", rec_name, communities=comm, **params).fit(train)
            res = gr.evaluate(rec, test, **kw)
            rows.append(row(f"{det_name} + {var}", res, base))
    table = pd.DataFrame(rows).set_index("method")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    b = table.loc["lightgcn"]
    wins = table[
        (table["cold recall@20"] > b["cold recall@20"])
        & (table["coverage@20"] > b["coverage@20"])
        & (table["ndcg@20"] >= 0.98 * b["ndcg@20"])
    ]
    if len(wins):
        print(f"goal met by: {', '.join(wins.index)}")
    else:
        print("goal not met: no variant beats LightGCN on cold recall and coverage within 2% NDCG")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--datasets", nargs="+", default=["ml-100k", "lastfm", "ml-1m"])
    parser.add_argument("--minutes", type=float, default=3.0, help="LightGCN budget per dataset")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for name in args.datasets:
        run(name, args.data, args.minutes, args.quick)


if __name__ == "__main__":
    main()
