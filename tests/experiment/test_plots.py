"""Figures: each plot function returns a Figure; save_figure writes PNG and SVG."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from graphrec.experiment import ExperimentResult, plots


def test_result_figures(tiny_result, tmp_path):
    figs = [
        plots.metric_comparison(tiny_result, ["recall@5", "ndcg@10"]),
        plots.activity_bands(tiny_result, "recall@10", top=3),
        plots.community_sizes({"a": np.array([0, 0, 1, -1]), "b": np.array([0, 1, 2, 2])}),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    titles = [ax.get_title() for ax in figs[0].axes]
    assert titles == ["recall@5\n(± sd over seeds)", "ndcg@10\n(± sd over seeds)"]
    assert "± sd over seeds" in figs[1].axes[0].get_title()
    paths = plots.save_figure(figs[0], tmp_path / "sub" / "metrics")
    assert [p.name for p in paths] == ["metrics.png", "metrics.svg"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and b"<svg" in paths[1].read_bytes()[:500]


def test_embedding_map():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (40, 5)), rng.normal(6, 1, (40, 5))])
    labels = np.r_[np.zeros(40, int), np.ones(39, int), -1]
    fig = plots.embedding_map(x, labels, method="tsne", sample=60)
    assert "t-SNE" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="40 vectors but 3 labels"):
        plots.embedding_map(x[:40], labels[:3])
    if importlib.util.find_spec("umap") is None:
        with pytest.raises(ValueError, match="umap-learn"):
            plots.embedding_map(x, labels, method="umap")


def test_nmi_vs_mu():
    runs = pd.DataFrame(
        {
            "run": ["a", "b", "c", "d"],
            "kind": "detect",
            "dataset": ["s(mu=0.1)", "s(mu=0.1)", "s(mu=0.4)", "s(mu=0.4)"],
            "embedder": "",
            "detector": "leiden",
            "recommender": "",
            "seed": [0, 1, 0, 1],
            "dataset.mu": [0.1, 0.1, 0.4, 0.4],
        }
    )
    table = runs[["run", "dataset", "embedder", "detector", "recommender", "seed"]].assign(
        metric="nmi", k=pd.NA, value=[1.0, 0.98, 0.6, 0.5]
    )
    result = ExperimentResult("sweep", None, table, runs)
    fig = plots.nmi_vs_mu(result)
    line = fig.axes[0].lines[0]
    assert np.allclose(line.get_ydata(), [0.99, 0.55])
    with pytest.raises(ValueError, match=r"no column 'dataset\.n'"):
        plots.nmi_vs_mu(result, parameter="dataset.n")


def _bar_widths(ax):
    return {round(p.get_y() + p.get_height() / 2): p.get_width() for p in ax.patches}


def test_one_seed_bars_carry_the_users_interval_and_keep_the_baselines(make_config, tmp_path):
    from graphrec.experiment import run_experiment

    result = run_experiment(make_config(tmp_path, seeds=[0]), plots=False)
    fig = plots.metric_comparison(result, ["ndcg@10", "coverage@10"], top=1)
    ndcg, coverage = fig.axes[:2]
    assert ndcg.get_title() == "ndcg@10\n(95% bootstrap interval over users)"
    assert coverage.get_title() == "coverage@10\n(no interval)"  # measured once: no bar
    labels = [t.get_text() for t in ndcg.get_yticklabels()]
    assert "popularity" in labels and "svd + embedding" in labels  # shown whatever top is
    assert sum("single" in label for label in labels) == 3  # the controls too
    assert sum("single" not in label and "+" in label for label in labels) <= 2  # top=1 (+ base)
    # error bars: one segment per bar, as wide as the users' interval
    (bars,) = [c for c in ndcg.containers if hasattr(c, "errorbar") and c.errorbar is not None]
    segments = bars.errorbar.lines[2][0].get_segments()
    widths = [seg[1][0] - seg[0][0] for seg in segments]
    assert len(widths) == len(labels)
    assert all(w > 0 for w in widths)  # an interval was drawn, not a zero-width tick
    emb = result.embedder(result.runs.query("embedder == 'svd'").iloc[0])
    mapped = plots.embedding_map(emb.user_embeddings_, np.zeros(120, int), title="svd users")
    assert mapped.axes[0].get_title() == "svd users (t-SNE projection)"


def test_nmi_vs_mu_draws_no_spread_for_one_seed():
    runs = pd.DataFrame(
        {
            "run": ["a", "c"],
            "kind": "detect",
            "dataset": ["s(mu=0.1)", "s(mu=0.4)"],
            "embedder": "",
            "detector": "leiden",
            "recommender": "",
            "seed": [0, 0],
            "dataset.mu": [0.1, 0.4],
        }
    )
    table = runs[["run", "dataset", "embedder", "detector", "recommender", "seed"]].assign(
        metric="nmi", k=pd.NA, value=[1.0, 0.6]
    )
    fig = plots.nmi_vs_mu(ExperimentResult("sweep", None, table, runs))
    assert "one seed" in fig.axes[0].get_title()
    assert not fig.axes[0].collections  # no error bar segments
