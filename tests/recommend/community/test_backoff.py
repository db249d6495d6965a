import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.recommend.community import CommunityBackoff, CommunityPopularity

from .conftest import LABELS, FixedBase


def _minmax(x):
    x = np.asarray(x, np.float64)
    lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    return np.divide(x - lo, hi - lo, out=np.zeros_like(x), where=hi > lo)


def test_lambda_zero_is_the_base(synthetic):
    data, truth = synthetic
    ease = gr.create("recommender", "ease", l2=10.0).fit(data)
    rec = CommunityBackoff(base=ease, communities=truth, lambda0=0.0).fit(data)
    users = np.arange(40)
    np.testing.assert_array_equal(rec.score(users), ease.score(users))
    rows = data.matrix[:5]
    np.testing.assert_array_equal(rec.score(user_items=rows), ease.score(user_items=rows))
    # a vanishing weight keeps the base's order (min-max scaling is monotone per user)
    tiny = CommunityBackoff(base=ease, communities=truth, lambda0=1e-12).fit(data)
    assert np.array_equal(tiny.recommend(users, k=10)[0], ease.recommend(users, k=10)[0])


def test_weight_shrinks_with_history_length(tiny):
    rec = CommunityBackoff(base=FixedBase(np.eye(5)), communities=LABELS, lambda0=2.0, n0=4.0)
    rec.fit(tiny)
    n = np.arange(0, 50)
    w = rec.weight(n)
    assert w[0] == 2.0 and w[4] == pytest.approx(1.0) and w[12] == pytest.approx(0.5)
    assert (np.diff(w) < 0).all()
    with pytest.raises(ValueError, match="history lengths must be >= 0"):
        rec.weight([-1])


def test_backoff_by_hand(tiny):
    # base: item-item weights; user 1 (items 0, 1, 2; n = 3) in community 0
    weights = np.arange(25, dtype=np.float64).reshape(5, 5) % 7
    rec = CommunityBackoff(
        base=FixedBase(weights), communities=LABELS, lambda0=1.0, n0=3.0, min_size=1
    ).fit(tiny)
    personal = tiny.matrix[[1]] @ weights
    # community 0 members per item: [3, 2, 2, 0, 0]; global counts [3, 2, 4, 3, 2]
    keys = np.array([[3 * 5 + 3, 2 * 5 + 2, 2 * 5 + 4, 3, 2]])
    expected = _minmax(personal) + 1.0 / (1 + 3 / 3.0) * _minmax(keys)
    np.testing.assert_allclose(rec.score([1]), expected, rtol=1e-6)
    # a new user with no items: community popularity of the largest community alone
    empty = sp.csr_array((1, 5), dtype=np.float32)
    np.testing.assert_allclose(rec.score(user_items=empty), 1.0 * _minmax(keys), rtol=1e-6)
    pop = CommunityPopularity(communities=LABELS, min_size=1).fit(tiny)
    assert (
        rec.recommend(k=5, user_items=empty)[0].tolist()
        == pop.recommend(k=5, user_items=empty)[0].tolist()
    )


def test_single_community_backs_off_to_global_popularity(tiny):
    weights = np.eye(5)
    rec = CommunityBackoff(
        base=FixedBase(weights), communities="single", lambda0=0.5, n0=1.0, min_size=1
    ).fit(tiny)
    glob = tiny.item_degrees().astype(np.float64)[None, :]
    expected = _minmax(tiny.matrix[[4]] @ weights) + 0.5 / (1 + 3) * _minmax(glob)
    np.testing.assert_allclose(rec.score([4]), expected, rtol=1e-6)


def test_created_by_name_with_plain_params(synthetic):
    data, truth = synthetic
    rec = gr.create(
        "recommender",
        "community_backoff",
        base=gr.create("recommender", "ease", l2=10.0),
        communities=truth,
        lambda0=0.5,
        n0=2.0,
    ).fit(data)
    assert rec.recommend(k=5, user_items=data.matrix[:3])[0].shape == (3, 5)
    with pytest.raises(ValueError, match="n0"):
        gr.create("recommender", "community_backoff", n0=0.0)
    with pytest.raises(ValueError, match="base must be None or a recommender"):
        gr.create("recommender", "community_backoff", base="ease")
