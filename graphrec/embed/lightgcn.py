"""LightGCN and LightGCN++ trained with BPR; BPR-MF as the 0-layer case.

The models only: the training engine (BPR batches, early stopping, the time
budget, checkpoints) is :class:`graphrec.embed._trainer.BPREmbedder`, and every
training parameter is inherited from it.

The model is torch-geometric's :class:`~torch_geometric.nn.models.LightGCN` (its
embedding table and layer weights). Training propagates with a precomputed
normalised adjacency as a sparse-dense product whose backward pass reuses the
same matrix (the adjacency is symmetric for alpha = beta), instead of
``LGConv`` message passing over ``edge_index``; both give the same embeddings
(``tests/embed/test_lightgcn.py`` checks it). The adjacency is held as its two
bipartite blocks (:class:`graphrec.embed._torch_lightgcn.BipartiteAdjacency`), so
each product is two half products (1.5x faster per step on gowalla).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, param_constraints
from graphrec._registry import embedders
from graphrec._validation import check_is_fitted
from graphrec.data.interactions import Interactions
from graphrec.embed._loop import _unit_rows
from graphrec.embed._trainer import BPREmbedder, sample_negatives
from graphrec.embed.base import bpr_fold_in, mean_fold_in
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


class _BPRFoldIn:
    """Fold-in of the BPR-trained models (LightGCN, LightGCN++, MF), items fixed.

    A new user's final vector is ``z = w0 * e0 + sum_l w_l e^(l)``: the layers
    ``l >= 1`` are propagated from the row's items exactly as in training
    (``e^(l) = sum_i d_u^-alpha d_i^-beta P_i^(l-1)``, with the items' trained
    layer inputs ``P^(l-1)`` and training degrees); only the layer-0 vector ``e0``,
    which no item determines, is fitted: it starts at the mean of the items'
    layer-0 vectors and takes ``fold_in_steps`` Adam steps (``fold_in_lr``) on BPR
    against every item outside the row, plus ``fold_in_reg`` L2 (see
    :func:`graphrec.embed.base.bpr_fold_in`; deterministic, no seed, a row's
    vector does not depend on the other rows). Closed walks through the new user
    and the new user's effect on the items are ignored (the items are fixed), so
    a training user's own row folds in close to, not exactly at, their vector.
    The three settings are class attributes (set them on an instance to change).
    """

    supports_fold_in = True
    # chosen on the validation users of experiments/bench_foldin.py (ml-1m, 5 revealed)
    fold_in_steps: int = 5
    fold_in_lr: float = 0.05
    fold_in_reg: float = 1e-4

    def _fold_in_vectors(self, rows: sp.csr_array) -> np.ndarray:
        offset, weight, init = self._fold_in_parts(rows)
        z = bpr_fold_in(
            _binary(rows), self.item_embeddings_, offset=offset, weight=weight, init=init,
            steps=int(self.fold_in_steps), lr=float(self.fold_in_lr), reg=float(self.fold_in_reg),
        )  # fmt: skip
        return _unit_rows(z) if self.loss == "softmax" else z  # type: ignore[attr-defined]

    def _fold_in_parts(self, rows: sp.csr_array) -> tuple[np.ndarray | None, float, np.ndarray]:
        """``(offset, w0, init)``: the propagated part, the layer-0 weight, e0's start."""
        check_is_fitted(self, "embedding_weight_")
        rows = _binary(rows)
        n_users = self.train_.n_users
        init = mean_fold_in(rows, self.embedding_weight_[n_users:])
        layers = int(getattr(self, "layers", 0))
        if layers == 0:
            return None, 1.0, init
        alpha = float(getattr(self, "alpha", 0.5))
        du = np.asarray(rows.sum(axis=1)).ravel()
        su = np.divide(1.0, du**alpha, out=np.zeros_like(du), where=du > 0)
        si, inputs = self._fold_in_cache()
        r = sp.csr_array(sp.diags_array(su) @ rows @ sp.diags_array(si))
        outs = [np.asarray(r @ p, np.float32) for p in inputs]
        gamma = getattr(self, "gamma", None)
        if gamma is None:
            return sum(outs) / (layers + 1), 1.0 / (layers + 1), init
        return (1.0 - gamma) * sum(outs) / layers, float(gamma), init

    def _fold_in_cache(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(d_i^-beta, [P^(0) .. P^(L-1)] of the items)``, computed once per fit."""
        return self._fitted_cache("layers", self._item_layers)  # type: ignore[attr-defined]

    def _item_layers(self) -> tuple[np.ndarray, list[np.ndarray]]:
        train = self.train_
        alpha, beta = float(self.alpha), float(self.beta)
        graph = BipartiteGraph.from_interactions(train, weighted=False)
        a = graph.normalized_adjacency(alpha, beta)
        di = np.asarray(_binary(train.matrix).sum(axis=0), dtype=np.float64).ravel()
        si = np.divide(1.0, di**beta, out=np.zeros_like(di), where=di > 0).astype(np.float32)
        x = self.embedding_weight_.astype(np.float32)
        inputs = []
        for _ in range(int(self.layers)):
            if self.normalize_layers:
                x = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)
            inputs.append(x[train.n_users :])
            x = np.asarray(a @ x, np.float32)
        return si, inputs


def _binary(rows: sp.csr_array) -> sp.csr_array:
    """The rows with every stored weight 1 (the models train on the binary graph)."""
    out = sp.csr_array(rows, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    return out


@embedders.register("lightgcn", fine_tunable=True)
class LightGCN(_BPRFoldIn, BPREmbedder):
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

    Fold-in (``recommend(user_items=X)``, :meth:`fold_in`): the new user's layers
    1..L are propagated from its items with the item embeddings fixed, and its
    layer-0 vector is fitted by a few deterministic BPR steps on that vector alone
    (details in ``_BPRFoldIn``: ``fold_in_steps``, ``fold_in_lr``, ``fold_in_reg``).
    This is the analogue for a BPR model of implicit's ALS ``recalculate_user``
    (the user's least squares with the items fixed); LightGCN++ and MF (no layers:
    only the BPR steps) fold in the same way.

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
        from graphrec.embed._torch_lightgcn import BipartiteAdjacency, _LightGCNNet, _xavier

        graph = BipartiteGraph.from_interactions(train, weighted=False)
        a = graph.normalized_adjacency(self.alpha, self.beta)
        # forward uses A, backward A^T (= A if symmetric), as two half products each
        symmetric = self.alpha == self.beta
        adj = BipartiteAdjacency.from_scipy(a, train.n_users, symmetric=symmetric).to(device)
        n_nodes = train.n_users + train.n_items
        net = _LightGCNNet(
            n_nodes, self.dim, self.layers, adj, None, self.gamma, self.normalize_layers
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
class MF(_BPRFoldIn, BPREmbedder):
    """BPR matrix factorisation: LightGCN with 0 layers, through the same engine.

    Its parameters are the training parameters of
    :class:`~graphrec.embed._trainer.BPREmbedder`. Fold-in: the new user's vector
    is the mean of its items' vectors, which may take ``fold_in_steps``
    deterministic BPR steps against the fixed item vectors (as :class:`LightGCN`,
    with no layers). The default is 0 steps: on the validation users of
    ``experiments/bench_foldin.py`` the steps lowered MF's NDCG@20 (README).
    """

    fold_in_steps = 0

    layers = 0  # no propagation: the scores are the dot products of the layer-0 table

    def _build_model(
        self, train: Interactions, device: torch.device, generator: torch.Generator
    ) -> torch.nn.Module:
        from graphrec.embed._torch_lightgcn import _LightGCNNet, _xavier

        return _xavier(_LightGCNNet(train.n_users + train.n_items, self.dim, 0), generator)
