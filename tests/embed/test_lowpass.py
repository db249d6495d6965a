"""The lowpass embedder: shapes, the GF-CF identity, determinism, planted communities."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

import graphrec as gr
from graphrec.embed.lowpass import LowPass
from graphrec.recommend.filters import GFCF


@pytest.fixture(scope="module")
def planted():
    return gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)


def test_shapes_and_gfcf_identity(planted):
    data = planted[0]
    emb = LowPass(dim=8).fit(data)
    assert emb.user_embeddings_.shape == (300, 8) and emb.item_embeddings_.shape == (150, 8)
    gfcf = GFCF(k=8, alpha=1.0).fit(data)
    ideal = gfcf.score([0, 1]) - GFCF(k=8, alpha=0.0).fit(data).score([0, 1])
    np.testing.assert_allclose(emb.score([0, 1]), ideal, atol=1e-4)


def test_deterministic(planted):
    data = planted[0]
    a, b = LowPass(dim=6).fit(data), LowPass(dim=6).fit(data)
    np.testing.assert_array_equal(a.user_embeddings_, b.user_embeddings_)


def test_kmeans_recovers_planted_communities(planted):
    data, truth, _ = planted
    emb = LowPass(dim=3).fit(data)
    det = gr.create("detector", "kmeans", n_communities=3, random_state=0).fit(data, embedder=emb)
    assert adjusted_rand_score(truth, det.labels_) > 0.9


def test_bad_input(planted):
    with pytest.raises(ValueError, match="dim must be an integer"):
        LowPass(dim=0).fit(planted[0])
    with pytest.raises(ValueError, match="at most 149"):
        LowPass(dim=400).fit(planted[0])
