"""The torch side of LightGCN: the sparse propagation and the torch-geometric model.

Imported when a LightGCN, LightGCN++ or MF is fitted (not with graphrec), so that
``import graphrec`` and the registries do not load torch or torch-geometric.
"""

from __future__ import annotations

from typing import Any

import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

__all__ = ["propagate"]


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


def propagate(
    a: torch.Tensor | None,
    a_t: torch.Tensor | None,
    x0: torch.Tensor,
    layers: int,
    layer_weights: torch.Tensor | None,
    gamma: float | None,
    normalize_layers: bool,
) -> torch.Tensor:
    """Final node embeddings: the weighted sum of ``A^l X0`` (LightGCN) or, with
    ``gamma``, ``gamma * X0 + (1 - gamma) * mean_l(A^l X0)`` (LightGCN++). With 0
    layers it is ``X0`` (the adjacency may then be None)."""
    if layers == 0:
        return x0
    x = x0
    outs = []
    for _ in range(layers):
        if normalize_layers:
            x = x / (x.norm(dim=1, keepdim=True) + 1e-12)
        x = _SparseProduct.apply(a, a_t, x)
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
        a: torch.Tensor | None = None,
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
