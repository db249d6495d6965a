"""Which interaction weighting should the graph detectors use by default?

For each graph detector (``louvain``, ``leiden``, ``label_propagation``,
``bipartite_louvain``) and each weighting (``raw``, ``binary``, ``log`` = log1p, and
``auto``, the default), 3 seeds:

- **Last.fm hetrec** (play counts): the modularity of the friend graph under the user
  partition (``graphrec.community.quality.friend_lift``'s ``friend_modularity``) and
  the friend lift (share of friend pairs inside one community over a permutation
  baseline). Anchor: scikit-network's Louvain on the biadjacency, binary and log1p.
- **MovieLens-100K** (ratings 1-5, no friend graph): the mean NMI lift of the
  communities over age band, gender and occupation (``attribute_agreement``).

    python experiments/bench_weighting.py            # about 3 minutes on 2 busy cores
    python experiments/bench_weighting.py --seeds 0  # one seed

The figures go into the README paragraph on detector defaults.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import graphrec as gr
from graphrec.community import quality

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"
DETECTORS = ("louvain", "leiden", "label_propagation", "bipartite_louvain")
WEIGHTINGS = ("raw", "binary", "log", "auto")
ATTRIBUTES = ("age_band", "gender", "occupation")


def sknetwork_anchor(matrix: sp.csr_array, weighting: str) -> np.ndarray:
    """scikit-network's Louvain on the biadjacency with its default node order."""
    from sknetwork.clustering import Louvain

    b = sp.csr_matrix(matrix, dtype=np.float64)
    if weighting == "binary":
        b.data[:] = 1.0
    elif weighting == "log":
        b.data = np.log1p(b.data)
    return Louvain().fit(b, force_bipartite=True).labels_row_.astype(np.int64)


def lastfm_score(data: gr.Interactions, labels: np.ndarray) -> tuple[float, float]:
    out = quality.friend_lift(data, labels, n_permutations=20, random_state=0)
    return out["friend_modularity"], out["lift"]


def movielens_score(data: gr.Interactions, labels: np.ndarray) -> tuple[float, float]:
    lifts = [
        quality.attribute_agreement(labels, data.user_features[c], 20, random_state=0)["nmi_lift"]
        for c in ATTRIBUTES
    ]
    return float(np.mean(lifts)), float("nan")


def run(
    name: str, data: gr.Interactions, score, seeds: list[int], columns: tuple[str, str]
) -> None:
    print(f"\n# {name}: {data}")
    print(f"{'detector':20s} {'weighting':9s} {columns[0]:>18s} {columns[1]:>14s} {'seconds':>8s}")
    if name == "lastfm-hetrec":
        for w in ("binary", "log"):
            q, lift = score(data, sknetwork_anchor(data.matrix, w))
            print(f"{'anchor: sknetwork':20s} {w:9s} {q:18.3f} {lift:14.2f} {'':>8s}")
    for det in DETECTORS:
        for w in WEIGHTINGS:
            values, start = [], time.perf_counter()
            for seed in seeds:
                fitted = gr.create("detector", det, weighting=w, random_state=seed).fit(data)
                values.append(score(data, fitted.labels_))
            seconds = (time.perf_counter() - start) / len(seeds)
            v = np.array(values)
            cell = f"{v[:, 0].mean():.3f} +- {v[:, 0].std():.3f}"
            lift = v[:, 1].mean()
            print(f"{det:20s} {w:9s} {cell:>18s} {lift:14.2f} {seconds:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared datasets folder")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    start = time.perf_counter()
    with threadpool_limits(1):
        lastfm = gr.load_dataset("lastfm-hetrec", path=args.data / "lastfm-hetrec")
        run(
            "lastfm-hetrec",
            lastfm,
            lastfm_score,
            args.seeds,
            ("friend Q (mean+-sd)", "friend lift"),
        )
        ml = gr.load_dataset("movielens-100k", path=args.data / "ml-100k")
        run("movielens-100k", ml, movielens_score, args.seeds, ("NMI lift (mean+-sd)", ""))
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
