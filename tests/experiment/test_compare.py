"""Community quality in the runner and ``graphrec compare``: each partition on its own graph."""

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community import quality
from graphrec.community._graph import projection_graph
from graphrec.community.base import Communities
from graphrec.experiment import load_config
from graphrec.experiment._quality import community_quality, quality_graph_name
from graphrec.experiment.compare import compare_config, compare_methods


@pytest.fixture(scope="module")
def plays():
    """Planted communities with heavy-tailed play counts as weights."""
    data, _, _ = gr.planted_communities(300, 150, 4, mean_degree=15, mu=0.2, seed=0)
    rng = np.random.default_rng(0)
    counts = np.minimum(np.floor(rng.pareto(0.8, data.nnz) * 10) + 1, 5000.0)
    m = data.matrix
    weighted = sp.csr_array((counts, m.indices, m.indptr), shape=m.shape)
    return gr.Interactions(weighted, data.user_ids, data.item_ids)


def test_projection_partitions_are_measured_on_their_own_graph(plays):
    det = gr.create("detector", "louvain", random_state=0).fit(plays)  # log counts
    out = community_quality(plays, det.communities_)
    assert out["modularity"] == pytest.approx(quality.modularity(det.graph_, det.labels_))
    assert out["conductance"] == pytest.approx(quality.conductance(det.graph_, det.labels_).mean)
    # not the binary cosine projection the runner used before (issue 10 item 9)
    binary = projection_graph(plays, "cosine", 50, "binary", "test")
    assert abs(det.graph_ - binary).max() > 0.05
    assert quality_graph_name(plays, det.communities_) == "cosine top-50 projection, weights log1p"
    other = gr.create("detector", "leiden", projection="jaccard", top_k=20, weighting="raw")
    other.fit(plays)
    assert community_quality(plays, other.communities_)["modularity"] == pytest.approx(
        quality.modularity(other.graph_, other.labels_)
    )
    assert quality_graph_name(plays, other.communities_) == "jaccard top-20 projection, weights raw"


def test_other_partitions_are_measured_on_the_reference_projection(plays):
    reference = projection_graph(plays, "cosine", 50, "log", "test")  # "auto" on counts
    det = gr.create("detector", "bipartite_louvain", random_state=0).fit(plays)
    plain = Communities(det.labels_)  # labels without a method
    for partition in (det.communities_, plain):
        out = community_quality(plays, partition)
        assert out["modularity"] == pytest.approx(quality.modularity(reference, det.labels_))
        name = quality_graph_name(plays, partition)
        assert name == "cosine top-50 projection, weights log1p"


def test_one_modularity_everywhere():
    # two triangles joined by an edge, a pendant on node 5 and an unassigned node 6
    edges = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5), (5, 6)]
    g = nx.Graph(edges)
    labels = np.array([0, 0, 0, 1, 1, 1, -1])
    expected = nx.community.modularity(g, [{0, 1, 2}, {3, 4, 5}, {6}])
    # 2m = 16; inside 3 + 3 edges -> 12/16; degrees 7, 8, 1 -> (49 + 64 + 1) / 256
    assert expected == pytest.approx(12 / 16 - 114 / 256)
    matrix = nx.to_scipy_sparse_array(g, nodelist=range(7))
    assert quality.modularity(matrix, labels) == pytest.approx(expected)
    friends = quality.friend_lift(matrix, labels, n_permutations=2, random_state=0)
    assert friends["friend_modularity"] == pytest.approx(expected)


def test_leiden_quality_is_the_reported_modularity(plays):
    det = gr.create("detector", "leiden", random_state=0).fit(plays)
    assert det.quality_ == pytest.approx(quality.modularity(det.graph_, det.labels_))
    assert det.quality_ == pytest.approx(community_quality(plays, det.communities_)["modularity"])


def test_compare_names_the_quality_graph_of_each_method(tmp_path):
    table = compare_methods(
        "synthetic",
        methods=["label_propagation", "bipartite_louvain"],
        dataset_params={"n_users": 200, "n_items": 100},
        output=tmp_path,
        plots=False,
    ).wide
    row = table.loc["quality graph"]
    assert row["label_propagation"] == "cosine top-20 projection, weights binary"
    assert row["bipartite_louvain"] == "cosine top-50 projection, weights binary"
    result = gr.experiment.ExperimentResult.load(tmp_path)
    detect = result.runs[result.runs["kind"] == "detect"].set_index("detector")
    assert detect.loc["label_propagation", "quality_graph"] == row["label_propagation"]


def test_compare_puts_popularity_and_the_base_beside_each_method(tmp_path):
    table = compare_methods(
        "synthetic",
        methods=["label_propagation", "bipartite_louvain"],
        dataset_params={"n_users": 200, "n_items": 100},
        k=10,
        output=tmp_path,
        plots=False,
    ).wide
    result = gr.experiment.ExperimentResult.load(tmp_path)
    t = result.table[(result.table["k"] == 10) & (result.table["metric"] == "ndcg")]
    for row, recommender in (
        ("popularity ndcg@10", "popularity"),
        ("base (svd) ndcg@10", "embedding"),
    ):
        expected = t.loc[t["recommender"] == recommender, "value"]
        assert len(expected) == 1  # evaluated once, without communities
        assert table.loc[row].tolist() == pytest.approx([expected.iloc[0]] * 2)
    assert "community_blend ndcg@10" in table.index
    assert not any(r.startswith("ease ") for r in table.index)


def test_compare_shows_a_named_strong_base(tmp_path):
    table = compare_methods(
        "synthetic",
        methods=["bipartite_louvain"],
        dataset_params={"n_users": 200, "n_items": 100},
        k=10,
        output=tmp_path,
        plots=False,
        baselines=["popularity", "ease"],
    ).wide
    t = gr.experiment.ExperimentResult.load(tmp_path).table
    ease = t[(t["recommender"] == "ease") & (t["k"] == 10) & (t["metric"] == "ndcg")]
    assert len(ease) == 1
    assert table.loc["ease ndcg@10", "bipartite_louvain"] == pytest.approx(ease["value"].iloc[0])
    assert "base (svd) ndcg@10" not in table.index  # not asked for


def test_compare_config_carries_preprocessing_and_split():
    config = compare_config(
        "synthetic", preprocess={"binarize": 1, "k_core": 2}, split="temporal", seed=4
    )
    assert config["dataset"]["preprocess"] == {"binarize": 1, "k_core": 2}
    assert config["dataset"]["split"] == {"method": "temporal", "seed": 4}
    load_config(config)  # a valid config


def test_a_reference_projection_too_large_is_skipped_with_a_warning(monkeypatch):
    from graphrec.experiment import _quality

    data, _, _ = gr.planted_communities(300, 100, 3, mean_degree=10, seed=0)
    bip = gr.create("detector", "bipartite_louvain", random_state=0).fit(data).communities_
    own = gr.create("detector", "leiden", random_state=0).fit(data).communities_
    measured = _quality.community_quality(data, bip)
    assert "modularity" in measured and "conductance" in measured
    monkeypatch.setattr(_quality, "MAX_REFERENCE_PAIRS", 10.0)  # far below this data's pairs
    with pytest.warns(UserWarning, match="co-occurring pairs .* above 1e\\+01"):
        skipped = _quality.community_quality(data, bip)
    assert "modularity" not in skipped and "conductance" not in skipped
    assert skipped["barber_modularity"] == pytest.approx(measured["barber_modularity"])
    assert _quality.quality_graph_name(data, bip).startswith("none: the reference projection")
    # a partition of its own projection is still measured on it
    assert "modularity" in _quality.community_quality(data, own)


def test_compare_has_the_control_its_test_and_fits_a_terminal(tmp_path):
    c = compare_methods(
        "synthetic",
        methods=["label_propagation", "bipartite_louvain"],
        dataset_params={"n_users": 200, "n_items": 100},
        k=10,
        output=tmp_path,
        plots=False,
    )
    rec = c.recommendation
    assert "single" not in c.communities.index  # the control is no method
    controls = rec[rec["communities"] == "single"]
    assert set(controls["recommender"]) == {
        "community_popularity",
        "community_blend",
        "community_restricted",
    }
    aware = rec[~rec["communities"].isin(["", "single"])]
    assert len(aware) == 6 and aware["vs single"].notna().all()
    for _, row in aware.iterrows():  # the ratio is of the two rows' test means
        control = controls.set_index("recommender").loc[row["recommender"], "ndcg@10"]
        assert row["vs single"] == pytest.approx(row["ndcg@10"] / control)
        assert row["vs single lo"] <= row["vs single"] <= row["vs single hi"]
        assert row["ndcg@10 lo"] <= row["ndcg@10"] <= row["ndcg@10 hi"]
    assert (aware["p_holm"] >= aware["p_holm"].min()).all() and aware["p_holm"].le(1).all()
    assert (rec["communities"] == "").sum() == 2  # popularity and the base, once each
    text = c.to_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "vs single" in text and "p (Holm)" in text and "ARI" not in text
    manifest = json.loads((tmp_path / "manifest.json").read_text())["files"]
    for name in c.FILES.values():  # written and published with the experiment
        assert (tmp_path / name).is_file() and name in manifest
    agreement = pd.read_csv(tmp_path / "compare_agreement.csv", index_col=0)
    assert agreement.loc["bipartite_louvain", "bipartite_louvain"] == pytest.approx(1.0)
    assert "largest_share" in pd.read_csv(tmp_path / "compare_communities.csv").columns


def test_compare_shows_a_giant_community_and_singletons(tmp_path):
    c = compare_methods(
        "synthetic",
        methods=["label_propagation"],
        dataset_params={"n_users": 200, "n_items": 100, "mu": 0.9},
        k=10,
        output=tmp_path,
        plots=False,
    )
    row = c.communities.loc["label_propagation"]
    labels = c.result.communities(c.result.runs.query("detector == 'label_propagation'").iloc[0])
    sizes = np.bincount(labels.user_labels)
    assert row["largest_share"] == pytest.approx(sizes.max() / sizes.sum())
    assert row["singletons"] == int((sizes == 1).sum())
