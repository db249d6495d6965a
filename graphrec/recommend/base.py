"""The recommender protocol and the shared ranking machinery.

They live in the bottom layer (:mod:`graphrec._ranking`), since embedders are
recommenders too; this module re-exports them for ``graphrec.recommend``.
"""

from graphrec._ranking import (
    BaseRecommender,
    Recommender,
    default_batch_size,
    rank_items,
    user_batches,
)

__all__ = ["BaseRecommender", "Recommender", "default_batch_size", "rank_items", "user_batches"]
