import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community import quality
from graphrec.community.bipartite import BipartiteLouvain
from graphrec.community.spectral import SpectralBipartite, bethe_hessian_count, refine_coclusters


@pytest.mark.parametrize(
    ("k", "n_users", "mean_degree", "mu"),
    [(2, 400, 10, 0.2), (3, 600, 15, 0.3), (5, 1000, 20, 0.3), (8, 1600, 20, 0.2)],
)
def test_bethe_hessian_counts_planted_communities(k, n_users, mean_degree, mu):
    data, _, _ = gr.planted_communities(n_users, n_users // 2, k, mean_degree, mu, seed=1)
    assert bethe_hessian_count(data.matrix, random_state=0) == k


def test_bethe_hessian_sees_nothing_in_a_random_graph():
    rng = np.random.default_rng(0)
    random_graph = sp.random_array((800, 400), density=0.03, random_state=rng, format="csr")
    assert bethe_hessian_count(random_graph) == 1
    with pytest.raises(ValueError, match="no edges"):
        bethe_hessian_count(sp.csr_array((3, 3)))


def test_estimates_k_and_co_clusters(easy):
    det = SpectralBipartite(random_state=0).fit(easy.data)
    assert det.n_communities_ == 4
    assert quality.nmi(easy.user_labels, det.labels_) > 0.99
    assert quality.nmi(easy.item_labels, det.item_labels_) > 0.99
    assert det.singular_values_.shape == (4,)


def test_refinement_fixes_mislabelled_users():
    data, truth, items = gr.planted_communities(400, 200, 4, mean_degree=20, mu=0.3, seed=2)
    noisy = truth.copy()
    noisy[::4] = (noisy[::4] + 1) % 4  # a quarter of the users in the wrong community
    users, item_labels, n_iter = refine_coclusters(data.matrix, noisy, items, 4)
    assert (users == truth).mean() > 0.95 and (item_labels == items).mean() > 0.95
    assert n_iter >= 1


def test_beats_bipartite_louvain_at_weak_signal():
    # near the detectability threshold the refined spectral method finds more
    data, truth, _ = gr.planted_communities(2000, 1000, 6, mean_degree=10, mu=0.6, seed=0)
    spectral = SpectralBipartite(n_communities=6, random_state=0).fit(data)
    louvain = BipartiteLouvain().fit(data)
    assert quality.nmi(truth, spectral.labels_) > quality.nmi(truth, louvain.labels_) + 0.05


def test_without_refinement(easy):
    det = SpectralBipartite(n_communities=4, refine=False, random_state=0).fit(easy.data)
    assert det.n_iter_ == 0
    assert quality.nmi(easy.user_labels, det.labels_) > 0.95


def test_weak_signal_falls_back_to_two_communities(caplog):
    rng = np.random.default_rng(0)
    matrix = sp.random_array((300, 150), density=0.05, random_state=rng, format="csr")
    data = gr.Interactions(matrix, np.arange(300), np.arange(150))
    det = SpectralBipartite(random_state=0).fit(data)
    assert det.n_communities_ == 2
    assert "no community structure" in caplog.text


def test_bad_parameters(easy):
    with pytest.raises(ValueError, match="regularization must be a number >= 0"):
        SpectralBipartite(regularization=-1).fit(easy.data)
    with pytest.raises(ValueError, match="max_communities must be an integer"):
        SpectralBipartite(max_communities=0).fit(easy.data)
    with pytest.raises(ValueError, match="n_communities must be an integer >= 1"):
        SpectralBipartite(n_communities=0).fit(easy.data)
