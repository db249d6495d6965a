"""The metric registry: every metric of :func:`~graphrec.evaluate.protocol.evaluate`, once.

A metric is a function ``metric(ctx, k) -> ndarray | float`` of a
:class:`RankingContext` (the ranked lists and what the metrics need) and a cut-off
``k``: per-user metrics return one value per evaluated user (a ``per_user`` column
and its mean in ``summary``), list-level metrics one number (``summary`` only). Each
is registered with its name, its direction (``"higher"`` or ``"lower"`` is better,
or None for a descriptive figure), what it needs from the context, and whether it is
computed by default (``default``: when ``metrics=`` is not given) or always
(``always``: reported for every evaluation whose context holds what it needs).
``evaluate(metrics=[...])``, the experiment configs and ``graphrec list metrics``
all read this one registry.

A new metric is one decorated function (here only defined, not registered, so
that the example leaves the registry as it was)::

    @register_metric("first_hit", direction="higher", needs=("hits",))
    def first_hit(ctx, k):
        return ctx.hits[:, 0].astype(float)

>>> import numpy as np
>>> metric("recall").direction, metric("gini").direction, metric("gini").per_user
('higher', 'lower', False)
>>> ctx = RankingContext(np.array([[2, 0]]), np.array([[True, False]]), np.array([1]), 3, 3)
>>> metric("recall")(ctx, 2).tolist(), metric("precision")(ctx, 2).tolist()
([1.0], [0.5])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphrec._registry import metrics as _metrics
from graphrec.evaluate import metrics as M

__all__ = [
    "NEEDS",
    "Metric",
    "RankingContext",
    "always_metrics",
    "default_metrics",
    "metric",
    "metric_names",
    "register_metric",
]

NEEDS = (
    "recommendations",
    "hits",
    "n_relevant",
    "item_counts",
    "item_vectors",
    "user_communities",
    "item_communities",
)
DIRECTIONS = ("higher", "lower", None)


@dataclass
class RankingContext:
    """What the metrics of one evaluation read (rows: the evaluated users).

    Attributes
    ----------
    recommendations : ndarray
        Users x ``max(k)`` item indices, ``-1`` for an empty slot (capped at the
        catalogue size).
    hits : ndarray of bool
        ``hits[u, j]``: is ``recommendations[u, j]`` a test item of user ``u``?
    n_relevant : ndarray
        Each user's number of test items.
    n_users, n_items : int
        Sizes of the index space (``n_users``: all users, the popularity base).
    item_counts : ndarray, optional
        Training popularity per item (novelty).
    head : ndarray of bool, optional
        The head items (by ``item_counts``; ``head_hits`` / ``tail_hits``).
    item_vectors : array, optional
        Items x features: the diversity space.
    user_communities : ndarray, optional
        The community of each evaluated user.
    item_communities : ndarray, optional
        The community of each item (``-1``: none).
    """

    recommendations: np.ndarray
    hits: np.ndarray
    n_relevant: np.ndarray
    n_users: int
    n_items: int
    item_counts: np.ndarray | None = None
    head: np.ndarray | None = None
    item_vectors: Any = None
    user_communities: np.ndarray | None = None
    item_communities: np.ndarray | None = None

    def cut(self, k: int) -> int:
        """The columns a cut-off ``k`` reads: ``min(k, len of the lists)``."""
        return min(k, self.recommendations.shape[1])

    def top(self, k: int) -> np.ndarray:
        """The first ``cut(k)`` slots of each list."""
        return self.recommendations[:, : self.cut(k)]

    def has(self, need: str) -> bool:
        """Does the context hold ``need`` (one of :data:`NEEDS`)?"""
        if need not in NEEDS:
            raise ValueError(f"unknown metric need {need!r}; expected one of {', '.join(NEEDS)}")
        return getattr(self, need) is not None


@dataclass(frozen=True)
class Metric:
    """One registered metric: ``metric(ctx, k)`` and what describes it."""

    name: str
    func: Callable[[RankingContext, int], np.ndarray | float]
    direction: str | None
    needs: tuple[str, ...]
    per_user: bool = True
    default: bool = False
    always: bool = False

    def __post_init__(self) -> None:
        # the registry's duplicate check compares definitions by module and qualname
        object.__setattr__(self, "__module__", getattr(self.func, "__module__", "?"))
        object.__setattr__(self, "__qualname__", getattr(self.func, "__qualname__", self.name))

    def __call__(self, ctx: RankingContext, k: int) -> np.ndarray | float:
        return self.func(ctx, k)

    def missing(self, ctx: RankingContext) -> list[str]:
        """The needs ``ctx`` does not hold."""
        return [n for n in self.needs if not ctx.has(n)]


def register_metric(
    name: str,
    *,
    direction: str | None,
    needs: Sequence[str] = ("recommendations",),
    per_user: bool = True,
    default: bool = False,
    always: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``func(ctx, k)`` as the metric ``name``.

    ``direction``: ``"higher"`` or ``"lower"`` is better, None for a descriptive
    figure. ``needs``: names from :data:`NEEDS`. ``per_user``: one value per user
    (else one number per list set). ``default``: computed when ``evaluate`` is not
    given ``metrics=``; ``always``: computed whenever the needs are there. The
    function is returned unchanged.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"metric {name!r}: direction must be 'higher', 'lower' or None")
    unknown = sorted(set(needs) - set(NEEDS))
    if unknown:
        raise ValueError(f"metric {name!r}: unknown needs {unknown}; expected among {NEEDS}")

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        entry = Metric(name, func, direction, tuple(needs), per_user, default, always)
        _metrics.register(name, check=_no_params)(entry)
        return func

    return decorator


def _no_params(component: Any, params: Any, *, name: str) -> None:
    """Metrics take no construction parameters (only ``ctx`` and ``k``)."""


def metric(name: str) -> Metric:
    """The registered metric ``name`` (a ``ValueError`` lists the names otherwise)."""
    return _metrics.get(name)  # type: ignore[return-value]


def metric_names() -> list[str]:
    """Every registered metric, in registration order."""
    return list(_metrics)


def default_metrics() -> tuple[str, ...]:
    """The metrics ``evaluate`` computes when not given ``metrics=``."""
    return tuple(n for n in _metrics if metric(n).default)


def always_metrics() -> tuple[str, ...]:
    """The metrics every evaluation reports (when its context holds their needs)."""
    return tuple(n for n in _metrics if metric(n).always)


# --- the built-in metrics -----------------------------------------------------------
_RANKED = {"direction": "higher", "needs": ("hits", "n_relevant"), "default": True}


@register_metric("recall", **_RANKED)
def _recall(ctx: RankingContext, k: int) -> np.ndarray:
    return M.recall_at_k(ctx.hits, ctx.n_relevant, ctx.cut(k))


@register_metric("precision", **_RANKED)
def _precision(ctx: RankingContext, k: int) -> np.ndarray:
    cut = ctx.cut(k)  # a list shorter than k (small catalogue) still divides by k
    return M.precision_at_k(ctx.hits, cut) * (cut / k)


@register_metric("ndcg", **_RANKED)
def _ndcg(ctx: RankingContext, k: int) -> np.ndarray:
    return M.ndcg_at_k(ctx.hits, ctx.n_relevant, ctx.cut(k))


@register_metric("hit_rate", **_RANKED)
def _hit_rate(ctx: RankingContext, k: int) -> np.ndarray:
    return M.hit_rate_at_k(ctx.hits, ctx.cut(k))


@register_metric("map", **_RANKED)
def _map(ctx: RankingContext, k: int) -> np.ndarray:
    return M.average_precision_at_k(ctx.hits, ctx.n_relevant, ctx.cut(k))


@register_metric("mrr", **_RANKED)
def _mrr(ctx: RankingContext, k: int) -> np.ndarray:
    return M.reciprocal_rank_at_k(ctx.hits, ctx.cut(k))


@register_metric("novelty", direction="higher", needs=("item_counts",), always=True)
def _novelty(ctx: RankingContext, k: int) -> np.ndarray:
    return M.novelty(ctx.top(k), ctx.item_counts, ctx.n_users)


@register_metric("diversity", direction="higher", needs=("item_vectors",), always=True)
def _diversity(ctx: RankingContext, k: int) -> np.ndarray:
    return M.intra_list_diversity(ctx.top(k), ctx.item_vectors)


def _head_tail_hits(ctx: RankingContext, k: int, head: bool) -> np.ndarray:
    top = ctx.top(k)
    in_head = ctx.head[np.where(top >= 0, top, 0)]
    return (ctx.hits[:, : top.shape[1]] & (in_head if head else ~in_head)).sum(axis=1).astype(float)


@register_metric("head_hits", direction="higher", needs=("hits", "item_counts"), always=True)
def _head_hits(ctx: RankingContext, k: int) -> np.ndarray:
    return _head_tail_hits(ctx, k, head=True)


@register_metric("tail_hits", direction="higher", needs=("hits", "item_counts"), always=True)
def _tail_hits(ctx: RankingContext, k: int) -> np.ndarray:
    return _head_tail_hits(ctx, k, head=False)


_COMMUNITY = ("user_communities", "item_communities")


@register_metric("outside", direction=None, needs=_COMMUNITY, always=True)
def _outside(ctx: RankingContext, k: int) -> np.ndarray:
    """Share of each list from outside the user's community (NaN for an empty list)."""
    top = ctx.top(k)
    listed = top >= 0
    item_comm = np.asarray(ctx.item_communities)[np.where(listed, top, 0)]
    outside = (item_comm != ctx.user_communities[:, None]) & listed
    total = listed.sum(axis=1)
    out = np.full(len(total), np.nan)
    np.divide(outside.sum(axis=1), total, out=out, where=total > 0)
    return out


@register_metric("coverage", direction="higher", per_user=False, always=True)
def _coverage(ctx: RankingContext, k: int) -> float:
    return M.item_coverage(ctx.top(k), ctx.n_items)


@register_metric("gini", direction="lower", per_user=False, always=True)
def _gini(ctx: RankingContext, k: int) -> float:
    return M.gini_index(ctx.top(k), ctx.n_items)


@register_metric(
    "communities_reached", direction="higher", needs=_COMMUNITY, per_user=False, always=True
)
def _communities_reached(ctx: RankingContext, k: int) -> float:
    return float(M.communities_reached(ctx.top(k), ctx.item_communities))
