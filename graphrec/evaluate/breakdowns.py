"""Breakdowns of an evaluation: activity bands, head and tail items, communities.

The user groups and item sets behind the ``per_user`` columns ``activity`` and
``community`` and the metrics ``head_hits``, ``tail_hits`` and ``outside``.
:func:`graphrec.evaluate.stats.group_table` (``result.by(...)``) then averages any
metric over them.

>>> import numpy as np
>>> head_items(np.array([5, 1, 9, 0, 2]), 0.4).tolist()
[True, False, True, False, False]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec.data.interactions import Interactions
from graphrec.evaluate.stats import activity_bands

__all__ = ["activity_bands", "community_maps", "head_items", "user_labels"]


def head_items(item_counts: np.ndarray, head_share: float) -> np.ndarray:
    """The most popular ``head_share`` of the items (at least one; ties by index)."""
    counts = np.asarray(item_counts)
    head = np.zeros(len(counts), dtype=bool)
    head[np.argsort(-counts, kind="stable")[: max(1, round(head_share * len(counts)))]] = True
    return head


def user_labels(communities: Any) -> np.ndarray | None:
    """One label per user from a ``Communities`` or an array (None passes through)."""
    if communities is None:
        return None
    return np.asarray(getattr(communities, "user_labels", communities))


def community_maps(
    communities: Any, train: Interactions | None, n_users: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """User and item communities of a partition: ``assign_users`` / ``assign_items``.

    The one rule of :mod:`graphrec.community.quality` (the maps the community-aware
    recommenders use): unassigned users go to their nearest community and items get
    their co-clustered community, else the one where they are most over-represented.
    """
    from graphrec.community.quality import assign_items, assign_users

    labels = np.asarray(getattr(communities, "user_labels", communities))
    if labels.ndim != 1 or len(labels) != n_users:
        raise ValueError(f"communities has {len(labels)} labels for {n_users} users")
    items = getattr(communities, "item_labels", None)
    if train is None:
        return labels, items
    if items is None:
        items = assign_items(train, labels)
    return assign_users(train, labels), items
