"""Detectors on any graph (square adjacency, BipartiteGraph, biadjacency), soft memberships
and the renamed parameters with their deprecated aliases."""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community import quality
from graphrec.community.embedding import EmbeddingGMM, EmbeddingKMeans, EmbeddingSpectral
from graphrec.community.topics import LDATopics


def _friend_graph(n_blocks=4, size=50, p_in=0.3, p_out=0.01, seed=0):
    """A planted-partition friend graph as a square symmetric sparse matrix."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(n_blocks), size)
    n = len(truth)
    p = np.where(truth[:, None] == truth[None, :], p_in, p_out)
    upper = np.triu(rng.random((n, n)) < p, k=1)
    return sp.csr_array((upper | upper.T).astype(np.float64)), truth


@pytest.mark.parametrize("name", ["louvain", "leiden", "label_propagation"])
def test_one_mode_detectors_partition_a_friend_graph(name):
    graph, truth = _friend_graph()
    det = gr.create("detector", name, random_state=0).fit(graph)
    assert det.labels_.shape == (graph.shape[0],)
    assert quality.nmi(truth, det.labels_) > 0.95
    assert det.graph_.shape == graph.shape and det.graph_.diagonal().sum() == 0


def test_one_mode_detector_rejects_bad_adjacency():
    graph, _ = _friend_graph()
    directed = sp.csr_array(sp.triu(graph))
    with pytest.raises(ValueError, match="symmetric"):
        gr.create("detector", "louvain", random_state=0).fit(directed)
    with pytest.raises(ValueError, match="without edges"):
        gr.create("detector", "leiden", random_state=0).fit(sp.csr_array((5, 5)))
    negative = graph.copy()
    negative.data[:] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        gr.create("detector", "leiden", random_state=0).fit(negative)


@pytest.mark.parametrize("name", ["bipartite_louvain", "spectral_bipartite", "louvain", "lda"])
def test_bipartite_inputs_give_the_same_partition(name, easy):
    params = {"random_state": 0} | ({"n_communities": 4} if name == "lda" else {})
    on_data = gr.create("detector", name, **params).fit(easy.data).labels_
    graph = gr.BipartiteGraph(easy.data.matrix)
    on_graph = gr.create("detector", name, **params).fit(graph).labels_
    on_matrix = gr.create("detector", name, **params).fit(sp.csr_matrix(easy.data.matrix)).labels_
    assert np.array_equal(on_data, on_graph) and np.array_equal(on_data, on_matrix)


@pytest.mark.parametrize("name", ["bipartite_louvain", "spectral_bipartite", "lda"])
def test_co_clustering_detectors_refuse_a_square_adjacency(name):
    graph, _ = _friend_graph()
    with pytest.raises(ValueError, match="BipartiteGraph"):
        gr.create("detector", name).fit(graph)


def _check_probs(det, n_users):
    probs = det.probs_
    assigned = det.labels_ >= 0
    assert probs.shape == (n_users, det.communities_.n_communities)
    assert np.allclose(probs[assigned].sum(axis=1), 1.0)
    assert np.all(probs[~assigned] == 0)
    assert np.array_equal(probs[assigned].argmax(axis=1), det.labels_[assigned])


def test_soft_memberships(easy, easy_embedder):
    n = easy.data.n_users
    _check_probs(EmbeddingGMM(n_communities=4, random_state=0).fit(easy.data, easy_embedder), n)
    _check_probs(LDATopics(n_communities=4, random_state=0).fit(easy.data), n)
    spectral = gr.create("detector", "spectral_bipartite", random_state=0).fit(easy.data)
    _check_probs(spectral, n)
    unrefined = gr.create("detector", "spectral_bipartite", refine=False, random_state=0)
    assert unrefined.fit(easy.data).probs_ is None


@pytest.mark.parametrize(
    ("cls", "old"),
    [
        (EmbeddingKMeans, "n_clusters"),
        (EmbeddingGMM, "n_components"),
        (EmbeddingSpectral, "n_clusters"),
        (LDATopics, "n_topics"),
    ],
)
def test_every_parameter_has_one_name(cls, old):
    with pytest.raises(TypeError, match=old):
        cls(**{old: 3})
    with pytest.raises(
        ValueError, match=f"unknown parameter.s. {old}; valid parameters: .*n_communities"
    ):
        gr.create("detector", cls._registered_name, **{old: 3})


def test_every_detector_has_one_name():
    assert "spectral" not in gr.available("detector")
    with pytest.raises(ValueError, match=r"unknown detector 'spectral'.*Did you mean"):
        gr.create("detector", "spectral", n_communities=2)
