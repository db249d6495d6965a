"""Every stage of the pipeline at 10k, 100k and 1M users: seconds, peak memory, growth.

Planted-community data (``graphrec.planted_communities``: 50 communities, mu 0.3,
items = users / 4, mean degree 30, so 0.3M, 2.9M and 30M interactions), then per
stage, in this order:

    generate, split (random 80/10/10), projection (exact cosine, top-50 per user),
    walk_projection (the two-step random-walk projection estimated from 500 sampled
    walks per user, top-50: ``user_projection(kind="walk", n_walks=500)``),
    bipartite_louvain and bipartite_leiden (Leiden on the user-item graph itself), then
    leiden, louvain and label_propagation on the walk projection (on the exact one when
    walk_projection is not run),
    gfcf and graph_filter (fit), lightgcn (seconds per epoch, one epoch),
    community_popularity and community_blend (fit, on bipartite Louvain's labels),
    diversity_basis (the default diversity space of ``evaluate``: a 64-dimensional svd
    of train, computed once and cached), evaluation: community_popularity on all test
    users and on a 10,000-user sample (``evaluate(sample_users=10000)``), graph_filter
    on the same sample.

Each stage prints its wall-clock seconds and its peak memory: the growth of the
process's resident-set high-water mark (``VmHWM``, reset before each stage through
``/proc/self/clear_refs``; Linux only, so torch's allocations count too) above the
resident set at the stage's start. Detectors also print their NMI against the planted
communities. After the shapes, one table: seconds (and peak MiB) per stage and shape,
and the fitted growth exponent of time against interactions between consecutive
shapes (the log-log slope ``log(t2 / t1) / log(nnz2 / nnz1)``), and the process's
largest resident set over all stages (what a memory budget is about).

    python experiments/bench_scale.py --shapes 10k 100k
    python experiments/bench_scale.py --shapes 10k 100k 1m            # the full run
    python experiments/bench_scale.py --shapes 100k 1m --stages generate split \
        bipartite_louvain bipartite_leiden graph_filter community_popularity \
        community_blend evaluate_sample --filter-k 64                # the 1M pipeline
    python experiments/bench_scale.py --shapes ml20m                  # 140k x 27k x 17.6M
    python experiments/bench_scale.py --shapes 100k --stages generate split projection leiden

``--stages`` runs a subset (a stage whose input was skipped computes what it needs:
Leiden its own projection, the community models the planted labels). ``--out`` writes
the table as CSV. Timings on a shared machine vary: compare within one run.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _rss import timed_peak

import graphrec as gr
from graphrec.community.quality import nmi
from graphrec.evaluate.diversity import default_item_vectors
from graphrec.graph.projection import user_projection

SHAPES = {  # name -> (users, items, mean degree)
    "1k": (1_000, 250, 20.0),  # for a quick check of the script
    "3k": (3_000, 750, 20.0),
    "10k": (10_000, 2_500, 30.0),
    "100k": (100_000, 25_000, 30.0),
    "1m": (1_000_000, 250_000, 30.0),
    "ml20m": (140_000, 27_000, 125.7),  # MovieLens-20M-sized: about 17.6M interactions
}
STAGES = (
    "generate",
    "split",
    "projection",
    "walk_projection",
    "bipartite_louvain",
    "bipartite_leiden",
    "leiden",
    "louvain",
    "label_propagation",
    "gfcf",
    "graph_filter",
    "lightgcn_epoch",
    "community_popularity",
    "community_blend",
    "diversity_basis",
    "evaluate_full",
    "evaluate_sample",
    "evaluate_graph_filter_sample",
)
SAMPLE = 10_000
WALKS = 500  # sampled walks per user of walk_projection


PROCESS_PEAK = [0]  # the largest resident-set high-water mark of any stage, in bytes


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; return its result, seconds and peak RSS growth in MiB."""
    gc.collect()
    out, seconds, growth, high = timed_peak(fn)
    PROCESS_PEAK[0] = max(PROCESS_PEAK[0], high)
    return out, seconds, growth / 2**20


class Shape:
    """The objects one shape's stages share, computed on demand."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        self.name = name
        self.args = args
        self.n_users, self.n_items, self.degree = SHAPES[name]
        self.cache: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        if key not in self.cache:
            self.cache[key] = getattr(self, f"_{key}")()
        return self.cache[key]

    # the stages' inputs, made when a stage needs one whose own stage did not run
    def _generate(self) -> Any:
        return gr.planted_communities(
            self.n_users, self.n_items, 50, mean_degree=self.degree, mu=0.3, seed=0
        )

    def _split(self) -> Any:
        return gr.split(self.get("generate").data, "random", seed=0)

    def _projection(self) -> Any:
        return user_projection(self.get("split").train, "cosine", top_k=50)

    def _walk_projection(self) -> Any:
        return user_projection(self.get("split").train, "walk", top_k=50, n_walks=WALKS, seed=0)

    def _labels(self) -> np.ndarray:
        return self.get("generate").user_labels

    def _community_popularity(self) -> Any:
        return gr.create("recommender", "community_popularity", communities=self.get("labels"))

    def _graph_filter(self) -> Any:
        return gr.create("recommender", "graph_filter", **filter_params(self.args)).fit(self.train)

    @property
    def train(self) -> Any:
        return self.get("split").train

    def truth(self, labels: np.ndarray) -> str:
        return f"NMI {nmi(self.get('generate').user_labels, labels):.2f}"


def filter_params(args: argparse.Namespace) -> dict[str, Any]:
    """The graph filters' parameters from the command line."""
    params: dict[str, Any] = {"k": args.filter_k}
    if args.filter_memory_gb is not None:
        params["max_memory_gb"] = args.filter_memory_gb
    return params


def run_stage(shape: Shape, stage: str) -> tuple[Any, str]:
    """Run one stage (timed by the caller); return what later stages reuse and a note."""
    args = shape.args
    if stage == "generate":
        out = shape._generate()
        return out, f"{out.data.nnz:,} interactions"
    if stage == "split":
        return shape._split(), ""
    if stage in ("projection", "walk_projection"):
        out = getattr(shape, f"_{stage}")()
        return out, f"{out.nnz:,} edges"
    if stage in ("leiden", "louvain", "label_propagation"):
        det = gr.create("detector", stage, random_state=0)
        graph = shape.cache.get("walk_projection", shape.cache.get("projection"))
        if graph is None and "projection" not in args.stages:  # sampled unless asked otherwise
            graph = shape.get("walk_projection")
        labels = det.fit(shape.train if graph is None else graph).labels_
        return labels, shape.truth(labels)
    if stage in ("bipartite_louvain", "bipartite_leiden"):
        labels = gr.create("detector", stage, random_state=0).fit(shape.train).labels_
        if stage == "bipartite_louvain" or "labels" not in shape.cache:
            shape.cache["labels"] = labels  # the community models' partition
        return labels, shape.truth(labels)
    if stage in ("gfcf", "graph_filter"):
        model = gr.create("recommender", stage, **filter_params(args)).fit(shape.train)
        return model, f"linear part {model.linear_mode_}"
    if stage == "lightgcn_epoch":
        emb = gr.create("embedder", "lightgcn", epochs=1, random_state=0).fit(shape.train)
        return emb, f"{emb.history_[0]['seconds']:.1f} s in the epoch itself"
    if stage == "community_popularity":
        return shape._community_popularity().fit(shape.train), ""
    if stage == "community_blend":
        base = shape.get("graph_filter")
        params = gr.create("recommender", "community_blend").get_params()
        key = "base" if "base" in params else "embedder"
        if key == "embedder":  # an embedder base: the low-rank svd (graph_filter is no embedder)
            base = gr.create("embedder", "svd", dim=64, random_state=0).fit(shape.train)
        model = gr.create("recommender", "community_blend", communities=shape.get("labels"))
        return model.set_params(**{key: base}).fit(shape.train), f"over {type(base).__name__}"
    split = shape.get("split")
    exclude = [split.train, split.valid]
    if stage == "diversity_basis":  # evaluate's default diversity space, cached for the rest
        vectors = default_item_vectors(split.test, split.train)
        return vectors, f"{vectors.shape[1]}-dim svd of train"
    if stage == "evaluate_full":
        model = shape.get("community_popularity")
        if not hasattr(model, "train_"):
            model.fit(shape.train)
        res = gr.evaluate(model, split.test, k=[20], exclude=exclude, train=split.train)
        return res, f"{len(res.per_user):,} users, ndcg@20 {res.summary['ndcg@20']:.4f}"
    model = shape.get("community_popularity" if stage == "evaluate_sample" else "graph_filter")
    if not hasattr(model, "train_"):
        model.fit(shape.train)
    n_test = int((split.test.user_degrees() > 0).sum())
    res = gr.evaluate(
        model,
        split.test,
        k=[20],
        exclude=exclude,
        train=split.train,
        sample_users=min(SAMPLE, n_test),
        seed=0,
    )
    lo, hi = res.ci["ndcg@20"]
    return (
        res,
        f"{len(res.per_user):,} users, ndcg@20 {res.summary['ndcg@20']:.4f} [{lo:.4f}, {hi:.4f}]",
    )


def growth(seconds: pd.DataFrame, shapes: list[str], nnz: dict[str, int]) -> pd.DataFrame:
    """Log-log slope of seconds (stages x shapes) against interactions between shapes."""
    out = {}
    for a, b in itertools.pairwise(shapes):
        ratio = math.log(nnz[b] / nnz[a]) if nnz[b] != nnz[a] else float("nan")
        out[f"exponent {a}->{b}"] = np.log(seconds[b] / seconds[a]) / ratio
    return pd.DataFrame(out, index=seconds.index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=["10k", "100k"], choices=list(SHAPES))
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=list(STAGES))
    parser.add_argument("--filter-k", type=int, default=256, help="graph filters' k")
    parser.add_argument(
        "--filter-memory-gb",
        type=float,
        help="graph filters' max_memory_gb (default theirs: 1; a dense items x items gram "
        "needs two float32 copies under it, else the linear part is matrix-free)",
    )
    parser.add_argument("--out", type=Path, help="also write the table as CSV here")
    args = parser.parse_args()
    import torch  # noqa: F401  imported here, so that no stage's time includes the import

    print(f"graphrec {gr.__version__}, {os.cpu_count()} CPUs; peak = RSS high-water growth\n")

    rows: dict[tuple[str, str], float] = {}
    nnz: dict[str, int] = {}
    for name in args.shapes:
        shape = Shape(name, args)
        print(f"== {name}: {shape.n_users:,} users x {shape.n_items:,} items")
        for stage in [s for s in STAGES if s in args.stages]:
            (result, note), seconds, peak = measure(lambda st=stage, sh=shape: run_stage(sh, st))
            if stage in ("generate", "split", "projection", "walk_projection", "graph_filter") or (
                stage == "community_popularity"
            ):
                shape.cache[stage] = result
            rows[(stage, name, "s")] = seconds
            rows[(stage, name, "MiB")] = peak
            print(f"  {stage:30s} {seconds:9.2f} s  peak +{peak:8.0f} MiB  {note}", flush=True)
        nnz[name] = shape.get("generate").data.nnz
        shape.cache.clear()
        gc.collect()

    order = [s for s in STAGES if s in args.stages]
    shapes = list(args.shapes)
    seconds = pd.DataFrame(
        {n: [rows.get((st, n, "s"), np.nan) for st in order] for n in shapes}, index=order
    )
    table = pd.DataFrame(index=order)
    for n in shapes:
        table[f"{n} s"] = seconds[n]
        table[f"{n} MiB"] = [rows.get((st, n, "MiB"), np.nan) for st in order]
    if len(shapes) > 1:
        table = table.join(growth(seconds, shapes, nnz))
    print("\ninteractions: " + ", ".join(f"{s} {nnz[s]:,}" for s in shapes))
    print(f"process peak resident set (any stage): {PROCESS_PEAK[0] / 2**30:.1f} GiB")
    print(table.to_string(float_format=lambda v: f"{v:.2f}"))
    if args.out:
        tmp = args.out.with_suffix(args.out.suffix + ".tmp")
        table.to_csv(tmp)
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
