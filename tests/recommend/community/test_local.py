import numpy as np
import pytest

import graphrec as gr
from graphrec.recommend.community import CommunityLocal


def _ease():
    return gr.create("recommender", "ease", l2=5.0)


def test_one_community_at_full_weight_is_a_refit_on_all_users(synthetic):
    data, _ = synthetic
    rec = CommunityLocal(base=_ease(), communities="single", weight=1.0).fit(data)
    refit = _ease().fit(data)
    users = np.arange(60)
    np.testing.assert_allclose(rec.score(users), refit.score(users), rtol=1e-4, atol=1e-5)
    rows = data.matrix[100:110]
    np.testing.assert_allclose(
        rec.score(user_items=rows), refit.score(user_items=rows), rtol=1e-4, atol=1e-5
    )


def test_blend_of_local_and_global(synthetic):
    data, truth = synthetic
    base = _ease().fit(data)
    rec = CommunityLocal(base=base, communities=truth, weight=0.3, min_size=20).fit(data)
    assert set(rec.models_) == set(np.unique(truth).tolist())
    assert rec.base_ is base  # fitted on this train: used as it is
    member = int(np.flatnonzero(rec.user_communities_ == 1)[0])
    expected = 0.3 * rec.models_[1].score([member]) + 0.7 * base.score([member])
    np.testing.assert_allclose(rec.score([member]), expected, rtol=1e-5, atol=1e-6)
    # weight 0: the global base exactly
    zero = CommunityLocal(base=base, communities=truth, weight=0.0, min_size=20).fit(data)
    np.testing.assert_allclose(zero.score(np.arange(20)), base.score(np.arange(20)), atol=1e-6)


def test_fold_in_uses_the_local_model_of_the_assigned_community(synthetic):
    data, truth = synthetic
    rec = CommunityLocal(base=_ease(), communities=truth, weight=1.0, min_size=20).fit(data)
    rows = data.matrix[[5, 150, 290]]
    comm = rec.assign(rows)
    scores = rec.score(user_items=rows)
    for i, c in enumerate(comm):
        np.testing.assert_allclose(
            scores[i], rec.models_[int(c)].score(user_items=rows[[i]])[0], rtol=1e-5
        )


def test_small_communities_use_the_global_base(synthetic):
    data, truth = synthetic
    base = _ease().fit(data)
    rec = CommunityLocal(base=base, communities=truth, weight=0.8, min_size=10_000).fit(data)
    assert rec.models_ == {}
    np.testing.assert_allclose(rec.score(np.arange(30)), base.score(np.arange(30)), atol=1e-6)


def test_refuses_a_base_fitted_on_another_space(synthetic):
    data, truth = synthetic
    other = gr.load_dataset("synthetic", n_users=50, n_items=80, seed=1)
    with pytest.raises(ValueError, match="different user/item index space"):
        CommunityLocal(base=_ease().fit(other), communities=truth).fit(data)
