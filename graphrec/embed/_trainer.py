"""The training engine of the torch embedders: BPR with early stopping.

:class:`BPREmbedder` owns everything that is not the model: the training
parameters (inherited by every model's signature), BPR batches with vectorised
negative sampling, the validation schedule and early stopping (on a ``validation``
callable, by default :func:`graphrec._ranking.ranking_validation`), the time
budget, checkpoints that resume the same run, and progress (the loop itself is
:class:`graphrec.embed._loop.TrainingLoop`). A model subclass adds its own
parameters and one method, :meth:`BPREmbedder._build_model`, returning a torch
module with an ``embedding`` table (the layer-0 weights, users first) whose
``forward()`` gives the final node embeddings (see ``graphrec/embed/lightgcn.py``,
and the toy model in ``tests/embed/test_trainer.py``). A model with a loss term
beyond BPR (a contrastive or prototype regulariser) implements
:meth:`BPREmbedder._extra_loss`, and :meth:`BPREmbedder._start_epoch` for state
refreshed once per epoch (see ``graphrec/embed/ncl.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphrec._inherit import inherit_signature
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
from graphrec._ranking import parse_monitor, ranking_validation
from graphrec._validation import (
    RandomState,
    check_memory,
    check_random_state,
    resolve_device,
    seed_from,
)
from graphrec.data.interactions import Interactions
from graphrec.embed._bpr import bpr_loss, hardest_negatives, sample_negatives, softmax_loss
from graphrec.embed._checkpoint import data_fingerprint
from graphrec.embed._loop import TrainingLoop, deterministic_on_cpu
from graphrec.embed.base import BaseEmbedder, check_fit_data

if TYPE_CHECKING:  # torch is imported when fit starts, not with graphrec
    import torch

__all__ = ["BPREmbedder", "sample_negatives"]

# parameters that do not change the trajectory of a run (a resumed run may change
# them); lr and batch_size enter the checkpoint's configuration resolved
_RUN_PARAMS = frozenset(
    {"lr", "batch_size", "epochs", "max_minutes", "checkpoint_dir", "checkpoint_every",
     "resume", "device", "verbose", "random_state"}
)  # fmt: skip


def _is_monitor(value: Any) -> bool:
    parse_monitor(value)  # raises for anything but a ranking metric at a cut-off
    return True


class BPREmbedder(TrainingLoop, BaseEmbedder):
    """Base of the torch embedders trained with BPR: the shared training engine.

    Subclasses add their model's parameters as keyword-only arguments before
    ``**params`` (passed on to ``super().__init__``) and implement
    :meth:`_build_model`; their signature then lists every parameter (what
    ``get_params``, ``clone`` and the configuration checks read).

    Parameters
    ----------
    dim : int
        Embedding size.
    lr, batch_size, epochs : float, int, int
        Adam learning rate, BPR triples per step, maximum epochs (one epoch is as many
        triples as training interactions, each with one sampled negative; ``sampling``).
        ``batch_size="auto"``: about 18 steps per epoch, between 2,048 and 32,768;
        ``lr="auto"``: ``0.02 * sqrt(batch_size / 32768)``.
    reg : float
        L2 weight on the batch's layer-0 embeddings (as in the LightGCN paper).
    loss : {"bpr", "softmax"}
        ``"bpr"``: BPR with one sampled negative per interaction (the LightGCN paper's).
        ``"softmax"``: sampled softmax over cosine similarities at
        ``softmax_temperature``, each batch's first ``softmax_negatives`` sampled
        negatives shared by all its users
        (:func:`graphrec.embed._bpr.softmax_loss`; Wu et al., TOIS 2024); the final
        embeddings are then L2-normalised, so scores are cosines. It needs far fewer
        epochs on sparse data (README: LightGCN on gowalla on a CPU).
    sampling : {"interactions", "users"}
        How an epoch's (user, positive) pairs are drawn, as many as there are
        interactions. ``"interactions"``: each interaction once, shuffled (users
        weighted by their activity). ``"users"``: a user uniformly at random, then one
        of their items (:func:`graphrec.embed._bpr.sample_positives`), as the LightGCN
        paper's code samples; every user gets about the same number of triples, so
        light users weigh more (README: LightGCN on gowalla).
    dns_candidates : int
        BPR's negatives. 1: one uniform non-interacted item per pair. ``k > 1``:
        dynamic negative sampling (DNS; Zhang et al., SIGIR 2013): ``k`` uniform
        candidates per pair, and the loss takes the one the current model scores
        highest for the user (:func:`graphrec.embed._bpr.hardest_negatives`); BPR only.
        With it LightGCN comes within 0.003 of its paper's gowalla row on a CPU (one seed; README).
    init_std : float or None
        ``None``: the model's own start for the layer-0 table (Xavier uniform for
        LightGCN, MF and NCL, as torch-geometric's ``LightGCN``: a standard deviation
        of ``sqrt(2 / (nodes + dim))``, about 0.005 on gowalla). A float: a normal
        with that standard deviation, as the LightGCN paper's code starts (0.1). The
        ranking does not depend on the scale, but Adam's steps (about ``lr`` per
        coordinate) and the L2 term do. ``init_weight`` in ``fit`` overrides both.
    softmax_temperature, softmax_negatives : float, int
        The softmax loss's temperature and pool size (unused by ``"bpr"``).
    lr_schedule, decay_epochs : {"constant", "cosine"}, int or None
        ``"cosine"``: each batch's lr is ``lr * (1 + cos(pi * t)) / 2``, ``t`` the
        share of ``decay_epochs`` (``None``: ``epochs``) trained so far, 0 after
        (SGDR without restarts, Loshchilov and Hutter, ICLR 2017; it did not help on
        gowalla, README). Early stopping and ``max_minutes`` do not shorten it; a set
        ``decay_epochs`` keeps it when ``epochs`` changes (a resume, a refit).
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
    verbose : bool
        Show a progress bar (tqdm).
    random_state : int, Generator or None
        Seeds the initial weights and the negative sampling.

    Attributes
    ----------
    user_embeddings_, item_embeddings_ : ndarray
        Final (propagated) embeddings of the returned weights.
    embedding_weight_ : ndarray
        The layer-0 table (nodes x dim, users first) of the returned weights.
    history_ : list of dict
        Per epoch: ``epoch``, ``loss``, ``seconds`` (cumulative, across a resume) and
        the ``monitor`` value on validated epochs.
    best_epoch_, best_score_ : int, float
        Epoch and ``monitor`` value of the returned weights (with ``valid``).
    n_epochs_ : int
        Epochs trained (including those of a resumed checkpoint).
    stopped_by_ : str
        Why training ended: ``"epochs"``, ``"early_stopping"`` or ``"time"``.
    """

    _registered_name = "bpr"  # the checkpoint file name; registration sets the real one

    _param_constraints = param_constraints(
        dim=Interval(int, 1, None),
        lr=[Interval(float, 0, None, closed="neither"), Options("auto")],
        batch_size=[Interval(int, 1, None), Options("auto")],
        epochs=Interval(int, 1, None),
        reg=Interval(float, 0, None),
        loss=Options("bpr", "softmax"),
        sampling=Options("interactions", "users"),
        dns_candidates=Interval(int, 1, None),
        init_std=[Interval(float, 0, None, closed="neither"), None],
        softmax_temperature=Interval(float, 0, None, closed="neither"),
        softmax_negatives=Interval(int, 1, None),
        lr_schedule=Options("constant", "cosine"),
        decay_epochs=[Interval(int, 1, None), None],
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
        Rule(
            lambda p: p["decay_epochs"] is None or p["lr_schedule"] == "cosine",
            "decay_epochs needs lr_schedule='cosine' (a constant lr has no decay)",
        ),
        Rule(
            lambda p: p["dns_candidates"] == 1 or p["loss"] == "bpr",
            "dns_candidates > 1 needs loss='bpr' (the softmax has its own negatives)",
        ),
    )

    def __init__(
        self,
        *,
        dim: int = 64,
        lr: float | str = "auto",
        batch_size: int | str = "auto",
        epochs: int = 300,
        reg: float = 1e-3,
        loss: str = "bpr",
        sampling: str = "interactions",
        dns_candidates: int = 1,
        init_std: float | None = None,
        softmax_temperature: float = 0.1,
        softmax_negatives: int = 1024,
        lr_schedule: str = "constant",
        decay_epochs: int | None = None,
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
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.reg = reg
        self.loss = loss
        self.sampling = sampling
        self.dns_candidates = dns_candidates
        self.init_std = init_std
        self.softmax_temperature = softmax_temperature
        self.softmax_negatives = softmax_negatives
        self.lr_schedule = lr_schedule
        self.decay_epochs = decay_epochs
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        inherit_signature(cls)

    # the clock of the time budget; tests replace it to make the budget deterministic
    _clock = staticmethod(time.perf_counter)

    # ------------------------------------------------------------------ the model
    def _build_model(
        self, train: Interactions, device: torch.device, generator: torch.Generator
    ) -> torch.nn.Module:
        """The model to train on ``train``, its weights initialised from ``generator``.

        It has an ``embedding`` (``torch.nn.Embedding`` of ``n_users + n_items``
        rows, users first: the layer-0 weights that ``reg`` and ``init_weight``
        refer to), and ``forward()`` returns the final embeddings of all nodes.
        Tensors it holds besides its parameters (an adjacency) are put on
        ``device``; the engine moves the parameters there.
        """
        raise NotImplementedError

    def _loss(
        self, model: torch.nn.Module, u: torch.Tensor, i: torch.Tensor, j: torch.Tensor
    ) -> torch.Tensor:
        """The batch's loss (users ``u``, positive and negative item nodes ``i``,
        ``j``): BPR or the sampled softmax (``loss``) plus ``reg`` times L2 on the
        layer-0 rows, plus :meth:`_extra_loss` when a model defines one. ``j`` with a
        column per candidate (``dns_candidates``) is first reduced to the hardest one;
        a model with another loss overrides this and receives ``j`` as the loop gives it."""
        x = model()
        if j.dim() == 2:  # dynamic negative sampling: the hardest of each row's candidates
            j = hardest_negatives(x, u, j)
        if self.loss == "softmax":
            loss = softmax_loss(
                x, model.embedding.weight, u, i, j, self.reg,
                self.softmax_temperature, self.softmax_negatives,
            )  # fmt: skip
        else:
            loss = bpr_loss(x, model.embedding.weight, u, i, j, self.reg)
        extra = self._extra_loss(model, x, u, i, j)
        return loss if extra is None else loss + extra

    def _extra_loss(
        self,
        model: torch.nn.Module,
        x: torch.Tensor,
        u: torch.Tensor,
        i: torch.Tensor,
        j: torch.Tensor,
    ) -> torch.Tensor | None:
        """Hook: a term added to every batch's BPR loss (None: nothing is added).

        ``x`` is the batch's ``model()`` output (final embeddings of all nodes, users
        first, in the autograd graph); the layer-0 table is ``model.embedding.weight``;
        ``u``, ``i``, ``j`` index the batch's users and positive and negative item
        nodes (item nodes are offset by ``n_users``). A regulariser that needs state
        computed from the whole model (prototypes, centroids) computes it in
        :meth:`_start_epoch`. Its weight is the model's own parameter.
        """
        return None

    def _start_epoch(
        self,
        model: torch.nn.Module,
        train: Interactions,
        epoch: int,
        rng: np.random.Generator,
    ) -> None:
        """Hook: called before each epoch's batches (``epoch`` epochs done so far).

        For state an :meth:`_extra_loss` reads that is refreshed once per epoch from
        the current weights (e.g. k-means prototypes of the embeddings, NCL's E-step).
        Draw any randomness from ``rng``: it is the engine's generator, saved in the
        checkpoints, so that a resumed fit equals an uninterrupted one as long as the
        state is a function of the weights, ``train`` and ``rng``. Default: nothing.
        """

    def _check_model_params(self) -> None:
        """Checks of the subclass's own parameters (``ValueError`` naming them)."""

    def _config(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed (``epochs`` may grow)."""
        params = self.get_params(deep=False)
        kept = {k: v for k, v in params.items() if k not in _RUN_PARAMS}
        if kept.get("loss") == "bpr":  # the softmax's settings do not touch a BPR run
            for key in ("loss", "softmax_temperature", "softmax_negatives"):
                kept.pop(key)
        for key, default in (
            ("sampling", "interactions"),
            ("init_std", None),
            ("dns_candidates", 1),
        ):
            if key in kept and kept[key] == default:  # a default: as before it existed
                kept.pop(key)
        if kept.pop("lr_schedule", "constant") == "constant":
            kept.pop("decay_epochs", None)  # unused: a constant lr's run as before
        else:  # the cosine's length determines every step's lr
            kept["lr_schedule"] = self.lr_schedule
            kept["decay_epochs"] = self._decay_epochs()
        resolved = {"lr": getattr(self, "lr_", self.lr), "batch_size": self.batch_size_}
        return kept | resolved | {"class": type(self).__name__}

    # ------------------------------------------------------------------ training
    def fit(
        self,
        train: Interactions,
        valid: Interactions | None = None,
        *,
        init_weight: np.ndarray | None = None,
    ) -> BPREmbedder:
        """Train on ``train``; early-stop on ``valid`` (train items masked) when given.

        ``init_weight`` (nodes x dim, users first) warm-starts the layer-0 embeddings,
        e.g. from another model's ``embedding_weight_``.
        """
        import torch

        train, valid = check_fit_data(train, valid)
        check_params(self)
        self._check_model_params()
        n_nodes = train.n_users + train.n_items
        if init_weight is not None and np.shape(init_weight) != (n_nodes, self.dim):
            raise ValueError(
                f"init_weight must have shape ({n_nodes}, {self.dim}), got {np.shape(init_weight)}"
            )
        validation = None if valid is None else ranking_validation(train, valid, self.monitor)
        rng = check_random_state(self.random_state)
        device = torch.device(resolve_device(self.device))
        layers = int(getattr(self, "layers", 0) or 0)  # propagated copies of the table
        check_memory(
            4.0 * n_nodes * self.dim * (2 + layers),  # float32 weights, gradient, layers
            f"{self._registered_name}(dim={self.dim}) on {n_nodes} nodes",
            "dim",
            str(device),
        )
        gen = torch.Generator().manual_seed(seed_from(rng))
        model = self._build_model(train, device, gen)
        with torch.no_grad():
            if init_weight is not None:
                model.embedding.weight.copy_(torch.as_tensor(init_weight, dtype=torch.float32))
            elif self.init_std is not None:
                model.embedding.weight.normal_(0.0, float(self.init_std), generator=gen)
        model = model.to(device)
        ckpt = self._checkpoint_path()
        fingerprint = "" if ckpt is None else data_fingerprint(train, valid)
        with deterministic_on_cpu(device):
            return self._train(model, train, validation, rng, device, ckpt, fingerprint)

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint_path(self) -> Path | None:
        if not self.checkpoint_dir:
            return None
        return Path(self.checkpoint_dir) / f"{self._registered_name}.pt"

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        return {"embedding_weight": self.embedding_weight_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        if "embedding_weight" in state:
            self.embedding_weight_ = state["embedding_weight"]
