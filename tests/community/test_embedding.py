import numpy as np
import pytest

from graphrec.community import quality
from graphrec.community.embedding import (
    EmbeddingAgglomerative,
    EmbeddingGMM,
    EmbeddingKMeans,
    EmbeddingSpectral,
)


def test_kmeans_picks_k_by_silhouette(easy, blobs):
    det = EmbeddingKMeans(k_range=(2, 8), random_state=0).fit(easy.data, embedder=blobs)
    assert det.communities_.n_communities == 4
    assert max(det.silhouette_scores_, key=det.silhouette_scores_.get) == 4
    assert quality.nmi(easy.user_labels, det.labels_) == pytest.approx(1.0)


def test_gmm_picks_k_by_bic(easy, blobs):
    det = EmbeddingGMM(k_range=(2, 6), random_state=0).fit(easy.data, embedder=blobs)
    assert min(det.bic_, key=det.bic_.get) == 4 == det.communities_.n_communities


@pytest.mark.parametrize("linkage", ["ward", "average", "complete"])
def test_agglomerative(easy, blobs, linkage):
    det = EmbeddingAgglomerative(linkage=linkage, k_range=(2, 8)).fit(easy.data, embedder=blobs)
    assert quality.nmi(easy.user_labels, det.labels_) == pytest.approx(1.0)


def test_spectral_eigengap(easy, blobs):
    det = EmbeddingSpectral(random_state=0).fit(easy.data, embedder=blobs)
    assert det.communities_.n_communities == 4
    fixed = EmbeddingSpectral(n_communities=4, random_state=0).fit(easy.data, embedder=blobs)
    assert quality.nmi(easy.user_labels, fixed.labels_) == pytest.approx(1.0)


def test_zero_vectors_are_unassigned(easy, blobs):
    x = blobs.copy()
    x[7] = 0.0
    det = EmbeddingKMeans(n_communities=4, random_state=0).fit(easy.data, embedder=x)
    assert det.labels_[7] == -1


def test_bad_parameters(easy, blobs):
    with pytest.raises(ValueError, match="k_range must be a pair"):
        EmbeddingKMeans(k_range=(1, 5)).fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="covariance_type"):
        EmbeddingGMM(covariance_type="ball").fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="linkage must be one of"):
        EmbeddingAgglomerative(linkage="median").fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="fewer than 2 users"):
        EmbeddingKMeans().fit(easy.data, embedder=np.zeros((600, 3)))


def test_errors_name_the_parameter_and_the_fix(easy, blobs):
    with pytest.raises(ValueError, match="n_communities=601 is larger"):
        EmbeddingGMM(n_communities=601).fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="n_communities=601 is larger"):
        EmbeddingKMeans(n_communities=601).fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match=r"not the name 'svd'.*gr.create\('embedder', 'svd'\)"):
        EmbeddingKMeans(n_communities=3).fit(easy.data, embedder="svd")
