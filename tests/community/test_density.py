import numpy as np
import pytest

from graphrec.community import quality
from graphrec.community.density import EmbeddingDBSCAN, EmbeddingHDBSCAN


def test_density_methods_mark_or_attach_noise(easy, blobs):
    x = blobs.copy()
    x[:5] = 100.0 + np.arange(5)[:, None] * 50  # five far-away users: noise
    for cls in (EmbeddingDBSCAN, EmbeddingHDBSCAN):
        noisy = cls(normalize=False).fit(easy.data, embedder=x)
        assert (noisy.labels_[:5] == -1).all()
        assert quality.nmi(easy.user_labels, noisy.labels_) > 0.95  # noise dropped
        attached = cls(normalize=False, attach_noise=True).fit(easy.data, embedder=x)
        assert (attached.labels_ >= 0).all()
    assert EmbeddingDBSCAN(eps=0.5, normalize=False).fit(easy.data, embedder=x).eps_ == 0.5


def test_bad_parameters(easy, blobs):
    with pytest.raises(ValueError, match="eps must be a number > 0"):
        EmbeddingDBSCAN(eps=0).fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="eps_quantile must be a number in"):
        EmbeddingDBSCAN(eps_quantile=1.0).fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="min_samples=1000 is larger"):
        EmbeddingDBSCAN(min_samples=1000).fit(easy.data, embedder=blobs)
    with pytest.raises(ValueError, match="min_cluster_size=1000 is larger"):
        EmbeddingHDBSCAN(min_cluster_size=1000).fit(easy.data, embedder=blobs)
