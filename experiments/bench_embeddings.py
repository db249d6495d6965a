"""Benchmark of the embedders: LightGCN speed and quality against the stock
torch-geometric recipe, and Node2Vec/DeepWalk walks against the reference packages.

    python experiments/bench_embeddings.py --part speed      # epoch time, recipe settings (~2 min)
    python experiments/bench_embeddings.py --part step --split gowalla  # seconds per step (~1 min)
    python experiments/bench_embeddings.py --part quality    # NDCG@20 vs seconds (~16 min)
    python experiments/bench_embeddings.py --part walks      # random walks (see _bench_walks.py)
    python experiments/bench_embeddings.py                   # everything

Data: the LightGCN-format ml-1m split in ../shared/datasets (train.txt to train,
valid.txt to early-stop, test.txt to report with train and valid items masked);
``--split`` picks another (gowalla, lastfm).
Run it on an otherwise idle machine: torch's OpenMP threads slow down badly when
the cores are shared.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

import graphrec as gr
from graphrec._sparse import to_torch_csr
from graphrec.embed.lightgcn import LightGCN, LightGCNPlusPlus
from graphrec.graph.bipartite import BipartiteGraph

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"
RECIPE = dict(dim=64, layers=3, batch_size=2048, lr=1e-3)  # the reference settings
PAPER_LIGHTGCN = {"recall@10": 0.1495, "ndcg@20": 0.3010, "recall@40": 0.3586}
PAPER_PP = {"recall@10": 0.1667, "ndcg@20": 0.3275, "recall@40": 0.3852}


class StockRecipe:
    """torch-geometric's LightGCN as its example trains it, with a precomputed
    normalised sparse CSR adjacency (``LGConv(normalize=False)``), uniform negatives
    and ``recommendation_loss``; torch's own sparse backward."""

    def __init__(self, train: gr.Interactions, dim: int, layers: int, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.n_users = train.n_users
        graph = BipartiteGraph.from_interactions(train, weighted=False)
        self.adj = to_torch_csr(graph.normalized_adjacency())
        self.model = PyGLightGCN(graph.n_nodes, dim, layers, normalize=False)
        users, items, _, _ = train.coo()
        self.users = torch.from_numpy(users)
        self.items = torch.from_numpy(items + train.n_users)
        self.n_items = train.n_items
        self.seconds = 0.0

    def epoch(
        self,
        batch_size: int,
        opt: torch.optim.Optimizer,
        max_seconds: float = np.inf,
        max_steps: int | None = None,
    ) -> float:
        t0 = time.perf_counter()
        perm = torch.randperm(len(self.users))
        for step, start in enumerate(range(0, len(perm), batch_size)):
            if step == max_steps:
                break
            idx = perm[start : start + batch_size]
            u, i = self.users[idx], self.items[idx]
            j = torch.randint(0, self.n_items, (len(idx),)) + self.n_users
            emb = self.model.get_embedding(self.adj)
            pos = (emb[u] * emb[i]).sum(-1)
            neg = (emb[u] * emb[j]).sum(-1)
            loss = self.model.recommendation_loss(
                pos, neg, node_id=torch.cat([u, i, j]), lambda_reg=1e-4
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            if time.perf_counter() - t0 > max_seconds:
                break
        elapsed = time.perf_counter() - t0
        self.seconds += elapsed
        return elapsed

    def as_embedder(self, train: gr.Interactions) -> LightGCN:
        with torch.no_grad():
            x = self.model.get_embedding(self.adj).numpy()
        wrapped = LightGCN()
        wrapped.user_embeddings_, wrapped.item_embeddings_ = x[: self.n_users], x[self.n_users :]
        wrapped.train_ = train
        return wrapped


def ndcg(model: LightGCN, split: gr.Split, part: str = "valid") -> dict[str, float]:
    target = split.valid if part == "valid" else split.test
    exclude = [split.train] if part == "valid" else [split.train, split.valid]
    return gr.evaluate(model, target, k=[10, 20, 40], exclude=exclude, train=split.train).summary


def speed(split: gr.Split) -> None:
    print("== epoch time at the recipe's settings (dim 64, 3 layers, batch 2048, Adam lr 1e-3)")
    stock = StockRecipe(split.train, RECIPE["dim"], RECIPE["layers"])
    opt = torch.optim.Adam(stock.model.parameters(), lr=RECIPE["lr"])
    t_stock = stock.epoch(RECIPE["batch_size"], opt)
    print(f"stock torch-geometric (sparse CSR adjacency): {t_stock:6.1f} s / epoch")
    ours = LightGCN(**RECIPE, epochs=1, random_state=0).fit(split.train)
    t_ours = ours.history_[-1]["seconds"]
    ratio = t_stock / t_ours
    print(f"graphrec LightGCN:                            {t_ours:6.1f} s / epoch")
    print(
        f"ratio stock / graphrec: {ratio:.1f}x (target >= 3x: {'ok' if ratio >= 3 else 'MISSED'})\n"
    )


def step_time(split: gr.Split, n_steps: int) -> None:
    """Seconds per BPR step at the recipe's settings: the stock recipe, graphrec with
    one square CSR adjacency (its propagation before the bipartite blocks) and
    graphrec's :class:`~graphrec.embed._torch_lightgcn.BipartiteAdjacency`. One step
    is one propagation forward and backward; its cost does not depend on the batch."""
    from graphrec.embed._bpr import bpr_loss

    print(f"== seconds per step ({n_steps} steps; dim 64, 3 layers, batch 2048, Adam lr 1e-3)")
    stock = StockRecipe(split.train, RECIPE["dim"], RECIPE["layers"])
    opt = torch.optim.Adam(stock.model.parameters(), lr=RECIPE["lr"])
    stock.epoch(RECIPE["batch_size"], opt, max_steps=2)  # warm-up
    times = {"stock torch-geometric": stock.epoch(RECIPE["batch_size"], opt, max_steps=n_steps)}
    full = to_torch_csr(BipartiteGraph.from_interactions(split.train).normalized_adjacency())
    rng = torch.Generator().manual_seed(0)
    nu, n = split.train.n_users, split.train.n_users + split.train.n_items
    for label in ("graphrec, one square CSR", "graphrec, bipartite blocks"):
        net = LightGCN(**RECIPE)._build_model(split.train, torch.device("cpu"), rng)
        if label.endswith("CSR"):
            net.a, net.a_t = full, full
        opt = torch.optim.Adam(net.parameters(), lr=RECIPE["lr"])
        for k in range(n_steps + 2):  # two warm-up steps
            if k == 2:
                t0 = time.perf_counter()
            u = torch.randint(0, nu, (RECIPE["batch_size"],), generator=rng)
            i, j = (torch.randint(nu, n, (RECIPE["batch_size"],), generator=rng) for _ in "ij")
            loss = bpr_loss(net(), net.embedding.weight, u, i, j, 1e-4)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times[label] = time.perf_counter() - t0
    base = times["stock torch-geometric"]
    for label, t in times.items():
        print(f"{label:28s} {t / n_steps:6.3f} s / step   stock / this {base / t:4.2f}x")
    print()


def trajectory(label: str, model: LightGCN) -> None:
    points = [(h["seconds"], h["ndcg@20"]) for h in model.history_ if "ndcg@20" in h]
    shown = ", ".join(f"{s:.0f}s:{v:.4f}" for s, v in points)
    print(f"{label} valid ndcg@20 by time: {shown}")


def quality(split: gr.Split, budget_minutes: float, pp_minutes: float) -> None:
    print(f"== quality within {budget_minutes:g} minutes (graphrec defaults) vs the stock recipe")
    t0 = time.perf_counter()
    ours = LightGCN(max_minutes=budget_minutes, random_state=0).fit(split.train, valid=split.valid)
    wall = time.perf_counter() - t0
    trajectory("graphrec", ours)
    test = ndcg(ours, split, "test")
    row = {k: round(test[k], 4) for k in PAPER_LIGHTGCN}
    ok = all(test[k] >= v for k, v in PAPER_LIGHTGCN.items())
    print(
        f"graphrec LightGCN test {row} in {wall:.0f} s (best epoch {ours.best_epoch_}); "
        f"paper row {PAPER_LIGHTGCN}: "
        f"{'ok' if ok and wall <= 60 * budget_minutes + 30 else 'MISSED'}"
    )

    stock = StockRecipe(split.train, RECIPE["dim"], RECIPE["layers"])
    opt = torch.optim.Adam(stock.model.parameters(), lr=RECIPE["lr"])
    points = []
    while stock.seconds < wall:
        stock.epoch(RECIPE["batch_size"], opt, max_seconds=wall - stock.seconds)
        points.append((stock.seconds, ndcg(stock.as_embedder(split.train), split)["ndcg@20"]))
    print(
        "stock recipe valid ndcg@20 by time: " + ", ".join(f"{s:.0f}s:{v:.4f}" for s, v in points)
    )
    stock_test = ndcg(stock.as_embedder(split.train), split, "test")
    print(f"stock recipe test ndcg@20 after the same {wall:.0f} s: {stock_test['ndcg@20']:.4f}\n")

    print(f"== LightGCN++ within {pp_minutes:g} minutes")
    t0 = time.perf_counter()
    pp = LightGCNPlusPlus(max_minutes=pp_minutes, random_state=0).fit(
        split.train, valid=split.valid
    )
    wall = time.perf_counter() - t0
    trajectory("graphrec LightGCN++", pp)
    test = ndcg(pp, split, "test")
    row = {k: round(test[k], 4) for k in PAPER_PP}
    ok = test["ndcg@20"] >= PAPER_PP["ndcg@20"]
    print(
        f"LightGCN++ test {row} in {wall:.0f} s; paper ++ row {PAPER_PP}: "
        f"{'ok' if ok else 'MISSED'} on ndcg@20\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--part", choices=["speed", "step", "quality", "walks", "all"], default="all"
    )
    parser.add_argument("--split", default="ml-1m", help="a LightGCN-format split's folder name")
    parser.add_argument("--steps", type=int, default=20, help="steps timed by --part step")
    parser.add_argument("--budget-minutes", type=float, default=3.0)
    parser.add_argument("--pp-minutes", type=float, default=10.0)
    parser.add_argument("--pecanpy-python", default=None, help="a Python with pecanpy installed")
    args = parser.parse_args()
    print(
        f"graphrec {gr.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads\n"
    )
    if args.part in ("speed", "step", "quality", "all"):
        split = gr.load_dataset("lightgcn", path=args.data / "lightgcn-splits" / args.split)
        if args.part in ("speed", "all"):
            speed(split)
        if args.part in ("step", "all"):
            step_time(split, args.steps)
        if args.part in ("quality", "all"):
            quality(split, args.budget_minutes, args.pp_minutes)
    if args.part in ("walks", "all"):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import _bench_walks

        _bench_walks.run(args.data, args.pecanpy_python)


if __name__ == "__main__":
    main()
