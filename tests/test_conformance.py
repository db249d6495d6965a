"""Every registered recommender honours the shared contract."""

import numpy as np
import pytest
from sklearn.base import clone

import graphrec as gr


@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=200, n_items=80, n_communities=4, seed=0)
    return gr.split(data, "random", seed=0)


def default_params(name, split):
    """What a recommender needs beyond its defaults: communities and an embedder."""
    params = gr.create("recommender", name).get_params()
    out = {}
    if "communities" in params:
        out["communities"] = split.train.user_features["community"].to_numpy()
    if "embedder" in params:
        out["embedder"] = gr.create("embedder", "mf", dim=8, epochs=2, random_state=0)
    if "min_size" in params:
        out["min_size"] = 5
    if name in ("gfcf", "graph_filter"):
        out["k"] = 16  # the defaults (256, 512) exceed the rank of the 80-item test graph
    return out


@pytest.mark.parametrize("name", gr.available("recommender"))
def test_recommender_contract(name, split):
    model = gr.create("recommender", name, **default_params(name, split))
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
    cloned, original = clone(model).get_params(deep=False), model.get_params(deep=False)
    assert cloned.keys() == original.keys()
    for key, value in original.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(cloned[key], value)
        elif hasattr(value, "get_params"):
            assert repr(cloned[key]) == repr(value)
        else:
            assert cloned[key] == value
