import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.graph.projection import item_projection, top_k_per_row, user_projection


def dense_reference(x, kind):
    x = np.asarray(x, dtype=float)
    if kind == "count":
        ref = x @ x.T
    elif kind == "cosine":
        n = np.linalg.norm(x, axis=1, keepdims=True)
        u = np.divide(x, n, out=np.zeros_like(x), where=n > 0)
        ref = u @ u.T
    else:
        b = (x > 0).astype(float)
        inter = b @ b.T
        s = b.sum(1)
        union = s[:, None] + s[None, :] - inter
        ref = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    np.fill_diagonal(ref, 0)
    return ref


@pytest.mark.parametrize("kind", ["count", "cosine", "jaccard"])
@pytest.mark.parametrize("max_block", [50, 2**24])  # many small chunks and one chunk agree
def test_matches_dense_computation(kind, max_block):
    x = sp.random_array((60, 25), density=0.15, random_state=1, format="csr")
    x.data = np.ceil(x.data * 3)
    got = user_projection(x, kind, max_block=max_block).toarray()
    np.testing.assert_allclose(got, dense_reference(x.toarray(), kind), atol=1e-6)


def test_hand_checked_jaccard():
    x = sp.csr_array([[1, 1, 0], [1, 1, 1], [0, 0, 1]])
    got = user_projection(x, "jaccard").toarray()
    assert got[0, 1] == pytest.approx(2 / 3)
    assert got[1, 2] == pytest.approx(1 / 3)
    assert got[0, 2] == 0


def test_top_k_bounds_rows_and_symmetrises():
    x = sp.random_array((80, 30), density=0.3, random_state=2, format="csr")
    directed = user_projection(x, "cosine", top_k=5, symmetrize=False)
    assert np.diff(directed.indptr).max() == 5
    full = user_projection(x, "cosine").toarray()
    for row in range(0, 80, 7):  # the kept neighbours are the strongest ones
        kept = directed[[row]].toarray().ravel()
        assert kept[kept > 0].min() >= np.sort(full[row])[-5] - 1e-6
    sym = user_projection(x, "cosine", top_k=5)
    assert (abs(sym - sym.T) > 1e-7).nnz == 0


def test_top_k_ties_go_to_lower_index():
    m = sp.csr_array([[0.0, 2.0, 1.0, 2.0, 2.0]])
    assert top_k_per_row(m, 2).toarray().tolist() == [[0, 2, 0, 2, 0]]


def test_item_projection_is_user_projection_of_transpose():
    x = sp.random_array((40, 20), density=0.2, random_state=3, format="csr")
    np.testing.assert_allclose(
        item_projection(x, "cosine").toarray(), user_projection(x.T, "cosine").toarray()
    )


def test_errors():
    x = sp.csr_array(np.ones((3, 3)))
    with pytest.raises(ValueError, match="kind must be one of"):
        user_projection(x, "pearson")
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        user_projection(x, top_k=0)
    with pytest.raises(ValueError, match="non-negative"):
        user_projection(sp.csr_array([[1.0, -1.0]]))


@pytest.mark.realdata
def test_ml1m_top50_cosine(ml1m_split):
    proj = user_projection(ml1m_split.train, "cosine", top_k=50)
    n = ml1m_split.train.n_users
    assert proj.shape == (n, n)
    assert 50 * n <= proj.nnz <= 100 * n
    assert proj.diagonal().max() == 0


@pytest.mark.parametrize("kind", ["count", "cosine", "jaccard", "walk"])
@pytest.mark.parametrize("top_k", [None, 4])
def test_sparse_and_dense_paths_agree(kind, top_k):
    from graphrec.graph import projection as P

    x = sp.random_array((70, 40), density=0.1, random_state=5, format="csr", dtype=np.float32)
    sizes = np.asarray(x.sum(axis=1)).ravel() if kind != "jaccard" else np.diff(x.indptr) * 1.0
    if kind == "jaccard":
        x = x.copy()
        x.data[:] = 1
    left, right = P._normalized(x, kind)
    dense = sp.vstack(P._dense_blocks(left, right, sizes, kind, top_k, 500)).toarray()
    sparse = sp.vstack(P._sparse_blocks(left, right, sizes, kind, top_k, 500)).toarray()
    np.testing.assert_allclose(dense, sparse, atol=1e-6)


@pytest.mark.parametrize("max_block", [7, 60, 2**24])  # several padded groups or one
def test_top_k_per_row_equals_a_stable_sort_on_unsorted_tied_rows(max_block):
    from graphrec.graph.projection import top_k_per_row

    rng = np.random.default_rng(0)
    for _ in range(40):
        n, m, k = int(rng.integers(1, 30)), int(rng.integers(1, 80)), int(rng.integers(1, 12))
        dense = rng.integers(1, 4, size=(n, m)).astype(np.float32)  # few values: many ties
        dense[rng.random((n, m)) < 0.5] = 0.0
        r, c = np.nonzero(dense)
        perm = rng.permutation(len(r))  # entries stored out of column order
        x = sp.csr_array((dense[r, c][perm], (r[perm], c[perm])), shape=(n, m))
        got = top_k_per_row(x, k, max_block=max_block)
        expected = np.zeros_like(dense)
        for i in range(n):
            order = np.argsort(-dense[i], kind="stable")[:k]  # ties to the lower column
            order = order[dense[i, order] > 0]
            expected[i, order] = dense[i, order]
        np.testing.assert_array_equal(got.toarray(), expected)
        assert got.has_sorted_indices and np.diff(got.indptr).max(initial=0) <= k


@pytest.mark.parametrize("max_block", [50, 2**24])
def test_sparse_path_takes_empty_rows_anywhere(max_block):
    """Users with no training row (a user-holdout split) at the end of the matrix made the
    sparse path's chunking fail (IndexError from np.add.reduceat)."""
    from graphrec.graph import projection as P

    x = sp.random_array((30, 20), density=0.2, random_state=1, format="csr", dtype=np.float32)
    x = x.tolil()
    x[[0, 7, 28, 29]] = 0.0  # empty rows first, inside and last
    x = sp.csr_array(x)
    sizes = np.asarray(x.sum(axis=1)).ravel()
    dense = sp.vstack(P._dense_blocks(x, x, sizes, "count", None, max_block)).toarray()
    sparse = sp.vstack(P._sparse_blocks(x, x, sizes, "count", None, max_block)).toarray()
    np.testing.assert_allclose(dense, sparse, atol=1e-6)
    assert not sparse[[0, 7, 28, 29]].any()


def test_explicit_zeros_are_not_items_of_a_jaccard_projection():
    """Stored zeros became ones when jaccard binarised the weights, so a user shared
    items they never had."""
    x = sp.csr_array((np.array([1.0, 0.0, 1.0, 1.0]), [0, 1, 1, 2], [0, 2, 4]), shape=(2, 3))
    clean = x.copy()
    clean.eliminate_zeros()
    got = user_projection(x, "jaccard").toarray()
    np.testing.assert_allclose(got, user_projection(clean, "jaccard").toarray())
    assert got[0, 1] == 0.0  # {0} and {1, 2} share nothing
