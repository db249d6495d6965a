"""Every registered recommender honours the shared contract."""

import numpy as np
import pytest
from sklearn.base import clone

import graphrec as gr


@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=200, n_items=80, n_communities=4, seed=0)
    return gr.split(data, "random", seed=0)


@pytest.mark.parametrize("name", gr.available("recommender"))
def test_recommender_contract(name, split):
    model = gr.create("recommender", name)
    if "random_state" in model.get_params():
        model.set_params(random_state=0)
    assert model.fit(split.train) is model
    users = np.arange(10)
    scores = model.score(users)
    assert scores.shape == (10, split.train.n_items)
    items, vals = model.recommend(users, k=5)
    assert items.shape == vals.shape == (10, 5)
    assert (np.diff(vals, axis=1) <= 0).all()  # best first
    seen = split.train.matrix[users].toarray().astype(bool)
    assert not seen[np.arange(10)[:, None], items].any()  # seen items excluded
    again = clone(model).fit(split.train)
    assert np.array_equal(again.recommend(users, k=5)[0], items)  # same seed, same lists
    assert clone(model).get_params() == model.get_params()
