import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community import quality as Q
from graphrec.community.base import Communities

# two triangles joined by one edge (2-3), plus a pendant node 6 on node 5
EDGES = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5), (5, 6)]


def _graph(edges=EDGES, n=7, weights=None):
    rows, cols = zip(*edges)
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, float)
    upper = sp.coo_array((w, (rows, cols)), shape=(n, n))
    return sp.csr_array(upper + upper.T)


def test_modularity_hand_computed():
    g = _graph()
    labels = np.array([0, 0, 0, 1, 1, 1, 1])
    # 2m = 16; inside: 3 + 4 edges -> 14 / 16; degrees 7 and 9 -> (49 + 81) / 256
    assert Q.modularity(g, labels) == pytest.approx(14 / 16 - 130 / 256)
    assert Q.modularity(g, labels, resolution=0.5) == pytest.approx(14 / 16 - 65 / 256)


@pytest.mark.parametrize("resolution", [0.5, 1.0, 2.0])
def test_modularity_matches_networkx(resolution):
    rng = np.random.default_rng(0)
    g = nx.gnm_random_graph(40, 120, seed=1)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.integers(1, 5))
    labels = rng.integers(0, 4, 40)
    parts = [set(np.flatnonzero(labels == c).tolist()) for c in range(4)]
    expected = nx.community.modularity(g, parts, weight="weight", resolution=resolution)
    matrix = nx.to_scipy_sparse_array(g, weight="weight")
    assert Q.modularity(matrix, labels, resolution) == pytest.approx(expected)


def test_unassigned_are_singletons_in_graph_measures():
    g = _graph()
    with_noise = np.array([0, 0, 0, 1, 1, 1, -1])
    own_label = np.array([0, 0, 0, 1, 1, 1, 2])
    assert Q.modularity(g, with_noise) == pytest.approx(Q.modularity(g, own_label))
    assert Q.internal_edge_fraction(g, with_noise) == pytest.approx(
        Q.internal_edge_fraction(g, own_label)
    )


def test_graph_checks():
    with pytest.raises(ValueError, match="symmetric"):
        Q.modularity(sp.csr_array([[0, 1], [0, 0]]), np.array([0, 0]))
    with pytest.raises(ValueError, match="without edges"):
        Q.modularity(sp.csr_array((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="3 entries for 7"):
        Q.modularity(_graph(), np.array([0, 1, 0]))


def test_interactions_are_refused_with_a_pointer_to_the_projection(easy):
    # an Interactions object is not a users x users graph; never the friend graph silently
    for measure in (Q.modularity, Q.conductance, Q.internal_edge_fraction):
        with pytest.raises(ValueError, match="user_projection"):
            measure(easy.data, easy.user_labels)
    projection = gr.user_projection(easy.data)
    assert Q.modularity(projection, easy.user_labels) > 0.3


def test_conductance_and_coverage_hand_computed():
    g = _graph()
    labels = np.array([0, 0, 0, 1, 1, 1, 1])
    result = Q.conductance(g, labels)
    # one edge crosses; volumes 7 and 9 -> 1/7 for both sides
    assert result.per_community.tolist() == pytest.approx([1 / 7, 1 / 7])
    assert result.mean == pytest.approx(1 / 7)
    assert Q.internal_edge_fraction(g, labels) == pytest.approx(7 / 8)
    # the pendant alone: cut 1, volume 1
    assert Q.conductance(g, np.array([0, 0, 0, 0, 0, 0, 1])).per_community[1] == 1.0
    # one community holding everything has no complement: undefined
    assert np.isnan(Q.conductance(g, np.zeros(7, int)).mean)


def test_barber_modularity_hand_computed_and_brute_force():
    b = sp.csr_array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 1, 1]], dtype=float)
    users, items = np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1])
    # m = 9; inside 4 + 4 = 8; community degrees: users (4, 5), items (5, 4) -> 40 / 81
    assert Q.barber_modularity(b, users, items) == pytest.approx(8 / 9 - 40 / 81)
    # the definition term by term, on a random weighted graph with an unassigned user
    rng = np.random.default_rng(0)
    big = sp.random_array((30, 20), density=0.2, random_state=1, format="csr")
    u, i = rng.integers(0, 3, 30), rng.integers(0, 3, 20)
    u[0] = -1
    dense = big.toarray()
    m, ku, di = dense.sum(), dense.sum(axis=1), dense.sum(axis=0)
    same = (u[:, None] == i[None, :]) & (u[:, None] >= 0)
    expected = ((dense - 0.7 * np.outer(ku, di) / m) * same).sum() / m
    assert Q.barber_modularity(big, u, i, resolution=0.7) == pytest.approx(expected)


def test_barber_modularity_item_labels_from_communities_or_assigned():
    b = sp.csr_array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 1, 1]], dtype=float)
    users = np.array([0, 0, 1, 1])
    assert Q.assign_items(b, users).tolist() == [0, 0, 1, 1]
    with_items = Communities(users, np.array([0, 0, 1, 1]))
    assert Q.barber_modularity(b, with_items) == pytest.approx(8 / 9 - 40 / 81)
    assert Q.barber_modularity(b, users) == pytest.approx(8 / 9 - 40 / 81)
    assert Q.assign_items(b, np.array([-1, -1, 0, 0])).tolist() == [-1, 0, 0, 0]


def test_size_stats():
    stats = Q.size_stats(np.array([0, 0, 0, 1, 2, -1]))
    assert stats["n_communities"] == 3
    assert stats["largest"] == 3
    assert stats["largest_share"] == 0.5
    assert stats["singletons"] == 2
    assert stats["unassigned_share"] == pytest.approx(1 / 6)
    p = np.array([3, 1, 1]) / 5
    assert stats["entropy"] == pytest.approx(-(p * np.log(p)).sum())
    assert Q.size_stats(np.array([0, 1, 0, 1]))["normalized_entropy"] == pytest.approx(1.0)


def test_label_agreement_drops_unassigned():
    truth = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([5, 5, 6, 6, -1, -1])
    assert Q.nmi(truth, pred) == pytest.approx(1.0)
    assert Q.ami(truth, pred) == pytest.approx(1.0)
    assert Q.ari(truth, pred) == pytest.approx(1.0)
    assert Q.nmi(truth, Communities(np.array([0, 1, 0, 1, 0, 1]))) < 0.1
    assert np.isnan(Q.nmi([0, 1], [-1, -1]))


def test_silhouette():
    x = np.array([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0], [5.0, 5.1], [9.0, 9.0]])
    assert Q.silhouette(x, np.array([0, 0, 1, 1, -1])) > 0.9
    assert np.isnan(Q.silhouette(x, np.zeros(5, int)))
    rng = np.random.default_rng(0)
    many = np.concatenate([rng.normal(0, 1, (300, 2)), rng.normal(8, 1, (300, 2))])
    labels = np.repeat([0, 1], 300)
    sampled = Q.silhouette(many, labels, sample_size=100, random_state=0)
    assert sampled == Q.silhouette(many, labels, sample_size=100, random_state=0)
    assert sampled == pytest.approx(Q.silhouette(many, labels, sample_size=None), abs=0.05)


def test_stability(easy):
    data = easy.data
    out = Q.stability(gr.create("detector", "leiden"), data, seeds=[0, 1, 2])
    assert out["mean_ari"] == pytest.approx(1.0)
    assert out["n_communities"] == [4, 4, 4]
    factory = lambda seed: gr.create("detector", "louvain", random_state=seed)  # noqa: E731
    assert Q.stability(factory, data, seeds=[0, 1])["seeds"] == [0, 1]
    with pytest.raises(ValueError, match="at least two seeds"):
        Q.stability(gr.create("detector", "leiden"), data, seeds=[0])


def test_assign_items_is_the_best_item_labelling_for_barber_modularity():
    import itertools

    rng = np.random.default_rng(3)
    for _ in range(5):
        b = sp.csr_array(rng.poisson(0.6, (9, 5)).astype(float))
        users = rng.integers(0, 3, 9)
        best = max(
            Q.barber_modularity(b, users, np.array(items))
            for items in itertools.product(range(-1, 3), repeat=5)
        )
        assert Q.barber_modularity(b, users) == pytest.approx(best)
    # not the most weight: item 1 has 2 interactions from community 0 (2.14 expected from
    # its activity) and 1 from community 1 (0.86 expected)
    b = sp.csr_array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1]])
    assert Q.assign_items(b, np.array([0, 0, 0, 1])).tolist() == [0, 1, 1]


def test_assign_users_places_unassigned_users_in_the_nearest_community():
    b = sp.csr_array(
        [[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0], [0, 1, 1, 1], [0, 0, 0, 0]]
    )
    labels = np.array([0, 0, 1, 1, -1, -1])
    # user 4 shares item 1 with community 0 and items 2, 3 with community 1; user 5 has
    # no items: the largest community (the lower label on equal sizes)
    assert Q.assign_users(b, labels).tolist() == [0, 0, 1, 1, 1, 0]
    assert Q.assign_users(b, np.array([1, 0, 0, 1, 1, 0])).tolist() == [1, 0, 0, 1, 1, 0]
    with pytest.raises(ValueError, match="no user to any community"):
        Q.assign_users(b, -np.ones(6, int))


def test_item_information_by_hand_and_on_planted_mixing():
    b = sp.csr_array(np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float))
    assert Q.item_information(b, np.array([0, 0, 1, 1])) == pytest.approx(1.0)
    assert Q.item_information(b, np.array([0, 1, 0, 1])) == pytest.approx(0.0)
    assert Q.item_information(b, np.zeros(4, dtype=int)) == 0.0  # one community
    assert Q.item_information(b, np.array([0, 0, -1, -1])) == 0.0  # one item left
    # planted communities: the information falls as users mix, to ~0 at mu = (k-1)/k
    values = []
    for mu in (0.0, 0.2, 0.5, 0.8):
        data, users, _ = gr.planted_communities(1500, 300, 5, mean_degree=20, mu=mu, seed=0)
        values.append(Q.item_information(data, users))
    assert values == sorted(values, reverse=True) and values[-1] < 0.01 < values[0]
