"""Density-based clustering of user embeddings: DBSCAN and HDBSCAN.

Both are deterministic, so they take no ``random_state`` (``takes_seed = False``).
Both find the number of communities themselves and leave users in sparse regions
unassigned (``-1``, noise) unless ``attach_noise=True``, which gives each noise user
the community of its nearest clustered user. Vectors are prepared as for every
embedding detector (:mod:`graphrec.community._embedding_base`): L2-normalised by default,
zero vectors unassigned.
"""

from graphrec.community.dbscan import EmbeddingDBSCAN
from graphrec.community.hdbscan import EmbeddingHDBSCAN

__all__ = ["EmbeddingDBSCAN", "EmbeddingHDBSCAN"]
