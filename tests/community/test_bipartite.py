import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community import quality
from graphrec.community._graph import weighted_matrix
from graphrec.community.bipartite import BipartiteLouvain


def test_co_clusters_users_and_items(easy):
    det = BipartiteLouvain().fit(easy.data)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.99
    assert quality.nmi(easy.item_labels, det.item_labels_) > 0.99
    # user community c goes with item community c
    pairs = set(zip(easy.user_labels.tolist(), det.labels_.tolist()))
    item_pairs = set(zip(easy.item_labels.tolist(), det.item_labels_.tolist()))
    assert pairs == item_pairs
    # it maximises Barber's modularity: at least that of the planted co-clustering
    found = quality.barber_modularity(easy.data, det.communities_)
    planted = quality.barber_modularity(easy.data, easy.user_labels, easy.item_labels)
    assert found >= planted - 1e-9


def test_weighting_and_resolution(easy):
    log = BipartiteLouvain(weighting="log").fit(easy.data)
    assert quality.nmi(easy.user_labels, log.labels_) > 0.99
    fine = BipartiteLouvain(resolution=3.0).fit(easy.data)
    assert fine.communities_.n_communities > 4


def test_restarts_follow_the_seed():
    # a noisy case where the node order matters: the seed must change the result
    data, _, _ = gr.planted_communities(400, 200, 6, mean_degree=8, mu=0.5, seed=3)
    runs = {s: BipartiteLouvain(random_state=s).fit(data) for s in range(4)}
    again = BipartiteLouvain(random_state=1).fit(data)
    assert np.array_equal(again.labels_, runs[1].labels_)
    assert np.array_equal(again.item_labels_, runs[1].item_labels_)
    distinct = {runs[s].labels_.tobytes() for s in runs}
    assert len(distinct) > 1  # different seeds, different partitions
    assert all(runs[s].communities_.seed == s for s in runs)


def test_best_of_restarts_is_never_below_the_default_order():
    from sknetwork.clustering import Louvain as SknLouvain

    data, _, _ = gr.planted_communities(400, 200, 6, mean_degree=8, mu=0.5, seed=3)
    biadjacency = weighted_matrix(data, "auto")
    default = SknLouvain().fit(sp.csr_matrix(biadjacency), force_bipartite=True)
    q_default = quality.barber_modularity(biadjacency, default.labels_row_, default.labels_col_)
    for seed in range(3):
        det = BipartiteLouvain(n_init=4, random_state=seed).fit(data)
        assert det.candidate_scores_[0] == pytest.approx(q_default)  # candidate 0: default
        assert det.barber_modularity_ == pytest.approx(max(det.candidate_scores_))
        q = quality.barber_modularity(biadjacency, det.labels_, det.item_labels_)
        assert q == pytest.approx(det.barber_modularity_) and q >= q_default - 1e-12
    # one candidate: scikit-network's default order, which no seed changes
    one = BipartiteLouvain(n_init=1, random_state=5).fit(data)
    assert one.communities_.seed is None
    assert quality.ari(one.labels_, default.labels_row_) == 1.0


@pytest.mark.realdata
def test_movielens_default_not_below_sknetwork_default(ml100k):
    # issue 10 item 12: scikit-network's default node order is one of the candidates, so
    # the default is never below it on the graph both partition (ratings as weights)
    from sknetwork.clustering import Louvain as SknLouvain

    for seed in range(3):
        det = gr.create("detector", "bipartite_louvain", random_state=seed).fit(ml100k)
        own = weighted_matrix(ml100k, det.weighting)  # the graph it was found on
        if seed == 0:
            sk = SknLouvain().fit(sp.csr_matrix(own), force_bipartite=True)
            q_sk = quality.barber_modularity(own, sk.labels_row_, sk.labels_col_)
        q = quality.barber_modularity(own, det.labels_, det.item_labels_)
        assert q == pytest.approx(det.barber_modularity_) and q >= q_sk - 1e-12


def test_users_and_items_without_interactions_are_unassigned(easy):
    data = easy.data
    users, items, _, _ = data.coo()
    det = BipartiteLouvain().fit(data.filter((users != 0) & (items != 0)))
    assert det.labels_[0] == -1 and det.item_labels_[0] == -1
    assert (det.labels_[1:] >= 0).all()


def test_bad_parameters(easy):
    with pytest.raises(ValueError, match="resolution must be a number > 0"):
        BipartiteLouvain(resolution=-1).fit(easy.data)
    with pytest.raises(ValueError, match="tol must be a number >= 0"):
        BipartiteLouvain(tol=-1).fit(easy.data)
    with pytest.raises(ValueError, match="n_init"):
        BipartiteLouvain(n_init=0).fit(easy.data)


def test_bipartite_leiden_co_clusters_users_and_items(easy):
    from graphrec.community.bipartite import BipartiteLeiden

    det = BipartiteLeiden(random_state=0).fit(easy.data)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.99
    assert quality.nmi(easy.item_labels, det.item_labels_) > 0.99
    pairs = set(zip(easy.user_labels.tolist(), det.labels_.tolist()))
    assert pairs == set(zip(easy.item_labels.tolist(), det.item_labels_.tolist()))
    found = quality.barber_modularity(easy.data, det.communities_)
    assert det.barber_modularity_ == pytest.approx(found)
    assert det.modularity_ > 0.3
    fine = BipartiteLeiden(resolution=3.0, random_state=0).fit(easy.data)
    assert fine.communities_.n_communities > 4


def test_bipartite_leiden_follows_the_seed_and_leaves_empty_rows_out():
    from graphrec.community.bipartite import BipartiteLeiden

    data, _, _ = gr.planted_communities(400, 200, 6, mean_degree=8, mu=0.5, seed=3)
    runs = {s: BipartiteLeiden(random_state=s).fit(data).labels_ for s in range(4)}
    assert np.array_equal(BipartiteLeiden(random_state=1).fit(data).labels_, runs[1])
    assert len({r.tobytes() for r in runs.values()}) > 1
    x = sp.csr_array(data.matrix).tolil()
    x[[0, 5]] = 0  # two users and, below, one item without interactions
    x[:, 7] = 0
    empty = gr.Interactions(sp.csr_array(x), data.user_ids, data.item_ids)
    det = BipartiteLeiden(random_state=0).fit(empty)
    assert det.labels_[[0, 5]].tolist() == [-1, -1] and det.item_labels_[7] == -1
    assert (det.labels_[1:5] >= 0).all()
