"""BPR batches: the epoch's (user, positive) pairs, vectorised negative sampling (uniform,
or the hardest of several candidates), the BPR loss and the sampled softmax loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # torch is imported when training starts, not with graphrec
    import torch

__all__ = ["bpr_loss", "hardest_negatives", "sample_negatives", "sample_positives", "softmax_loss"]


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


def sample_positives(
    positives: sp.csr_array, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` (user, item) training pairs drawn as the LightGCN paper's code draws them.

    Each draw picks a user uniformly among those with at least one training item, then
    one of that user's items uniformly (``UniformSample_original`` of LightGCN-PyTorch;
    ``n`` is the number of interactions there). Every user thus gets about the same
    number of triples per epoch whatever their activity, where a pass over the
    interactions weights users by their activity.

    >>> pos = sp.csr_array(np.array([[1, 1, 0], [0, 0, 0], [0, 1, 1]]))
    >>> users, items = sample_positives(pos, 6, np.random.default_rng(0))
    >>> sorted(set(users.tolist())), bool(pos[users, items].all())
    ([0, 2], True)
    """
    degree = np.diff(positives.indptr)
    active = np.flatnonzero(degree)
    if len(active) == 0:
        raise ValueError("no user has a training item; nothing to sample")
    users = active[rng.integers(0, len(active), size=n)]
    offsets = (rng.random(n) * degree[users]).astype(np.int64)
    # float rounding can reach degree itself: clip to the last item of the row
    offsets = np.minimum(offsets, degree[users] - 1)
    items = positives.indices[positives.indptr[users] + offsets]
    return users.astype(np.int64), items.astype(np.int64)


def hardest_negatives(x: torch.Tensor, u: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    """Per row of ``candidates`` (batch x k item nodes), the one ``x`` scores highest for
    the row's user ``u``: dynamic negative sampling (DNS; Zhang et al., SIGIR 2013) on
    the final embeddings. Ties go to the first column; the choice carries no gradient.

    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [0.2, 0.0], [0.9, 0.0], [-1.0, 0.0]])
    >>> hardest_negatives(x, torch.tensor([0, 0]), torch.tensor([[1, 2], [3, 1]])).tolist()
    [2, 1]
    """
    import torch

    with torch.no_grad():
        scores = torch.einsum("bd,bkd->bk", x[u], x[candidates])
        pick = scores.argmax(1, keepdim=True)
    return candidates.gather(1, pick).squeeze(1)


def bpr_loss(
    x: torch.Tensor,
    x0: torch.Tensor,
    u: torch.Tensor,
    i: torch.Tensor,
    j: torch.Tensor,
    reg: float,
) -> torch.Tensor:
    """Mean ``softplus(s_uj - s_ui)`` over the batch plus ``reg`` times the L2 norm of
    the batch's layer-0 rows (``x0``), halved and divided by the batch size (as in
    the LightGCN paper). ``x`` holds the final node embeddings; ``u``, ``i``, ``j``
    index users, positive and negative item nodes.

    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> idx = [torch.tensor([k]) for k in (0, 1, 2)]
    >>> round(float(bpr_loss(x, x, *idx, reg=0.0)), 4)  # softplus(0 - 1)
    0.3133
    """
    import torch

    xu, xi, xj = x[u], x[i], x[j]
    bpr = torch.nn.functional.softplus((xu * xj).sum(1) - (xu * xi).sum(1)).mean()
    return bpr + reg * _layer0_l2(x0, len(u), u, i, j)


def softmax_loss(
    x: torch.Tensor,
    x0: torch.Tensor,
    u: torch.Tensor,
    i: torch.Tensor,
    j: torch.Tensor,
    reg: float,
    temperature: float,
    n_negatives: int,
) -> torch.Tensor:
    """Sampled softmax over cosine similarities, plus the L2 term of :func:`bpr_loss`.

    For each (user, positive) pair of the batch: ``-log(exp(c_ui / t) / (exp(c_ui / t)
    + sum_k exp(c_uk / t)))`` with ``c`` the cosine of the final embeddings, ``t`` the
    ``temperature`` and ``k`` over a pool of the batch's first ``n_negatives`` sampled
    negatives (all of them if the batch is smaller), shared by every user of the batch
    (the SSM loss of Wu et al., "On the Effectiveness of Sampled Softmax Loss for Item
    Recommendation", TOIS 2024). A pool item that is another user's positive counts as
    a negative for that pair too, as with in-batch negatives. The L2 term is ``reg``
    times the batch's layer-0 rows (users, positives, pool) halved and divided by the
    batch size.

    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])  # user, positive, negative
    >>> idx = [torch.tensor([k]) for k in (0, 1, 2)]
    >>> round(float(softmax_loss(x, x, *idx, reg=0.0, temperature=1.0, n_negatives=1)), 4)
    0.3133
    """
    import torch

    pool = j[:n_negatives]
    xu = torch.nn.functional.normalize(x[u], dim=1)
    xi = torch.nn.functional.normalize(x[i], dim=1)
    xk = torch.nn.functional.normalize(x[pool], dim=1)
    pos = (xu * xi).sum(1, keepdim=True)
    logits = torch.cat([pos, xu @ xk.T], 1) / temperature
    loss = (torch.logsumexp(logits, 1) - logits[:, 0]).mean()
    return loss + reg * _layer0_l2(x0, len(u), u, i, pool)


def _layer0_l2(x0: torch.Tensor, batch: int, *rows: torch.Tensor) -> torch.Tensor:
    """The squared L2 norm of the indexed layer-0 rows, halved and divided by ``batch``."""
    return sum(x0[r].pow(2).sum() for r in rows) / (2 * batch)  # type: ignore[return-value]
