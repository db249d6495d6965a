"""Tests for graphrec.graph.bipartite: known answers on a hand-made graph and round trips."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from torch_geometric.data import HeteroData
from torch_geometric.nn import LGConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm

from graphrec.data import Interactions
from graphrec.graph import BipartiteGraph

# 3 users x 4 items. Components: {u0, i0, i1}, {u1, i2, i3} and the isolated user u2.
# Node numbering: u0=0, u1=1, u2=2, i0=3, i1=4, i2=5, i3=6.
B = np.array(
    [
        [1.0, 2.0, 0.0, 0.0],
        [0.0, 0.0, 3.0, 1.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
)
A = np.zeros((7, 7))
A[:3, 3:] = B
A[3:, :3] = B.T


@pytest.fixture
def graph() -> BipartiteGraph:
    return BipartiteGraph(sp.csr_array(B))


@pytest.fixture
def data() -> Interactions:
    users, items = np.nonzero(B)
    return Interactions.from_coo(
        users, items, B[users, items], user_ids=["x", "y", "z"], item_ids=[10, 20, 30, 40]
    )


def assert_same_graph(a: BipartiteGraph, b: BipartiteGraph, ids: bool = True) -> None:
    assert a.biadjacency.shape == b.biadjacency.shape
    assert a.biadjacency.has_canonical_format and b.biadjacency.has_canonical_format
    np.testing.assert_array_equal(a.biadjacency.indptr, b.biadjacency.indptr)
    np.testing.assert_array_equal(a.biadjacency.indices, b.biadjacency.indices)
    np.testing.assert_allclose(a.biadjacency.data, b.biadjacency.data)
    if ids:
        np.testing.assert_array_equal(a.user_ids, b.user_ids)
        np.testing.assert_array_equal(a.item_ids, b.item_ids)


# ---------------------------------------------------------------------- construction
def test_basic_facts(graph: BipartiteGraph) -> None:
    assert (graph.n_users, graph.n_items, graph.n_nodes, graph.n_edges) == (3, 4, 7, 4)
    assert isinstance(graph.biadjacency, sp.csr_array)
    assert graph.biadjacency.dtype == np.float32
    np.testing.assert_array_equal(graph.biadjacency.toarray(), B)
    np.testing.assert_array_equal(graph.user_ids, [0, 1, 2])
    np.testing.assert_array_equal(graph.item_ids, [0, 1, 2, 3])
    assert repr(graph) == ("BipartiteGraph(3 users x 4 items, 4 edges, density 33.33%, weighted)")


def test_dense_and_sparse_input_agree(graph: BipartiteGraph) -> None:
    assert_same_graph(BipartiteGraph(B), graph)
    assert_same_graph(BipartiteGraph(sp.coo_matrix(B)), graph)
    assert_same_graph(BipartiteGraph(B.tolist()), graph)


def test_stored_zeros_are_not_edges() -> None:
    m = sp.csr_array((np.array([0.0, 1.0]), np.array([0, 1]), np.array([0, 2])), shape=(1, 2))
    g = BipartiteGraph(m)
    assert g.n_edges == 1
    np.testing.assert_array_equal(g.biadjacency.indices, [1])


def test_from_interactions_weighted_and_unweighted(data: Interactions) -> None:
    weighted = BipartiteGraph.from_interactions(data)
    np.testing.assert_array_equal(weighted.biadjacency.toarray(), B)
    np.testing.assert_array_equal(weighted.user_ids, ["x", "y", "z"])
    np.testing.assert_array_equal(weighted.item_ids, [10, 20, 30, 40])
    binary = BipartiteGraph.from_interactions(data, weighted=False)
    np.testing.assert_array_equal(binary.biadjacency.toarray(), (B > 0).astype(float))
    assert "weighted" not in repr(binary)
    # the graph owns a copy: changing it does not change the interactions
    binary.biadjacency.data[:] = 5.0
    np.testing.assert_array_equal(data.matrix.toarray(), B)


def test_unweighted_keeps_zero_weight_interactions() -> None:
    data = Interactions.from_coo([0, 0], [0, 1], [0.0, 4.0], user_ids=[0], item_ids=[0, 1])
    assert BipartiteGraph.from_interactions(data).n_edges == 1
    assert BipartiteGraph.from_interactions(data, weighted=False).n_edges == 2


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1.0, -1.0]], "non-negative"),
        ([[1.0, np.nan]], "finite"),
        ([[1.0, np.inf]], "finite"),
        ([[1e39, 0.0]], "finite"),  # overflows float32
        ([1.0, 2.0], "2-D"),
        (np.ones((2, 2, 2)), "2-D"),
        ([["a", "b"]], "numeric"),
    ],
)
def test_bad_biadjacency(matrix: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BipartiteGraph(matrix)


def test_bad_sparse_biadjacency() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        BipartiteGraph(sp.csr_array(np.array([[0.0, -2.0]])))
    with pytest.raises(ValueError, match="2-D"):
        BipartiteGraph(sp.coo_array(np.array([1.0, 2.0])))


def test_bad_ids() -> None:
    with pytest.raises(ValueError, match="user_ids"):
        BipartiteGraph(B, user_ids=["a", "b"])
    with pytest.raises(ValueError, match="item_ids"):
        BipartiteGraph(B, item_ids=np.zeros((4, 1)))


# ---------------------------------------------------------------------- matrices
def test_adjacency(graph: BipartiteGraph) -> None:
    adj = graph.adjacency()
    assert isinstance(adj, sp.csr_array)
    assert adj.shape == (7, 7) and adj.nnz == 8
    assert adj.has_canonical_format
    np.testing.assert_array_equal(adj.toarray(), A)
    loops = graph.adjacency(self_loops=True)
    assert loops.has_canonical_format
    np.testing.assert_array_equal(loops.toarray(), A + np.eye(7))


def test_adjacency_matches_bmat_on_random_graph() -> None:
    rng = np.random.default_rng(0)
    b = sp.random_array((50, 80), density=0.05, random_state=rng, format="csr")
    g = BipartiteGraph(b)
    expected = sp.bmat([[None, g.biadjacency], [g.biadjacency.T, None]], format="csr")
    assert (g.adjacency() != expected).nnz == 0
    assert g.adjacency().has_canonical_format


def test_normalized_adjacency_by_hand(graph: BipartiteGraph) -> None:
    # weighted degrees: u0=3, u1=4, u2=0, i0=1, i1=2, i2=3, i3=1
    expected = np.zeros((7, 7))
    expected[0, 3] = 1 / np.sqrt(3 * 1)
    expected[0, 4] = 2 / np.sqrt(3 * 2)
    expected[1, 5] = 3 / np.sqrt(4 * 3)
    expected[1, 6] = 1 / np.sqrt(4 * 1)
    expected += expected.T
    norm = graph.normalized_adjacency()
    assert isinstance(norm, sp.csr_array) and norm.dtype == np.float32
    np.testing.assert_allclose(norm.toarray(), expected, rtol=1e-6)
    # unweighted: user degree 2, item degree 1 -> 1 / sqrt(2) on every edge
    binary = BipartiteGraph(B > 0).normalized_adjacency().toarray()
    np.testing.assert_allclose(binary, (A > 0) / np.sqrt(2), rtol=1e-6)


def test_random_walk_normalization(graph: BipartiteGraph) -> None:
    walk = graph.normalized_adjacency(alpha=1.0, beta=0.0).toarray()
    np.testing.assert_allclose(walk.sum(axis=1), [1, 1, 0, 1, 1, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(walk[0, 3:5], [1 / 3, 2 / 3], rtol=1e-6)
    assert not walk[2].any() and not walk[:, 2].any()  # the isolated user


def test_normalized_adjacency_with_self_loops(graph: BipartiteGraph) -> None:
    norm = graph.normalized_adjacency(self_loops=True).toarray()
    deg = (A + np.eye(7)).sum(axis=1)
    expected = (A + np.eye(7)) / np.sqrt(np.outer(deg, deg))
    np.testing.assert_allclose(norm, expected, rtol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
def test_normalized_adjacency_matches_gcn_norm(weighted: bool) -> None:
    """The LightGCN contract: our matrix equals torch_geometric's gcn_norm."""
    rng = np.random.default_rng(1)
    b = sp.random_array((30, 40), density=0.1, random_state=rng, format="csr")
    g = BipartiteGraph(b if weighted else b > 0)
    ei = g.edge_index()
    ew = g.edge_weight() if weighted else None
    out_ei, out_w = gcn_norm(ei, ew, num_nodes=g.n_nodes, add_self_loops=False)
    theirs = sp.csr_array(
        (out_w.numpy(), (out_ei[0].numpy(), out_ei[1].numpy())), shape=(g.n_nodes,) * 2
    )
    np.testing.assert_allclose(theirs.toarray(), g.normalized_adjacency().toarray(), rtol=1e-5)
    np.testing.assert_allclose(g.edge_weight(normalized=True).numpy(), out_w.numpy(), rtol=1e-5)
    # and one LightGCN propagation step is a product with the normalized adjacency
    x = torch.from_numpy(rng.standard_normal((g.n_nodes, 8)).astype(np.float32))
    out = LGConv()(x, ei, ew)
    np.testing.assert_allclose(out.numpy(), g.normalized_adjacency() @ x.numpy(), atol=1e-5)


# ---------------------------------------------------------------------- torch
def test_edge_index(graph: BipartiteGraph) -> None:
    ei, ew = graph.edge_index(), graph.edge_weight()
    assert ei.dtype == torch.long and ei.shape == (2, 2 * graph.n_edges)
    assert ew.dtype == torch.float32 and ew.shape == (2 * graph.n_edges,)
    assert ei.tolist() == [[0, 0, 1, 1, 3, 4, 5, 6], [3, 4, 5, 6, 0, 0, 1, 1]]
    assert ew.tolist() == [1.0, 2.0, 3.0, 1.0, 1.0, 2.0, 3.0, 1.0]
    # every edge joins a user (< n_users) and an item (>= n_users), in both directions
    src, dst = ei.numpy()
    assert np.all((src < 3) != (dst < 3))
    assert set(zip(src.tolist(), dst.tolist())) == set(zip(dst.tolist(), src.tolist()))


def test_to_torch_sparse(graph: BipartiteGraph) -> None:
    csr = graph.to_torch_sparse()
    assert csr.layout == torch.sparse_csr and csr.dtype == torch.float32
    np.testing.assert_array_equal(csr.to_dense().numpy(), A)
    coo = graph.to_torch_sparse(normalized=True, layout="coo")
    assert coo.layout == torch.sparse_coo and coo.is_coalesced()
    np.testing.assert_allclose(coo.to_dense().numpy(), graph.normalized_adjacency().toarray())
    with pytest.raises(ValueError, match="layout"):
        graph.to_torch_sparse(layout="csc")  # type: ignore[arg-type]


def test_to_hetero_data(graph: BipartiteGraph) -> None:
    hd = graph.to_hetero_data()
    assert isinstance(hd, HeteroData)
    assert set(hd.node_types) == {"user", "item"}
    assert hd["user"].num_nodes == 3 and hd["item"].num_nodes == 4
    assert set(hd.edge_types) == {("user", "interacts", "item"), ("item", "rev_interacts", "user")}
    fwd, rev = hd["user", "interacts", "item"], hd["item", "rev_interacts", "user"]
    assert fwd.edge_index.tolist() == [[0, 0, 1, 1], [0, 1, 2, 3]]
    assert rev.edge_index.tolist() == [[0, 1, 2, 3], [0, 0, 1, 1]]
    assert fwd.edge_weight.tolist() == rev.edge_weight.tolist() == [1.0, 2.0, 3.0, 1.0]
    hd.validate()


# ---------------------------------------------------------------------- networkx
def test_to_networkx(graph: BipartiteGraph) -> None:
    G = graph.to_networkx()
    assert isinstance(G, nx.Graph) and not G.is_directed()
    # default ids 0..2 and 0..3 collide; the node names must not
    assert G.number_of_nodes() == 7 and G.number_of_edges() == 4
    assert G.nodes["u", 2] == {"bipartite": 0, "index": 2}
    assert G.nodes["i", 2] == {"bipartite": 1, "index": 2}
    assert G.degree["u", 2] == 0
    assert G.edges[("u", 1), ("i", 2)]["weight"] == 3.0
    assert G.edges[("i", 1), ("u", 0)]["weight"] == 2.0
    assert nx.number_connected_components(G) == 3


def test_from_plain_networkx_graph() -> None:
    G = nx.complete_bipartite_graph(2, 3)  # nodes 0, 1 (bipartite=0) and 2, 3, 4
    G.edges[0, 2]["weight"] = 5.0
    g = BipartiteGraph.from_networkx(G)
    np.testing.assert_array_equal(g.user_ids, [0, 1])
    np.testing.assert_array_equal(g.item_ids, [2, 3, 4])
    np.testing.assert_array_equal(g.biadjacency.toarray(), [[5, 1, 1], [1, 1, 1]])


def test_bad_networkx_graphs() -> None:
    G = nx.Graph([("a", "b")])
    with pytest.raises(ValueError, match="bipartite"):
        BipartiteGraph.from_networkx(G)
    nx.set_node_attributes(G, 0, "bipartite")
    with pytest.raises(ValueError, match="does not join a user and an item"):
        BipartiteGraph.from_networkx(G)
    G.nodes["b"]["bipartite"] = 1
    G.edges["a", "b"]["weight"] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        BipartiteGraph.from_networkx(G)


# ---------------------------------------------------------------------- round trips
def test_round_trip_edge_index(data: Interactions) -> None:
    g = BipartiteGraph.from_interactions(data)
    back = BipartiteGraph.from_edge_index(
        g.edge_index(),
        g.n_users,
        g.n_items,
        g.edge_weight(),
        user_ids=g.user_ids,
        item_ids=g.item_ids,
    )
    assert_same_graph(back, g)
    np.testing.assert_array_equal(back.biadjacency.toarray(), data.matrix.toarray())
    # one direction only (numpy input) gives the same graph
    half = g.edge_index().numpy()[:, : g.n_edges]
    one_way = BipartiteGraph.from_edge_index(half, 3, 4, g.edge_weight()[: g.n_edges])
    assert_same_graph(one_way, g, ids=False)
    # without weights every edge has weight 1
    plain = BipartiteGraph.from_edge_index(g.edge_index(), 3, 4)
    np.testing.assert_array_equal(plain.biadjacency.toarray(), B > 0)


def test_round_trip_networkx(data: Interactions) -> None:
    g = BipartiteGraph.from_interactions(data)
    assert_same_graph(BipartiteGraph.from_networkx(g.to_networkx()), g)
    # colliding default ids, including the isolated user
    h = BipartiteGraph(B)
    assert_same_graph(BipartiteGraph.from_networkx(h.to_networkx()), h)
    # node order in the networkx graph does not matter: the index attribute does
    G = h.to_networkx()
    shuffled = nx.Graph()
    shuffled.add_nodes_from(reversed(list(G.nodes(data=True))))
    shuffled.add_edges_from(G.edges(data=True))
    assert_same_graph(BipartiteGraph.from_networkx(shuffled), h)


def test_round_trip_hetero_data(data: Interactions) -> None:
    g = BipartiteGraph.from_interactions(data)
    back = BipartiteGraph.from_hetero_data(
        g.to_hetero_data(), user_ids=data.user_ids, item_ids=data.item_ids
    )
    assert_same_graph(back, g)


def test_round_trip_edgeless_graph() -> None:
    g = BipartiteGraph(np.zeros((2, 3)))
    assert g.edge_index().shape == (2, 0) and g.edge_weight().shape == (0,)
    assert g.normalized_adjacency().nnz == 0
    assert_same_graph(BipartiteGraph.from_edge_index(g.edge_index(), 2, 3), g)
    assert_same_graph(BipartiteGraph.from_networkx(g.to_networkx()), g)
    assert_same_graph(BipartiteGraph.from_hetero_data(g.to_hetero_data()), g)
    assert g.stats()["n_components"] == 5


# ---------------------------------------------------------------------- edge_index errors
@pytest.mark.parametrize(
    ("edge_index", "match"),
    [
        ([[0, 7], [7, 0]], "outside"),  # n_nodes is 7
        ([[-1, 3], [3, -1]], "outside"),
        ([0, 3], "shape"),
        ([[0, 3, 1]], "shape"),
        ([[0.0, 3.0], [3.0, 0.0]], "integer"),
        ([[0, 1], [1, 0]], "two users or two items"),
        ([[3, 4], [4, 3]], "two users or two items"),
    ],
)
def test_bad_edge_index(edge_index: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BipartiteGraph.from_edge_index(torch.tensor(edge_index), 3, 4)


def test_bad_edge_weight() -> None:
    ei = [[0, 3], [3, 0]]
    with pytest.raises(ValueError, match="shape"):
        BipartiteGraph.from_edge_index(ei, 3, 4, edge_weight=[1.0])
    with pytest.raises(ValueError, match="non-negative"):
        BipartiteGraph.from_edge_index(ei, 3, 4, edge_weight=[-1.0, -1.0])
    with pytest.raises(ValueError, match="finite"):
        BipartiteGraph.from_edge_index(ei, 3, 4, edge_weight=[np.nan, np.nan])
    with pytest.raises(ValueError, match="different weights"):
        BipartiteGraph.from_edge_index(ei, 3, 4, edge_weight=[1.0, 2.0])


# ---------------------------------------------------------------------- statistics
def test_degrees(graph: BipartiteGraph) -> None:
    np.testing.assert_array_equal(graph.user_degrees(), [2, 2, 0])
    np.testing.assert_array_equal(graph.item_degrees(), [1, 1, 1, 1])
    np.testing.assert_allclose(graph.user_degrees(weighted=True), [3, 4, 0])
    np.testing.assert_allclose(graph.item_degrees(weighted=True), [1, 2, 3, 1])
    assert graph.user_degrees().dtype == graph.item_degrees().dtype == np.int64


def test_connected_components(graph: BipartiteGraph) -> None:
    n, labels = graph.connected_components()
    assert n == 3 and labels.shape == (7,)
    # u0, i0, i1 | u1, i2, i3 | u2
    assert labels[0] == labels[3] == labels[4]
    assert labels[1] == labels[5] == labels[6]
    assert len({labels[0], labels[1], labels[2]}) == 3


def test_stats(graph: BipartiteGraph) -> None:
    stats = graph.stats()
    expected = {
        "n_users": 3,
        "n_items": 4,
        "n_edges": 4,
        "density": 4 / 12,
        "user_degree_mean": 4 / 3,
        "user_degree_median": 2.0,
        "user_degree_max": 2,
        "isolated_users": 1,
        "item_degree_mean": 1.0,
        "item_degree_median": 1.0,
        "item_degree_max": 1,
        "isolated_items": 0,
        "n_components": 3,
        "largest_component_size": 3,
        "largest_component_share": 3 / 7,
    }
    assert stats.keys() == expected.keys()
    for key, value in expected.items():
        assert stats[key] == pytest.approx(value), key


def test_stats_of_empty_graph() -> None:
    stats = BipartiteGraph(sp.csr_array((0, 0))).stats()
    assert stats["n_edges"] == 0 and stats["n_components"] == 0
    assert stats["user_degree_max"] == 0 and stats["largest_component_share"] == 0
