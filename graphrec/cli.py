"""Command line interface: ``graphrec demo | datasets | list``."""

from __future__ import annotations

import argparse
import inspect
import logging
import sys
import time
from collections.abc import Sequence

import pandas as pd

__all__ = ["main"]

KINDS = ("dataset", "embedder", "detector", "recommender")


def _demo(args: argparse.Namespace) -> int:
    import graphrec as gr

    t0 = time.perf_counter()
    data = gr.load_dataset(
        "synthetic",
        n_users=args.users,
        n_items=args.items,
        n_communities=args.communities,
        mu=args.mu,
        seed=args.seed,
    )
    split = gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=args.seed)
    print(f"data:  {data}")
    print(f"split: {split}  (random 80/10/10 per user, seed {args.seed})\n")
    rows = []
    for name in ("random", "popularity", "itemknn"):
        params = {"random_state": args.seed} if name == "random" else {}
        t = time.perf_counter()
        model = gr.create("recommender", name, **params).fit(split.train)
        res = gr.evaluate(model, split.test, k=[10, 20], exclude=[split.train, split.valid])
        s = res.summary
        rows.append(
            {
                "recommender": name,
                "recall@10": s["recall@10"],
                "recall@20": s["recall@20"],
                "ndcg@20": s["ndcg@20"],
                "coverage@20": s["coverage@20"],
                "novelty@20": s["novelty@20"],
                "seconds": time.perf_counter() - t,
            }
        )
    table = pd.DataFrame(rows).set_index("recommender")
    print(f"Full-ranking evaluation on {len(res.per_user)} test users (train and valid masked):")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"\ndone in {time.perf_counter() - t0:.1f}s. Next:")
    print("  graphrec datasets                      # real datasets graphrec can load")
    print("  graphrec list                          # registered components and parameters")
    print("  python experiments/bench_data.py       # loaders, projection and evaluation speed")
    print('  python -c "import graphrec as gr; help(gr.evaluate)"')
    return 0


def _datasets(args: argparse.Namespace) -> int:
    from graphrec._registry import datasets

    for name in datasets.names():
        doc = inspect.getdoc(datasets.get(name)) or ""
        print(f"{name:18s} {doc.splitlines()[0] if doc else ''}")
    return 0


def _list(args: argparse.Namespace) -> int:
    import graphrec as gr
    from graphrec._registry import _registry

    for kind in args.kinds or KINDS:
        names = gr.available(kind)  # raises ValueError naming the valid kinds
        print(f"{kind}s:" if names else f"{kind}s: (none registered yet)")
        for name in names:
            params = _registry(kind).parameters(name)
            shown = ", ".join(
                p if d is inspect.Parameter.empty else f"{p}={d!r}" for p, d in params.items()
            )
            print(f"  {name:20s} {shown}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphrec",
        description="User communities in recommender data, and recommending with them.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="run the built-in example end to end")
    demo.add_argument("--users", type=int, default=1000)
    demo.add_argument("--items", type=int, default=500)
    demo.add_argument("--communities", type=int, default=5)
    demo.add_argument("--mu", type=float, default=0.2, help="share of out-of-community picks")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_demo)

    ds = sub.add_parser("datasets", help="list the datasets graphrec can load")
    ds.set_defaults(func=_datasets)

    ls = sub.add_parser("list", help="list registered components and their parameters")
    ls.add_argument("kinds", nargs="*", metavar="KIND", help="any of: " + ", ".join(KINDS))
    ls.set_defaults(func=_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.version:
        import graphrec

        print(graphrec.__version__)
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError) as exc:
        print(f"graphrec: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
