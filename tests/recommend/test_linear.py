"""EASE: closed form, the users-side (Woodbury) solver, fold-in, budget and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.recommend.linear import EASE, cholesky_inverse


def _data(n_users: int, n_items: int, seed: int = 0, density: float = 0.3) -> Interactions:
    rng = np.random.default_rng(seed)
    m = (rng.random((n_users, n_items)) < density).astype(np.float32)
    m[np.arange(n_users), rng.integers(0, n_items, n_users)] = 1.0  # every user has an item
    return Interactions(sp.csr_array(m), np.arange(n_users), np.arange(n_items))


def _reference_b(x: np.ndarray, l2: float) -> np.ndarray:
    p = np.linalg.inv(x.T.astype(np.float64) @ x + l2 * np.eye(x.shape[1]))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


def test_closed_form_matches_numpy_solve():
    data = _data(30, 12)
    model = EASE(l2=5.0, device="cpu").fit(data)
    assert model.solver_ == "items"
    b = model.item_weights()
    np.testing.assert_allclose(b, _reference_b(data.matrix.toarray(), 5.0), atol=1e-5)
    assert np.all(np.diag(b) == 0.0)
    np.testing.assert_allclose(model.score([0, 3]), data.matrix.toarray()[[0, 3]] @ b, atol=1e-5)


def test_users_side_solver_equals_items_side():
    data = _data(10, 40, seed=1)  # fewer users than items -> Woodbury solver
    model = EASE(l2=3.0, device="cpu").fit(data)
    assert model.solver_ == "users"
    x = data.matrix.toarray()
    np.testing.assert_allclose(model.score(), x @ _reference_b(x, 3.0), atol=1e-4)
    np.testing.assert_allclose(np.diag(model.item_weights()), 0.0, atol=1e-5)


def test_cholesky_inverse():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20, 20)).astype(np.float32)
    a = a @ a.T + 20 * np.eye(20, dtype=np.float32)
    np.testing.assert_allclose(cholesky_inverse(a.copy()), np.linalg.inv(a), atol=1e-5)
    with pytest.raises(ValueError, match="not positive definite"):
        cholesky_inverse(-np.eye(3, dtype=np.float32))


def test_fold_in_of_a_training_row_equals_its_score():
    data = _data(40, 15, seed=2)
    model = EASE(l2=2.0).fit(data)
    np.testing.assert_allclose(
        model.score(user_items=data.matrix[[5, 7]]), model.score([5, 7]), atol=1e-6
    )
    items, _ = model.recommend(user_items=data.matrix[[5]], k=3)
    assert np.array_equal(items, model.recommend([5], k=3)[0])


def test_block_case_ranks_the_withheld_item_first():
    # two blocks of 5 items; a new user holding 4 items of block 0 gets the fifth first
    block = np.kron(np.eye(2), np.ones((20, 5))).astype(np.float32)
    data = Interactions(sp.csr_array(block), np.arange(40), np.arange(10))
    model = EASE(l2=1.0).fit(data)
    items, _ = model.recommend(user_items=sp.csr_array(np.array([[1, 1, 0, 1, 1] + [0] * 5])), k=1)
    assert items[0, 0] == 2


def test_budget_refusal_names_the_size():
    data = _data(30, 12)
    with pytest.raises(ValueError, match=r"EASE on 12 items and 30 users.*gfcf or graph_filter"):
        EASE(max_memory_gb=1e-9).fit(data)


def test_bad_input():
    data = _data(20, 8)
    neg = Interactions(-data.matrix, data.user_ids, data.item_ids)
    with pytest.raises(ValueError, match="negative weights"):
        EASE().fit(neg)
    with pytest.raises(ValueError, match="l2 must be a number > 0"):
        EASE(l2=0).fit(data)
    weighted = Interactions(data.matrix * 3.0, data.user_ids, data.item_ids)
    with pytest.warns(UserWarning, match="binarising"):
        a = EASE(l2=2.0).fit(weighted)
    np.testing.assert_allclose(a.score([1]), EASE(l2=2.0).fit(data).score([1]), atol=1e-6)
    model = EASE().fit(data)
    with pytest.raises(ValueError, match="8 columns"):
        model.score(user_items=sp.csr_array((2, 5)))
    with pytest.raises(ValueError, match="2 user indices for 1 rows"):
        model.score([0, 1], user_items=data.matrix[[0]])
    with pytest.raises(ValueError, match="out of range"):
        model.recommend([99], user_items=data.matrix[[0]])
    # users beside user_items name the rows; an item-based model scores the rows alone
    np.testing.assert_array_equal(
        model.score([5], user_items=data.matrix[[0]]), model.score(user_items=data.matrix[[0]])
    )
    np.testing.assert_array_equal(
        model.recommend([5], k=3, user_items=data.matrix[[0]])[0],
        model.recommend(k=3, user_items=data.matrix[[0]])[0],
    )

    class NoFoldIn(gr.recommend.base.BaseRecommender):  # a plugin that does not fold in
        def fit(self, train):
            self.train_ = train
            return self

        def score(self, users):
            return np.zeros((len(users), self.train_.n_items), np.float32)

    with pytest.raises(ValueError, match="NoFoldIn cannot score new users"):
        NoFoldIn().fit(data).recommend(user_items=data.matrix[[0]])


def test_user_without_items_scores_zero():
    data = _data(20, 8)
    model = EASE().fit(data)
    assert np.all(model.score(user_items=sp.csr_array((1, 8))) == 0.0)


def test_repeated_fits_agree():
    data = _data(30, 12)
    np.testing.assert_array_equal(EASE().fit(data).score(), EASE().fit(data).score())


@pytest.mark.realdata
@pytest.mark.slow
def test_ml1m_reproduces_the_issue_row(ml1m_split):
    s = ml1m_split
    model = EASE(l2=300.0).fit(s.train + s.valid)
    res = gr.evaluate(
        model, s.test, k=[20], exclude=[s.train, s.valid], train=s.train, item_vectors=None
    )
    assert res.summary["recall@20"] == pytest.approx(0.2794, abs=0.002)
    assert res.summary["ndcg@20"] == pytest.approx(0.3798, abs=0.002)


def test_fitting_on_weighted_data_leaves_the_callers_matrix_unchanged():
    """Binarising the training matrix (and canonicalising fold-in rows) used to write
    into the caller's CSR arrays: EASE on play counts turned them into ones."""
    data = _data(20, 8)
    weighted = Interactions(data.matrix * 3.0, data.user_ids, data.item_ids)
    before = weighted.matrix.data.copy()
    with pytest.warns(UserWarning, match="binarising"):
        model = EASE(l2=2.0).fit(weighted)
    np.testing.assert_array_equal(weighted.matrix.data, before)
    rows = sp.csr_array(weighted.matrix[[0, 1]], dtype=np.float32)
    kept = rows.data.copy()
    with pytest.warns(UserWarning, match="binarising"):
        model.score(user_items=rows)
    np.testing.assert_array_equal(rows.data, kept)
