"""Fold-in benchmark: latency per user of every recommender, and LightGCN / MF fold-in
quality against retraining with the new users included.

    PYTHONPATH=. python experiments/bench_foldin.py --epochs 2 --mf-epochs 3   # ~4 min
    PYTHONPATH=. python experiments/bench_foldin.py --epochs 15 --mf-epochs 30 --models lightgcn mf

Data: the LightGCN-format ml-1m split in ../shared/datasets, train + valid + test
merged, then a seeded user holdout (``--test-users`` of the users, and as many again
as validation users for choosing the fold-in steps): held-out users have no
training row. Each held-out user reveals ``--revealed`` of its items (a seeded
random choice; the split has no timestamps) and the rest are hidden.

1. Latency: every model is fitted on the training users; ``recommend(k=20,
   user_items=revealed)`` is timed for all test users at once (batched, ms per
   user) and for single users one at a time (median ms of ``--single`` calls).
2. Quality: NDCG@20 on the hidden items of the test users, from the revealed items
   alone (fold-in, no refit) vs the same model trained with the held-out users'
   revealed items included (retrain; the revealed items masked in both). The same
   epochs and seed for both; the ratio fold-in / retrain is printed in the same run.
   The fold-in steps are chosen on the validation users (printed).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import graphrec as gr
from graphrec._metrics import hits_matrix, ndcg_at_k

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "lightgcn-splits" / "ml-1m"
K = 20


def user_holdout(
    data: gr.Interactions, fraction: float, revealed: int, seed: int
) -> tuple[gr.Interactions, dict[str, tuple[np.ndarray, sp.csr_array, sp.csr_array]]]:
    """Training interactions without the held-out users, and per part (valid, test)
    the held-out users, their revealed rows and their hidden rows."""
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero(data.user_degrees() > revealed)
    chosen = rng.permutation(eligible)[: 2 * round(fraction * data.n_users)]
    parts = {
        "valid": np.sort(chosen[: len(chosen) // 2]),
        "test": np.sort(chosen[len(chosen) // 2 :]),
    }
    x = sp.csr_array(data.matrix, dtype=np.float32)
    keep = np.ones(data.n_users, bool)
    keep[chosen] = False
    train = gr.Interactions(
        sp.csr_array(sp.diags_array(keep.astype(np.float32)) @ x), data.user_ids, data.item_ids
    )
    out = {}
    for name, users in parts.items():
        rev, hid = (
            sp.lil_array((len(users), data.n_items)),
            sp.lil_array((len(users), data.n_items)),
        )
        for r, u in enumerate(users):
            items = x.indices[x.indptr[u] : x.indptr[u + 1]]
            shown = rng.permutation(items)
            rev[r, shown[:revealed]] = 1.0
            hid[r, shown[revealed:]] = 1.0
        out[name] = (users, sp.csr_array(rev), sp.csr_array(hid))
    return train, out


def ndcg(items: np.ndarray, hidden: sp.csr_array) -> float:
    n_rel = np.diff(hidden.indptr)
    return float(np.mean(ndcg_at_k(hits_matrix(items, hidden), n_rel, K)))


def with_revealed(train: gr.Interactions, users: np.ndarray, rows: sp.csr_array) -> gr.Interactions:
    add = sp.csr_array(
        (np.ones(rows.nnz, np.float32), (np.repeat(users, np.diff(rows.indptr)), rows.indices)),
        shape=train.shape,
    )
    return gr.Interactions(sp.csr_array(train.matrix + add), train.user_ids, train.item_ids)


def latency(model, rows: sp.csr_array, n_single: int) -> tuple[float, float]:
    model.recommend(k=K, user_items=rows[:1])  # warm-up (LightGCN caches the item layers)
    t0 = time.perf_counter()
    model.recommend(k=K, user_items=rows)
    batched = (time.perf_counter() - t0) * 1e3 / rows.shape[0]
    single = []
    for r in range(min(n_single, rows.shape[0])):
        t0 = time.perf_counter()
        model.recommend(k=K, user_items=rows[[r]])
        single.append((time.perf_counter() - t0) * 1e3)
    return batched, float(np.median(single))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--test-users", type=float, default=0.1)
    ap.add_argument("--revealed", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=4, help="LightGCN epochs (both runs)")
    ap.add_argument("--mf-epochs", type=int, default=10, help="MF epochs (both runs)")
    ap.add_argument("--single", type=int, default=50, help="single-user calls timed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", nargs="+", default=None, help="models (default: all)")
    args = ap.parse_args()
    split = gr.load_dataset("lightgcn", path=args.data)
    data = split.train + split.valid + split.test
    train, parts = user_holdout(data, args.test_users, args.revealed, args.seed)
    test_users, test_rev, test_hid = parts["test"]
    valid_users, valid_rev, valid_hid = parts["valid"]
    print(
        f"ml-1m merged: {data.n_users} users, {data.n_items} items, {data.nnz} interactions; "
        f"{len(test_users)} test and {len(valid_users)} valid held-out users, "
        f"{args.revealed} revealed each; machine busy (shared 2-core CPU)"
    )

    trained = {
        "lightgcn": dict(epochs=args.epochs, random_state=args.seed),
        "mf": dict(epochs=args.mf_epochs, random_state=args.seed),
    }
    models = {
        "popularity": gr.create("recommender", "popularity"),
        "random": gr.create("recommender", "random", random_state=args.seed),
        "itemknn": gr.create("recommender", "itemknn"),
        "ease": gr.create("recommender", "ease"),
        "gfcf": gr.create("recommender", "gfcf"),
        "graph_filter": gr.create("recommender", "graph_filter"),
        "svd": gr.create("embedder", "svd", random_state=args.seed),
        "lowpass": gr.create("embedder", "lowpass"),
        "node2vec": gr.create(
            "embedder", "node2vec", n_walks=2, walk_length=20, random_state=args.seed
        ),
        **{name: gr.create("embedder", name, **p) for name, p in trained.items()},
    }
    chosen = args.models or list(models)
    models = {name: m for name, m in models.items() if name in chosen}
    print(f"\n{'model':<14}{'fit s':>8}{'batched ms/user':>17}{'single ms':>11}{'NDCG@20':>9}")
    fitted = {}
    for name, model in models.items():
        t0 = time.perf_counter()
        model.fit(train)
        fit_s = time.perf_counter() - t0
        batched, single = latency(model, test_rev, args.single)
        score = ndcg(model.recommend(k=K, user_items=test_rev)[0], test_hid)
        fitted[name] = model
        print(f"{name:<14}{fit_s:>8.1f}{batched:>17.3f}{single:>11.2f}{score:>9.4f}", flush=True)

    print(
        f"\nfold-in vs retrain with the revealed items ({args.epochs} LightGCN / "
        f"{args.mf_epochs} MF epochs, same seed, fold-in steps chosen on valid users)"
    )
    retrain_data = with_revealed(with_revealed(train, test_users, test_rev), valid_users, valid_rev)
    for name, params in trained.items():
        if name not in fitted:
            continue
        model = fitted[name]
        best = (-1.0, model.fold_in_steps, model.fold_in_lr)
        for steps, lr in [(0, 0.0), (5, 0.05), (20, 0.05), (50, 0.05), (20, 0.2)]:
            model.fold_in_steps, model.fold_in_lr = steps, lr
            v = ndcg(model.recommend(k=K, user_items=valid_rev)[0], valid_hid)
            print(f"  {name} valid: steps={steps:<3} lr={lr:<5} NDCG@20 {v:.4f}")
            best = max(best, (v, steps, lr))
        model.fold_in_steps, model.fold_in_lr = best[1], best[2]
        fold = ndcg(model.recommend(k=K, user_items=test_rev)[0], test_hid)
        again = gr.create("embedder", name, **params).fit(retrain_data)
        full = ndcg(again.recommend(test_users, k=K)[0], test_hid)
        print(
            f"{name}: fold-in (steps={best[1]}, lr={best[2]}) NDCG@20 {fold:.4f}, retrain "
            f"{full:.4f}, ratio {fold / full:.3f} (target >= 0.95: "
            f"{'met' if fold >= 0.95 * full else 'NOT met'})",
            flush=True,
        )


if __name__ == "__main__":
    main()
