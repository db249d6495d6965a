"""Does item information predict the community gain? Real datasets and a planted sweep.

For each dataset and user split (``gr.split(data, "user_holdout", test_users=0.1,
valid_users=0.1, seed=s)``) this measures, on the training part,

- ``item_information``: ``I(community; item) / H(item)`` of the bipartite Louvain
  partition (:func:`graphrec.community.quality.item_information`), and
- the gain at ``n`` revealed items: test NDCG@20 of ``community_posterior`` over EASE
  with the detected communities, over the same model with a single community (the
  control), each with its ``weight`` chosen per ``n`` on the validation users from
  {0, .1, .25, .5, 1, 2, 4} (EASE's ``l2`` chosen on validation first), with the paired
  bootstrap interval of the difference and the Wilcoxon p-value (Holm over every row).

The planted sweep runs the same on :func:`graphrec.planted_communities` through its
mixing ``mu`` (at ``mu = (k - 1) / k`` the communities say nothing), where the truth is
known. It prints the rows, the Spearman correlation of information and gain over all of
them, and writes ``information_gain.csv``.

    python experiments/bench_information.py                       # ml-100k, lastfm, ciaodvd
    python experiments/bench_information.py --datasets ml-100k --seeds 0 1 2 --out /tmp/ig
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import graphrec as gr
from graphrec._io import atomic_write_bytes
from graphrec.community.quality import item_information
from graphrec.evaluate.stats import holm

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"
K = 20
PRIMARY = f"ndcg@{K}"
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
L2 = (100.0, 300.0, 1000.0, 3000.0)


def load(name: str, data_dir: Path) -> gr.Interactions:
    """A real dataset (binary) or ``planted-<mu>``: 2,000 users, 500 items, 5 communities."""
    if name.startswith("planted-"):
        mu = float(name.split("-", 1)[1])
        return gr.planted_communities(2000, 500, 5, mean_degree=20, mu=mu, seed=0).data
    if name == "ml-100k":
        return gr.load_dataset("movielens-100k", path=data_dir / "ml-100k").binary()
    if name == "lastfm":
        return gr.load_dataset("lastfm-hetrec", path=data_dir / "lastfm-hetrec").binary()
    if name == "ciaodvd":
        return gr.load_dataset("ciaodvd", path=data_dir / "ciaodvd")
    raise ValueError(f"unknown dataset {name!r}; expected ml-100k, lastfm, ciaodvd, planted-MU")


def _best(models: dict[str, Any], valid: gr.Interactions, train: gr.Interactions, ns, reveal):
    """Per ``n``, the name of the model with the best validation NDCG@20."""
    res = gr.evaluate_new_users(
        models, valid, train=train, n_revealed=ns, k=[K], n_bootstrap=0, reveal_order=reveal
    )
    table = res.table
    return {n: table.loc[table[table["n_revealed"] == n][PRIMARY].idxmax(), "method"] for n in ns}


def run(name: str, data_dir: Path, seed: int, ns: tuple[int, ...], reveal: str) -> list[dict]:
    t0 = time.perf_counter()
    data = load(name, data_dir)
    split = gr.split(data, "user_holdout", test_users=0.1, valid_users=0.1, seed=seed)
    train, valid, test = split.train, split.valid, split.test
    labels = gr.create("detector", "bipartite_louvain", random_state=0).fit_predict(train)
    info = item_information(train, labels)
    eases = {f"ease l2={l2:g}": gr.create("recommender", "ease", l2=l2).fit(train) for l2 in L2}
    best_l2 = _best(eases, valid, train, ns, reveal)
    rows = []
    for n in ns:
        base = eases[best_l2[n]]
        family: dict[str, dict[str, Any]] = {"aware": {}, "control": {}}
        for kind, communities in (("aware", labels), ("control", "single")):
            for w in WEIGHTS:
                model = gr.create(
                    "recommender",
                    "community_posterior",
                    base=base,
                    communities=communities,
                    weight=w,
                )
                family[kind][f"{kind} w={w:g}"] = model.fit(train)
        chosen = {kind: _best(m, valid, train, (n,), reveal)[n] for kind, m in family.items()}
        pair = {
            "aware": family["aware"][chosen["aware"]],
            "control": family["control"][chosen["control"]],
        }
        res = gr.evaluate_new_users(
            pair, test, train=train, n_revealed=[n], k=[K], seed=seed, reveal_order=reveal
        )
        cmp = res.compare("control", PRIMARY).iloc[0]
        rows.append(
            {
                "dataset": name,
                "seed": seed,
                "n_revealed": n,
                "users": int(cmp["users"]),
                "item_information": info,
                "n_communities": len(np.unique(labels[labels >= 0])),
                "aware": chosen["aware"],
                "control": chosen["control"],
                f"aware {PRIMARY}": cmp[PRIMARY],
                f"control {PRIMARY}": cmp[f"baseline {PRIMARY}"],
                "gain": cmp["ratio"],
                "diff lo": cmp["diff lo"],
                "diff hi": cmp["diff hi"],
                "p_wilcoxon": cmp["p_wilcoxon"],
            }
        )
    print(f"  {name} seed {seed}: information {info:.4f} ({time.perf_counter() - t0:.0f} s)")
    return rows


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    return float(np.corrcoef(rx, ry)[0, 1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--datasets", nargs="*", default=["ml-100k", "lastfm", "ciaodvd"])
    parser.add_argument("--mus", type=float, nargs="*", default=[0.0, 0.3, 0.5, 0.65, 0.8])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-revealed", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--reveal", choices=("earliest", "random"), default="random")
    parser.add_argument("--out", type=Path, default=Path("bench_information_out"))
    parser.add_argument("--overwrite", action="store_true", help="replace the file in --out")
    args = parser.parse_args(argv)
    names = [*args.datasets, *(f"planted-{mu:g}" for mu in args.mus)]
    rows: list[dict] = []
    for name in names:
        for seed in args.seeds:
            rows += run(name, args.data, seed, tuple(args.n_revealed), args.reveal)
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p_wilcoxon"].to_numpy())
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        shown = [
            "dataset",
            "seed",
            "n_revealed",
            "users",
            "item_information",
            "gain",
            "diff lo",
            "diff hi",
            "p_holm",
        ]
        print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    for n in args.n_revealed:
        part = table[table["n_revealed"] == n]
        rho = spearman(part["item_information"].to_numpy(), part["gain"].to_numpy())
        print(f"n={n}: Spearman(item_information, gain) = {rho:.3f} over {len(part)} rows")
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    path = atomic_write_bytes(
        args.out / "information_gain.csv", buf.getvalue().encode(), overwrite=args.overwrite
    )
    print(f"written {path}")


if __name__ == "__main__":
    main()
