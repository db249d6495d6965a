"""The single-community control: every user in one community.

A community-aware recommender given the ``single`` detector (or
:func:`single_community`, or ``communities="single"``) uses global popularity where it
would use community popularity, with everything else unchanged. It is the control every
community gain must beat: much of what looks like a community gain for users with short
histories is popularity smoothing, which the single community gives as well. The
experiment runner and ``graphrec compare`` add it beside every community-aware
recommender unless told not to (``control: false``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import param_constraints
from graphrec._registry import detectors
from graphrec.community._inputs import check_detector_input
from graphrec.community.base import BaseDetector, Communities

__all__ = ["SingleCommunity", "single_community"]


def single_community(train: Any) -> Communities:
    """All users of ``train`` (an ``Interactions`` or a users x items matrix) in community 0.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=30, n_items=20, seed=0)
    >>> c = single_community(data)
    >>> c.n_communities, c.method, len(c.user_labels)
    (1, 'single', 30)
    """
    shape = getattr(getattr(train, "matrix", train), "shape", None)
    if shape is None or len(shape) != 2:
        raise ValueError(
            "single_community expects Interactions or a users x items matrix, got "
            f"{type(train).__name__}"
        )
    return Communities(np.zeros(shape[0], np.int64), None, "single", {})


@detectors.register("single")
class SingleCommunity(BaseDetector):
    """The control detector: one community holding every user.

    It finds nothing, on purpose: a community-aware recommender on its partition is the
    same recommender with the community part replaced by the whole population (global
    popularity for community popularity), tuned the same way. A community method that
    does not beat it has shown no community effect. Deterministic: it takes no seed.

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_users,)
        All zeros.
    communities_ : Communities

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=30, n_items=20, seed=0)
    >>> gr.create("detector", "single").fit(data).communities_.n_communities
    1
    """

    takes_seed = False  # deterministic: no random_state, Communities.seed is None
    _param_constraints = param_constraints()  # no parameters to check

    def __init__(self) -> None:
        pass

    def fit(self, train: Any, embedder: Any = None) -> SingleCommunity:
        """Put every user of ``train`` in community 0 (``embedder`` is ignored)."""
        train = check_detector_input(train, adjacency=True)
        n_users = train.shape[0] if isinstance(train, sp.sparray) else train.n_users
        return self._finish(np.zeros(n_users, np.int64))
