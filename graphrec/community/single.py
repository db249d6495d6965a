"""The single-community control: every user in one community.

A community-aware recommender given :func:`single_community` (or ``communities="single"``)
uses global popularity where it would use community popularity, with everything else
unchanged. It is the control every community gain must beat: much of what looks like a
community gain for users with short histories is popularity smoothing, which the
single community gives as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec.community.base import Communities

__all__ = ["single_community"]


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
