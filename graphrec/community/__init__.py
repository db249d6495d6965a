"""Community detection: registered detectors, the ``Communities`` result, quality and profiles.

Importing this package registers every detector in ``gr.available("detector")``.

>>> import graphrec as gr
>>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
>>> det = gr.create("detector", "bipartite_louvain").fit(data)
>>> round(gr.community.quality.nmi(truth, det.labels_), 3)
1.0
"""

from graphrec.community import profile, quality
from graphrec.community.agglomerative import EmbeddingAgglomerative
from graphrec.community.base import (
    BaseDetector,
    Communities,
    CommunityDetector,
    check_detector_input,
    relabel_by_size,
    user_vectors,
)
from graphrec.community.bipartite import BipartiteLeiden, BipartiteLouvain
from graphrec.community.dbscan import EmbeddingDBSCAN
from graphrec.community.gmm import EmbeddingGMM
from graphrec.community.hdbscan import EmbeddingHDBSCAN
from graphrec.community.kmeans import EmbeddingKMeans
from graphrec.community.knn_spectral import EmbeddingSpectral
from graphrec.community.label_propagation import LabelPropagation
from graphrec.community.leiden import Leiden
from graphrec.community.louvain import Louvain
from graphrec.community.single import SingleCommunity, single_community
from graphrec.community.spectral import SpectralBipartite, bethe_hessian_count
from graphrec.community.topics import LDATopics

__all__ = [
    "BaseDetector",
    "BipartiteLeiden",
    "BipartiteLouvain",
    "Communities",
    "CommunityDetector",
    "EmbeddingAgglomerative",
    "EmbeddingDBSCAN",
    "EmbeddingGMM",
    "EmbeddingHDBSCAN",
    "EmbeddingKMeans",
    "EmbeddingSpectral",
    "LDATopics",
    "LabelPropagation",
    "Leiden",
    "Louvain",
    "SingleCommunity",
    "SpectralBipartite",
    "bethe_hessian_count",
    "check_detector_input",
    "profile",
    "quality",
    "relabel_by_size",
    "single_community",
    "user_vectors",
]
