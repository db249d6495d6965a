"""New users (cold start): reveal a few of a held-out user's items, score the rest.

The new-user protocol, on a split from ``gr.split(data, "user_holdout")``: the
held-out users are the users with test interactions and an empty training row. For
each ``n`` of ``n_revealed``, every held-out user with more than ``n`` interactions
has ``n`` revealed (the earliest ``n`` when the data has timestamps, else a seeded
random ``n``) and the rest hidden; each recommender gets the revealed rows alone
(fold-in: ``recommend(users, k, user_items=revealed)``, no refit, the revealed items
masked) and its lists are scored against the hidden items. Every recommender sees the
same revealed sets, so per-user results pair across recommenders; the revealed sets
are nested (the ``n = 1`` item is among the ``n = 2`` ones).

Known answer: user 2 is held out with items 1 (earliest), 3 and 0. One item
revealed (item 1, masked), the fixed scores rank items 0 then 2: one of the two hidden
items in the top 2, recall@2 = 1/2; NDCG@2 = 1 / (1 + 1/log2(3)) = 0.6131.

>>> import numpy as np, scipy.sparse as sp
>>> import graphrec as gr
>>> from graphrec.recommend.base import BaseRecommender
>>> m = lambda rows: sp.csr_array(np.array(rows, np.float32))
>>> ids = np.arange(3), np.arange(4)
>>> train = gr.Interactions(m([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]), *ids)
>>> test = gr.Interactions(m([[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 1]]), *ids,
...                        timestamps=np.array([30, 10, 20]))
>>> class Fixed(BaseRecommender):
...     supports_fold_in = True
...     def fit(self, train):
...         self.train_ = train
...         return self
...     def score(self, users=None, *, user_items=None):
...         return np.tile(np.float32([4, 3, 2, 1]), (user_items.shape[0], 1))
>>> res = gr.evaluate_new_users(Fixed().fit(train), test, train=train, n_revealed=[1],
...                             k=[2], n_bootstrap=0)
>>> res.table[["method", "n_revealed", "n_users", "recall@2"]].values.tolist()
[['Fixed', 1, 1, 0.5]]
>>> round(float(res.table["ndcg@2"].iloc[0]), 4)
0.6131
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from graphrec._validation import RandomState
from graphrec.data.interactions import Interactions
from graphrec.evaluate import metrics as M
from graphrec.evaluate._reveal import Revealed, _check_data, held_out_users, reveal
from graphrec.evaluate.protocol import _check_ks
from graphrec.evaluate.registry import RankingContext, metric, metric_names
from graphrec.evaluate.stats import bootstrap_ci, holm, paired_comparison

__all__ = ["NewUserResult", "Revealed", "evaluate_new_users", "reveal"]

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class NewUserResult:
    """What :func:`evaluate_new_users` measured.

    Attributes
    ----------
    table : DataFrame
        One row per method and ``n``: ``method``, ``n_revealed``, ``n_users``, each
        ranking metric at each cut-off (``ndcg@20``) with its bootstrap CI
        (``ndcg@20 lo``, ``ndcg@20 hi``), ``novelty@K``, ``coverage@K`` and
        ``ms_per_user`` (fold-in and ranking time of the batch over its users).
    per_user : dict
        ``(method, n)`` -> DataFrame with one row per evaluated user (``user``,
        ``n_hidden`` and each per-user metric), rows aligned across methods.
    revealed : dict
        ``n`` -> :class:`Revealed`, the sets every method was given.
    recommendations : dict
        ``(method, n)`` -> the top ``max(k)`` items of each evaluated user (rows as in
        ``per_user``; ``-1``: an empty slot).
    """

    table: pd.DataFrame
    per_user: dict[tuple[str, int], pd.DataFrame]
    revealed: dict[int, Revealed]
    k: list[int]
    info: dict[str, Any] = field(default_factory=dict)
    recommendations: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    @property
    def methods(self) -> list[str]:
        return list(dict.fromkeys(m for m, _ in self.per_user))

    def compare(
        self,
        baseline: str,
        metric: str = "ndcg@20",
        *,
        methods: Sequence[str] | None = None,
        n_boot: int = 2000,
        level: float = 0.95,
        random_state: RandomState = 0,
    ) -> pd.DataFrame:
        """Paired comparison of each method with ``baseline`` at each ``n``.

        One row per ``(n_revealed, method)``: the two means, ``ratio`` (method over
        baseline), the mean per-user difference (method - baseline) with a bootstrap
        CI, the Wilcoxon signed-rank p-value
        (:func:`graphrec.evaluate.stats.paired_comparison`) and ``p_holm``, the
        p-values Holm-corrected over every comparison in the table
        (:func:`graphrec.evaluate.stats.holm`).
        """
        names = self.methods
        if baseline not in names:
            raise ValueError(f"baseline {baseline!r} is not among the methods {names}")
        others = [m for m in names if m != baseline] if methods is None else list(methods)
        unknown = [m for m in others if m not in names]
        if unknown:
            raise ValueError(f"methods {unknown} are not among the methods {names}")
        sample = self.per_user[(baseline, next(iter(self.revealed)))]
        if metric not in sample.columns or metric in ("user", "n_hidden"):
            cols = [c for c in sample.columns if "@" in c]
            raise ValueError(f"metric {metric!r} is not a per-user metric here; one of {cols}")
        rows = []
        for n in self.revealed:
            base = SimpleNamespace(per_user=self.per_user[(baseline, n)])
            for name in others:
                if name == baseline:
                    continue
                cmp = paired_comparison(
                    base,
                    SimpleNamespace(per_user=self.per_user[(name, n)]),
                    metric,
                    n_boot=n_boot,
                    level=level,
                    random_state=random_state,
                )
                ratio = cmp["mean_b"] / cmp["mean_a"] if cmp["mean_a"] > 0 else float("nan")
                rows.append(
                    {
                        "n_revealed": n,
                        "method": name,
                        "baseline": baseline,
                        "users": cmp["users"],
                        f"baseline {metric}": cmp["mean_a"],
                        metric: cmp["mean_b"],
                        "ratio": ratio,
                        "diff": cmp["diff"],
                        "diff lo": cmp["diff lo"],
                        "diff hi": cmp["diff hi"],
                        "p_wilcoxon": cmp["p_wilcoxon"],
                    }
                )
        out = pd.DataFrame(rows)
        if len(out):
            out["p_holm"] = holm(out["p_wilcoxon"].to_numpy())
        return out

    def __repr__(self) -> str:
        return (
            f"NewUserResult({len(self.methods)} methods x n_revealed "
            f"{list(self.revealed)}; k={self.k})"
        )


def evaluate_new_users(
    recommender: Any,
    test: Interactions,
    *,
    train: Interactions,
    n_revealed: int | Sequence[int] = (1, 2, 3, 5, 10),
    k: int | Sequence[int] = (20,),
    seed: RandomState = 0,
    metrics: Sequence[str] = ("recall", "ndcg"),
    n_bootstrap: int = 1000,
    level: float = 0.95,
    reveal_order: str = "earliest",
) -> NewUserResult:
    """Evaluate recommenders on new users from a few revealed items (fold-in).

    Parameters
    ----------
    recommender : recommender or mapping of name -> recommender
        Fitted on ``train``, with ``supports_fold_in``. A single one is named by its
        class.
    test : Interactions
        The held-out users' interactions (``split.test``, or ``split.valid`` to tune).
        Only users with an empty ``train`` row are evaluated.
    train : Interactions
        The training interactions: who is held out (empty rows) and the item
        popularity behind ``novelty`` (the share of the users with a training row
        who chose the item, :func:`graphrec.evaluate.metrics.novelty`).
    n_revealed : int or list of int
        Items revealed per user; users with at most ``n`` interactions are left out
        at that ``n``. Each must be a positive integer below the longest held-out
        history.
    k : int or list of int
        Cut-offs; the lists have ``max(k)`` items.
    seed : int, Generator or None
        Order of each user's items when ``test`` has no timestamps (and ties between
        equal timestamps); also the bootstrap's seed.
    metrics : list of str
        Per-user ranking metrics of the metric registry (``recall``, ``ndcg``,
        ``precision``, ``hit_rate``, ``map``, ``mrr``); ``novelty`` and ``coverage``
        are always reported.
    n_bootstrap, level : int, float
        Bootstrap resamples and level of the CIs of the mean (``n_bootstrap=0``: no
        CIs, NaN bounds).
    reveal_order : {"earliest", "random"}
        Which items are revealed: the earliest by timestamp (a seeded random order
        when ``test`` has none), or a seeded random ``n`` even when it has them.

    Returns
    -------
    NewUserResult
        ``.table``, ``.per_user``, ``.revealed`` and ``.compare(baseline)``.
    """
    _check_data(test, train)
    if reveal_order not in ("earliest", "random"):
        raise ValueError(f"reveal_order must be 'earliest' or 'random', got {reveal_order!r}")
    if reveal_order == "random" and test.timestamps is not None:
        test = replace(test, timestamps=None)  # the seeded order decides
    models = _check_models(recommender, test)
    ks = _check_ks(k)
    requested = _check_metrics(metrics)
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)):
        raise ValueError(f"n_bootstrap must be a non-negative integer, got {n_bootstrap!r}")
    if n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be a non-negative integer, got {n_bootstrap!r}")
    sets = reveal(test, train, n_revealed, seed=seed)
    n_items = test.n_items
    if ks[-1] > n_items:
        warnings.warn(
            f"k={ks[-1]} exceeds the catalogue ({n_items} items)", UserWarning, stacklevel=2
        )
    item_counts = train.item_degrees()
    n_train_users = max(1, int((train.user_degrees() > 0).sum()))
    rows, per_user, lists = [], {}, {}
    for name, model in models.items():
        for n, part in sets.items():
            t0 = time.perf_counter()
            items, scores = model.recommend(
                part.users, k=ks[-1], user_items=part.revealed, exclude_seen=True
            )
            seconds = time.perf_counter() - t0
            recs = _lists(name, items, scores, len(part.users), min(ks[-1], n_items))
            n_hidden = np.diff(part.hidden.indptr)
            ctx = RankingContext(
                recommendations=recs,
                hits=M.hits_matrix(recs, part.hidden),
                n_relevant=n_hidden,
                n_users=n_train_users,
                n_items=n_items,
                item_counts=item_counts,
            )
            table: dict[str, Any] = {"user": part.users, "n_hidden": n_hidden}
            row: dict[str, Any] = {"method": name, "n_revealed": n, "n_users": len(part.users)}
            for kk in ks:
                for m in (*requested, "novelty"):
                    values = np.asarray(metric(m)(ctx, kk), dtype=np.float64)
                    key = f"{m}@{kk}"
                    table[key] = values
                    row[key] = float(np.nanmean(values)) if len(values) else float("nan")
                    if m != "novelty":
                        row[f"{key} lo"], row[f"{key} hi"] = (
                            bootstrap_ci(values, n_bootstrap, level, seed)
                            if n_bootstrap
                            else (float("nan"), float("nan"))
                        )
                row[f"coverage@{kk}"] = float(metric("coverage")(ctx, kk))
            row["ms_per_user"] = 1000.0 * seconds / max(1, len(part.users))
            rows.append(row)
            per_user[(name, n)] = pd.DataFrame(table)
            lists[(name, n)] = recs
            logger.info("%s, n=%d: %d users in %.2fs", name, n, len(part.users), seconds)
    info = {
        "held_out_users": int(held_out_users(test, train).size),
        "timestamps": test.timestamps is not None,
    }
    return NewUserResult(pd.DataFrame(rows), per_user, sets, ks, info, lists)


def _check_models(recommender: Any, test: Any) -> dict[str, Any]:
    if isinstance(recommender, Mapping):
        models = {str(name): rec for name, rec in recommender.items()}
        if not models:
            raise ValueError("recommender: the mapping of name -> recommender is empty")
    else:
        models = {type(recommender).__name__: recommender}
    for name, rec in models.items():
        if not hasattr(rec, "recommend"):
            raise ValueError(f"recommender {name!r} ({type(rec).__name__}) has no recommend()")
        if not getattr(rec, "supports_fold_in", False):
            raise ValueError(
                f"recommender {name!r} ({type(rec).__name__}) cannot fold in new users "
                "(supports_fold_in is False): it cannot recommend from revealed items alone"
            )
        fitted = getattr(rec, "train_", None)
        if isinstance(fitted, Interactions) and isinstance(test, Interactions):
            if fitted.n_items != test.n_items:
                raise ValueError(
                    f"recommender {name!r} was fitted on {fitted.n_items} items, test has "
                    f"{test.n_items}: revealed items outside its catalogue"
                )
    return models


def _check_metrics(metrics: Sequence[str]) -> list[str]:
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    allowed = [n for n in metric_names() if set(metric(n).needs) <= {"hits", "n_relevant"}]
    allowed = [n for n in allowed if metric(n).per_user and n != "novelty"]
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ValueError(f"metrics {bad} are not per-user ranking metrics; choose from {allowed}")
    return list(dict.fromkeys(names))


def _lists(name: str, items: Any, scores: Any, n_rows: int, width: int) -> np.ndarray:
    items, scores = np.asarray(items), np.asarray(scores)
    if items.shape != (n_rows, width) or scores.shape != items.shape:
        raise ValueError(
            f"recommender {name!r}: recommend returned shapes {items.shape} and "
            f"{scores.shape}, expected {(n_rows, width)}"
        )
    return np.where(np.isneginf(scores), -1, items).astype(np.int64)
