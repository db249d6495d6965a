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

from typing import TYPE_CHECKING, Any

import scipy.sparse as sp

from graphrec._params import Boolean, Interval, param_constraints
from graphrec._registry import embedders
from graphrec._sparse import to_torch_csr
from graphrec.data.interactions import Interactions
from graphrec.embed._trainer import BPREmbedder, sample_negatives
from graphrec.graph.bipartite import BipartiteGraph

if TYPE_CHECKING:  # torch and torch-geometric are imported when a model is built
    import torch

__all__ = ["MF", "BPREmbedder", "LightGCN", "LightGCNPlusPlus", "sample_negatives"]


def __getattr__(name: str) -> Any:
    """``propagate`` lives in :mod:`graphrec.embed._torch_lightgcn` (imports torch)."""
    if name == "propagate":
        from graphrec.embed._torch_lightgcn import propagate

        return propagate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        from graphrec.embed._torch_lightgcn import _LightGCNNet, _xavier

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
        from graphrec.embed._torch_lightgcn import _LightGCNNet, _xavier

        return _xavier(_LightGCNNet(train.n_users + train.n_items, self.dim, 0), generator)
