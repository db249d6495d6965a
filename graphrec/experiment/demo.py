"""The built-in demo: the whole chain on planted-community data, in well under a minute.

``graphrec demo`` prints what :func:`run_demo` returns: the bipartite graph, two kinds of
embeddings (a graph filter's spectral vectors and Node2Vec), several detectors scored
against the planted truth (NMI) and by Barber modularity, the community-aware
recommenders against their base and popularity on warm users and on new users (a few
revealed items, fold-in), named community profiles, and the plots it wrote.

Every choice a result depends on is made on validation data and reported once on test:
the detector that serves the community recommenders is the one with the highest Barber
modularity on the training graph (the planted truth is only used to *score* detectors),
and each community recommender's weight is chosen on the validation users.

>>> from graphrec.experiment.demo import run_demo
>>> report = run_demo(n_users=300, n_items=150, n_communities=3, plots_dir=None,
...                   node2vec=False, seed=0)
>>> sorted(report.detectors.index)[:2]
['bipartite_louvain', 'kmeans (lowpass)']
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DemoReport", "run_demo"]

logger = logging.getLogger(__name__)

NEW_USER_N = (1, 3, 10)


@dataclass
class DemoReport:
    """The tables of the demo, each a DataFrame ready to print."""

    data: str
    graph: str
    embeddings: pd.DataFrame
    detectors: pd.DataFrame
    served_by: str
    warm: pd.DataFrame
    new_users: pd.DataFrame
    new_users_vs_base: pd.DataFrame
    profiles: pd.DataFrame
    plots: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """The report as ``graphrec demo`` prints it."""

        def fmt(table: pd.DataFrame) -> str:
            return table.to_string(float_format=lambda v: f"{v:.4f}")

        wide = self.new_users.pivot(index="method", columns="n_revealed", values="ndcg@20")
        wide.columns = [f"n={n}" for n in wide.columns]
        cov = self.new_users.pivot(index="method", columns="n_revealed", values="coverage@20")
        cov.columns = [f"n={n}" for n in cov.columns]
        vs = self.new_users_vs_base
        cols = [c for c in ("n_revealed", "method", "ratio", "p_holm") if c in vs.columns]
        prof_cols = [
            c
            for c in ("community", "size", "label", "top_genres", "top_tags", "separated_by")
            if c in self.profiles
        ]
        out = [
            f"data:   {self.data}",
            f"graph:  {self.graph}",
            "",
            "1. Embeddings of the training graph",
            fmt(self.embeddings),
            "",
            "2. Communities (NMI against the planted truth; Barber modularity on train)",
            fmt(self.detectors),
            f"   served to the recommenders: {self.served_by} (highest modularity)",
            "",
            "3. Warm users: full ranking on the test part (train and valid masked)",
            fmt(self.warm),
            "",
            "4. New users: held out entirely, n items revealed, the rest scored (NDCG@20)",
            fmt(wide),
            "   coverage@20:",
            fmt(cov),
            "   paired against the base (Wilcoxon, Holm-corrected over the table):",
            fmt(vs[cols].reset_index(drop=True)),
            "",
            "5. The communities, named by their distinctive genres",
            self.profiles[prof_cols].to_string(index=False),
            "",
        ]
        out += [f"note: {n}" for n in self.notes]
        if self.plots:
            folder = self.plots[0].parent
            names = sorted({p.stem for p in self.plots})
            out.append(f"plots: {folder}/ ({', '.join(names)}; PNG and SVG)")
        out += [
            "",
            f"done in {self.seconds:.1f}s. Next:",
            "  graphrec profile movielens-100k --path ../shared/datasets/ml-100k   # real data",
            "  graphrec run experiments/configs/synthetic_sweep.yaml   # a cached, resumable grid",
            "  PYTHONPATH=. python experiments/bench_new_users.py      # the new-user benchmark",
            "  notebooks/01_quickstart.ipynb ... 04_new_users.ipynb     # explore in Jupyter",
            "  graphrec list                                           # every component",
        ]
        return "\n".join(out)


def run_demo(
    n_users: int = 2000,
    n_items: int = 1000,
    n_communities: int = 6,
    mu: float = 0.2,
    seed: int = 0,
    plots_dir: str | Path | None = "graphrec-demo",
    node2vec: bool = True,
) -> DemoReport:
    """Run the demo and return its tables (nothing is printed; ``graphrec demo`` prints).

    Parameters
    ----------
    n_users, n_items, n_communities, mu
        The planted-community data (``mu``: share of each user's picks outside their
        community).
    seed : int
        Seeds the data, the splits and every random step.
    plots_dir : path or None
        Folder for the figures (PNG and SVG); None writes none.
    node2vec : bool
        Also fit Node2Vec (the slowest step, a few seconds).
    """
    import graphrec as gr
    from graphrec.community import quality

    t0 = time.perf_counter()
    data = gr.load_dataset(
        "synthetic",
        n_users=n_users,
        n_items=n_items,
        n_communities=n_communities,
        mu=mu,
        seed=seed,
    )
    truth = data.user_features["community"].to_numpy()
    split = gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=seed)
    train = split.train
    graph = gr.BipartiteGraph.from_interactions(train)

    # embeddings
    embedders: dict[str, Any] = {"lowpass": gr.create("embedder", "lowpass", dim=32)}
    if node2vec:
        embedders["node2vec"] = gr.create("embedder", "node2vec", dim=32, random_state=seed)
    emb_rows = []
    for name, emb in embedders.items():
        t = time.perf_counter()
        emb.fit(train)
        emb_rows.append(
            {
                "embedder": name,
                "dim": emb.user_embeddings_.shape[1],
                "seconds": time.perf_counter() - t,
            }
        )
    embeddings = pd.DataFrame(emb_rows).set_index("embedder")

    # detectors, scored against the planted truth and by modularity
    specs: list[tuple[str, str, dict[str, Any], Any]] = [
        ("bipartite_louvain", "bipartite_louvain", {"random_state": seed}, None),
        ("leiden", "leiden", {"random_state": seed}, None),
        ("label_propagation", "label_propagation", {"random_state": seed}, None),
    ]
    for name, emb in embedders.items():
        specs.append(
            (
                f"kmeans ({name})",
                "kmeans",
                {"n_communities": n_communities, "random_state": seed},
                emb,
            )
        )
    det_rows, partitions = [], {}
    for label, name, params, emb in specs:
        t = time.perf_counter()
        det = gr.create("detector", name, **params)
        det.fit(train, embedder=emb) if emb is not None else det.fit(train)
        comms = det.communities_
        partitions[label] = comms
        det_rows.append(
            {
                "detector": label,
                "communities": len(np.unique(comms.user_labels[comms.user_labels >= 0])),
                "nmi": quality.nmi(truth, comms.user_labels),
                "barber_modularity": quality.barber_modularity(train, comms),
                "seconds": time.perf_counter() - t,
            }
        )
    detectors = pd.DataFrame(det_rows).set_index("detector")
    # the truth only scores detectors; the one serving the recommenders is chosen by
    # an unsupervised criterion a researcher has on real data
    served_by = str(detectors["barber_modularity"].idxmax())
    communities = partitions[served_by]

    warm = _warm_table(gr, split, communities, seed)
    spec = next(s for s in specs if s[0] == served_by)
    new_users, vs_base = _new_user_tables(gr, data, spec, seed)
    from graphrec.community.profile import profile

    profiles = profile(train, communities, top_n=3)

    plots: list[Path] = []
    if plots_dir is not None:
        plots = _plots(plots_dir, partitions, embedders, communities, served_by, new_users)
    notes = [
        f"detector serving the recommenders: {served_by} (highest Barber modularity on train)",
        "weights of the community recommenders chosen on validation users, reported on test",
    ]
    return DemoReport(
        data=repr(data),
        graph=repr(graph),
        embeddings=embeddings,
        detectors=detectors,
        served_by=served_by,
        warm=warm,
        new_users=new_users,
        new_users_vs_base=vs_base,
        profiles=profiles,
        plots=plots,
        seconds=time.perf_counter() - t0,
        notes=notes,
    )


def _tuned(
    gr: Any, name: str, fixed: dict[str, Any], grid: list[dict[str, Any]], train: Any, score: Any
) -> tuple[Any, dict[str, Any]]:
    """The model of ``grid`` with the best validation ``score(model)``."""
    best: tuple[Any, dict[str, Any]] | None = None
    best_score = -np.inf
    for params in grid:
        model = gr.create("recommender", name, **fixed, **params).fit(train)
        value = score(model)
        if value > best_score:
            best, best_score = (model, params), value
    assert best is not None
    return best


def _label(name: str, params: dict[str, Any]) -> str:
    return name + "".join(f" {k}={v:g}" for k, v in params.items())


# every community method runs twice: with the detected communities and with one
# community of all users (the control: global popularity in place of community popularity)
_BLEND_GRID = [{"alpha": a} for a in (0.1, 0.2, 0.3, 0.5)]
_BACKOFF_GRID = [{"lambda0": lam, "n0": n0} for lam in (0.5, 1.0, 2.0) for n0 in (1.0, 3.0, 10.0)]


def _community_models(
    gr: Any, base: Any, communities: Any, train: Any, grid_name: str, score: Any
) -> dict[str, Any]:
    name, grid = (
        ("community_blend", _BLEND_GRID)
        if grid_name == "blend"
        else ("community_backoff", _BACKOFF_GRID)
    )
    out = {}
    for tag, comms in (("", communities), (" [control: one community]", "single")):
        model, params = _tuned(gr, name, {"base": base, "communities": comms}, grid, train, score)
        out[_label(name, params) + tag] = model
    return out


def _warm_table(gr: Any, split: Any, communities: Any, seed: int) -> pd.DataFrame:
    train, valid, test = split.train, split.valid, split.test
    base = gr.create("recommender", "ease", l2=50.0).fit(train)

    def valid_ndcg(model: Any) -> float:
        res = gr.evaluate(model, valid, k=[20], exclude=[train], train=train)
        return float(res.summary["ndcg@20"])

    models: dict[str, Any] = {
        "popularity": gr.create("recommender", "popularity").fit(train),
        "ease (base)": base,
    }
    models.update(_community_models(gr, base, communities, train, "blend", valid_ndcg))
    rows = {}
    for label, model in models.items():
        s = gr.evaluate(model, test, k=[20], exclude=[train, valid], train=train).summary
        rows[label] = {m: s[m] for m in ("recall@20", "ndcg@20", "coverage@20", "novelty@20")}
    return pd.DataFrame(rows).T


def _new_user_tables(
    gr: Any, data: Any, spec: tuple[str, str, dict[str, Any], Any], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    held = gr.split(data, "user_holdout", test_users=0.2, valid_users=0.2, seed=seed)
    train = held.train
    _, name, params, emb = spec
    det = gr.create("detector", name, **params)
    if emb is not None:  # the same embedder, refitted on this split's training users
        emb = type(emb)(**emb.get_params()).fit(train)
        det.fit(train, embedder=emb)
    else:
        det.fit(train)
    base = gr.create("recommender", "ease", l2=50.0).fit(train)

    def valid_ndcg(model: Any) -> float:
        res = gr.evaluate_new_users(
            model,
            held.valid,
            train=train,
            n_revealed=NEW_USER_N,
            k=[20],
            seed=seed,
            n_bootstrap=0,
        )
        return float(res.table["ndcg@20"].mean())

    models: dict[str, Any] = {
        "popularity": gr.create("recommender", "popularity").fit(train),
        "ease (base)": base,
    }
    models.update(_community_models(gr, base, det.communities_, train, "backoff", valid_ndcg))
    res = gr.evaluate_new_users(
        models, held.test, train=train, n_revealed=NEW_USER_N, k=[20], seed=seed
    )
    cols = [
        "method",
        "n_revealed",
        "n_users",
        "ndcg@20",
        "ndcg@20 lo",
        "ndcg@20 hi",
        "coverage@20",
        "ms_per_user",
    ]
    table = res.table[[c for c in cols if c in res.table.columns]].reset_index(drop=True)
    vs = res.compare("ease (base)", "ndcg@20")
    return table, vs


def _plots(
    folder: str | Path,
    partitions: dict,
    embedders: dict,
    communities: Any,
    served_by: str,
    new_users: pd.DataFrame,
) -> list[Path]:
    from graphrec.experiment import plots as P

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    out += P.save_figure(P.community_sizes(partitions), folder / "community_sizes")
    vectors = embedders["lowpass"].user_embeddings_
    fig = P.embedding_map(
        vectors,
        communities,
        method="auto",
        random_state=0,
        title=f"lowpass user vectors, coloured by {served_by}",
    )
    out += P.save_figure(fig, folder / "embedding_map")
    out += P.save_figure(P.new_users_curve(new_users), folder / "new_users_ndcg")
    return out
