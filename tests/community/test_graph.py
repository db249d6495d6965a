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
