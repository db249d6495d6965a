import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import chi2

import graphrec as gr
from graphrec.embed.walks import _is_bipartite, random_walks


def _sym(n, edges, weights=None):
    rows, cols = np.array(edges).T
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, float)
    a = sp.coo_array((w, (rows, cols)), shape=(n, n))
    return sp.csr_array(a + a.T)


@pytest.fixture(scope="module")
def planted():
    data, users, _ = gr.planted_communities(600, 300, 4, mean_degree=20, mu=0.1, seed=0)
    return data, users, gr.split(data, "random", seed=0)


@pytest.mark.parametrize(("q", "weighted"), [(1.0, False), (0.5, False), (2.0, True)])
def test_walks_follow_edges_and_alternate_sides(planted, q, weighted):
    data = planted[0]
    graph = gr.BipartiteGraph.from_interactions(data)
    adj = graph.adjacency()
    walks = random_walks(adj, 2, 12, q=q, weighted=weighted, random_state=0)
    assert walks.shape == (2 * graph.n_nodes, 12) and walks.dtype == np.int32
    src, dst = walks[:, :-1].ravel(), walks[:, 1:].ravel()
    assert (adj[src, dst] > 0).all()  # only along edges (no isolated node in this graph)
    is_user = walks < graph.n_users
    assert (is_user[:, 1:] != is_user[:, :-1]).all()  # user, item, user, ...
    # each round starts once from every node, in a shuffled order
    for r in range(2):
        first = walks[r * graph.n_nodes : (r + 1) * graph.n_nodes, 0]
        assert np.array_equal(np.sort(first), np.arange(graph.n_nodes))
    assert not np.array_equal(walks[: graph.n_nodes, 0], np.arange(graph.n_nodes))


def test_same_seed_same_walks():
    adj = _sym(6, [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5)], [1, 2, 3, 1, 2, 1])
    for p, q in [(1.0, 1.0), (0.5, 2.0)]:
        a = random_walks(adj, 5, 10, p=p, q=q, random_state=3)
        b = random_walks(adj, 5, 10, p=p, q=q, random_state=3)
        c = random_walks(adj, 5, 10, p=p, q=q, random_state=4)
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)


def _second_step(adj, prev, cur, p, q, n=20000, weighted=True):
    """Empirical distribution of the node after ``prev -> cur``, and the exact one."""
    starts = np.full(n, prev)
    walks = random_walks(adj, 1, 3, p=p, q=q, weighted=weighted, random_state=0, start_nodes=starts)
    after = walks[walks[:, 1] == cur, 2]
    nbrs = adj.indices[adj.indptr[cur] : adj.indptr[cur + 1]]
    w = adj.data[adj.indptr[cur] : adj.indptr[cur + 1]].astype(float)
    alpha = np.array(
        [1 / p if x == prev else 1.0 if adj[prev, x] > 0 else 1 / q for x in nbrs.tolist()]
    )
    exact = w * alpha / (w * alpha).sum()
    observed = np.array([(after == x).sum() for x in nbrs.tolist()])
    assert observed.sum() == after.size  # nothing off the edges
    return observed, exact


def _assert_fits(observed, exact):
    expected = observed.sum() * exact
    stat = ((observed - expected) ** 2 / expected).sum()
    assert stat < chi2.ppf(0.9999, len(exact) - 1), (observed / observed.sum(), exact)


@pytest.mark.parametrize(("p", "q"), [(1.0, 1.0), (0.25, 1.0), (4.0, 1.0), (1.0, 0.25), (2, 0.5)])
def test_second_order_bias_matches_node2vec(p, q):
    # triangle 0-1-2 plus 1-3: from 0 -> 1, node 0 is a return, 2 a neighbour of 0, 3 outwards
    adj = _sym(5, [(0, 1), (1, 2), (0, 2), (1, 3), (3, 4)], [1.0, 2.0, 1.0, 3.0, 1.0])
    assert not _is_bipartite(adj.indptr, adj.indices)
    observed, exact = _second_step(adj, prev=0, cur=1, p=p, q=q)
    _assert_fits(observed, exact)


@pytest.mark.parametrize(("p", "q"), [(0.25, 1.0), (4.0, 0.5), (1.0, 4.0)])
def test_second_order_bias_on_a_bipartite_graph(p, q):
    # users 0..2, items 3..4: from user 0 -> item 3, user 0 is a return, users 1, 2 outwards
    adj = _sym(5, [(0, 3), (1, 3), (2, 3), (0, 4), (1, 4)], [2.0, 1.0, 3.0, 1.0, 1.0])
    assert _is_bipartite(adj.indptr, adj.indices)
    observed, exact = _second_step(adj, prev=0, cur=3, p=p, q=q)
    _assert_fits(observed, exact)


def test_return_and_outward_rates_move_with_p_and_q():
    adj = _sym(5, [(0, 1), (1, 2), (0, 2), (1, 3), (3, 4)])

    def share(p, q, node):
        observed, _ = _second_step(adj, prev=0, cur=1, p=p, q=q, n=6000)
        return observed[[0, 2, 3].index(node)] / observed.sum()

    assert share(0.25, 1, 0) > share(1, 1, 0) > share(4, 1, 0)  # returns
    assert share(1, 0.25, 3) > share(1, 1, 3) > share(1, 4, 3)  # outward moves


def test_first_step_follows_weights():
    adj = _sym(5, [(0, 1), (0, 2), (0, 3), (0, 4)], [1.0, 2.0, 3.0, 4.0])
    walks = random_walks(adj, 1, 2, random_state=0, start_nodes=np.zeros(20000, int))
    _assert_fits(np.bincount(walks[:, 1], minlength=5)[1:], np.arange(1, 5) / 10)
    walks = random_walks(
        adj, 1, 2, weighted=False, random_state=0, start_nodes=np.zeros(20000, int)
    )
    _assert_fits(np.bincount(walks[:, 1], minlength=5)[1:], np.full(4, 0.25))


def test_zero_weight_entries_are_not_taken():
    adj = sp.csr_array((np.array([0.0, 1.0, 0.0]), np.array([1, 2, 3]), [0, 3, 3, 3, 3]))
    walks = random_walks(adj, 1, 2, random_state=0, start_nodes=np.zeros(1000, int))
    assert (walks[:, 1] == 2).all()
    walks = random_walks(adj, 1, 2, weighted=False, random_state=0, start_nodes=np.zeros(3000, int))
    assert set(walks[:, 1].tolist()) == {1, 2, 3}  # unweighted: every stored entry


def test_dead_ends_stay():
    adj = _sym(4, [(0, 1), (1, 2)])  # node 3 is isolated
    walks = random_walks(adj, 3, 5, q=0.5, random_state=0)
    assert (walks[walks[:, 0] == 3] == 3).all()
    directed = sp.csr_array(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]))  # 0 -> 1 -> 2, stop
    walks = random_walks(directed, 1, 5, p=2.0, random_state=0, start_nodes=[0])
    assert walks.tolist() == [[0, 1, 2, 2, 2]]


def test_is_bipartite():
    assert _is_bipartite(*_arrays(_sym(6, [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5)])))
    assert not _is_bipartite(*_arrays(_sym(6, [(0, 1), (1, 2), (4, 5), (5, 3), (3, 4)])))
    assert _is_bipartite(*_arrays(sp.csr_array((3, 3))))


def _arrays(adj):
    return adj.indptr.astype(np.int64), adj.indices.astype(np.int32)


def test_walks_bad_input():
    adj = _sym(3, [(0, 1), (1, 2)])
    with pytest.raises(ValueError, match="square"):
        random_walks(sp.csr_array((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        random_walks(-adj)
    with pytest.raises(ValueError, match="p must be"):
        random_walks(adj, p=0)
    with pytest.raises(ValueError, match="q must be"):
        random_walks(adj, q=-1.0)
    with pytest.raises(ValueError, match="walk_length"):
        random_walks(adj, walk_length=0)
    with pytest.raises(ValueError, match="start_nodes"):
        random_walks(adj, start_nodes=[3])
