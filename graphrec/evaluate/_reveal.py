"""Which of a held-out user's items are revealed to a recommender, and which are scored.

The revealed sets of :func:`graphrec.evaluate.new_users.evaluate_new_users`: for each
``n``, the held-out users (test interactions, empty training row) with more than
``n`` interactions, their earliest ``n`` items (or a seeded random ``n``) and the rest.

>>> import numpy as np, scipy.sparse as sp
>>> from graphrec.data.interactions import Interactions
>>> m = lambda rows: sp.csr_array(np.array(rows, np.float32))
>>> train = Interactions(m([[1, 1, 0], [0, 0, 0]]), np.arange(2), np.arange(3))
>>> test = Interactions(m([[0, 0, 0], [1, 1, 1]]), np.arange(2), np.arange(3),
...                     timestamps=np.array([3, 1, 2]))
>>> sets = reveal(test, train, [1, 2])
>>> sets[1].users.tolist(), sets[1].revealed.indices.tolist(), sets[2].revealed.indices.tolist()
([1], [1], [1, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._validation import RandomState, check_random_state
from graphrec.data.interactions import Interactions

__all__ = ["Revealed", "held_out_users", "reveal"]


@dataclass(frozen=True, eq=False)
class Revealed:
    """The revealed and hidden items of the held-out users evaluated at one ``n``.

    ``users``: their indices; ``revealed`` / ``hidden``: binary rows (one per user,
    the catalogue's columns) of the items shown to the recommender and of those scored.
    """

    n: int
    users: np.ndarray
    revealed: sp.csr_array
    hidden: sp.csr_array


def held_out_users(test: Interactions, train: Interactions) -> np.ndarray:
    """Users with test interactions and an empty training row (the new users)."""
    return np.flatnonzero((test.user_degrees() > 0) & (train.user_degrees() == 0))


def reveal(
    test: Interactions,
    train: Interactions,
    n_revealed: int | Sequence[int] = (1, 2, 3, 5, 10),
    *,
    seed: RandomState = 0,
) -> dict[int, Revealed]:
    """For each ``n``: the held-out users with more than ``n`` test interactions, their
    ``n`` revealed items and the hidden rest.

    The revealed items are the earliest ``n`` when ``test`` has timestamps (ties broken
    at random), else the first ``n`` of a seeded random order of each user's items; the
    order is drawn once, so the sets are nested across ``n`` and the same seed gives
    the same sets. See :func:`evaluate_new_users` for the errors.
    """
    ns = _check_n_revealed(n_revealed)
    _check_data(test, train)
    held = held_out_users(test, train)
    if held.size == 0:
        raise ValueError(
            "test has no held-out users (users with test interactions and an empty train "
            "row); make the split with gr.split(data, 'user_holdout', ...)"
        )
    degree = test.user_degrees()
    longest = int(degree[held].max())
    too_long = [n for n in ns if n >= longest]
    if too_long:
        raise ValueError(
            f"n_revealed={too_long} leaves no item to score: the longest held-out history "
            f"has {longest} interactions (every n must be below it)"
        )
    rng = check_random_state(seed)
    users, _, _, ts = test.coo()
    noise = rng.random(test.nnz)
    key = noise if ts is None else ts
    order = np.lexsort((noise, key, users))  # by user, then time (or at random)
    rank = np.empty(test.nnz, dtype=np.int64)
    rank[order] = np.arange(test.nnz) - test.matrix.indptr[users[order]]
    is_held = np.zeros(test.n_users, dtype=bool)
    is_held[held] = True
    binary = test.binary()
    out = {}
    for n in ns:
        chosen = held[degree[held] > n]
        in_play = is_held[users]
        shown = binary.filter(in_play & (rank < n)).matrix[chosen]
        rest = binary.filter(in_play & (rank >= n)).matrix[chosen]
        out[n] = Revealed(n, chosen, sp.csr_array(shown), sp.csr_array(rest))
    return out


def _check_n_revealed(n_revealed: Any) -> list[int]:
    values = np.atleast_1d(np.asarray(n_revealed, dtype=object))
    ok = (
        values.size > 0
        and values.ndim == 1
        and all(
            isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in values
        )
    )
    if not ok:
        raise ValueError(
            f"n_revealed must be a positive integer or a list of them, got {n_revealed!r}"
        )
    bad = [int(x) for x in values if x < 1]
    if bad:
        raise ValueError(
            f"n_revealed must be positive integers, got {bad}: a user needs at least one "
            "revealed item to be folded in"
        )
    return sorted({int(x) for x in values})


def _check_data(test: Any, train: Any) -> None:
    for name, value in (("test", test), ("train", train)):
        if not isinstance(value, Interactions):
            raise ValueError(f"{name} must be an Interactions object, got {type(value).__name__}")
    if test.n_items != train.n_items or not np.array_equal(test.item_ids, train.item_ids):
        raise ValueError(
            f"test and train must share one item catalogue: test has {test.n_items} items, "
            f"train {train.n_items}; revealed items outside train's catalogue cannot be "
            "folded in (split both from one dataset)"
        )
    if not test.same_space(train):
        raise ValueError(
            f"test and train must share one user index space (shapes {test.shape} and "
            f"{train.shape}); split both from one dataset"
        )
