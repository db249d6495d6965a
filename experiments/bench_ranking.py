"""Throughput of the full-ranking loop (score, mask, top-k), before and after, in one run.

On planted-community data of ``--users`` x ``--items`` (default 100k x 25k, 50
communities, mu 0.3), fits three scorers (a dot-product one: the 64-dimensional
``svd`` embedder; a sparse item-item one: ``itemknn``; a matrix-free, low-rank graph
filter: ``graph_filter``) and ranks ``--rank-users`` training users' top 20 three
ways, interleaved ``--repeats`` times (the median is printed):

- ``score``: the scoring alone (the recommender's own cost, the same for both);
- ``before``: the loop as it was (a float32 copy of the block, the mask written into
  it, ``torch.topk`` of k, then a full pass over the block to find rows tied at the
  cut; the code is kept below as ``_topk_before``);
- ``after``: :func:`graphrec.evaluate.ranking.rank_users` (``torch.topk`` of k + 1:
  a row is exact when its k-th and k+1-th values differ, no pass over the block),
  on ``--device`` (``auto``: CUDA when present).

The lists of ``before`` and ``after`` are asserted identical (ties to the lower item
id). Throughput is user-item scores per second; ``top-k share`` is the loop's time
minus the scoring. Timings on a shared machine vary; compare the columns of one run.

    python experiments/bench_ranking.py                       # 100k x 25k, 10k users ranked
    python experiments/bench_ranking.py --users 10000 --items 5000 --rank-users 5000
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

import graphrec as gr
from graphrec._ranking import default_batch_size
from graphrec.evaluate.ranking import rank_users

K = 20


def _topk_before(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """graphrec._topk.topk as it was before this change (kept to time against)."""
    import torch

    m = scores.shape[1]
    k = min(int(k), m)
    vals_t, cols_t = torch.topk(torch.from_numpy(scores), k, dim=1, sorted=False)
    cols, vals = cols_t.numpy(), vals_t.numpy()
    if k < m:
        threshold = vals.min(axis=1)
        straddle = np.flatnonzero((scores >= threshold[:, None]).sum(axis=1) > k)
        if straddle.size:
            above = scores[straddle] > threshold[straddle, None]
            tied = scores[straddle] == threshold[straddle, None]
            need = k - above.sum(axis=1)
            sel = above | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
            cols[straddle] = np.nonzero(sel)[1].reshape(len(straddle), k)
            vals[straddle] = np.take_along_axis(scores[straddle], cols[straddle], axis=1)
    order = np.lexsort((cols, -vals), axis=1)
    return np.take_along_axis(cols, order, axis=1), np.take_along_axis(vals, order, axis=1)


def rank_before(model: Any, users: np.ndarray, k: int, masked: sp.csr_array) -> np.ndarray:
    """The evaluation loop as it was: copy, mask in place, old top-k."""
    batch_size = default_batch_size(masked.shape[1])
    recs = np.empty((len(users), k), np.int64)
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = np.array(model.score(batch), dtype=np.float32)
        ex = masked[batch]
        scores[np.repeat(np.arange(len(batch)), np.diff(ex.indptr)), ex.indices] = -np.inf
        idx, val = _topk_before(scores, k)
        recs[start : start + len(batch)] = np.where(np.isneginf(val), -1, idx)
    return recs


def score_only(model: Any, users: np.ndarray, n_items: int) -> None:
    batch_size = default_batch_size(n_items)
    for start in range(0, len(users), batch_size):
        model.score(users[start : start + batch_size])


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=25_000)
    parser.add_argument("--rank-users", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--models", nargs="+", default=["svd", "itemknn", "graph_filter"])
    args = parser.parse_args()

    data = gr.planted_communities(args.users, args.items, 50, mean_degree=29.0, mu=0.3, seed=0).data
    train = data.binary()
    users = np.sort(np.random.default_rng(0).choice(train.n_users, args.rank_users, False))
    masked = train.matrix
    n_scores = len(users) * train.n_items
    print(
        f"{train.n_users} users x {train.n_items} items, {train.nnz} interactions; ranking "
        f"{len(users)} users' top {K} ({n_scores / 1e6:.0f}M scores), device={args.device}"
    )
    makers = {
        "svd": lambda: gr.create("embedder", "svd", dim=64, random_state=0),
        "itemknn": lambda: gr.create("recommender", "itemknn", n_neighbors=50),
        "graph_filter": lambda: gr.create("recommender", "graph_filter", k=64, device="cpu"),
    }
    header = (
        f"{'model':<13}{'fit s':>7}{'score s':>9}{'before s':>10}{'after s':>9}"
        f"{'before M/s':>12}{'after M/s':>11}{'top-k before':>14}{'top-k after':>13}"
    )
    print(header)
    for name in args.models:
        fit_s, model = timed(lambda n=name: makers[n]().fit(train))
        warm = users[:64]  # imports (torch) and first-call costs stay out of the timings
        rank_before(model, warm, K, masked)
        rank_users(model, warm, train.n_items, K, masked, None, args.device)
        times: dict[str, list[float]] = {"score": [], "before": [], "after": []}
        for _ in range(args.repeats):
            times["score"].append(timed(lambda m=model: score_only(m, users, train.n_items))[0])
            t, old = timed(lambda m=model: rank_before(m, users, K, masked))
            times["before"].append(t)
            t, new = timed(
                lambda m=model: rank_users(m, users, train.n_items, K, masked, None, args.device)
            )
            times["after"].append(t)
            if not np.array_equal(old, new):
                raise AssertionError(f"{name}: the lists differ between before and after")
        med = {key: float(np.median(v)) for key, v in times.items()}
        print(
            f"{name:<13}{fit_s:>7.1f}{med['score']:>9.2f}{med['before']:>10.2f}{med['after']:>9.2f}"
            f"{n_scores / med['before'] / 1e6:>12.0f}{n_scores / med['after'] / 1e6:>11.0f}"
            f"{med['before'] - med['score']:>14.2f}{med['after'] - med['score']:>13.2f}"
        )


if __name__ == "__main__":
    main()
