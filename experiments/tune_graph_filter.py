"""Quick valid-only sweep of graph_filter settings (fit on train, rank valid, train masked).

Never looks at test. The basis is computed once per (item_power, k) and every setting
of the cheap parameters (alpha, sharpen, degree_norm) is scored on the same sample of
valid users, so one gowalla setting costs seconds, not a refit.

    python experiments/tune_graph_filter.py --split gowalla --users 6000
    python experiments/tune_graph_filter.py --split ml-1m --users 0      # all users

Printed: valid NDCG@20 and Recall@20 on the sampled users, and the seconds of the sweep
step. The sample is drawn with a fixed seed (users with at least one valid item).
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import graphrec as gr
from graphrec.graph._lowpass import binary_rows, normalized_matrix, top_singular

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "datasets" / "lightgcn-splits"


def ranking(scores: np.ndarray, seen: sp.csr_array, truth: sp.csr_array, k: int = 20):
    """NDCG@k and Recall@k per row (seen items masked; ties to the lower item id)."""
    scores = scores.copy()
    r, c = seen.nonzero()
    scores[r, c] = -np.inf
    part = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
    top = np.take_along_axis(part, order, axis=1)
    hits = np.take_along_axis(truth.toarray(), top, axis=1) > 0
    n_true = np.asarray(truth.sum(axis=1)).ravel()
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * disc).sum(1)
    idcg = np.cumsum(disc)[np.minimum(n_true, k).astype(int) - 1]
    return dcg / idcg, hits.sum(1) / n_true


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT)
    p.add_argument("--split", default="gowalla")
    p.add_argument("--users", type=int, default=6000, help="valid users sampled (0: all)")
    p.add_argument("--k", type=int, nargs="+", default=[256])
    p.add_argument("--item-power", type=float, nargs="+", default=[0.5])
    p.add_argument("--alpha", type=float, nargs="+", default=[0.3])
    p.add_argument("--sharpen", type=float, nargs="+", default=[0.5])
    p.add_argument("--beta", type=float, nargs="+", default=[0.0], help="degree_norm")
    p.add_argument("--ideal-beta", type=float, nargs="+", default=[0.5])
    p.add_argument("--n-iter", type=int, default=6)
    args = p.parse_args()

    s = gr.load_dataset("lightgcn", path=args.data / args.split)
    x = binary_rows(s.train, s.train.n_items, "train")
    valid = binary_rows(s.valid, s.train.n_items, "valid")
    users = np.flatnonzero(np.diff(valid.indptr) > 0)
    if args.users and args.users < users.size:
        users = np.sort(np.random.default_rng(0).choice(users, args.users, replace=False))
    rows, truth = x[users], valid[users]
    deg = np.asarray(x.sum(axis=0)).ravel()
    print(f"{args.split}: {x.shape}, {users.size} valid users sampled")
    for ip in args.item_power:
        t0 = time.perf_counter()
        r, _ = normalized_matrix(x, 0.5, ip)
        rt = sp.csr_array(r.T)
        sigma, vecs = top_singular(r, max(args.k), None, args.n_iter)
        print(f"item_power {ip}: basis k {max(args.k)} in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        lin_by_beta = {}
        for beta in sorted(set(args.beta)):
            pre = np.zeros_like(deg)
            np.power(deg, -beta, out=pre, where=deg > 0)
            xp = sp.csr_array(rows.multiply(pre[None, :]).astype(np.float32))
            u = (xp @ rt).toarray()
            lin_by_beta[beta] = (np.asarray(rt @ u.T, np.float32).T.copy(), xp, pre)
        print(f"  linear parts in {time.perf_counter() - t0:.1f}s")
        for k in args.k:
            v, lam = vecs[:, :k], (sigma[:k] ** 2).astype(np.float32)
            for beta, ib in itertools.product(sorted(set(args.beta)), args.ideal_beta):
                lin, xp, pre = lin_by_beta[beta]
                post = np.divide(1.0, pre, out=np.zeros_like(pre), where=pre > 0)
                low = np.asarray(xp @ v, np.float32)
                sharp = (low * lam**2) @ v.T
                ipre = np.zeros_like(deg)
                np.power(deg, -ib, out=ipre, where=deg > 0)
                ipost = np.divide(1.0, ipre, out=np.zeros_like(ipre), where=ipre > 0)
                ideal = np.asarray(rows.multiply(ipre[None, :]).tocsr() @ v, np.float32) @ v.T
                ideal *= ipost[None, :].astype(np.float32)
                for a, sh in itertools.product(args.alpha, args.sharpen):
                    t1 = time.perf_counter()
                    out = ((1 + sh) * lin - sh * sharp) * post[None, :].astype(np.float32)
                    out += a * ideal
                    ndcg, rec = ranking(out, rows, truth)
                    print(
                        f"  ip {ip} k {k} beta {beta} ideal_beta {ib} alpha {a} sharpen {sh}: "
                        f"NDCG@20 {ndcg.mean():.4f} Recall@20 {rec.mean():.4f} "
                        f"({time.perf_counter() - t1:.1f}s)",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
