import numpy as np
import pytest

from graphrec.community import quality
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


def test_shuffled_nodes_follow_the_seed(easy):
    a = BipartiteLouvain(shuffle_nodes=True, random_state=1).fit(easy.data).labels_
    b = BipartiteLouvain(shuffle_nodes=True, random_state=1).fit(easy.data).labels_
    assert np.array_equal(a, b)


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
