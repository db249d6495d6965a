"""Does a split's valid part rank models as its test part does?

Prints ``split.describe()`` (each part's size and the train popularity of its items),
then fits each model on train alone and reads NDCG@20 and Recall@20 on valid (train
masked) and on test (train and valid masked), with the test / valid ratio. Nothing is
chosen here: this is a check of the split, not of the models. A ratio that varies
widely across models, in the order of how much they lean on popular items, says
valid and test differ in popularity (README: Data, "Does valid look like test?").

    python experiments/valid_vs_test.py                       # gowalla, the 4 models
    python experiments/valid_vs_test.py --data ../shared/datasets/lightgcn-splits/ml-1m
    python experiments/valid_vs_test.py --bpr-epochs 5 --softmax-epochs 2  # quicker
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import graphrec as gr

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "datasets" / "lightgcn-splits" / "gowalla"


def models(args: argparse.Namespace) -> dict[str, tuple[str, str, dict]]:
    """Name -> (kind, registered name, parameters) of the models compared."""
    lightgcn = dict(dim=64, layers=3, device=args.device, random_state=0)
    return {
        "popularity": ("recommender", "popularity", {}),
        "gfcf": ("recommender", "gfcf", {"k": args.gfcf_k}),
        f"lightgcn bpr, {args.bpr_epochs} epochs": (
            "embedder", "lightgcn", dict(lightgcn, epochs=args.bpr_epochs)),
        f"lightgcn softmax, {args.softmax_epochs} epochs": (
            "embedder", "lightgcn", dict(
                lightgcn, epochs=args.softmax_epochs, loss="softmax", softmax_temperature=0.1,
                softmax_negatives=1024, batch_size=8192, reg=0.0)),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT, help="a LightGCN-format split")
    parser.add_argument("--bpr-epochs", type=int, default=30)
    parser.add_argument("--softmax-epochs", type=int, default=10)
    parser.add_argument("--gfcf-k", type=int, default=256, help="gfcf's singular vectors")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    split = gr.load_dataset("lightgcn", path=args.data)
    full = split.train + split.valid
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(f"{args.data.name}: {split}")
    print(split.describe().round(3).to_string())
    rows = {}
    for name, (kind, registered, params) in models(args).items():
        t0 = time.perf_counter()
        model = gr.create(kind, registered, **params).fit(split.train)
        valid = gr.evaluate(model, split.valid, k=[20], train=split.train).summary
        test = gr.evaluate(model, split.test, k=[20], train=full).summary
        rows[name] = {
            "valid ndcg@20": valid["ndcg@20"],
            "test ndcg@20": test["ndcg@20"],
            "test / valid": test["ndcg@20"] / valid["ndcg@20"],
            "valid recall@20": valid["recall@20"],
            "test recall@20": test["recall@20"],
            "seconds": time.perf_counter() - t0,
        }
        print(f"{name}: {rows[name]}", flush=True)
    table = pd.DataFrame.from_dict(rows, orient="index")
    print(table.round(4).to_string())
    by_valid = table["valid ndcg@20"].rank(ascending=False)
    by_test = table["test ndcg@20"].rank(ascending=False)
    flips = [
        (a, b) for a in table.index for b in table.index
        if by_valid[a] < by_valid[b] and by_test[a] > by_test[b]
    ]  # fmt: skip
    for a, b in flips:
        print(f"valid ranks {a!r} above {b!r}; test ranks it below")
    if not flips:
        print("valid and test rank the models in the same order")


if __name__ == "__main__":
    main()
