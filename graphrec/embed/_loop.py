"""The epoch loop of the BPR training engine: epochs, validation, budget, progress.

:class:`TrainingLoop` is the part of :class:`graphrec.embed._trainer.BPREmbedder`
that runs a fit once the model is built: the BPR epochs (with the per-epoch and
per-batch hooks :meth:`~graphrec.embed._trainer.BPREmbedder._start_epoch` and
:meth:`~graphrec.embed._trainer.BPREmbedder._extra_loss`), the validation schedule
with early stopping and the best weights, the time budget, the checkpoints written
on the schedule and the progress bar. The parameters it reads (``epochs``,
``eval_every``, ``patience``, ``monitor``, ``max_minutes``, ``checkpoint_every``,
``verbose``, ``lr_schedule`` and ``decay_epochs``) are the engine's, documented there.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from graphrec.data.interactions import Interactions
from graphrec.embed._bpr import sample_negatives, sample_positives
from graphrec.embed._checkpoint import load_checkpoint, save_checkpoint

if TYPE_CHECKING:  # torch is imported when fit starts, not with graphrec
    import torch

__all__ = ["TrainingLoop", "cosine_factor", "deterministic_on_cpu"]

logger = logging.getLogger(__name__)


class TrainingLoop:
    """The loop of a fit: BPR epochs, ``validation(self) -> score`` on the schedule
    (higher is better), early stopping, the time budget, checkpoints and progress."""

    # set by BPREmbedder (parameters and hooks); declared for the type checker
    epochs: int
    loss: str
    sampling: str
    dns_candidates: int
    lr: float | str
    batch_size: int | str
    lr_schedule: str
    decay_epochs: int | None
    eval_every: int
    patience: int
    monitor: str
    max_minutes: float | None
    checkpoint_every: int
    resume: bool
    verbose: bool
    _clock: Callable[[], float]
    _config: Callable[[], dict[str, Any]]
    _loss: Callable[..., Any]
    _start_epoch: Callable[..., None]

    def _batch_and_lr(self, n_interactions: int) -> tuple[int, float]:
        """The tuned defaults: large batches with a matching learning rate."""
        batch = (
            int(np.clip(n_interactions // 18, 2048, 32768))
            if self.batch_size == "auto"
            else int(self.batch_size)
        )
        lr = 0.02 * float(np.sqrt(batch / 32768)) if self.lr == "auto" else float(self.lr)
        return batch, lr

    def _decay_epochs(self) -> int:
        """The cosine schedule's length in epochs (``decay_epochs``, else ``epochs``)."""
        return int(self.epochs if self.decay_epochs is None else self.decay_epochs)

    def _train(
        self,
        model: torch.nn.Module,
        train: Interactions,
        validation: Callable[[Any], float] | None,
        rng: np.random.Generator,
        device: torch.device,
        ckpt: Path | None,
        fingerprint: str,
    ) -> Any:
        import torch

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
        best: dict[str, torch.Tensor] | None = None
        if self.resume and ckpt is not None and ckpt.exists():
            state, best = load_checkpoint(
                ckpt, owner=type(self).__name__, config=self._config(), fingerprint=fingerprint,
                epochs=self.epochs, model=model, opt=opt, rng=rng,
            )  # fmt: skip
            best = None if best is None else {k: v.to(device) for k, v in best.items()}

        users_all, items_all, _, _ = train.coo()
        edges = (users_all, items_all, train.binary().matrix)
        from tqdm.auto import tqdm

        bar = tqdm(
            total=self.epochs,
            initial=state["epoch"],
            disable=not self.verbose,
            desc=type(self).__name__,
        )
        seconds_before = state["seconds"]  # training time of a resumed checkpoint
        t_start = self._clock()
        deadline = None if self.max_minutes is None else t_start + 60 * self.max_minutes
        out_of_time = False
        while state["epoch"] < self.epochs and not state["stopped"]:
            epoch = state["epoch"]
            loss = self._run_epoch(model, opt, train, edges, batch_size, epoch, rng, device)
            state["epoch"] += 1
            now = self._clock()
            state["seconds"] = seconds_before + (now - t_start)
            record: dict[str, float] = {
                "epoch": state["epoch"],
                "loss": loss,
                "seconds": state["seconds"],
            }
            state["history"].append(record)
            if validation is not None and state["epoch"] % self.eval_every == 0:
                best = self._validation_step(model, train, validation, state, best)
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
                save_checkpoint(
                    ckpt, config=self._config(), fingerprint=fingerprint, model=model,
                    opt=opt, state=state, best=best, rng=rng,
                )  # fmt: skip
            if deadline is not None and now > deadline:
                out_of_time = True
                break
        bar.close()
        return self._finish(model, train, validation, state, best, out_of_time)

    def _run_epoch(
        self,
        model: torch.nn.Module,
        opt: Any,
        train: Interactions,
        edges: tuple[np.ndarray, np.ndarray, sp.csr_array],
        batch_size: int,
        epoch: int,
        rng: np.random.Generator,
        device: torch.device,
    ) -> float:
        """One epoch of BPR batches: as many (user, positive) pairs as interactions, a
        shuffled pass over them or drawn user-first (``sampling``), one sampled
        negative each or ``dns_candidates`` of them (``edges``: the interactions'
        users, items and the binary matrix); returns the mean batch loss
        (weighted by batch size)."""
        import torch

        n_users = train.n_users
        users_all, items_all, positives = edges
        n = len(users_all)
        self._start_epoch(model, train, epoch, rng)
        epoch_loss = 0.0
        if self.sampling == "users":  # the LightGCN code's sampler: users uniformly
            users_ep, items_ep = sample_positives(positives, n, rng)
        else:  # one pass over the interactions, shuffled
            order = rng.permutation(n)
            users_ep, items_ep = users_all[order], items_all[order]
        k = self.dns_candidates  # > 1: candidates per pair, the loss keeps the hardest
        negatives = sample_negatives(np.repeat(users_ep, k), positives, rng)
        if k > 1:  # k = 1 stays one column: the uniform negative, no selection step
            negatives = negatives.reshape(n, k)
        model.train()
        steps = -(-n // batch_size)
        total_steps = self._decay_epochs() * steps  # the cosine's length in steps
        for step, start in enumerate(range(0, n, batch_size)):
            stop = min(start + batch_size, n)
            if self.lr_schedule == "cosine":
                done = (epoch * steps + step) / total_steps
                for group in opt.param_groups:
                    group["lr"] = self.lr_ * cosine_factor(done)
            u = torch.from_numpy(users_ep[start:stop]).to(device)
            i = torch.from_numpy(items_ep[start:stop] + n_users).to(device)
            j = torch.from_numpy(negatives[start:stop] + n_users).to(device)
            loss = self._loss(model, u, i, j)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            epoch_loss += float(loss.detach()) * (stop - start)
        return epoch_loss / n

    def _finish(
        self,
        model: torch.nn.Module,
        train: Interactions,
        validation: Callable[[Any], float] | None,
        state: dict[str, Any],
        best: dict[str, torch.Tensor] | None,
        out_of_time: bool,
    ) -> Any:
        """Why training stopped, the closing validation, the best weights, attributes."""
        if state["stopped"]:
            stopped_by = "early_stopping"
        elif state["epoch"] < self.epochs:
            stopped_by = "time"
        else:
            stopped_by = "epochs"
        history = state["history"]
        if validation is not None and history and self.monitor not in history[-1]:
            # the last epoch was not on the validation schedule (end of the epochs or of
            # the time budget): validate it, so the weights returned are the best evaluated
            best = self._validation_step(model, train, validation, state, best)
        self._warn_at_end(out_of_time and stopped_by == "time", validation, best, state)
        if best is not None:
            model.load_state_dict(best)
        self._set_embeddings(model, train.n_users)
        self.history_ = history
        self.n_epochs_ = state["epoch"]
        self.stopped_by_ = stopped_by
        self.best_epoch_ = state["best_epoch"] if validation is not None else state["epoch"]
        self.best_score_ = state["best"] if validation is not None else float("nan")
        self.train_ = train
        return self

    def _warn_at_end(
        self,
        cut_by_time: bool,
        validation: Callable[[Any], float] | None,
        best: dict[str, torch.Tensor] | None,
        state: dict[str, Any],
    ) -> None:
        # stacklevel 5: warn <- _warn_at_end <- _finish <- _train <- fit <- the caller
        name = type(self).__name__
        if cut_by_time:
            returned = (
                f"the best validated weights (epoch {state['best_epoch']}, "
                f"{self.monitor} {state['best']:.4f})"
                if validation is not None
                else "the last weights (no valid set)"
            )
            msg = f"the time budget max_minutes={self.max_minutes} ended training after"
            msg += f" {state['epoch']} of {self.epochs} epochs; returning {returned}"
            warnings.warn(f"{name}: {msg}", UserWarning, stacklevel=5)
        if validation is not None and best is None:
            msg = f"no validation gave a finite {self.monitor}; returning the last weights"
            warnings.warn(f"{name}: {msg}", UserWarning, stacklevel=5)

    def _validation_step(
        self,
        model: torch.nn.Module,
        train: Interactions,
        validation: Callable[[Any], float],
        state: dict[str, Any],
        best: dict[str, torch.Tensor] | None,
    ) -> dict[str, torch.Tensor] | None:
        """Validate the current weights into ``state``; return the best weights so far."""
        self._set_embeddings(model, train.n_users)
        self.train_ = train
        value = validation(self)
        state["history"][-1][self.monitor] = value
        if value > state["best"]:
            state.update(best=value, best_epoch=state["epoch"], bad=0)
            return {k: v.detach().clone() for k, v in model.state_dict().items()}
        state["bad"] += 1
        return best

    def _set_embeddings(self, model: torch.nn.Module, n_users: int) -> None:
        import torch

        with torch.no_grad():
            x = model().detach().cpu().numpy().astype(np.float32)
            x0 = model.embedding.weight.detach().cpu().numpy().astype(np.float32)
        if self.loss == "softmax":  # trained on cosines: score by them
            x = _unit_rows(x)
        self.embedding_weight_ = x0
        self.user_embeddings_ = x[:n_users]
        self.item_embeddings_ = x[n_users:]


def cosine_factor(done: float) -> float:
    """The cosine schedule's factor on the learning rate after the fraction ``done`` of
    it: 1 at the start, 1/2 half-way, 0 at the end and after.

    >>> [round(cosine_factor(t), 3) for t in (0.0, 0.25, 0.5, 1.0, 1.5)]
    [1.0, 0.854, 0.5, 0.0, 0.0]
    """
    return 0.5 * (1.0 + math.cos(math.pi * min(done, 1.0)))


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """The rows of ``x`` scaled to unit L2 norm (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


@contextmanager
def deterministic_on_cpu(device: Any) -> Iterator[None]:
    """Torch's deterministic kernels for the fit on the CPU, the caller's setting restored.

    With more than one thread, the default CPU kernels of the embedding gradient sum
    in a varying order (weights differed by about 2e-7 run to run at dim 64); the
    deterministic ones cost no measurable time here. CUDA keeps its fast kernels
    (results agree to float rounding there).
    """
    import torch

    if device.type != "cpu":
        yield
        return
    before = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=warn_only)
