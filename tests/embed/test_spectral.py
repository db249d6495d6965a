import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.embed.spectral import SVD


@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=400, n_items=200, n_communities=4, seed=0)
    return gr.split(data, "random", seed=0)


def test_reconstructs_a_low_rank_matrix():
    rng = np.random.default_rng(0)
    r = (rng.random((30, 3)) @ rng.random((3, 20))).astype(np.float32)
    data = Interactions(sp.csr_array(r), np.arange(30), np.arange(20))
    model = SVD(dim=3, normalize=False, random_state=0).fit(data)
    np.testing.assert_allclose(model.score(np.arange(30)), r, atol=1e-4)


def test_seeded_and_beats_popularity(split):
    a = SVD(dim=8, random_state=1).fit(split.train)
    b = SVD(dim=8, random_state=1).fit(split.train)
    np.testing.assert_allclose(np.abs(a.user_embeddings_), np.abs(b.user_embeddings_), atol=1e-5)
    svd = gr.evaluate(a, split.test, k=[10], exclude=[split.train, split.valid], train=split.train)
    pop = gr.evaluate(
        gr.create("recommender", "popularity").fit(split.train),
        split.test,
        k=[10],
        exclude=[split.train, split.valid],
        train=split.train,
    )
    assert svd.summary["recall@10"] > pop.summary["recall@10"]


def test_bad_input(split):
    with pytest.raises(ValueError, match="dim must be an integer"):
        SVD(dim=0).fit(split.train)
    with pytest.raises(ValueError, match="must be smaller than"):
        SVD(dim=500).fit(split.train)
    with pytest.raises(ValueError, match="empty training data"):
        SVD().fit(split.train.filter(np.zeros(split.train.nnz, bool)))
