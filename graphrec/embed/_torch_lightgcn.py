"""The torch side of LightGCN: the sparse propagation and the torch-geometric model.

Imported when a LightGCN, LightGCN++ or MF is fitted (not with graphrec), so that
``import graphrec`` and the registries do not load torch or torch-geometric.
"""

from __future__ import annotations

from typing import Any

import scipy.sparse as sp
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

from graphrec._sparse import to_torch_csr

__all__ = ["BipartiteAdjacency", "propagate"]


class _SparseProduct(torch.autograd.Function):
    """``A @ X`` whose backward is ``A^T @ G`` with a precomputed ``A^T``.

    For the symmetric LightGCN adjacency ``A^T`` is ``A`` itself, so no transpose
    is ever built; torch's own backward transposes the CSR matrix on every call.
    """

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, a_t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.a_t = a_t
        return torch.sparse.mm(a, x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, None, torch.Tensor]:
        return None, None, torch.sparse.mm(ctx.a_t, grad)


class BipartiteAdjacency:
    """A users-first bipartite adjacency ``A = [[0, U], [L, 0]]`` held as its two
    off-diagonal CSR blocks (and those of ``A^T``, the same ones when ``A`` is
    symmetric), so that ``A @ X`` is two half products ``[U X_items; L X_users]``.

    The same product as one ``(users + items)``-square CSR matrix, but a training
    step on gowalla is 1.5x to 1.6x faster on a 2-core CPU
    (``experiments/bench_embeddings.py --part step --split gowalla``; measured, the
    reason inside torch's sparse kernel is not analysed).

    >>> a = sp.csr_array([[0, 0, 1.0], [0, 0, 2.0], [1.0, 2.0, 0]])
    >>> adj = BipartiteAdjacency.from_scipy(a, n_users=2)
    >>> adj.matmul(torch.ones(3, 1)).flatten().tolist()
    [1.0, 2.0, 3.0]
    """

    def __init__(
        self, n_users: int, up: torch.Tensor, low: torch.Tensor, up_t: torch.Tensor,
        low_t: torch.Tensor,
    ) -> None:  # fmt: skip
        self.n_users, self.up, self.low, self.up_t, self.low_t = n_users, up, low, up_t, low_t

    @classmethod
    def from_scipy(
        cls, a: sp.csr_array | sp.spmatrix, n_users: int, *, symmetric: bool | None = None
    ) -> BipartiteAdjacency:
        """The blocks of ``a`` (float32), which must have no user-user or item-item
        entry; ``symmetric`` (default: checked) reuses them for ``A^T``."""
        a = sp.csr_array(a)
        up, low = a[:n_users, n_users:], a[n_users:, :n_users]
        if a[:n_users, :n_users].nnz or a[n_users:, n_users:].nnz:
            raise ValueError("the adjacency has user-user or item-item entries: not bipartite")
        if symmetric is None:
            symmetric = (abs(up - sp.csr_array(low.T)) > 0).nnz == 0
        t_up, t_low = to_torch_csr(up), to_torch_csr(low)
        if symmetric:
            return cls(n_users, t_up, t_low, t_up, t_low)
        return cls(n_users, t_up, t_low, to_torch_csr(low.T), to_torch_csr(up.T))

    def to(self, device: Any) -> BipartiteAdjacency:
        """The blocks on ``device`` (shared blocks stay shared)."""
        up, low = self.up.to(device), self.low.to(device)
        shared = self.up_t is self.up
        up_t, low_t = (up, low) if shared else (self.up_t.to(device), self.low_t.to(device))
        return BipartiteAdjacency(self.n_users, up, low, up_t, low_t)

    def matmul(self, x: torch.Tensor) -> torch.Tensor:
        """``A @ x``."""
        return _halves(self.up, self.low, self.n_users, x)

    def rmatmul(self, x: torch.Tensor) -> torch.Tensor:
        """``A^T @ x``."""
        return _halves(self.up_t, self.low_t, self.n_users, x)


def _halves(up: torch.Tensor, low: torch.Tensor, n_users: int, x: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.sparse.mm(up, x[n_users:]), torch.sparse.mm(low, x[:n_users])])


class _BipartiteProduct(torch.autograd.Function):
    """``A @ X`` for a :class:`BipartiteAdjacency`, backward ``A^T @ G``."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, a: BipartiteAdjacency) -> torch.Tensor:
        ctx.a = a
        return a.matmul(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return ctx.a.rmatmul(grad.contiguous()), None


def _product(a: Any, a_t: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    if isinstance(a, BipartiteAdjacency):
        return _BipartiteProduct.apply(x, a)
    return _SparseProduct.apply(a, a_t, x)


def propagate(
    a: torch.Tensor | BipartiteAdjacency | None,
    a_t: torch.Tensor | None,
    x0: torch.Tensor,
    layers: int,
    layer_weights: torch.Tensor | None,
    gamma: float | None,
    normalize_layers: bool,
) -> torch.Tensor:
    """Final node embeddings: the weighted sum of ``A^l X0`` (LightGCN) or, with
    ``gamma``, ``gamma * X0 + (1 - gamma) * mean_l(A^l X0)`` (LightGCN++). ``a`` is a
    torch sparse matrix with ``a_t`` its transpose (used by the backward), or a
    :class:`BipartiteAdjacency` (``a_t`` unused). With 0 layers it is ``X0`` (the
    adjacency may then be None)."""
    if layers == 0:
        return x0
    x = x0
    outs = []
    for _ in range(layers):
        if normalize_layers:
            x = x / (x.norm(dim=1, keepdim=True) + 1e-12)
        x = _product(a, a_t, x)
        outs.append(x)
    if gamma is not None:
        return gamma * x0 + (1.0 - gamma) * torch.stack(outs).mean(dim=0)
    assert layer_weights is not None
    total = x0 * layer_weights[0]
    for w, out in zip(layer_weights[1:], outs):
        total = total + w * out
    return total


class _LightGCNNet(PyGLightGCN):
    """torch-geometric's LightGCN whose ``forward()`` is :func:`propagate` over a
    fixed adjacency (``a`` forward, ``a_t`` backward; none for 0 layers)."""

    def __init__(
        self,
        n_nodes: int,
        dim: int,
        layers: int,
        a: torch.Tensor | BipartiteAdjacency | None = None,
        a_t: torch.Tensor | None = None,
        gamma: float | None = None,
        normalize_layers: bool = False,
    ) -> None:
        super().__init__(n_nodes, dim, layers)
        self.a, self.a_t = a, a_t
        self.gamma, self.normalize_layers = gamma, normalize_layers

    def forward(self) -> torch.Tensor:  # type: ignore[override]
        return propagate(
            self.a, self.a_t, self.embedding.weight, self.num_layers, self.alpha,
            self.gamma, self.normalize_layers,
        )  # fmt: skip


def _xavier(net: torch.nn.Module, generator: torch.Generator) -> torch.nn.Module:
    torch.nn.init.xavier_uniform_(net.embedding.weight, generator=generator)
    return net
