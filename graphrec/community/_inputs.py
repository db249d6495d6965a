"""What a detector is fitted on, checked: bipartite data, an adjacency or user vectors.

Re-exported by :mod:`graphrec.community.base`, the public path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec._validation import check_is_fitted
from graphrec.data.interactions import Interactions

__all__ = ["check_detector_input", "check_n_communities", "user_vectors"]


def check_detector_input(train: Any, *, adjacency: bool = False) -> Any:
    """The graph a detector partitions, checked: ``Interactions`` or a square adjacency.

    Accepted inputs, as in scikit-network and networkx:

    * ``Interactions``, a :class:`~graphrec.graph.BipartiteGraph` or a *rectangular*
      scipy sparse biadjacency (rows = users, columns = items): returned as
      ``Interactions`` (users and items numbered ``0 ..`` for a bare matrix);
    * a *square* scipy sparse matrix is an adjacency (a friend graph, an item
      projection, a kNN graph of embeddings). Only with ``adjacency=True`` (the
      detectors that partition a one-mode graph): it must be symmetric with finite,
      non-negative weights; it is returned as ``csr_array`` without its diagonal.
      To pass a square *bi*adjacency, wrap it in ``BipartiteGraph`` or ``Interactions``.

    Anything else, and empty data, is a ``ValueError``.

    >>> import scipy.sparse as sp
    >>> empty = Interactions(sp.csr_array((3, 2)), [0, 1, 2], [0, 1])
    >>> check_detector_input(empty)
    Traceback (most recent call last):
    ...
    ValueError: cannot detect communities in empty data: 3 users x 2 items but no interactions
    >>> check_detector_input(sp.csr_array([[0, 1.0], [1.0, 0]]), adjacency=True).nnz
    2
    """
    import scipy.sparse as sp

    from graphrec.graph.bipartite import BipartiteGraph

    if isinstance(train, BipartiteGraph):
        train = Interactions(train.biadjacency, train.user_ids, train.item_ids)
    elif sp.issparse(train):
        if train.ndim != 2:
            raise ValueError(f"a detector needs a 2-D sparse matrix, got shape {train.shape}")
        if train.shape[0] == train.shape[1]:
            if not adjacency:
                raise ValueError(
                    f"this detector co-clusters a bipartite graph, but a square sparse matrix "
                    f"{train.shape} is read as an adjacency (one node type); pass a "
                    "biadjacency as gr.BipartiteGraph(matrix) or Interactions, or use a "
                    "one-mode detector (louvain, leiden, label_propagation)"
                )
            return _check_adjacency(train)
        n_users, n_items = train.shape
        train = Interactions(sp.csr_array(train), np.arange(n_users), np.arange(n_items))
    elif not isinstance(train, Interactions):
        kinds = "Interactions, a BipartiteGraph or a scipy sparse matrix"
        if isinstance(train, np.ndarray):
            raise ValueError(
                f"a detector is fitted on {kinds}, got a dense array {train.shape}: wrap an "
                "adjacency in scipy.sparse.csr_array; pass user vectors as embedder="
            )
        raise ValueError(f"a detector is fitted on {kinds}, got {type(train).__name__}")
    if train.n_users == 0 or train.n_items == 0:
        raise ValueError(
            f"cannot detect communities in empty data ({train.n_users} users x "
            f"{train.n_items} items)"
        )
    weights = train.matrix.data
    if train.nnz == 0 or not np.any(weights != 0):
        raise ValueError(
            f"cannot detect communities in empty data: {train.n_users} users x "
            f"{train.n_items} items but no interactions"
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("interaction weights must be finite and non-negative")
    return train


def _check_adjacency(matrix: Any) -> Any:
    """A square sparse adjacency as a symmetric float ``csr_array`` without self-loops."""
    import scipy.sparse as sp

    graph = sp.csr_array(matrix, dtype=np.float64, copy=True)
    graph.setdiag(0)
    graph.eliminate_zeros()
    n = graph.shape[0]
    if n == 0 or graph.nnz == 0:
        raise ValueError(f"cannot detect communities in an adjacency without edges ({n} nodes)")
    if not np.all(np.isfinite(graph.data)) or np.any(graph.data < 0):
        raise ValueError("adjacency weights must be finite and non-negative")
    asym = abs(graph - graph.T)
    if asym.nnz and asym.max() > 1e-9 * float(np.abs(graph.data).max()):
        raise ValueError(
            "the adjacency must be symmetric (an undirected graph); symmetrise a directed "
            "graph first, e.g. (A + A.T) / 2 or A.maximum(A.T)"
        )
    graph.sort_indices()
    return graph


def check_n_communities(k: Any, name: str, n_users: int) -> int:
    """``k`` as an int in ``[1, n_users]``, else a ``ValueError`` naming ``name``."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    if k > n_users:
        raise ValueError(f"{name}={k} is larger than the number of users ({n_users})")
    return int(k)


def user_vectors(embedder: Any, train: Interactions, method: str) -> np.ndarray:
    """User vectors for an embedding-clustering detector: ``(n_users, d)`` float64.

    ``embedder`` is a *fitted* embedder (its ``user_embeddings_`` are used) or an
    array of shape ``(n_users, d)``.

    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=50, n_items=30, seed=0)
    >>> user_vectors(np.ones((50, 2)), data, "kmeans").shape
    (50, 2)
    """
    if embedder is None:
        raise ValueError(
            f"detector {method!r} clusters embeddings: pass a fitted embedder, e.g. "
            f"fit(train, embedder=gr.create('embedder','svd').fit(train))"
        )
    if isinstance(embedder, str):
        raise ValueError(
            f"detector {method!r}: embedder must be a fitted embedder object, not the name "
            f"{embedder!r}; e.g. fit(train, embedder=gr.create('embedder', {embedder!r})"
            ".fit(train))"
        )
    if isinstance(embedder, np.ndarray):
        vectors = embedder
    else:
        check_is_fitted(embedder, "user_embeddings_")
        vectors = np.asarray(embedder.user_embeddings_)
    if vectors.ndim != 2 or vectors.shape[0] != train.n_users or vectors.shape[1] < 1:
        raise ValueError(
            f"detector {method!r} needs user vectors of shape ({train.n_users}, d), "
            f"got {vectors.shape}; fit the embedder on the same training data"
        )
    vectors = vectors.astype(np.float64)
    if not np.all(np.isfinite(vectors)):
        raise ValueError(f"detector {method!r}: the user vectors contain NaN or inf")
    return vectors
