"""The two-step random-walk projection: exact, and estimated from sampled walks."""

import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.graph._walks import _most_visited
from graphrec.graph.projection import top_k_per_row, user_projection


def _transition(x: sp.csr_array) -> np.ndarray:
    """P[u, v] = sum_i w_ui / w_u. * w_vi / w_.i, zero diagonal (dense, small cases)."""
    w = np.asarray(sp.csr_array(x).toarray(), dtype=np.float64)
    rows, cols = w.sum(axis=1, keepdims=True), w.sum(axis=0, keepdims=True)
    p = (w / np.where(rows > 0, rows, 1)) @ (w / np.where(cols > 0, cols, 1)).T
    np.fill_diagonal(p, 0.0)
    return p


def test_exact_walk_projection_hand_computed():
    # user 0 has items {0, 1}; user 1 {0}; user 2 {1, 2}; item 0 has users {0, 1}, item 1 {0, 2}
    x = sp.csr_array([[1, 1, 0], [1, 0, 0], [0, 1, 1]])
    # P(0 -> 1) = 1/2 * 1/2 = 0.25, P(1 -> 0) = 1 * 1/2 = 0.5; P(0 -> 2) = 0.25, P(2 -> 0) = 0.25
    walk = user_projection(x, "walk").toarray()
    np.testing.assert_allclose(walk, [[0, 0.5, 0.25], [0.5, 0, 0], [0.25, 0, 0]])
    directed = user_projection(x, "walk", symmetrize=False).toarray()
    np.testing.assert_allclose(directed, [[0, 0.25, 0.25], [0.5, 0, 0], [0.25, 0, 0]])


@pytest.mark.parametrize("weighted", [False, True])
def test_sampled_walks_estimate_the_exact_projection(weighted):
    rng = np.random.default_rng(0)
    x = sp.random_array((60, 30), density=0.15, random_state=1, format="csr")
    x.data[:] = rng.integers(1, 6, x.nnz) if weighted else 1.0
    exact = _transition(x)
    n_walks = 40_000
    est = user_projection(x, "walk", top_k=60, n_walks=n_walks, seed=0, symmetrize=False)
    err = np.abs(est.toarray() - exact)
    # a binomial share: five standard errors of the largest probability bound every entry
    assert err.max() < 5 * np.sqrt(exact.max() / n_walks)
    assert err.max() > 0  # sampled, not the exact computation


def test_sampled_walks_keep_the_top_k_and_depend_only_on_the_seed():
    x = sp.random_array((80, 25), density=0.2, random_state=2, format="csr")
    x.data[:] = 1.0
    one = user_projection(x, "walk", top_k=5, n_walks=64, seed=7, max_block=100)
    whole = user_projection(x, "walk", top_k=5, n_walks=64, seed=7)
    assert (one != whole).nnz == 0  # the chunk size changes memory, not the result
    other = user_projection(x, "walk", top_k=5, n_walks=64, seed=8)
    assert (other != whole).nnz > 0
    directed = user_projection(x, "walk", top_k=5, n_walks=64, seed=7, symmetrize=False)
    assert np.diff(directed.indptr).max() <= 5
    assert directed.diagonal().max() == 0
    np.testing.assert_array_equal(whole.toarray(), whole.toarray().T)


def test_most_visited_equals_top_k_per_row_of_the_visit_counts():
    rng = np.random.default_rng(3)
    n, walks = 50, 40
    ends = np.sort(rng.integers(0, n + 1, size=(30, walks)), axis=1)  # n marks a dropped walk
    counts = sp.csr_array(
        (np.ones(ends.size), (np.repeat(np.arange(30), walks), ends.ravel())), shape=(30, n + 1)
    )
    counts.sum_duplicates()
    counts = sp.csr_array(counts[:, :n] / walks, dtype=np.float32)  # many tied counts
    for k in (1, 3, 10, 60):
        expected = top_k_per_row(counts, k)
        got = _most_visited(ends, n, k)
        assert (got != expected).nnz == 0


def test_users_without_items_have_no_neighbours():
    x = sp.csr_array([[1, 1, 0], [0, 0, 0], [0, 1, 1], [0, 0, 0]])
    walk = user_projection(x, "walk", top_k=2, n_walks=50, seed=0)
    assert np.diff(walk.indptr).tolist()[1] == 0 and np.diff(walk.indptr).tolist()[3] == 0
    assert walk[0, 2] > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "cosine", "top_k": 5, "n_walks": 10, "seed": 0}, "n_walks estimates the 'walk'"),
        ({"kind": "walk", "top_k": None, "n_walks": 10, "seed": 0}, "n_walks needs top_k"),
        ({"kind": "walk", "top_k": 5, "n_walks": 10}, "n_walks needs a seed"),
        ({"kind": "walk", "top_k": 5, "n_walks": 0, "seed": 0}, "n_walks must be a positive"),
    ],
)
def test_bad_walk_arguments_are_named(kwargs, match):
    x = sp.csr_array([[1, 1, 0], [0, 1, 1]])
    with pytest.raises(ValueError, match=match):
        user_projection(x, **kwargs)
