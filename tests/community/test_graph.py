"""The weighting and projection helpers shared by the graph detectors."""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community._graph import (
    describe_projection,
    projection_graph,
    resolve_weighting,
    weighted_matrix,
)
from graphrec.community.quality import nmi


def _with_weights(data, weights):
    return gr.Interactions(
        sp.csr_array((weights, data.matrix.indices, data.matrix.indptr), shape=data.shape),
        data.user_ids,
        data.item_ids,
    )


@pytest.fixture(scope="module")
def plays(easy):
    """The easy data with play-count weights (1 .. 5,000, heavy-tailed)."""
    rng = np.random.default_rng(0)
    counts = np.floor(rng.pareto(0.8, easy.data.nnz) * 10) + 1
    return _with_weights(easy.data, np.minimum(counts, 5000.0))


def test_auto_weighting_reads_the_weights(easy, plays):
    assert resolve_weighting(easy.data, "auto") == "binary"  # implicit feedback
    stars = _with_weights(easy.data, np.tile([1.0, 2, 3, 4, 5], easy.data.nnz)[: easy.data.nnz])
    halves = _with_weights(easy.data, np.tile(np.arange(1, 11) / 2, easy.data.nnz)[: easy.data.nnz])
    assert resolve_weighting(stars, "auto") == resolve_weighting(halves, "auto") == "raw"
    assert resolve_weighting(plays, "auto") == "log"
    assert resolve_weighting(plays, "binary") == "binary"  # explicit choices stay
    assert weighted_matrix(plays, "auto").data == pytest.approx(np.log1p(plays.matrix.data))
    with pytest.raises(ValueError, match="weighting must be one of auto, raw, binary, log"):
        resolve_weighting(plays, "sqrt")


@pytest.mark.parametrize("name", ["louvain", "leiden", "label_propagation"])
def test_projection_detectors_default_to_log_counts(name, plays):
    det = gr.create("detector", name, random_state=0).fit(plays)
    expected = projection_graph(plays, det.projection, det.top_k, "log", name)
    assert abs(det.graph_ - expected).max() < 1e-12
    graph, label = det.quality_graph(plays)
    assert abs(graph - det.graph_).max() < 1e-12
    assert label == describe_projection(det.projection, det.top_k, "log")


def test_describe_projection():
    assert (
        describe_projection("jaccard", None, "raw") == "jaccard all-pairs projection, weights raw"
    )


@pytest.mark.realdata
def test_lastfm_defaults_beat_binary_sknetwork_on_the_friend_graph(lastfm):
    # issue 10 item 13: raw play counts gave friend-graph modularity below scikit-network's
    # Louvain on binary weights (0.309); the defaults now read counts as log(1 + plays)
    from sknetwork.clustering import Louvain as SknLouvain

    from graphrec.community import quality

    binary = sp.csr_matrix(weighted_matrix(lastfm, "binary"))
    anchor = SknLouvain().fit(binary, force_bipartite=True).labels_row_.astype(np.int64)
    q_anchor = quality.modularity(lastfm.user_graph, anchor)
    for name in ("louvain", "bipartite_louvain"):
        det = gr.create("detector", name, random_state=0).fit(lastfm)
        assert quality.modularity(lastfm.user_graph, det.labels_) > q_anchor


@pytest.mark.parametrize("name", ["louvain", "leiden", "label_propagation"])
def test_sampled_walk_projection_recovers_planted_communities(name, easy):
    det = gr.create("detector", name, projection="walk", top_k=20, n_walks=200, random_state=3)
    det.fit(easy.data)
    assert nmi(easy.user_labels, det.labels_) > 0.9
    again = gr.create("detector", name, projection="walk", top_k=20, n_walks=200, random_state=3)
    assert (again.fit(easy.data).graph_ != det.graph_).nnz == 0  # same seed, same graph


def test_quality_graph_of_a_sampled_projection_is_the_one_partitioned(easy):
    """random_state=None draws the seed; the quality graph is rebuilt with the recorded one."""
    from graphrec.experiment._quality import projection_graph as quality_projection
    from graphrec.experiment._quality import quality_graph_name

    det = gr.create("detector", "leiden", projection="walk", top_k=20, n_walks=100)
    det.fit(easy.data)
    rebuilt = quality_projection(easy.data, det.communities_, data_key="easy")
    assert (rebuilt != det.graph_).nnz == 0
    assert abs(det.quality_graph(easy.data)[0] - det.graph_).max() == 0
    name = quality_graph_name(easy.data, det.communities_)
    assert name == f"walk top-20 projection (100 sampled walks per user, seed {det.seed_}), " + (
        "weights binary"
    )


def test_walks_for_an_exact_projection_are_refused_by_name(easy):
    det = gr.create("detector", "louvain", projection="cosine", n_walks=100, random_state=0)
    with pytest.raises(ValueError, match="'louvain': n_walks=100 samples the 'walk' projection"):
        det.fit(easy.data)
    with pytest.raises(ValueError, match="n_walks"):
        gr.create("detector", "leiden", projection="walk", n_walks=0).fit(easy.data)
