"""Every registered recommender and embedder folds in new users (``user_items=``).

The check is :func:`graphrec.testing.check_fold_in`; the real-time update (one more
interaction, a new list without a refit) is tested here over every model too.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.testing import check_fold_in
from tests.test_conformance import factory

# scores that depend on the user's row alone: a training user's own row folds in exactly
EXACT = {"popularity", "itemknn", "ease", "gfcf", "graph_filter", "chebycf", "svd", "lowpass"}
NOT_PERSONALISED = {"popularity", "random"}
# community_model fine-tunes the conformance factory's 2-epoch MF (as in test_conformance):
# too little training for the planted-community answer, the rest of the contract holds
NOT_PERSONALISED |= {"community_model"}
# trained enough here for the planted-community answer (a few seconds each)
FOLD_IN_EMBEDDER = {
    "mf": {"dim": 8, "epochs": 100},
    "lightgcn": {"dim": 8, "epochs": 50},
    "lightgcn++": {"dim": 8, "epochs": 20},
    "ncl": {"dim": 8, "epochs": 50, "warmup_epochs": 5},
    "node2vec": {"dim": 8, "walk_length": 20, "n_walks": 10},
    "deepwalk": {"dim": 8, "walk_length": 20, "n_walks": 10},
    "svd": {"dim": 4},
    "lowpass": {"dim": 4},
}
MODELS = [("recommender", n) for n in gr.available("recommender")] + [
    ("embedder", n) for n in gr.available("embedder")
]


def make(kind, name):
    if kind == "recommender":
        return factory(name)
    return lambda train: gr.create("embedder", name, **FOLD_IN_EMBEDDER.get(name, {}))


def skip_community_without_fold_in(kind, name):
    model = make(kind, name)(
        gr.load_dataset("synthetic", n_users=40, n_items=30, mean_degree=5, seed=0)
    )
    if name.startswith("community") and not getattr(model, "supports_fold_in", False):
        pytest.skip(f"{name}: community fold-in is the community recommenders' own work")


@pytest.mark.parametrize(("kind", "name"), MODELS)
def test_fold_in_contract(kind, name):
    skip_community_without_fold_in(kind, name)
    check_fold_in(make(kind, name), exact=name in EXACT, personalised=name not in NOT_PERSONALISED)


@pytest.mark.parametrize(("kind", "name"), MODELS)
def test_one_more_interaction_updates_the_list_without_a_refit(kind, name):
    skip_community_without_fold_in(kind, name)
    train = gr.load_dataset("synthetic", n_users=120, n_items=60, seed=0)
    model = make(kind, name)(train)
    if "random_state" in model.get_params():
        model.set_params(random_state=0)
    model.fit(train)
    user, k = 3, 5
    first = int(model.recommend([user], k=k)[0][0, 0])
    row = sp.csr_array(train.matrix[[user]], dtype=np.float32).tolil()
    row[0, first] = 1.0  # the user takes the top recommendation
    row = sp.csr_array(row)
    after = model.recommend([user], k=k, user_items=row)[0]
    assert first not in after[0], "the added item is recommended again"
    np.testing.assert_array_equal(after, model.recommend(k=k, user_items=row)[0])
    if name in EXACT:  # the same as refitting nothing but that user's row
        updated = train.matrix.tolil()
        updated[user, first] = 1.0
        scores = model.score(user_items=sp.csr_array(updated)[[user]])
        np.testing.assert_allclose(scores, model.score(user_items=row), rtol=1e-6)


def test_a_model_without_fold_in_says_so():
    class NoFoldIn(gr.recommend.base.BaseRecommender):
        def fit(self, train):
            self.train_ = train
            return self

    train = gr.load_dataset("synthetic", n_users=40, n_items=30, mean_degree=5, seed=0)
    with pytest.raises(ValueError, match="cannot score new users"):
        NoFoldIn().fit(train).recommend(k=2, user_items=np.ones((1, 30)))


@pytest.mark.parametrize("name", ["ease", "gfcf", "graph_filter"])
def test_row_scoring_operators_are_c_ordered(name):
    # scipy's CSR @ dense copies a non-C-ordered operand on every call: GF-CF's
    # F-ordered gram made one ml-1m user's fold-in cost ~200 ms instead of ~1 ms
    train = gr.load_dataset("synthetic", n_users=60, n_items=40, mean_degree=8, seed=0)
    model = factory(name)(train).fit(train)
    dense = [v for v in vars(model).values() if isinstance(v, np.ndarray) and v.ndim == 2]
    assert dense, "no dense operator found"
    assert all(v.flags.c_contiguous for v in dense)
