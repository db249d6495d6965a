"""Train / validation / test splits (plain functions) and the ``Split`` result."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphrec._validation import RandomState, check_random_state
from graphrec.data._user_holdout import user_holdout_parts
from graphrec.data.interactions import Interactions

if TYPE_CHECKING:  # pandas is imported by describe, not with graphrec
    import pandas as pd

__all__ = ["Split", "split"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Split:
    """Train, validation and test interactions over one user and item index space.

    ``valid`` is ``None`` when the split has no validation part. ``report`` says
    what the split dropped (e.g. test interactions of items unseen in training).
    """

    train: Interactions
    valid: Interactions | None
    test: Interactions
    report: Mapping[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Interactions | None]:
        return iter((self.train, self.valid, self.test))

    def describe(self) -> pd.DataFrame:
        """Each part's size and how popular its items are in ``train``: a check that
        valid resembles test before choosing anything on it.

        One row per part (``train``, ``valid`` when there is one, ``test``):
        ``interactions``, ``users`` (with at least one), ``items_per_user`` (their mean),
        ``train_popularity``: the mean number of *other* training interactions of the
        part's items (an item's training count, less one for the part's own row in
        ``train``), ``popularity_vs_train``: that mean over train's (NaN where train's
        is 0), ``top1pct_share``: the share of the part's interactions on the
        ``ceil(1%)`` items with most training interactions (ties to the lower item
        id), and ``cold_share``: the share on items with none; the means of an empty
        part are NaN. A part drawn
        at random from the same interactions as train reads a ratio near 1; a test
        part on more popular items rewards popularity-biased models more than a
        validation part that is not (README: the gowalla split).

        >>> ids = dict(user_ids=np.arange(3), item_ids=np.arange(3))
        >>> train = Interactions.from_coo([0, 0, 1, 1, 2, 2], [0, 1, 0, 2, 0, 1], **ids)
        >>> test = Interactions.from_coo([1], [1], **ids)  # item 1: 2 training rows
        >>> Split(train, None, test).describe().loc["test", "train_popularity"]
        2.0
        """
        import pandas as pd

        counts = self.train.item_degrees().astype(np.float64)  # training rows per item
        n_top = max(1, -(-len(counts) // 100))  # the ceil(1%) most trained items
        top = np.zeros(len(counts), dtype=bool)
        top[np.argsort(-counts, kind="stable")[:n_top]] = True  # ties: the lower item id
        rows = {}
        base = float("nan")
        for name, part in (("train", self.train), ("valid", self.valid), ("test", self.test)):
            if part is None:
                continue
            if not part.same_space(self.train):
                raise ValueError(
                    f"split.{name} has another user / item space than split.train "
                    f"({part.n_users} x {part.n_items} against {self.train.n_users} x "
                    f"{self.train.n_items}); describe compares parts of one split"
                )
            users, items, _, _ = part.coo()
            popularity = counts[items] - (1.0 if name == "train" else 0.0)
            n_active = len(np.unique(users))
            mean_pop = _mean(popularity)
            if name == "train":
                base, ratio = mean_pop, 1.0
            else:
                ratio = mean_pop / base if base > 0 else float("nan")
            rows[name] = {
                "interactions": len(items),
                "users": n_active,
                "items_per_user": len(items) / n_active if n_active else float("nan"),
                "train_popularity": mean_pop,
                "popularity_vs_train": ratio,
                "top1pct_share": _mean(top[items]),
                "cold_share": _mean(counts[items] == 0),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def __repr__(self) -> str:
        parts = [f"train={self.train.nnz}", f"test={self.test.nnz}"]
        if self.valid is not None:
            parts.insert(1, f"valid={self.valid.nnz}")
        return f"Split({self.train.n_users} users x {self.train.n_items} items; {', '.join(parts)})"


def _mean(values: np.ndarray) -> float:
    """The mean of ``values``; NaN when there are none."""
    return float(values.mean()) if len(values) else float("nan")


_METHODS = ("random", "temporal", "leave_one_out", "user_holdout")


def split(
    data: Interactions,
    method: str = "random",
    *,
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: RandomState = None,
    leave_out: str = "last",
    valid: bool = True,
    test_users: float | int | None = None,
    valid_users: float | int | None = None,
) -> Split:
    """Split interactions per user into train, validation and test, or hold out users.

    Parameters
    ----------
    method : {"random", "temporal", "leave_one_out", "user_holdout"}
        ``"random"``: each user's interactions are shuffled and cut by ``ratios``.
        Per-user counts are rounded stochastically: for a user with ``d`` interactions
        the expected valid and test counts are exactly ``d * ratios[1]`` and
        ``d * ratios[2]`` whenever ``d * ratios[0] >= 1`` (``d >= 2`` for 0.8/0.1/0.1);
        below that at most ``d - 1`` are held out (a single interaction stays in
        train). Valid and test are drawn symmetrically: equal ratios give them the
        same distribution.
        ``"temporal"``: each user's interactions are ordered by time (ties broken at
        random) and cut by ``ratios``, the latest going to test.
        ``"leave_one_out"``: one interaction per user to test and (if ``valid``) one
        to validation: the latest (``leave_out="last"``) or random ones
        (``leave_out="random"``); users with fewer than 3 (2 without validation)
        interactions stay wholly in train.
        ``"user_holdout"`` (new users, cold start): ``test_users`` and ``valid_users``
        (disjoint, drawn at random among the users with interactions) keep all their
        interactions in ``test`` / ``valid`` and have empty ``train`` rows; every other
        user keeps all theirs in ``train``. Evaluate with
        :func:`graphrec.evaluate.new_users.evaluate_new_users`.
    ratios : (train, valid, test)
        Shares for the ratio methods; must be non-negative and sum to 1. Every user
        keeps at least one training interaction.
    seed : int, Generator or None
        Random state for shuffling and tie-breaking (``user_holdout``: which users).
    test_users, valid_users : float or int, optional
        ``user_holdout`` only: a fraction in (0, 1) of the users with interactions
        (float) or a number of users (int); defaults 0.1 and 0.1. ``valid_users=0``
        gives no validation part. Their sum must leave at least one training user.

    Returns
    -------
    Split
        Train, valid and test over the input's index space. Validation and test
        interactions of items that never occur in train are dropped (their number
        is in ``report``), so test never holds an item unknown to train.

    >>> from graphrec.data.synthetic import planted_communities
    >>> data = planted_communities(100, 50, 2, seed=0).data
    >>> s = split(data, "random", ratios=(0.8, 0.1, 0.1), seed=0)
    >>> s.train.nnz + s.valid.nnz + s.test.nnz + s.report["dropped_unseen_items"] == data.nnz
    True
    >>> new = split(data, "user_holdout", test_users=0.1, valid_users=10, seed=0)
    >>> new.report["test_users"], new.report["valid_users"]
    (10, 10)
    >>> bool((new.train.user_degrees()[new.test.user_degrees() > 0] == 0).all())
    True
    """
    if method not in _METHODS:
        raise ValueError(f"unknown split method {method!r}; expected one of {', '.join(_METHODS)}")
    if data.nnz == 0:
        raise ValueError("cannot split an empty Interactions object")
    rng = check_random_state(seed)
    if method == "user_holdout":
        part, users_report = user_holdout_parts(
            data,
            0.1 if test_users is None else test_users,
            0.1 if valid_users is None else valid_users,
            rng,
        )
        return _assemble(data, part, method, users_report["valid_users"] > 0, users_report)
    for name, value in (("test_users", test_users), ("valid_users", valid_users)):
        if value is not None:
            raise ValueError(f"{name} applies to method='user_holdout' only, not {method!r}")
    users, _, _, ts = data.coo()
    noise = rng.random(data.nnz)
    if method == "random":
        key = noise
    else:
        if ts is None and (method == "temporal" or leave_out == "last"):
            raise ValueError(f"split method {method!r} needs timestamps, and the data has none")
        if method == "leave_one_out" and leave_out not in ("last", "random"):
            raise ValueError(f"leave_out must be 'last' or 'random', got {leave_out!r}")
        key = noise if (method == "leave_one_out" and leave_out == "random") else ts
    order = np.lexsort((noise, key, users))  # by user, then key, ties at random
    degree = data.user_degrees()
    rank = np.empty(data.nnz, dtype=np.int64)
    rank[order] = np.arange(data.nnz) - data.matrix.indptr[users[order]]
    part = np.zeros(data.nnz, dtype=np.int8)  # 0 train, 1 valid, 2 test
    if method == "leave_one_out":
        n_hold = 2 if valid else 1
        eligible = degree[users] > n_hold
        part[eligible & (rank == degree[users] - 1)] = 2
        if valid:
            part[eligible & (rank == degree[users] - 2)] = 1
    else:
        r = np.asarray(ratios, dtype=float)
        if r.shape != (3,) or (r < 0).any() or not np.isclose(r.sum(), 1.0):
            raise ValueError(
                f"ratios must be three non-negative shares (train, valid, test) summing to 1, "
                f"got {ratios!r}"
            )
        if r[0] == 0:
            raise ValueError("ratios: the train share must be positive")
        n_valid, n_test = _held_out_counts(degree, r, rng.random((len(degree), 2)))
        n_train = (degree - n_valid - n_test)[users]
        part[rank >= n_train] = 1
        part[rank >= n_train + n_valid[users]] = 2
    has_valid = valid if method == "leave_one_out" else ratios[1] != 0
    return _assemble(data, part, method, has_valid)


def _assemble(
    data: Interactions,
    part: np.ndarray,
    method: str,
    has_valid: bool,
    extra: dict[str, Any] | None = None,
) -> Split:
    """The split of ``data`` by ``part`` (0 train, 1 valid, 2 test per stored entry).

    Held-out interactions of items that never occur in train are dropped and counted.
    """
    train = data.filter(part == 0)
    known_item = train.item_degrees() > 0
    _, items, _, _ = data.coo()
    unseen = (part > 0) & ~known_item[items]
    report = {
        "method": method,
        "dropped_unseen_items": int(unseen.sum()),
        "train": int((part == 0).sum()),
        "valid": int(((part == 1) & ~unseen).sum()),
        "test": int(((part == 2) & ~unseen).sum()),
        **(extra or {}),
    }
    if unseen.any():
        logger.info(
            "split: dropped %d held-out interactions of items unseen in train", unseen.sum()
        )
    valid_part = data.filter((part == 1) & ~unseen) if has_valid else None
    test_part = data.filter((part == 2) & ~unseen)
    return Split(train, valid_part, test_part, report)


def _held_out_counts(
    degree: np.ndarray, ratios: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-user validation and test counts, rounded stochastically from ``degree * ratios``.

    ``u`` holds two uniform draws per user. Where rounding both counts up still leaves a
    training interaction, they are rounded independently (``floor(d * r + u)``). Elsewhere
    (short histories) they are rounded antithetically from one draw: valid
    ``floor(d * r_valid + u)``, test ``ceil(d * r_test - u)``; their sum is then itself
    ``d * (r_valid + r_test)`` rounded up or down, so the two never compete for the last
    training interaction unless ``d * r_train < 1``. Only then is the held-out total capped
    at ``d - 1`` and shared between valid and test in proportion to their ratios
    (again by stochastic rounding). Each count has expectation ``d * r`` whenever
    ``d * r_train >= 1``, and valid and test have the same distribution when their ratios
    are equal.
    """
    a, b = degree * ratios[1], degree * ratios[2]
    independent = np.ceil(a) + np.ceil(b) <= degree - 1
    n_valid = np.floor(a + u[:, 0]).astype(np.int64)
    n_test = np.where(independent, np.floor(b + u[:, 1]), np.ceil(b - u[:, 0])).astype(np.int64)
    over = n_valid + n_test > degree - 1
    if over.any():
        held = degree[over] - 1
        share = ratios[1] / (ratios[1] + ratios[2])
        n_valid[over] = np.floor(held * share + u[over, 0]).astype(np.int64)
        n_test[over] = held - n_valid[over]
    return n_valid, n_test
