"""LightGCN and LightGCN++ trained with BPR; BPR-MF as the 0-layer case.

The models only: the training engine (BPR batches, early stopping, the time
budget, checkpoints) is :class:`graphrec.embed._trainer.BPREmbedder`, and every
training parameter is inherited from it.

The model is torch-geometric's :class:`~torch_geometric.nn.models.LightGCN` (its
embedding table and layer weights). Training propagates with a precomputed
normalised adjacency as a sparse-dense product whose backward pass reuses the
same matrix (the adjacency is symmetric for alpha = beta), instead of
``LGConv`` message passing over ``edge_index``; both give the same embeddings
(``tests/embed/test_lightgcn.py`` checks it).
"""

from __future__ import annotations

from typing import Any

import scipy.sparse as sp
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

from graphrec._params import Boolean, Interval, param_constraints
from graphrec._registry import embedders
from graphrec._sparse import to_torch_csr
from graphrec.data.interactions import Interactions
from graphrec.embed._trainer import BPREmbedder, sample_negatives
from graphrec.graph.bipartite import BipartiteGraph

__all__ = ["MF", "BPREmbedder", "LightGCN", "LightGCNPlusPlus", "propagate", "sample_negatives"]


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


@embedders.register("lightgcn", fine_tunable=True)
class LightGCN(BPREmbedder):
    """LightGCN (He et al., SIGIR 2020) trained with BPR, with early stopping.

    Parameters
    ----------
    layers : int
        Propagation depth (0 layers is BPR matrix factorisation).
    alpha, beta : float
        Normalisation ``D^-alpha A D^-beta`` (0.5 / 0.5 is LightGCN's).
    gamma : float or None
        None: mean over layers 0..L (LightGCN). A float: ``gamma * E0 + (1 - gamma)
        * mean(E1..EL)`` (LightGCN++).
    normalize_layers : bool
        L2-normalise node embeddings before each propagation (LightGCN++).
    **params
        The training parameters of :class:`~graphrec.embed._trainer.BPREmbedder`
        (``dim``, ``lr``, ``batch_size``, ``epochs``, ``reg``, ``eval_every``,
        ``patience``, ``monitor``, ``max_minutes``, the checkpoints, ``device``,
        ``verbose``, ``random_state``); its attributes (``history_``,
        ``best_epoch_``, ``stopped_by_`` ...) too.

    The defaults are tuned for speed on a CPU (large batches, a higher learning
    rate): on the ml-1m LightGCN split they pass the LightGCN++ paper's LightGCN row.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=200, n_items=100, seed=0)
    >>> s = gr.split(data, "random", seed=0)
    >>> m = LightGCN(dim=16, epochs=3, random_state=0).fit(s.train, valid=s.valid)
    >>> m.user_embeddings_.shape
    (200, 16)
    >>> m.n_epochs_, m.stopped_by_
    (3, 'epochs')
    """

    _param_constraints = param_constraints(
        **BPREmbedder._param_constraints,
        layers=Interval(int, 0, None),
        alpha=Interval(float, 0, 1),  # D^-alpha: 0 = unnormalised, 1 = random walk
        beta=Interval(float, 0, 1),
        gamma=[Interval(float, 0, 1), None],
        normalize_layers=Boolean(),
    )

    def __init__(
        self,
        *,
        layers: int = 2,
        alpha: float = 0.5,
        beta: float = 0.5,
        gamma: float | None = None,
        normalize_layers: bool = False,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.layers = layers
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.normalize_layers = normalize_layers

    def _build_model(
        self, train: Interactions, device: torch.device, generator: torch.Generator
    ) -> torch.nn.Module:
        graph = BipartiteGraph.from_interactions(train, weighted=False)
        a = graph.normalized_adjacency(self.alpha, self.beta)
        a_torch = to_torch_csr(a).to(device)  # forward uses A, backward A^T (= A if symmetric)
        a_t = a_torch if self.alpha == self.beta else to_torch_csr(sp.csr_array(a.T)).to(device)
        n_nodes = train.n_users + train.n_items
        net = _LightGCNNet(
            n_nodes, self.dim, self.layers, a_torch, a_t, self.gamma, self.normalize_layers
        )
        return _xavier(net, generator)


@embedders.register("lightgcn++", fine_tunable=True)
class LightGCNPlusPlus(LightGCN):
    """LightGCN++ (Lee et al., RecSys 2024): flexible normalisation and pooling.

    The same model and loop as :class:`LightGCN` with the paper's ``alpha``/``beta``
    normalisation exponents and ``gamma * E0 + (1 - gamma) * mean(E1..EL)`` pooling.
    The paper also L2-normalises embeddings before each propagation
    (``normalize_layers=True``); that bounds the scores, and with the fast
    large-batch defaults it converges much more slowly (measured in the README's
    embedding benchmarks), so it is off by default.
    """


    def __init__(
        self, *, alpha: float = 0.6, beta: float = 0.4, gamma: float | None = 0.2, **params: Any
    ) -> None:
        super().__init__(alpha=alpha, beta=beta, gamma=gamma, **params)


@embedders.register("mf", fine_tunable=True)
class MF(BPREmbedder):
    """BPR matrix factorisation: LightGCN with 0 layers, through the same engine.

    Its parameters are the training parameters of
    :class:`~graphrec.embed._trainer.BPREmbedder`.
    """

    layers = 0  # no propagation: the scores are the dot products of the layer-0 table

    def _build_model(
        self, train: Interactions, device: torch.device, generator: torch.Generator
    ) -> torch.nn.Module:
        return _xavier(_LightGCNNet(train.n_users + train.n_items, self.dim, 0), generator)
