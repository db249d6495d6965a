import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.recommend.community import CommunityPosterior

from .conftest import FixedBase


def _hand_data():
    # community 0: users 0-2 all chose item 0; community 1: user 3 chose item 1
    m = np.zeros((4, 3), dtype=np.float32)
    m[[0, 1, 2], 0] = 1
    m[3, 1] = 1
    data = gr.Interactions(sp.csr_array(m), np.arange(4), np.arange(3))
    return data, np.array([0, 0, 0, 1])


def test_posterior_by_hand():
    data, labels = _hand_data()
    rec = CommunityPosterior(communities=labels, alpha=0.1).fit(data)
    # p(i | c) = (n_ci + 0.1) / (n_c + 0.3); prior 3/4 and 1/4
    like = np.array(
        [[(3.1 / 3.3), (0.1 / 3.3), (0.1 / 3.3)], [(0.1 / 1.3), (1.1 / 1.3), (0.1 / 1.3)]]
    )
    prior = np.array([0.75, 0.25])
    for items in ([1], [2], [0, 1], []):
        joint = prior * np.prod(like[:, items], axis=1)
        np.testing.assert_allclose(rec.posterior([items])[0], joint / joint.sum(), rtol=1e-9)
    # one item the large community never chose, the small one did: the prior still counts
    assert rec.posterior([[1]])[0, 1] == pytest.approx(
        0.25 * 1.1 / 1.3 / (0.25 * 1.1 / 1.3 + 0.75 * 0.1 / 3.3)
    )
    # no items: the community sizes alone
    np.testing.assert_allclose(rec.posterior([[]])[0], prior)


def test_the_single_community_control_is_global_popularity(synthetic):
    data, _ = synthetic
    control = CommunityPosterior(communities="single").fit(data)
    pop = gr.create("recommender", "popularity").fit(data)
    rows = data.matrix[:20]
    ours = control.score(user_items=rows)
    theirs = pop.score(user_items=rows) if pop.supports_fold_in else pop.score(np.arange(20))
    # same order of the items (ties aside): community popularity of one community is global
    corr = np.corrcoef(ours[0], theirs[0])[0, 1]
    assert corr == pytest.approx(1.0)
    np.testing.assert_array_equal(control.posterior(rows), np.ones((20, 1)))


def test_weight_zero_is_the_base(synthetic):
    data, truth = synthetic
    ease = gr.create("recommender", "ease", l2=10.0).fit(data)
    rec = CommunityPosterior(base=ease, communities=truth, weight=0.0).fit(data)
    users = np.arange(30)
    assert np.array_equal(rec.recommend(users, k=10)[0], ease.recommend(users, k=10)[0])


def test_hard_is_the_argmax_and_the_gate_steps_aside(synthetic):
    data, truth = synthetic
    soft = CommunityPosterior(communities=truth).fit(data)
    hard = CommunityPosterior(communities=truth, hard=True).fit(data)
    one = [[int(i)] for i in data.matrix[:10].tocsr().indices[:10]]
    p = soft.posterior(one)
    share = hard.community_share_.toarray()
    for ps, scores in zip(p, hard.score(user_items=one)):
        best = share[ps.argmax()]
        expected = (best - best.min()) / (best.max() - best.min())
        np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    gated = CommunityPosterior(communities=truth, certainty_power=1.0, n0=2.0).fit(data)
    g = gated.gate(p, np.array([1] * len(p)))
    entropy = -(p * np.log(np.where(p > 0, p, 1))).sum(axis=1)
    np.testing.assert_allclose(g, (1 - entropy / np.log(p.shape[1])) / (1 + 1 / 2.0))
    uniform = np.full((1, 3), 1 / 3)
    assert gated.gate(uniform, [0])[0] == pytest.approx(0.0)  # no evidence: no community part


def test_one_item_users_find_their_planted_community():
    data = gr.load_dataset("synthetic", n_users=600, n_items=120, n_communities=4, mu=0.1, seed=1)
    truth = data.user_features["community"].to_numpy()
    rec = CommunityPosterior(communities=truth).fit(data)
    m = data.matrix.tocsr()
    first = [[int(m.indices[m.indptr[u]])] for u in range(data.n_users)]
    hits = rec.posterior(first).argmax(axis=1) == truth
    assert hits.mean() > 0.8


def test_friends_enter_the_posterior():
    data, labels = _hand_data()
    graph = sp.csr_array(np.array([[0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]))
    data = gr.Interactions(data.matrix, data.user_ids, data.item_ids, user_graph=graph)
    rec = CommunityPosterior(communities=labels, assign_by="friends+items", friend_weight=5.0)
    rec.fit(data)
    alone = CommunityPosterior(communities=labels).fit(data)
    # user 0 revealed item 2 (no community chose it); their friend is in community 1
    with_friend = rec.posterior([[2]], users=[0])[0, 1]
    assert with_friend > alone.posterior([[2]])[0, 1]
    with pytest.raises(ValueError, match="needs users="):
        rec.posterior([[2]])


def test_fold_in_with_a_base(synthetic):
    data, truth = synthetic
    base = FixedBase(np.eye(data.n_items))
    rec = CommunityPosterior(base=base, communities=truth, weight=0.5).fit(data)
    rows = data.matrix[:7]
    scores = rec.score(user_items=rows)
    assert scores.shape == (7, data.n_items) and np.isfinite(scores).all()
    np.testing.assert_allclose(rec.score(np.arange(7)), scores, rtol=1e-6)  # same rows
