"""Fold-in of the embedders: the propagated part, the projections, save / load."""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.embed.base import bpr_fold_in, mean_fold_in


@pytest.fixture(scope="module")
def data():
    return gr.load_dataset("synthetic", n_users=80, n_items=40, mean_degree=8, seed=0)


@pytest.mark.parametrize(
    "params",
    [
        {"layers": 1},
        {"layers": 3},
        {"layers": 2, "gamma": 0.3},
        {"layers": 2, "alpha": 0.6, "beta": 0.4, "normalize_layers": True},
    ],
)
def test_lightgcn_propagated_part_is_the_training_propagation(data, params):
    # with the trained layer-0 vector in place of the fitted one, a training user's
    # own row folds in to exactly its trained final embedding
    model = gr.create("embedder", "lightgcn", dim=8, epochs=2, random_state=0, **params)
    model.fit(data)
    users = np.arange(15)
    offset, weight, _ = model._fold_in_parts(data.matrix[users])
    z = offset + weight * model.embedding_weight_[users]
    np.testing.assert_allclose(z, model.user_embeddings_[users], rtol=1e-4, atol=1e-6)


def test_bpr_steps_fit_the_row_and_do_not_depend_on_the_batch():
    rng = np.random.default_rng(0)
    items = rng.normal(size=(30, 4)).astype(np.float32)
    rows = sp.csr_array(np.eye(3, 30, dtype=np.float32) + np.eye(3, 30, 10, dtype=np.float32))
    init = mean_fold_in(rows, items)

    def auc(z):  # the share of (positive, negative) pairs ranked right, per row
        s, pos = z @ items.T, rows.toarray() > 0
        return np.array([(s[r][pos[r]][:, None] > s[r][~pos[r]]).mean() for r in range(3)])

    z = bpr_fold_in(rows, items, init=init, steps=100, lr=0.1, reg=0.0)
    assert (auc(z) >= auc(init)).all() and auc(z).mean() > auc(init).mean() + 0.05
    alone = bpr_fold_in(rows[[2]], items, init=init[[2]], steps=100, lr=0.1, reg=0.0)
    np.testing.assert_allclose(alone[0], z[2], rtol=1e-5, atol=1e-6)
    unchanged = bpr_fold_in(rows, items, init=init + 1.0, steps=0, lr=0.1, reg=0.0)
    np.testing.assert_array_equal(unchanged, init + 1.0)


def test_mean_fold_in_of_an_empty_row_is_zero():
    rows = sp.csr_array((2, 3), dtype=np.float32)
    assert mean_fold_in(rows, np.ones((3, 2))).tolist() == [[0, 0], [0, 0]]


@pytest.mark.parametrize(
    ("name", "params"),
    [("svd", {"dim": 4, "random_state": 0}), ("svd", {"dim": 4, "normalize": False,
      "random_state": 0}), ("lowpass", {"dim": 4})],
)  # fmt: skip
def test_projection_fold_in_is_exact_and_survives_save_load(data, name, params, tmp_path):
    model = gr.create("embedder", name, **params).fit(data)
    np.testing.assert_allclose(model.fold_in(data.matrix), model.user_embeddings_, atol=1e-6)
    new = sp.csr_array(np.eye(2, data.n_items, 5, dtype=np.float32))
    loaded = type(model).load(model.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.score(user_items=new), model.score(user_items=new))


def test_lowpass_fold_in_is_the_ideal_low_pass_score(data):
    model = gr.create("embedder", "lowpass", dim=4).fit(data)
    x = sp.csr_array(np.eye(1, data.n_items, 7, dtype=np.float32))
    di = np.asarray(data.matrix.sum(axis=0)).ravel()
    # r D^-1/2 V V^T D^1/2 with V = item_embeddings_ / sqrt(d)
    v = model.item_embeddings_ / np.sqrt(di)[:, None]
    expected = (x.toarray() / np.sqrt(di)) @ v @ v.T * np.sqrt(di)
    np.testing.assert_allclose(model.score(user_items=x), expected, rtol=1e-4, atol=1e-6)


def test_random_walk_fold_in_is_the_mean_of_item_input_vectors(data, tmp_path):
    model = gr.create("embedder", "deepwalk", dim=8, n_walks=2, walk_length=10, random_state=0)
    model.fit(data)
    rows = sp.csr_array(np.eye(1, data.n_items, 3, dtype=np.float32) * 2.0
                        + np.eye(1, data.n_items, 9, dtype=np.float32))  # fmt: skip
    expected = model.item_input_embeddings_[[3, 9]].mean(axis=0)  # weights ignored
    np.testing.assert_allclose(model.fold_in(rows)[0], expected, rtol=1e-5)
    loaded = type(model).load(model.save(tmp_path / "w.npz"))
    np.testing.assert_array_equal(loaded.fold_in(rows), model.fold_in(rows))


def test_fold_in_errors_name_the_argument(data):
    model = gr.create("embedder", "svd", dim=4, random_state=0).fit(data)
    with pytest.raises(ValueError, match="user_items must have 40 columns"):
        model.fold_in(np.ones((1, 3)))
    with pytest.raises(ValueError, match="users and user_items must match"):
        model.score([0, 1], user_items=np.ones((1, 40)))
