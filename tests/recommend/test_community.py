import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.embed.lightgcn import MF
from graphrec.embed.spectral import SVD
from graphrec.recommend.community import (
    CommunityBlend,
    CommunityModel,
    CommunityPopularity,
    CommunityRestricted,
)


@pytest.fixture
def tiny():
    # users 0-2 in community 0 like items 0-1; users 3-5 in community 1 like items 3-4;
    # item 2 is globally most popular (everyone but user 0 and 3)
    m = np.zeros((6, 5), dtype=np.float32)
    m[[0, 1, 2], 0] = 1
    m[[1, 2], 1] = 1
    m[[3, 4, 5], 3] = 1
    m[[4, 5], 4] = 1
    m[[1, 2, 4, 5], 2] = 1
    return Interactions(sp.csr_array(m), np.arange(6), np.arange(5))


LABELS = np.array([0, 0, 0, 1, 1, 1])


def test_community_popularity_by_hand(tiny):
    rec = CommunityPopularity(communities=LABELS, min_size=1).fit(tiny)
    items, _ = rec.recommend([0, 3], k=2, exclude_seen=False)
    # community 0 shares: item0 3/3, item1 2/3, item2 2/3 -> tie broken by global count (item 2)
    assert items.tolist() == [[0, 2], [3, 2]]
    assert rec.item_communities_.tolist()[:2] == [0, 0] and rec.item_communities_[3] == 1


def test_tiny_communities_fall_back_to_global(tiny):
    rec = CommunityPopularity(communities=LABELS, min_size=4).fit(tiny)
    items, _ = rec.recommend([0], k=1, exclude_seen=False)
    assert items.tolist() == [[2]]  # global favourite


def test_unassigned_and_cold_users_go_to_nearest_community(tiny):
    labels = LABELS.copy()
    labels[4] = -1
    rec = CommunityPopularity(communities=labels, min_size=1).fit(tiny)
    assert rec.user_communities_[4] == 1
    rec = CommunityPopularity(communities=LABELS, min_size=1).fit(tiny)
    items, _ = rec.recommend_new([[3], [0, 1]], k=2)
    assert rec.assign([[3], [0, 1]]).tolist() == [1, 0]
    # community 1: item 2 and item 4 tie at 2/3, global popularity breaks it; community 0
    # has nothing left but item 2, then global order
    assert items.tolist() == [[2, 4], [2, 3]]
    with pytest.raises(ValueError, match="item indices"):
        rec.recommend_new([[9]])


@pytest.fixture(scope="module")
def planted():
    data = gr.load_dataset("synthetic", n_users=400, n_items=200, n_communities=4, mu=0.2, seed=2)
    split = gr.split(data, "random", seed=0)
    emb = SVD(dim=8, random_state=0).fit(split.train)
    return data, split, emb


def test_blend_alpha_zero_is_the_embedding_model(planted):
    data, split, emb = planted
    truth = data.user_features["community"].to_numpy()
    rec = CommunityBlend(embedder=emb, communities=truth, alpha=0.0).fit(split.train)
    users = np.arange(30)
    np.testing.assert_array_equal(rec.score(users), emb.score(users))
    assert np.array_equal(rec.recommend(users, k=10)[0], emb.recommend(users, k=10)[0])
    full = CommunityBlend(embedder=emb, communities=truth, alpha=1.0).fit(split.train)
    pop = CommunityPopularity(communities=truth).fit(split.train)
    assert np.array_equal(full.recommend(users, k=10)[0], pop.recommend(users, k=10)[0])


def test_community_popularity_beats_global_on_planted_data(planted):
    data, split, _ = planted
    truth = data.user_features["community"].to_numpy()
    kw = dict(k=[10], exclude=[split.train, split.valid], train=split.train)
    comm = gr.evaluate(CommunityPopularity(communities=truth).fit(split.train), split.test, **kw)
    glob = gr.evaluate(gr.create("recommender", "popularity").fit(split.train), split.test, **kw)
    assert comm.summary["recall@10"] > 1.2 * glob.summary["recall@10"]
    assert "community" in comm.per_user and "outside@10" in comm.per_user


def test_restricted_ranks_community_items_first(planted):
    data, split, emb = planted
    truth = data.user_features["community"].to_numpy()
    rec = CommunityRestricted(embedder=emb, communities=truth, min_support=3).fit(split.train)
    items, _ = rec.recommend(np.arange(20), k=5)
    comm = rec.user_communities_[np.arange(20)]
    support = rec.community_counts_.toarray()[comm[:, None], items]
    assert (support >= 3).all()


def test_community_model_fine_tunes_per_community(planted):
    data, split, _ = planted
    truth = data.user_features["community"].to_numpy()
    mf = MF(dim=8, epochs=3, random_state=0).fit(split.train)
    rec = CommunityModel(embedder=mf, communities=truth, min_size=50, epochs=2).fit(split.train)
    assert set(rec.models_) == {0, 1, 2, 3}
    member = int(np.flatnonzero(rec.user_communities_ == 1)[0])
    np.testing.assert_allclose(rec.score([member]), rec.models_[1].score([member]))
    with pytest.raises(ValueError, match="fine-tunes LightGCN-style"):
        CommunityModel(embedder=SVD(dim=4), communities=truth).fit(split.train)


def test_errors(tiny):
    with pytest.raises(ValueError, match="needs communities"):
        CommunityPopularity().fit(tiny)
    with pytest.raises(ValueError, match="one label per user"):
        CommunityPopularity(communities=np.zeros(3, int)).fit(tiny)
    with pytest.raises(ValueError, match="needs an embedder"):
        CommunityBlend(communities=LABELS).fit(tiny)
    with pytest.raises(ValueError, match="alpha must be in"):
        CommunityBlend(embedder=SVD(dim=2), communities=LABELS, alpha=2).fit(tiny)
    with pytest.raises(ValueError, match="no user to any community"):
        CommunityPopularity(communities=-np.ones(6, int)).fit(tiny)
