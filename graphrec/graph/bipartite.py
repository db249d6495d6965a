"""``BipartiteGraph``: the user-item graph of an interaction matrix and its conversions.

Nodes are numbered users first (``0 .. n_users - 1``), then items (``n_users ..
n_nodes - 1``), the convention of torch-geometric's LightGCN. Every conversion
(``edge_index``, ``to_hetero_data``, ``to_networkx``) has an inverse that gives back
the same biadjacency matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp

from graphrec._sparse import degree_normalize
from graphrec.graph._checks import (
    _check_biadjacency,
    _check_ids,
    _check_weights,
    _id_array,
    _merge_pairs,
    _order_nodes,
    _strip,
    _to_numpy,
)

if TYPE_CHECKING:
    import networkx as nx
    import torch
    from torch_geometric.data import HeteroData

    from graphrec.data.interactions import Interactions

__all__ = ["BipartiteGraph"]

_USER, _ITEM = "u", "i"
_EDGE, _REV_EDGE = ("user", "interacts", "item"), ("item", "rev_interacts", "user")


class BipartiteGraph:
    """Undirected weighted bipartite graph between users and items.

    Parameters
    ----------
    biadjacency : sparse or dense array of shape (n_users, n_items)
        Edge weights: non-negative and finite; zero entries are not edges.
    user_ids, item_ids : array-like, optional
        Original ids of the user (item) indices; ``arange`` by default.

    Examples
    --------
    >>> import numpy as np
    >>> g = BipartiteGraph(np.array([[1, 0, 2], [0, 1, 0]]))
    >>> g
    BipartiteGraph(2 users x 3 items, 3 edges, density 50.00%, weighted)
    >>> g.adjacency().toarray().astype(int).tolist()
    [[0, 0, 1, 0, 2], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [2, 0, 0, 0, 0]]
    >>> g.edge_index().tolist()
    [[0, 0, 1, 2, 3, 4], [2, 4, 3, 0, 1, 0]]
    """

    def __init__(self, biadjacency: Any, user_ids: Any = None, item_ids: Any = None) -> None:
        self._b = _check_biadjacency(biadjacency)
        n_users, n_items = self._b.shape
        self._user_ids = _check_ids(user_ids, n_users, "user_ids")
        self._item_ids = _check_ids(item_ids, n_items, "item_ids")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_interactions(cls, data: Interactions, weighted: bool = True) -> BipartiteGraph:
        """The graph of ``data.matrix``, keeping its user and item ids.

        With ``weighted=False`` every stored interaction becomes an edge of weight 1.0
        (even one whose weight is 0); otherwise the interaction weights are used.

        >>> from graphrec.data import Interactions
        >>> data = Interactions.from_coo([0, 1], [1, 0], [5.0, 3.0], user_ids=["a", "b"],
        ...                              item_ids=[7, 8])
        >>> BipartiteGraph.from_interactions(data, weighted=False).biadjacency.toarray()
        array([[0., 1.],
               [1., 0.]], dtype=float32)
        """
        matrix = sp.csr_array(data.matrix, dtype=np.float32, copy=True)
        if not weighted:
            matrix.data[:] = 1.0
        return cls(matrix, data.user_ids, data.item_ids)

    @classmethod
    def from_edge_index(
        cls,
        edge_index: Any,
        n_users: int,
        n_items: int,
        edge_weight: Any = None,
        *,
        user_ids: Any = None,
        item_ids: Any = None,
    ) -> BipartiteGraph:
        """Inverse of :meth:`edge_index`: node ids ``< n_users`` are users, the rest items.

        Each edge may be given in one direction or in both; repeats of a user-item
        pair must carry the same weight and are merged into one edge.

        >>> BipartiteGraph.from_edge_index([[0, 2], [2, 0]], n_users=2, n_items=1).n_edges
        1
        """
        ei = _to_numpy(edge_index)
        if ei.ndim != 2 or ei.shape[0] != 2:
            raise ValueError(f"edge_index must have shape (2, n_edges), got {ei.shape}")
        if ei.size and not np.issubdtype(ei.dtype, np.integer):
            raise ValueError(f"edge_index must hold integer node ids, got dtype {ei.dtype}")
        ei = ei.astype(np.int64)
        n_nodes = int(n_users) + int(n_items)
        if ei.size and (ei.min() < 0 or ei.max() >= n_nodes):
            raise ValueError(
                f"edge_index has node ids in [{ei.min()}, {ei.max()}], outside "
                f"[0, {n_nodes}) for n_users={n_users} + n_items={n_items}"
            )
        weights = _check_weights(edge_weight, ei.shape[1], "edge_weight")
        src, dst = ei
        src_user = src < n_users
        same_side = src_user == (dst < n_users)
        if same_side.any():
            k = int(np.flatnonzero(same_side)[0])
            raise ValueError(
                f"edge_index column {k} ({src[k]}, {dst[k]}) joins two users or two items; "
                f"a bipartite edge joins a user (< {n_users}) and an item"
            )
        users = np.where(src_user, src, dst)
        items = np.where(src_user, dst, src) - n_users
        b = _merge_pairs(users, items, weights, (int(n_users), int(n_items)), "edge_index")
        return cls(b, user_ids, item_ids)

    @classmethod
    def from_hetero_data(
        cls, data: HeteroData, *, user_ids: Any = None, item_ids: Any = None
    ) -> BipartiteGraph:
        """Inverse of :meth:`to_hetero_data` (reads the ``("user", "interacts", "item")`` edges)."""
        store = data[_EDGE]
        weight = store.edge_weight if "edge_weight" in store else None
        n_users, n_items = data["user"].num_nodes, data["item"].num_nodes
        ei = _to_numpy(store.edge_index).astype(np.int64)
        if ei.ndim != 2 or ei.shape[0] != 2:
            raise ValueError(f"{_EDGE} edge_index must have shape (2, n_edges), got {ei.shape}")
        if ei.size and (ei.min() < 0 or ei[0].max() >= n_users or ei[1].max() >= n_items):
            raise ValueError(f"{_EDGE} edge_index is out of range for {n_users} x {n_items}")
        weights = _check_weights(weight, ei.shape[1], "edge_weight")
        b = _merge_pairs(ei[0], ei[1], weights, (n_users, n_items), "HeteroData")
        return cls(b, user_ids, item_ids)

    @classmethod
    def from_networkx(cls, graph: nx.Graph) -> BipartiteGraph:
        """Inverse of :meth:`to_networkx`.

        Nodes with attribute ``bipartite=0`` are users and ``1`` items. They are ordered
        by their ``index`` attribute when every node of a side has one, else in the
        graph's node order. A node named ``("u", x)`` (user) or ``("i", x)`` (item) gets
        id ``x``; any other node name is kept as the id. Missing weights count as 1.0.
        """
        sides: tuple[list[Any], list[Any]] = ([], [])
        indices: tuple[list[Any], list[Any]] = ([], [])
        for node, attrs in graph.nodes(data=True):
            side = attrs.get("bipartite")
            if side not in (0, 1) or isinstance(side, bool):
                raise ValueError(
                    f"node {node!r} has bipartite={side!r}; expected 0 (user) or 1 (item)"
                )
            sides[side].append(node)
            indices[side].append(attrs.get("index"))
        names = tuple(_order_nodes(nodes, idx) for nodes, idx in zip(sides, indices))
        pos = [{node: k for k, node in enumerate(side)} for side in names]
        n_edges = graph.number_of_edges()
        users = np.empty(n_edges, np.int64)
        items = np.empty(n_edges, np.int64)
        weights = np.empty(n_edges, np.float64)
        for k, (a, b, w) in enumerate(graph.edges(data="weight", default=1.0)):
            if a in pos[0] and b in pos[1]:
                users[k], items[k] = pos[0][a], pos[1][b]
            elif a in pos[1] and b in pos[0]:
                users[k], items[k] = pos[0][b], pos[1][a]
            else:
                raise ValueError(f"edge ({a!r}, {b!r}) does not join a user and an item")
            weights[k] = w
        weights = _check_weights(weights, n_edges, "edge attribute 'weight'")
        shape = (len(names[0]), len(names[1]))
        b = _merge_pairs(users, items, weights, shape, "networkx graph")
        user_ids = _id_array([_strip(n, _USER) for n in names[0]])
        item_ids = _id_array([_strip(n, _ITEM) for n in names[1]])
        return cls(b, user_ids, item_ids)

    # ------------------------------------------------------------------ basic facts
    @property
    def biadjacency(self) -> sp.csr_array:
        """Users x items CSR matrix of edge weights (float32, canonical; do not modify)."""
        return self._b

    @property
    def user_ids(self) -> np.ndarray:
        return self._user_ids

    @property
    def item_ids(self) -> np.ndarray:
        return self._item_ids

    @property
    def n_users(self) -> int:
        return int(self._b.shape[0])

    @property
    def n_items(self) -> int:
        return int(self._b.shape[1])

    @property
    def n_nodes(self) -> int:
        return self.n_users + self.n_items

    @property
    def n_edges(self) -> int:
        """Number of undirected user-item edges."""
        return int(self._b.nnz)

    def __repr__(self) -> str:
        density = self.n_edges / max(1, self.n_users * self.n_items)
        weighted = ", weighted" if np.any(self._b.data != 1.0) else ""
        return (
            f"BipartiteGraph({self.n_users} users x {self.n_items} items, "
            f"{self.n_edges} edges, density {density:.2%}{weighted})"
        )

    # ------------------------------------------------------------------ matrices
    def adjacency(self, self_loops: bool = False) -> sp.csr_array:
        """Symmetric ``(n_nodes, n_nodes)`` CSR matrix ``[[0, B], [B^T, 0]]``, users first.

        ``self_loops=True`` adds 1.0 on the diagonal.

        >>> g = BipartiteGraph(np.array([[1, 1]]))
        >>> g.adjacency(self_loops=True).toarray().astype(int).tolist()
        [[1, 1, 1], [1, 1, 0], [1, 0, 1]]
        """
        b, n_users = self._b, self.n_users
        bt = sp.csr_array(b.T)  # CSC -> CSR: indices come out sorted
        bt.sort_indices()
        indptr = np.concatenate([b.indptr, b.nnz + bt.indptr[1:]]).astype(np.int64)
        indices = np.concatenate([b.indices.astype(np.int64) + n_users, bt.indices])
        data = np.concatenate([b.data, bt.data])
        adj = sp.csr_array((data, indices, indptr), shape=(self.n_nodes, self.n_nodes))
        if self_loops:
            adj = sp.csr_array(adj + sp.eye_array(self.n_nodes, dtype=np.float32, format="csr"))
            adj.sort_indices()
        return adj

    def normalized_adjacency(
        self, alpha: float = 0.5, beta: float = 0.5, *, self_loops: bool = False
    ) -> sp.csr_array:
        """``D^-alpha A D^-beta`` as CSR, with D the weighted degrees of :meth:`adjacency`.

        ``alpha = beta = 0.5`` is the symmetric normalisation of LightGCN and
        torch-geometric's ``gcn_norm``; ``alpha=1, beta=0`` the random-walk matrix.
        Rows and columns of zero-degree nodes are 0.

        >>> g = BipartiteGraph(np.array([[1, 1], [0, 1]]))
        >>> g.normalized_adjacency().toarray()[0].astype(float).round(3).tolist()
        [0.0, 0.0, 0.707, 0.5]
        """
        adj = self.adjacency(self_loops=self_loops)
        deg = adj.sum(axis=1, dtype=np.float64)  # symmetric: column degrees = row degrees
        norm = degree_normalize(adj, alpha, beta, degrees=(deg, deg), dtype=np.float64)
        return norm.astype(np.float32)

    # ------------------------------------------------------------------ torch
    def edge_index(self) -> torch.Tensor:
        """``(2, 2 * n_edges)`` int64 tensor with both directions, items offset by n_users.

        Columns are sorted by source then target (coalesced), in the order of the
        entries of :meth:`adjacency`; :meth:`edge_weight` is aligned with them.
        """
        import torch

        adj = self.adjacency()
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(adj.indptr))
        return torch.from_numpy(np.stack([rows, adj.indices.astype(np.int64)]))

    def edge_weight(self, normalized: bool = False) -> torch.Tensor:
        """float32 weights aligned with :meth:`edge_index` (``gcn_norm``-ed if ``normalized``)."""
        import torch

        adj = self.normalized_adjacency() if normalized else self.adjacency()
        return torch.from_numpy(adj.data.astype(np.float32))

    def to_torch_sparse(
        self, normalized: bool = False, layout: Literal["csr", "coo"] = "csr"
    ) -> torch.Tensor:
        """The (normalised) adjacency as a float32 torch sparse tensor on the CPU."""
        import torch

        from graphrec._sparse import to_torch_csr

        if layout not in ("csr", "coo"):
            raise ValueError(f"layout must be 'csr' or 'coo', got {layout!r}")
        adj = self.normalized_adjacency() if normalized else self.adjacency()
        if layout == "csr":
            return to_torch_csr(adj)
        values = torch.from_numpy(adj.data.astype(np.float32))
        size = (self.n_nodes, self.n_nodes)
        return torch.sparse_coo_tensor(
            self.edge_index(), values, size, is_coalesced=True, check_invariants=False
        )

    def to_hetero_data(self) -> HeteroData:
        """A ``HeteroData`` with ``user``/``item`` nodes and both edge directions.

        Edge types are ``("user", "interacts", "item")`` and
        ``("item", "rev_interacts", "user")``, each with ``edge_index`` (per-type node
        indices, not offset) and float32 ``edge_weight``.
        """
        import torch
        from torch_geometric.data import HeteroData

        users, items, weights = self._coo()
        ei = torch.from_numpy(np.stack([users, items]))
        w = torch.from_numpy(weights.astype(np.float32))
        data = HeteroData()
        data["user"].num_nodes = self.n_users
        data["item"].num_nodes = self.n_items
        data[_EDGE].edge_index = ei
        data[_EDGE].edge_weight = w
        data[_REV_EDGE].edge_index = ei.flip(0)
        data[_REV_EDGE].edge_weight = w.clone()
        return data

    # ------------------------------------------------------------------ networkx
    def to_networkx(self) -> nx.Graph:
        """Undirected ``networkx.Graph`` with nodes ``("u", user_id)`` and ``("i", item_id)``.

        Nodes carry ``bipartite`` (0 users, 1 items) and ``index`` (contiguous index);
        edges carry ``weight``. :meth:`from_networkx` inverts it.

        >>> G = BipartiteGraph(np.array([[1, 0], [2, 1]])).to_networkx()
        >>> G.nodes[("i", 0)], G.edges[("u", 1), ("i", 0)]
        ({'bipartite': 1, 'index': 0}, {'weight': 2.0})
        """
        import networkx as nx

        unames = [(_USER, uid) for uid in self._user_ids.tolist()]
        inames = [(_ITEM, iid) for iid in self._item_ids.tolist()]
        graph = nx.Graph()
        graph.add_nodes_from((n, {"bipartite": 0, "index": k}) for k, n in enumerate(unames))
        graph.add_nodes_from((n, {"bipartite": 1, "index": k}) for k, n in enumerate(inames))
        users, items, weights = self._coo()
        graph.add_weighted_edges_from(
            zip(
                [unames[u] for u in users.tolist()],
                [inames[i] for i in items.tolist()],
                weights.tolist(),
            )
        )
        return graph

    # ------------------------------------------------------------------ statistics
    def user_degrees(self, weighted: bool = False) -> np.ndarray:
        """Number of items per user (sum of edge weights if ``weighted``)."""
        if weighted:
            return self._b.sum(axis=1, dtype=np.float64)
        return np.diff(self._b.indptr).astype(np.int64)

    def item_degrees(self, weighted: bool = False) -> np.ndarray:
        """Number of users per item (sum of edge weights if ``weighted``)."""
        w = self._b.data.astype(np.float64) if weighted else None
        out = np.bincount(self._b.indices, weights=w, minlength=self.n_items)
        return out if weighted else out.astype(np.int64)

    def connected_components(self) -> tuple[int, np.ndarray]:
        """``(n_components, labels)`` over all nodes, users first; isolated nodes count.

        >>> BipartiteGraph(np.array([[1, 0], [0, 0]])).connected_components()[1].tolist()
        [0, 1, 0, 2]
        """
        from scipy.sparse.csgraph import connected_components  # loads scipy.linalg

        n, labels = connected_components(self.adjacency(), directed=False)
        return int(n), labels.astype(np.int64)

    def stats(self) -> dict[str, float | int]:
        """Size, density, degree summaries, isolated nodes and connected components."""
        out: dict[str, float | int] = {
            "n_users": self.n_users,
            "n_items": self.n_items,
            "n_edges": self.n_edges,
            "density": self.n_edges / max(1, self.n_users * self.n_items),
        }
        for side, deg in (("user", self.user_degrees()), ("item", self.item_degrees())):
            empty = deg.size == 0
            out[f"{side}_degree_mean"] = 0.0 if empty else float(deg.mean())
            out[f"{side}_degree_median"] = 0.0 if empty else float(np.median(deg))
            out[f"{side}_degree_max"] = 0 if empty else int(deg.max())
            out[f"isolated_{side}s"] = int(np.count_nonzero(deg == 0))
        n_comp, labels = self.connected_components()
        largest = int(np.bincount(labels).max()) if labels.size else 0
        out["n_components"] = n_comp
        out["largest_component_size"] = largest
        out["largest_component_share"] = largest / max(1, self.n_nodes)
        return out

    # ------------------------------------------------------------------ helpers
    def _coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        users = np.repeat(np.arange(self.n_users, dtype=np.int64), np.diff(self._b.indptr))
        return users, self._b.indices.astype(np.int64), self._b.data
