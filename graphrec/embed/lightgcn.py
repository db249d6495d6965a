"""LightGCN and LightGCN++ with a fast BPR training loop; BPR-MF as the 0-layer case.

The model is torch-geometric's :class:`~torch_geometric.nn.models.LightGCN` (its
embedding table and layer weights). Training propagates with a precomputed
normalised adjacency as a sparse-dense product whose backward pass reuses the
same matrix (the adjacency is symmetric for alpha = beta), instead of
``LGConv`` message passing over ``edge_index``; both give the same embeddings
(``tests/embed/test_lightgcn.py`` checks it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

from graphrec._params import (
    Boolean,
    Device,
    FilePath,
    Interval,
    Options,
    Rule,
    Satisfies,
    Seed,
    check_params,
    param_constraints,
)
from graphrec._registry import embedders
from graphrec._sparse import to_torch_csr
from graphrec._validation import RandomState, check_random_state, resolve_device, seed_from
from graphrec.data.interactions import Interactions
from graphrec.embed.base import BaseEmbedder, check_fit_data
from graphrec.graph.bipartite import BipartiteGraph

__all__ = ["MF", "LightGCN", "LightGCNPlusPlus", "sample_negatives"]

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 2  # 2: adds the sampling RNG, best weights and early-stopping state


def _json_array(value: Any) -> Any:
    """JSON for the numpy arrays in a bit generator's state (MT19937's key)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _data_fingerprint(train: Interactions, valid: Interactions | None) -> str:
    """A hash of the training (and validation) interactions a checkpoint belongs to."""
    h = hashlib.blake2b(digest_size=16)
    for part in (train, valid):
        if part is None:
            h.update(b"none")
            continue
        m = part.binary().matrix
        h.update(np.asarray(m.shape, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(m.indptr, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(m.indices, dtype=np.int64).tobytes())
    return h.hexdigest()


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


def _is_monitor(value: Any) -> bool:
    from graphrec.evaluate.protocol import RANKING  # the one list of ranking metrics

    metric, _, k = value.partition("@")
    return metric in RANKING and k.isdigit() and int(k) > 0


@embedders.register("lightgcn", fine_tunable=True)
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
        Wall-clock budget for the training of one ``fit`` call, checked after each
        epoch. When it ends training early, the last epoch is validated (with
        ``valid``), the best validated weights are returned, a ``UserWarning`` says
        so and ``stopped_by_`` is ``"time"``. A budget makes the result depend on the
        machine's speed and load; ``n_epochs_`` records how many epochs ran.
    checkpoint_dir, checkpoint_every, resume
        Write ``checkpoint_dir/<name>.pt`` every ``checkpoint_every`` epochs
        (atomically): the weights, the optimiser, the negative-sampling generator,
        the best weights and score, the early-stopping counters and the history.
        With ``resume=True`` the fit continues from it, and on the CPU gives the same
        weights as one uninterrupted fit (``epochs`` may be raised; the other
        parameters and the data must be the same, else a ``ValueError``; so is a
        truncated or corrupted checkpoint file).
    device : str
        ``"auto"``: ``$GRAPHREC_DEVICE``, else CUDA when available, else CPU.

    Attributes
    ----------
    user_embeddings_, item_embeddings_ : ndarray
        Final (propagated) embeddings of the returned weights.
    history_ : list of dict
        Per epoch: ``epoch``, ``loss``, ``seconds`` (cumulative, across a resume) and
        the ``monitor`` value on validated epochs.
    best_epoch_, best_score_ : int, float
        Epoch and ``monitor`` value of the returned weights (with ``valid``).
    n_epochs_ : int
        Epochs trained (including those of a resumed checkpoint).
    stopped_by_ : str
        Why training ended: ``"epochs"``, ``"early_stopping"`` or ``"time"``.

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
        dim=Interval(int, 1, None),
        layers=Interval(int, 0, None),
        lr=[Interval(float, 0, None, closed="neither"), Options("auto")],
        batch_size=[Interval(int, 1, None), Options("auto")],
        epochs=Interval(int, 1, None),
        reg=Interval(float, 0, None),
        alpha=Interval(float, 0, 1),  # D^-alpha: 0 = unnormalised, 1 = random walk
        beta=Interval(float, 0, 1),
        gamma=[Interval(float, 0, 1), None],
        normalize_layers=Boolean(),
        eval_every=Interval(int, 1, None),
        patience=Interval(int, 1, None),
        monitor=Satisfies(_is_monitor, "a ranking metric at a cut-off, e.g. 'ndcg@20'", ["x"]),
        max_minutes=[Interval(float, 0, None, closed="neither"), None],
        checkpoint_dir=[FilePath(), None],
        checkpoint_every=Interval(int, 0, None),
        resume=Boolean(),
        device=Device(),
        verbose=Boolean(),
        random_state=Seed(),
    )
    _param_rules = (
        Rule(lambda p: not p["resume"] or p["checkpoint_dir"], "resume=True needs checkpoint_dir"),
    )

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

    # the clock of the time budget; tests replace it to make the budget deterministic
    _clock = staticmethod(time.perf_counter)

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
        """What a checkpoint must agree on to be resumed (``epochs`` may grow)."""
        keys = (
            "dim", "layers", "alpha", "beta", "gamma", "normalize_layers", "reg",
            "eval_every", "patience", "monitor",
        )  # fmt: skip
        resolved = {"lr": getattr(self, "lr_", self.lr), "batch_size": self.batch_size_}
        return {k: getattr(self, k) for k in keys} | resolved | {"class": type(self).__name__}

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
        check_params(self)
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
        state: dict[str, Any] = {
            "epoch": 0,
            "best": -np.inf,
            "best_epoch": 0,
            "bad": 0,
            "stopped": False,
            "seconds": 0.0,
            "history": [],
        }
        best_weights: torch.Tensor | None = None
        ckpt = self._checkpoint_path()
        fingerprint = "" if ckpt is None else _data_fingerprint(train, valid)
        if self.resume and ckpt is not None and ckpt.exists():
            state, best_weights = self._load_checkpoint(ckpt, model, opt, rng, fingerprint)
            best_weights = None if best_weights is None else best_weights.to(device)

        users_all, items_all, _, _ = train.coo()
        positives = train.binary().matrix
        n = len(users_all)
        from tqdm.auto import tqdm

        bar = tqdm(
            total=self.epochs, initial=state["epoch"], disable=not self.verbose, desc="LightGCN"
        )
        seconds_before = state["seconds"]  # training time of a resumed checkpoint
        t_start = self._clock()
        deadline = None if self.max_minutes is None else t_start + 60 * self.max_minutes
        out_of_time = False
        while state["epoch"] < self.epochs and not state["stopped"]:
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
            now = self._clock()
            state["seconds"] = seconds_before + (now - t_start)
            record: dict[str, float] = {
                "epoch": state["epoch"],
                "loss": epoch_loss / n,
                "seconds": state["seconds"],
            }
            state["history"].append(record)
            if valid is not None and state["epoch"] % self.eval_every == 0:
                best_weights = self._validation_step(
                    model, a_torch, a_t, train, valid, state, best_weights
                )
                state["stopped"] = state["bad"] >= self.patience
            bar.set_postfix({k: round(v, 4) for k, v in record.items() if k != "epoch"})
            bar.update(1)
            logger.debug("epoch %s", record)
            if (
                ckpt is not None
                and self.checkpoint_every
                and state["epoch"] % self.checkpoint_every == 0
            ):
                # written before the closing validation below, so that a resumed run
                # continues exactly as the uninterrupted one would have
                self._save_checkpoint(ckpt, model, opt, state, best_weights, rng, fingerprint)
            if deadline is not None and now > deadline:
                out_of_time = True
                break
        bar.close()
        if state["stopped"]:
            stopped_by = "early_stopping"
        elif state["epoch"] < self.epochs:
            stopped_by = "time"
        else:
            stopped_by = "epochs"
        history = state["history"]
        if valid is not None and history and self.monitor not in history[-1]:
            # the last epoch was not on the validation schedule (end of the epochs or of
            # the time budget): validate it, so the weights returned are the best evaluated
            best_weights = self._validation_step(
                model, a_torch, a_t, train, valid, state, best_weights
            )
        if out_of_time and stopped_by == "time":
            warnings.warn(
                f"{type(self).__name__}: the time budget max_minutes={self.max_minutes} ended "
                f"training after {state['epoch']} of {self.epochs} epochs"
                + (
                    f"; returning the best validated weights (epoch {state['best_epoch']}, "
                    f"{self.monitor} {state['best']:.4f})"
                    if valid is not None
                    else "; returning the last weights (no valid set)"
                ),
                UserWarning,
                stacklevel=2,
            )
        if valid is not None and best_weights is None:
            warnings.warn(
                f"{type(self).__name__}: no validation gave a finite {self.monitor}; "
                "returning the last weights",
                UserWarning,
                stacklevel=2,
            )
        if valid is None or best_weights is None:
            best_weights = model.embedding.weight.detach().clone()
        with torch.no_grad():
            model.embedding.weight.copy_(best_weights)
        self._set_embeddings(model, a_torch, a_t, n_users)
        self.history_ = history
        self.n_epochs_ = state["epoch"]
        self.stopped_by_ = stopped_by
        self.best_epoch_ = state["best_epoch"] if valid is not None else state["epoch"]
        self.best_score_ = state["best"] if valid is not None else float("nan")
        self.train_ = train
        return self

    def _validation_step(
        self,
        model: Any,
        a: torch.Tensor,
        a_t: torch.Tensor,
        train: Interactions,
        valid: Interactions,
        state: dict[str, Any],
        best_weights: torch.Tensor | None,
    ) -> torch.Tensor | None:
        """Validate the current weights into ``state``; return the best weights so far."""
        value = self._validate(model, a, a_t, train, valid)
        state["history"][-1][self.monitor] = value
        if value > state["best"]:
            state.update(best=value, best_epoch=state["epoch"], bad=0)
            return model.embedding.weight.detach().clone()
        state["bad"] += 1
        return best_weights

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
        res = evaluate(
            self, valid, k=[int(k)], exclude=[train], metrics=[metric], item_vectors=None
        )
        return res.summary[self.monitor]

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint_path(self) -> Path | None:
        if not self.checkpoint_dir:
            return None
        return Path(self.checkpoint_dir) / f"{self._registered_name}.pt"

    def _save_checkpoint(
        self,
        path: Path,
        model: Any,
        opt: Any,
        state: dict[str, Any],
        best_weights: torch.Tensor | None,
        rng: np.random.Generator,
        fingerprint: str,
    ) -> None:
        """Everything the rest of the run depends on: weights, optimiser, the best
        weights and score, the early-stopping counters, the history and the state of
        the negative-sampling generator."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": CHECKPOINT_FORMAT,
            "config": json.dumps(self._config()),
            "data": fingerprint,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "best_weights": None if best_weights is None else best_weights.detach().cpu(),
            "state": json.dumps(state, default=float),
            "rng": json.dumps(rng.bit_generator.state, default=_json_array),
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
        self, path: Path, model: Any, opt: Any, rng: np.random.Generator, fingerprint: str
    ) -> tuple[dict[str, Any], torch.Tensor | None]:
        """Restore what :meth:`_save_checkpoint` wrote; a clear error for a file that
        is unreadable, from another graphrec version, configuration or data."""
        fix = "delete it, use another checkpoint_dir, or resume=False"
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises RuntimeError, UnpicklingError, EOFError ...
            raise ValueError(
                f"checkpoint {path} is truncated or corrupted and cannot be resumed "
                f"({type(exc).__name__}: {exc}); {fix}"
            ) from exc
        if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
            found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
            raise ValueError(
                f"checkpoint {path} is not a {type(self).__name__} checkpoint of format "
                f"{CHECKPOINT_FORMAT} (found format {found!r}; older checkpoints lack the "
                f"sampling state needed to resume the same run); {fix}"
            )
        saved = json.loads(payload["config"])
        current = json.loads(json.dumps(self._config()))
        if saved != current:
            diff = {k: (saved.get(k), v) for k, v in current.items() if saved.get(k) != v}
            raise ValueError(
                f"checkpoint {path} was written with a different configuration "
                f"(saved, current): {diff}; use another checkpoint_dir or resume=False"
            )
        if payload["data"] != fingerprint:
            raise ValueError(
                f"checkpoint {path} was written for other training / validation data; "
                "use another checkpoint_dir or resume=False"
            )
        state = json.loads(payload["state"])
        if state["epoch"] > self.epochs:
            raise ValueError(
                f"checkpoint {path} is at epoch {state['epoch']}, beyond epochs={self.epochs}; "
                "pass epochs >= that to resume it, or resume=False"
            )
        model.load_state_dict(payload["model"])
        opt.load_state_dict(payload["optimizer"])
        rng.bit_generator.state = json.loads(payload["rng"])
        logger.info("resumed from %s at epoch %d", path, state["epoch"])
        return state, payload["best_weights"]

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        return {"embedding_weight": self.embedding_weight_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        if "embedding_weight" in state:
            self.embedding_weight_ = state["embedding_weight"]


@embedders.register("lightgcn++", fine_tunable=True)
class LightGCNPlusPlus(LightGCN):
    """LightGCN++ (Lee et al., RecSys 2024): flexible normalisation and pooling.

    The same model and loop as :class:`LightGCN` with the paper's ``alpha``/``beta``
    normalisation exponents and ``gamma * E0 + (1 - gamma) * mean(E1..EL)`` pooling.
    The paper also L2-normalises embeddings before each propagation
    (``normalize_layers=True``); that bounds the scores, and with the fast
    large-batch defaults it converges much more slowly (ml-1m split, 4 minutes:
    test NDCG@20 0.309 with it, 0.347 without), so it is off by default.
    """

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


_PROPAGATION = ("layers", "alpha", "beta", "gamma", "normalize_layers")  # not in MF


@embedders.register("mf", fine_tunable=True)
class MF(LightGCN):
    """BPR matrix factorisation: LightGCN with 0 layers, through the same loop."""

    _param_constraints = param_constraints(
        **{k: v for k, v in LightGCN._param_constraints.items() if k not in _PROPAGATION}
    )

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
