"""Checkpoints of the BPR training engine: everything a resumed run depends on.

A checkpoint (format 2) holds the weights, the optimiser, the negative-sampling
generator, the best weights and score, the early-stopping counters and stop flag,
the cumulative seconds and the history, keyed by the run's configuration and a
hash of its data, so that a resumed run continues exactly as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphrec._io import atomic_write

if TYPE_CHECKING:  # torch is imported when a checkpoint is read or written
    import torch

    from graphrec.data.interactions import Interactions

__all__ = ["CHECKPOINT_FORMAT", "data_fingerprint", "load_checkpoint", "save_checkpoint"]

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 2  # 2: adds the sampling RNG, best weights and early-stopping state


def _json_array(value: Any) -> Any:
    """JSON for the numpy arrays in a bit generator's state (MT19937's key)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def data_fingerprint(train: Interactions, valid: Interactions | None) -> str:
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


def save_checkpoint(
    path: Path,
    *,
    config: dict[str, Any],
    fingerprint: str,
    model: torch.nn.Module,
    opt: Any,
    state: dict[str, Any],
    best: dict[str, torch.Tensor] | None,
    rng: np.random.Generator,
) -> None:
    """Write the checkpoint atomically (a temporary file, then a rename)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "config": json.dumps(config),
        "data": fingerprint,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "best_weights": None if best is None else {k: v.cpu() for k, v in best.items()},
        "state": json.dumps(state, default=float),
        "rng": json.dumps(rng.bit_generator.state, default=_json_array),
    }
    atomic_write(path, lambda fh: torch.save(payload, fh), overwrite=True)


def load_checkpoint(
    path: Path,
    *,
    owner: str,
    config: dict[str, Any],
    fingerprint: str,
    epochs: int,
    model: torch.nn.Module,
    opt: Any,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """Restore what :func:`save_checkpoint` wrote into ``model``, ``opt`` and ``rng``;
    return the training state and the best weights. A ``ValueError`` naming the file
    when it is unreadable, of another format, configuration or data, or beyond
    ``epochs``."""
    import torch

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
            f"checkpoint {path} is not a {owner} checkpoint of format "
            f"{CHECKPOINT_FORMAT} (found format {found!r}; older checkpoints lack the "
            f"sampling state needed to resume the same run); {fix}"
        )
    saved = json.loads(payload["config"])
    current = json.loads(json.dumps(config))
    if saved != current:
        keys = sorted(saved.keys() | current.keys())  # a key only one side has counts too
        diff = {k: (saved.get(k), current.get(k)) for k in keys if saved.get(k) != current.get(k)}
        raise ValueError(
            f"checkpoint {path} was written with a different configuration "
            f"(saved, current): {diff}; pass the saved values to resume it, or use "
            "another checkpoint_dir or resume=False"
        )
    if payload["data"] != fingerprint:
        raise ValueError(
            f"checkpoint {path} was written for other training / validation data; "
            "use another checkpoint_dir or resume=False"
        )
    state = json.loads(payload["state"])
    if state["epoch"] > epochs:
        raise ValueError(
            f"checkpoint {path} is at epoch {state['epoch']}, beyond epochs={epochs}; "
            "pass epochs >= that to resume it, or resume=False"
        )
    model.load_state_dict(payload["model"])
    opt.load_state_dict(payload["optimizer"])
    rng.bit_generator.state = json.loads(payload["rng"])
    best = payload["best_weights"]
    if isinstance(best, torch.Tensor):  # written before the engine: the layer-0 table
        best = {**model.state_dict(), "embedding.weight": best}
    logger.info("resumed from %s at epoch %d", path, state["epoch"])
    return state, best
