"""NCL's prototype loss against plain LightGCN on ml-100k: NDCG@20 side by side.

    python experiments/bench_ncl.py                    # ~15 min on a busy 2-core machine
    python experiments/bench_ncl.py --epochs 60 --seeds 0 1 2 --weights 0.05

Data: ml-100k from ../shared/datasets (``--data``), every rating an interaction,
a random 80/10/10 split (seed 0). Every model trains the same fixed number of
epochs with the same seed (no early stopping); ``proto_weight`` of each NCL variant
is chosen on the validation users from ``--weights``, and the test NDCG@20 (train and
valid items masked) is reported once, with the ratio to LightGCN of the same seed.
Variants: NCL's own k-means prototypes (re-run every epoch) and prototypes of
detected communities (Louvain on the training data, fixed).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import graphrec as gr
from graphrec.embed import NCL, LightGCN

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"


def ndcg(model: LightGCN, test: gr.Interactions, masks: list, train: gr.Interactions) -> float:
    result = gr.evaluate(model, test, k=[20], exclude=masks, train=train, metrics=["ndcg"])
    return float(result.summary["ndcg@20"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.005, 0.02, 0.05])
    parser.add_argument("--n-communities", type=int, default=100)
    args = parser.parse_args()

    data = gr.load_dataset("movielens-100k", path=args.data / "ml-100k")
    s = gr.split(data, "random", seed=0)
    louvain = gr.create("detector", "louvain", random_state=0).fit(s.train)
    n_louvain = int(louvain.labels_.max()) + 1
    variants = {
        "kmeans": dict(n_communities=args.n_communities),
        f"louvain({n_louvain})": dict(communities=louvain.communities_),
    }
    print(f"ml-100k random split: {s.train.nnz} train interactions; {args.epochs} epochs")
    print(f"{'seed':>4} {'model':<22} {'proto_weight':>12} {'valid':>7} {'test':>7}"
          f" {'ratio':>6} {'seconds':>8}")  # fmt: skip
    common = dict(epochs=args.epochs, device="cpu")
    for seed in args.seeds:
        t0 = time.perf_counter()
        base = LightGCN(random_state=seed, **common).fit(s.train)
        secs = time.perf_counter() - t0
        base_test = ndcg(base, s.test, [s.train, s.valid], s.train)
        base_valid = ndcg(base, s.valid, [s.train], s.train)
        print(f"{seed:>4} {'lightgcn':<22} {'-':>12} {base_valid:7.4f} {base_test:7.4f}"
              f" {1.0:6.3f} {secs:8.1f}")  # fmt: skip
        for name, extra in variants.items():
            best = None
            for w in args.weights:
                t0 = time.perf_counter()
                m = NCL(proto_weight=w, random_state=seed, **common, **extra).fit(s.train)
                secs = time.perf_counter() - t0
                valid = ndcg(m, s.valid, [s.train], s.train)
                if best is None or valid > best[1]:
                    best = (w, valid, m, secs)
            w, valid, m, secs = best
            test = ndcg(m, s.test, [s.train, s.valid], s.train)
            print(f"{seed:>4} {'ncl ' + name:<22} {w:>12g} {valid:7.4f} {test:7.4f}"
                  f" {test / base_test:6.3f} {secs:8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
