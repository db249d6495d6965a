"""Communities as clusters of user embeddings (any fitted embedder: SVD, LightGCN, Node2Vec...).

Every detector here takes ``fit(train, embedder=...)`` with a *fitted* embedder (its
``user_embeddings_`` are clustered) or an array of shape ``(n_users, d)``. Vectors are
L2-normalised by default (``normalize=True``: cosine geometry, which removes the
activity-driven norm of spectral and dot-product embeddings), except for the
Gaussian mixture. Users whose vector is
zero (e.g. no training interaction in an SVD) are unassigned (``-1``).

The number of clusters is either given or chosen: by the silhouette over ``k_range``
(k-means, agglomerative), by BIC (Gaussian mixture) or by the eigengap (``knn_spectral``).
The density-based detectors (DBSCAN, HDBSCAN) are in :mod:`graphrec.community.density`.
"""

from graphrec.community.agglomerative import EmbeddingAgglomerative
from graphrec.community.gmm import EmbeddingGMM
from graphrec.community.kmeans import EmbeddingKMeans
from graphrec.community.knn_spectral import EmbeddingSpectral

__all__ = [
    "EmbeddingAgglomerative",
    "EmbeddingGMM",
    "EmbeddingKMeans",
    "EmbeddingSpectral",
]
