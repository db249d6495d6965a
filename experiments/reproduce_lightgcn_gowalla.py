"""Reproduce the LightGCN paper's Gowalla row (3 layers: Recall@20 0.1830, NDCG@20 0.1554).

Protocol of the paper: train on train.txt + valid.txt of the LightGCN-format gowalla
split (= the paper's training set, 810,128 interactions), rank all items for every
test user with training items masked. Like the paper's code, test metrics are
computed every few epochs and the best is kept (``valid=test``), so read the number
as the paper's, not as an early-stopped held-out estimate.

    python experiments/reproduce_lightgcn_gowalla.py                      # GPU if present
    python experiments/reproduce_lightgcn_gowalla.py --max-minutes 30     # a time budget
    python experiments/reproduce_lightgcn_gowalla.py --recipe fast        # graphrec defaults
    python experiments/reproduce_lightgcn_gowalla.py --recipe fast --reg 1e-4 --batch-size 8192

On a 2-core CPU this takes hours (see ``--epochs-only`` to measure seconds per epoch).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import graphrec as gr
from graphrec._validation import resolve_device

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "datasets" / "lightgcn-splits" / "gowalla"
PAPER = {"recall@20": 0.1830, "ndcg@20": 0.1554}
RECIPES = {
    # the paper's settings: 64 dims, 3 layers, batch 2048, Adam 1e-3, L2 1e-4, up to 1000 epochs
    "paper": dict(dim=64, layers=3, batch_size=2048, lr=1e-3, reg=1e-4, epochs=1000),
    # graphrec's large-batch defaults
    "fast": dict(dim=64, layers=3, epochs=1000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="paper")
    parser.add_argument("--max-minutes", type=float, default=None, help="training time budget")
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--patience", type=int, default=10, help="evaluations without gain")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--lr", type=float, default=None, help="override the recipe's lr")
    parser.add_argument("--reg", type=float, default=None, help="override the recipe's L2 weight")
    parser.add_argument("--batch-size", type=int, default=None, help="override the batch size")
    parser.add_argument(
        "--epochs-only",
        type=int,
        default=0,
        help="just time this many epochs and print seconds per epoch",
    )
    parser.add_argument("--checkpoint-dir", default=None, help="write checkpoints; resumes")
    args = parser.parse_args()

    split = gr.load_dataset("lightgcn", path=args.data)
    train = split.train + split.valid
    print(
        f"gowalla: {train.n_users} users, {train.n_items} items, train {train.nnz}, "
        f"test {split.test.nnz}; device {resolve_device(args.device)}; recipe {args.recipe}"
    )
    params = dict(RECIPES[args.recipe], device=args.device, random_state=0, verbose=True)
    overrides = {"lr": args.lr, "reg": args.reg, "batch_size": args.batch_size}
    params.update({k: v for k, v in overrides.items() if v is not None})
    if args.epochs_only:
        params.update(epochs=args.epochs_only)
        model = gr.create("embedder", "lightgcn", **params).fit(train)
        per_epoch = model.history_[-1]["seconds"] / len(model.history_)
        print(f"{per_epoch:.1f} s per epoch ({args.recipe} recipe, {len(model.history_)} epochs)")
        return
    params.update(
        eval_every=args.eval_every,
        patience=args.patience,
        max_minutes=args.max_minutes,
        checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=args.eval_every if args.checkpoint_dir else 0,
        resume=bool(args.checkpoint_dir),
    )
    t0 = time.perf_counter()
    model = gr.create("embedder", "lightgcn", **params).fit(train, valid=split.test)
    elapsed = time.perf_counter() - t0
    res = gr.evaluate(model, split.test, k=[20], train=train).summary
    per_epoch = model.history_[-1]["seconds"] / max(1, len(model.history_))
    print(
        f"best epoch {model.best_epoch_} of {len(model.history_)}, {elapsed / 60:.1f} min "
        f"({per_epoch:.1f} s per epoch)"
    )
    for key, target in PAPER.items():
        verdict = "ok" if res[key] >= target else "below"
        print(f"{key}: {res[key]:.4f} (paper {target}) {verdict}")


if __name__ == "__main__":
    main()
