"""The default diversity space: a plain, memoised function of the training matrix."""

import numpy as np
import scipy.sparse as sp

import graphrec as gr
from graphrec.evaluate import diversity
from graphrec.evaluate.diversity import default_item_vectors, svd_item_vectors


def _weighted(seed: int = 0) -> gr.Interactions:
    rng = np.random.default_rng(seed)
    m = sp.random_array((90, 70), density=0.1, rng=rng, format="csr", dtype=np.float32)
    m.data = rng.integers(1, 6, m.nnz).astype(np.float32)  # ratings: ignored by the basis
    return gr.Interactions(m, np.arange(90), np.arange(70))


def test_svd_basis_is_the_svd_embedders_item_vectors_on_binary_data():
    # the basis used to be an svd embedder fitted inside evaluate; same numbers, bit for bit
    train = _weighted()
    old = gr.create("embedder", "svd", dim=64, normalize=False, random_state=0)
    old.fit(train.binary())
    diversity._SVD_BASIS.clear()
    assert np.array_equal(default_item_vectors(train, train), old.item_embeddings_)
    assert np.array_equal(svd_item_vectors(train.binary().matrix, 64), old.item_embeddings_)


def test_svd_basis_is_memoised_by_content_and_dim():
    train = _weighted(1)
    diversity._SVD_BASIS.clear()
    first = svd_item_vectors(train.matrix, 8)
    assert svd_item_vectors(train.matrix.copy(), 8) is first  # same pattern: a cache hit
    assert svd_item_vectors(train.binary().matrix, 8) is first  # weights do not matter
    assert svd_item_vectors(train.matrix, 6).shape == (70, 6)  # another dim: recomputed
    other = _weighted(2)
    assert not np.array_equal(svd_item_vectors(other.matrix, 8), first)
    assert len(diversity._SVD_BASIS) == 1  # only the last basis is kept


def test_no_basis_without_training_data():
    empty = gr.Interactions(sp.csr_array((3, 4), dtype=np.float32), np.arange(3), np.arange(4))
    assert default_item_vectors(empty, None) is None
    assert default_item_vectors(empty, empty) is None
