"""LightGCN and LightGCN++ with a fast BPR training loop; BPR-MF as the 0-layer case.

The model is torch-geometric's :class:`~torch_geometric.nn.models.LightGCN` (its
embedding table and layer weights). Training propagates with a precomputed
normalised adjacency as a sparse-dense product whose backward pass reuses the
same matrix (the adjacency is symmetric for alpha = beta), instead of
``LGConv`` message passing over ``edge_index``; both give the same embeddings
(``tests/embed/test_lightgcn.py`` checks it).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

from graphrec._registry import embedders
from graphrec._sparse import to_torch_csr
from graphrec._validation import (
    RandomState,
    check_positive_int,
    check_random_state,
    resolve_device,
    seed_from,
)
from graphrec.data.interactions import Interactions
from graphrec.embed.base import BaseEmbedder, check_fit_data
from graphrec.graph.bipartite import BipartiteGraph

__all__ = ["MF", "LightGCN", "LightGCNPlusPlus", "sample_negatives"]

logger = logging.getLogger(__name__)


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
    a: torch.Tensor,
    a_t: torch.Tensor,
    x0: torch.Tensor,
    layers: int,
    layer_weights: torch.Tensor | None,
    gamma: float | None,
    normalize_layers: bool,
) -> torch.Tensor:
    """Final node embeddings: the weighted sum of ``A^l X0`` (LightGCN) or, with
    ``gamma``, ``gamma * X0 + (1 - gamma) * mean_l(A^l X0)`` (LightGCN++)."""
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


def sample_negatives(
    users: np.ndarray, positives: sp.csr_array, rng: np.random.Generator, max_rounds: int = 100
) -> np.ndarray:
    """One uniformly random item per entry of ``users`` that the user has not interacted with.

    Vectorised rejection sampling: draw for everyone, look the (user, item) keys up
    in the sorted positive keys, redraw only the collisions.

    >>> pos = sp.csr_array(np.array([[1, 1, 0], [0, 1, 1]]))
    >>> sample_negatives(np.array([0, 1, 0]), pos, np.random.default_rng(0)).tolist()
    [2, 0, 2]
    """
    n_items = positives.shape[1]
    degree = np.diff(positives.indptr)
    if (degree[users] >= n_items).any():
        raise ValueError("a user has interacted with every item; no negative exists")
    rows = np.repeat(np.arange(positives.shape[0], dtype=np.int64), degree)
    keys = rows * n_items + positives.indices  # sorted: CSR with sorted indices
    out = rng.integers(0, n_items, size=len(users))
    todo = np.arange(len(users))
    for _ in range(max_rounds):
        cand = users[todo].astype(np.int64) * n_items + out[todo]
        pos = np.minimum(np.searchsorted(keys, cand), len(keys) - 1)
        hit = keys[pos] == cand
        if not hit.any():
            return out
        todo = todo[hit]
        out[todo] = rng.integers(0, n_items, size=len(todo))
    # pathological densities: exact per-user fallback for the few left
    for t in todo:
        seen = positives.indices[positives.indptr[users[t]] : positives.indptr[users[t] + 1]]
        out[t] = rng.choice(np.setdiff1d(np.arange(n_items), seen))
    return out


@embedders.register("lightgcn")
class LightGCN(BaseEmbedder):
    """LightGCN (He et al., SIGIR 2020) trained with BPR, with early stopping.

    Parameters
    ----------
    dim, layers : int
        Embedding size and propagation depth (0 layers is BPR matrix factorisation).
    lr, batch_size, epochs : float, int, int
        Adam learning rate, BPR triples per step, maximum epochs (one epoch is one
        pass over the training interactions, each with one sampled negative).
        ``batch_size="auto"``: about 18 steps per epoch, between 2,048 and 32,768;
        ``lr="auto"``: ``0.02 * sqrt(batch_size / 32768)``.
    reg : float
        L2 weight on the batch's layer-0 embeddings (as in the LightGCN paper).
    alpha, beta : float
        Normalisation ``D^-alpha A D^-beta`` (0.5 / 0.5 is LightGCN's).
    gamma : float or None
        None: mean over layers 0..L (LightGCN). A float: ``gamma * E0 + (1 - gamma)
        * mean(E1..EL)`` (LightGCN++).
    normalize_layers : bool
        L2-normalise node embeddings before each propagation (LightGCN++).
    eval_every, patience : int
        Validate every ``eval_every`` epochs; stop after ``patience`` validations
        without improvement of ``monitor``; the best weights are kept.
    monitor : str
        Validation metric, e.g. ``"ndcg@20"`` or ``"recall@20"``.
    max_minutes : float or None
        Wall-clock budget for training.
    checkpoint_dir, checkpoint_every, resume
        Write ``checkpoint_dir/<name>.pt`` every ``checkpoint_every`` epochs
        (atomically); with ``resume=True`` continue from it (same configuration only).
    device : str
        ``"auto"``: ``$GRAPHREC_DEVICE``, else CUDA when available, else CPU.

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
    """

    _name = "lightgcn"

    def __init__(
        self,
        dim: int = 64,
        layers: int = 2,
        lr: float | str = "auto",
        batch_size: int | str = "auto",
        epochs: int = 300,
        reg: float = 1e-3,
        alpha: float = 0.5,
        beta: float = 0.5,
        gamma: float | None = None,
        normalize_layers: bool = False,
        eval_every: int = 5,
        patience: int = 5,
        monitor: str = "ndcg@20",
        max_minutes: float | None = None,
        checkpoint_dir: str | None = None,
        checkpoint_every: int = 0,
        resume: bool = False,
        device: str = "auto",
        verbose: bool = False,
        random_state: RandomState = None,
    ) -> None:
        self.dim = dim
        self.layers = layers
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.reg = reg
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.normalize_layers = normalize_layers
        self.eval_every = eval_every
        self.patience = patience
        self.monitor = monitor
        self.max_minutes = max_minutes
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        check_positive_int(self.dim, "dim")
        check_positive_int(self.layers, "layers", minimum=0)
        if self.batch_size != "auto":
            check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.eval_every, "eval_every")
        check_positive_int(self.patience, "patience")
        check_positive_int(self.checkpoint_every, "checkpoint_every", minimum=0)
        if self.lr != "auto" and not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"lr must be > 0 or 'auto', got {self.lr!r}")
        if self.reg < 0:
            raise ValueError(f"reg must be >= 0, got {self.reg!r}")
        if self.max_minutes is not None and not (
            isinstance(self.max_minutes, (int, float)) and self.max_minutes > 0
        ):
            raise ValueError(f"max_minutes must be > 0 or None, got {self.max_minutes!r}")
        if self.gamma is not None and not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma must be None or in [0, 1], got {self.gamma!r}")
        if "@" not in self.monitor:
            raise ValueError(f"monitor must look like 'ndcg@20', got {self.monitor!r}")
        if self.resume and not self.checkpoint_dir:
            raise ValueError("resume=True needs checkpoint_dir")

    def _batch_and_lr(self, n_interactions: int) -> tuple[int, float]:
        """The tuned defaults: large batches with a matching learning rate."""
        batch = (
            int(np.clip(n_interactions // 18, 2048, 32768))
            if self.batch_size == "auto"
            else int(self.batch_size)
        )
        lr = 0.02 * float(np.sqrt(batch / 32768)) if self.lr == "auto" else float(self.lr)
        return batch, lr

    def _config(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed."""
        keys = ("dim", "layers", "alpha", "beta", "gamma", "normalize_layers", "lr", "reg")
        return {k: getattr(self, k) for k in keys} | {"class": type(self).__name__}

    # ------------------------------------------------------------------ training
    def fit(
        self,
        train: Interactions,
        valid: Interactions | None = None,
        *,
        init_weight: np.ndarray | None = None,
    ) -> LightGCN:
        """Train on ``train``; early-stop on ``valid`` (train items masked) when given.

        ``init_weight`` (nodes x dim, users first) warm-starts the layer-0 embeddings,
        e.g. from another model's ``embedding_weight_``.
        """
        train, valid = check_fit_data(train, valid)
        self._check_params()
        n_nodes = train.n_users + train.n_items
        if init_weight is not None and np.shape(init_weight) != (n_nodes, self.dim):
            raise ValueError(
                f"init_weight must have shape ({n_nodes}, {self.dim}), got {np.shape(init_weight)}"
            )
        rng = check_random_state(self.random_state)
        device = torch.device(resolve_device(self.device))
        gen = torch.Generator().manual_seed(seed_from(rng))
        n_users, n_items = train.shape
        graph = BipartiteGraph.from_interactions(train, weighted=False)
        a = graph.normalized_adjacency(self.alpha, self.beta)
        a_torch = to_torch_csr(a).to(device)  # forward uses A, backward A^T (= A if symmetric)
        a_t = a_torch if self.alpha == self.beta else to_torch_csr(sp.csr_array(a.T)).to(device)

        model = PyGLightGCN(n_users + n_items, self.dim, self.layers)
        torch.nn.init.xavier_uniform_(model.embedding.weight, generator=gen)
        if init_weight is not None:
            with torch.no_grad():
                model.embedding.weight.copy_(torch.as_tensor(init_weight, dtype=torch.float32))
        model = model.to(device)
        batch_size, lr = self._batch_and_lr(train.nnz)
        self.batch_size_, self.lr_ = batch_size, lr
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        state = {"epoch": 0, "best": -np.inf, "best_epoch": 0, "bad": 0, "history": []}
        ckpt = self._checkpoint_path()
        if self.resume and ckpt is not None and ckpt.exists():
            state = self._load_checkpoint(ckpt, model, opt, rng)
        best_weights = model.embedding.weight.detach().clone()

        users_all, items_all, _, _ = train.coo()
        positives = train.binary().matrix
        n = len(users_all)
        deadline = None if self.max_minutes is None else time.perf_counter() + 60 * self.max_minutes
        from tqdm.auto import tqdm

        bar = tqdm(
            total=self.epochs, initial=state["epoch"], disable=not self.verbose, desc="LightGCN"
        )
        t_start = time.perf_counter()
        while state["epoch"] < self.epochs:
            epoch_loss = 0.0
            order = rng.permutation(n)
            negatives = sample_negatives(users_all[order], positives, rng)
            model.train()
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                u = torch.from_numpy(users_all[idx]).to(device)
                i = torch.from_numpy(items_all[idx] + n_users).to(device)
                j = torch.from_numpy(negatives[start : start + len(idx)] + n_users).to(device)
                x0 = model.embedding.weight
                x = propagate(
                    a_torch, a_t, x0, self.layers, model.alpha, self.gamma, self.normalize_layers
                )
                xu, xi, xj = x[u], x[i], x[j]
                bpr = torch.nn.functional.softplus((xu * xj).sum(1) - (xu * xi).sum(1)).mean()
                l2 = (x0[u].pow(2).sum() + x0[i].pow(2).sum() + x0[j].pow(2).sum()) / (2 * len(idx))
                loss = bpr + self.reg * l2
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                epoch_loss += float(loss.detach()) * len(idx)
            state["epoch"] += 1
            record: dict[str, float] = {
                "epoch": state["epoch"],
                "loss": epoch_loss / n,
                "seconds": time.perf_counter() - t_start,
            }
            stop = False
            if valid is not None and (
                state["epoch"] % self.eval_every == 0 or state["epoch"] == self.epochs
            ):
                value = self._validate(model, a_torch, a_t, train, valid)
                record[self.monitor] = value
                if value > state["best"]:
                    state.update(best=value, best_epoch=state["epoch"], bad=0)
                    best_weights = model.embedding.weight.detach().clone()
                else:
                    state["bad"] += 1
                    stop = state["bad"] >= self.patience
            state["history"].append(record)
            bar.set_postfix({k: round(v, 4) for k, v in record.items() if k != "epoch"})
            bar.update(1)
            logger.debug("epoch %s", record)
            if (
                ckpt is not None
                and self.checkpoint_every
                and state["epoch"] % self.checkpoint_every == 0
            ):
                self._save_checkpoint(ckpt, model, opt, state)
            if stop or (deadline is not None and time.perf_counter() > deadline):
                break
        bar.close()
        if valid is None:
            best_weights = model.embedding.weight.detach().clone()
        with torch.no_grad():
            model.embedding.weight.copy_(best_weights)
        self._set_embeddings(model, a_torch, a_t, n_users)
        self.history_ = state["history"]
        self.best_epoch_ = state["best_epoch"] if valid is not None else state["epoch"]
        self.best_score_ = state["best"] if valid is not None else float("nan")
        self.train_ = train
        return self

    def _set_embeddings(self, model: Any, a: torch.Tensor, a_t: torch.Tensor, n_users: int) -> None:
        with torch.no_grad():
            x0 = model.embedding.weight
            x = propagate(a, a_t, x0, self.layers, model.alpha, self.gamma, self.normalize_layers)
            x = x.detach().cpu().numpy().astype(np.float32)
            self.embedding_weight_ = x0.detach().cpu().numpy().astype(np.float32)
        self.user_embeddings_ = x[:n_users]
        self.item_embeddings_ = x[n_users:]

    def _validate(
        self,
        model: Any,
        a: torch.Tensor,
        a_t: torch.Tensor,
        train: Interactions,
        valid: Interactions,
    ) -> float:
        from graphrec.evaluate.protocol import evaluate

        self._set_embeddings(model, a, a_t, train.n_users)
        self.train_ = train
        metric, k = self.monitor.split("@")
        res = evaluate(self, valid, k=[int(k)], train=train, metrics=[metric], item_vectors=None)
        return res.summary[self.monitor]

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint_path(self) -> Path | None:
        if not self.checkpoint_dir:
            return None
        return Path(self.checkpoint_dir) / f"{self._name}.pt"

    def _save_checkpoint(self, path: Path, model: Any, opt: Any, state: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "config": json.dumps(self._config()),
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "state": json.dumps({k: v for k, v in state.items()}, default=float),
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            torch.save(payload, tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load_checkpoint(
        self, path: Path, model: Any, opt: Any, rng: np.random.Generator
    ) -> dict[str, Any]:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        saved = json.loads(payload["config"])
        if saved != json.loads(json.dumps(self._config())):
            diff = {k: (saved.get(k), v) for k, v in self._config().items() if saved.get(k) != v}
            raise ValueError(
                f"checkpoint {path} was written with a different configuration "
                f"(saved, current): {diff}; use another checkpoint_dir or resume=False"
            )
        model.load_state_dict(payload["model"])
        opt.load_state_dict(payload["optimizer"])
        state = json.loads(payload["state"])
        logger.info("resumed from %s at epoch %d", path, state["epoch"])
        return state

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        return {"embedding_weight": self.embedding_weight_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        if "embedding_weight" in state:
            self.embedding_weight_ = state["embedding_weight"]


@embedders.register("lightgcn++")
class LightGCNPlusPlus(LightGCN):
    """LightGCN++ (Lee et al., RecSys 2024): flexible normalisation and pooling.

    The same model and loop as :class:`LightGCN` with the paper's ``alpha``/``beta``
    normalisation exponents and ``gamma * E0 + (1 - gamma) * mean(E1..EL)`` pooling.
    The paper also L2-normalises embeddings before each propagation
    (``normalize_layers=True``); that bounds the scores, and with the fast
    large-batch defaults it converges much more slowly (ml-1m split, 4 minutes:
    test NDCG@20 0.309 with it, 0.347 without), so it is off by default.
    """

    _name = "lightgcn++"

    def __init__(
        self,
        dim: int = 64,
        layers: int = 2,
        lr: float | str = "auto",
        batch_size: int | str = "auto",
        epochs: int = 300,
        reg: float = 1e-3,
        alpha: float = 0.6,
        beta: float = 0.4,
        gamma: float | None = 0.2,
        normalize_layers: bool = False,
        eval_every: int = 5,
        patience: int = 5,
        monitor: str = "ndcg@20",
        max_minutes: float | None = None,
        checkpoint_dir: str | None = None,
        checkpoint_every: int = 0,
        resume: bool = False,
        device: str = "auto",
        verbose: bool = False,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(
            dim,
            layers,
            lr,
            batch_size,
            epochs,
            reg,
            alpha,
            beta,
            gamma,
            normalize_layers,
            eval_every,
            patience,
            monitor,
            max_minutes,
            checkpoint_dir,
            checkpoint_every,
            resume,
            device,
            verbose,
            random_state,
        )


@embedders.register("mf")
class MF(LightGCN):
    """BPR matrix factorisation: LightGCN with 0 layers, through the same loop."""

    _name = "mf"

    def __init__(
        self,
        dim: int = 64,
        lr: float | str = "auto",
        batch_size: int | str = "auto",
        epochs: int = 300,
        reg: float = 1e-3,
        eval_every: int = 5,
        patience: int = 5,
        monitor: str = "ndcg@20",
        max_minutes: float | None = None,
        checkpoint_dir: str | None = None,
        checkpoint_every: int = 0,
        resume: bool = False,
        device: str = "auto",
        verbose: bool = False,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(
            dim=dim,
            layers=0,
            lr=lr,
            batch_size=batch_size,
            epochs=epochs,
            reg=reg,
            eval_every=eval_every,
            patience=patience,
            monitor=monitor,
            max_minutes=max_minutes,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=checkpoint_every,
            resume=resume,
            device=device,
            verbose=verbose,
            random_state=random_state,
        )
