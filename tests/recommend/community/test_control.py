import numpy as np
import pytest

import graphrec as gr
from graphrec.community import single_community
from graphrec.recommend.community import CommunityBlend, CommunityPopularity, CommunityRestricted


def _minmax(x):
    x = np.asarray(x, np.float64)
    lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    return np.divide(x - lo, hi - lo, out=np.zeros_like(x), where=hi > lo)


def test_single_community():
    data = gr.load_dataset("synthetic", n_users=40, n_items=20, seed=0)
    c = single_community(data)
    assert c.n_communities == 1 and (c.user_labels == 0).all() and c.method == "single"
    with pytest.raises(ValueError, match="users x items matrix"):
        single_community([1, 2, 3])


def test_control_equals_the_popularity_blend(synthetic):
    data, _ = synthetic
    ease = gr.create("recommender", "ease", l2=10.0).fit(data)
    rec = CommunityBlend(base=ease, communities="single", alpha=0.4).fit(data)
    users = np.arange(50)
    glob = data.item_degrees()[None, :].astype(np.float64)
    expected = 0.6 * _minmax(ease.score(users)) + 0.4 * _minmax(glob)
    np.testing.assert_allclose(rec.score(users), expected, rtol=1e-5, atol=1e-6)
    rows = data.matrix[:7]
    expected = 0.6 * _minmax(ease.score(user_items=rows)) + 0.4 * _minmax(glob)
    np.testing.assert_allclose(rec.score(user_items=rows), expected, rtol=1e-5, atol=1e-6)
    # the same as passing the Communities of single_community
    given = CommunityBlend(base=ease, communities=single_community(data), alpha=0.4).fit(data)
    np.testing.assert_array_equal(given.score(users), rec.score(users))


def test_single_community_popularity_is_global_popularity(synthetic):
    data, _ = synthetic
    rec = CommunityPopularity(communities="single").fit(data)
    pop = gr.create("recommender", "popularity").fit(data)
    users = np.arange(30)
    assert np.array_equal(rec.recommend(users, k=10)[0], pop.recommend(users, k=10)[0])


def test_restricted_tail_raises_coverage():
    data = gr.load_dataset("synthetic", n_users=300, n_items=400, n_communities=3, mu=0.2, seed=3)
    truth = data.user_features["community"].to_numpy()
    ease = gr.create("recommender", "ease", l2=10.0).fit(data)
    users = np.arange(data.n_users)
    plain = CommunityRestricted(base=ease, communities=truth, min_support=2).fit(data)
    tail = CommunityRestricted(base=ease, communities=truth, min_support=2, tail=0.5).fit(data)
    covered = [len(np.unique(r.recommend(users, k=5)[0])) for r in (ease, plain, tail)]
    assert covered[2] > 1.5 * max(covered[:2])  # 358 items vs 169
