import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.embed.lightgcn import MF
from graphrec.embed.spectral import SVD
from graphrec.recommend.community import (  # the public paths of the package
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
    rows = sp.csr_array(np.array([[0, 0, 0, 1, 0], [1, 1, 0, 0, 0]], dtype=np.float32))
    items, _ = rec.recommend(k=2, user_items=rows)
    assert rec.assign([[3], [0, 1]]).tolist() == [1, 0]
    # community 1: item 2 and item 4 tie at 2/3, global popularity breaks it; community 0
    # has nothing left but item 2, then global order
    assert items.tolist() == [[2, 4], [2, 3]]
    with pytest.raises(ValueError, match="item indices"):
        rec.assign([[9]])


@pytest.fixture(scope="module")
def planted():
    data = gr.load_dataset("synthetic", n_users=400, n_items=200, n_communities=4, mu=0.2, seed=2)
    split = gr.split(data, "random", seed=0)
    emb = SVD(dim=8, random_state=0).fit(split.train)
    return data, split, emb


def test_blend_alpha_zero_is_the_embedding_model(planted):
    data, split, emb = planted
    truth = data.user_features["community"].to_numpy()
    rec = CommunityBlend(base=emb, communities=truth, alpha=0.0).fit(split.train)
    users = np.arange(30)
    np.testing.assert_array_equal(rec.score(users), emb.score(users))
    assert np.array_equal(rec.recommend(users, k=10)[0], emb.recommend(users, k=10)[0])
    full = CommunityBlend(base=emb, communities=truth, alpha=1.0).fit(split.train)
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
    rec = CommunityRestricted(base=emb, communities=truth, min_support=3).fit(split.train)
    items, _ = rec.recommend(np.arange(20), k=5)
    comm = rec.user_communities_[np.arange(20)]
    support = rec.community_counts_.toarray()[comm[:, None], items]
    assert (support >= 3).all()


def test_community_model_fine_tunes_per_community(planted):
    data, split, _ = planted
    truth = data.user_features["community"].to_numpy()
    mf = MF(dim=8, epochs=3, random_state=0).fit(split.train)
    rec = CommunityModel(base=mf, communities=truth, min_size=50, epochs=2).fit(split.train)
    assert set(rec.models_) == {0, 1, 2, 3}
    member = int(np.flatnonzero(rec.user_communities_ == 1)[0])
    np.testing.assert_allclose(rec.score([member]), rec.models_[1].score([member]))
    with pytest.raises(ValueError, match="fine-tunes LightGCN-style"):
        CommunityModel(base=SVD(dim=4), communities=truth).fit(split.train)


def test_errors(tiny):
    with pytest.raises(ValueError, match="needs communities"):
        CommunityPopularity().fit(tiny)
    with pytest.raises(ValueError, match="one label per user"):
        CommunityPopularity(communities=np.zeros(3, int)).fit(tiny)
    with pytest.raises(ValueError, match="needs a base recommender"):
        CommunityBlend(communities=LABELS).fit(tiny)
    with pytest.raises(ValueError, match="alpha must be a number in"):
        CommunityBlend(base=SVD(dim=2), communities=LABELS, alpha=2).fit(tiny)
    with pytest.raises(ValueError, match="no user to any community"):
        CommunityPopularity(communities=-np.ones(6, int)).fit(tiny)


def _users_choosing(n_users, n_items, choices, labels):
    """Interactions where ``choices[item]`` lists the users who chose ``item``."""
    rows = np.concatenate([np.asarray(u, dtype=np.int64) for u in choices.values()])
    cols = np.concatenate([np.full(len(u), i, np.int64) for i, u in choices.items()])
    m = sp.csr_array((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_users, n_items))
    return Interactions(m, np.arange(n_users), np.arange(n_items)), np.asarray(labels)


def test_community_popularity_ranks_by_members_not_global_popularity():
    # a 100-member community: item 0 chosen by 6 members, item 1 by 5 members and by 3
    # outsiders (users 100-104 form community 1). Old score glob + share * max_count
    # ranked item 1 first: one member's difference (8/100) was worth less than the tie-breaker.
    data, labels = _users_choosing(
        105,
        3,
        {0: range(6), 1: [6, 7, 8, 9, 10, 100, 101, 102], 2: [103, 104]},
        [0] * 100 + [1] * 5,
    )
    rec = CommunityPopularity(communities=labels, min_size=1).fit(data)
    assert rec.recommend([50], k=3, exclude_seen=False)[0].tolist() == [[0, 1, 2]]
    assert rec.recommend([103], k=2, exclude_seen=False)[0].tolist() == [[1, 2]]
    # the blend at alpha = 1 is the community order too
    blend = CommunityBlend(base=SVD(dim=1), communities=labels, alpha=1.0, min_size=1)
    assert blend.fit(data).recommend([50], k=3, exclude_seen=False)[0].tolist() == [[0, 1, 2]]


def test_community_popularity_order_is_exact_for_large_counts():
    # 100,000 members and 30,000 outsiders: item 0 has one member more than items 1 and
    # 2, which tie on members (20,000) and differ by one outsider (global 49,999 vs 50,000).
    # count * (G + 1) + global needs more than float32's 24 bits; the ranks do not.
    members, outsiders = np.arange(100_000), np.arange(100_000, 130_000)
    data, labels = _users_choosing(
        130_000,
        3,
        {
            0: members[:20_001],
            1: np.r_[members[20_001:40_001], outsiders[:-1]],
            2: np.r_[members[20_001:40_001], outsiders],
        },
        np.r_[np.zeros(100_000, int), np.ones(30_000, int)],
    )
    rec = CommunityPopularity(communities=labels).fit(data)
    keys = rec.popularity_keys(np.array([0]))[0]
    assert keys.tolist() == [
        20_001 * 50_001 + 20_001,
        20_000 * 50_001 + 49_999,
        20_000 * 50_001 + 50_000,
    ]
    assert np.float32(keys[1]) == np.float32(keys[2])  # a float32 key would tie them
    assert rec.recommend([99_999], k=3, exclude_seen=False)[0].tolist() == [[0, 2, 1]]
    test = _users_choosing(130_000, 3, {0: [99_999]}, labels)[0]
    res = gr.evaluate(rec, test, k=[3], exclude=[], train=rec.train_)
    assert res.recommendations.tolist() == [[0, 2, 1]]


def test_one_item_rule_shared_with_barber_modularity():
    # unequal communities: the largest-share rule (old recommenders) and the most-weight
    # rule (old Barber modularity) disagree here; both now use quality.assign_items
    data = gr.load_dataset("synthetic", n_users=300, n_items=120, n_communities=3, mu=0.4, seed=1)
    labels = np.where(np.arange(300) < 200, 0, np.where(np.arange(300) < 290, 1, 2))
    rec = CommunityPopularity(communities=labels).fit(data)
    np.testing.assert_array_equal(
        rec.item_communities_, gr.community.quality.assign_items(data, labels)
    )
    q = gr.community.quality.barber_modularity(data, labels)
    assert q == pytest.approx(
        gr.community.quality.barber_modularity(data, labels, rec.item_communities_)
    )
    # co-clustered items keep their own labels
    det = gr.create("detector", "bipartite_louvain").fit(data)
    rec = CommunityPopularity(communities=det.communities_).fit(data)
    np.testing.assert_array_equal(rec.item_communities_, det.communities_.item_labels)


def test_runner_and_direct_evaluate_agree_on_outside_with_unassigned_users(tmp_path):
    from graphrec.experiment import run_experiment

    cfg = {
        "name": "noise",
        "dataset": {
            "name": "synthetic",
            "params": {"n_users": 150, "n_items": 60, "n_communities": 3, "mean_degree": 12},
        },
        "embedders": [{"name": "svd", "params": {"dim": 8}}],
        "detectors": [{"name": "dbscan", "params": {"min_samples": 10, "eps_quantile": 0.3}}],
        "recommenders": [{"name": "community_popularity"}],
        "evaluate": {"k": [10]},
        "seeds": [0],
        "output": str(tmp_path / "out"),
    }
    result = run_experiment(cfg, plots=False)
    run = result.runs.query("recommender == 'community_popularity'").iloc[0]
    comm = result.communities(run)
    assert (comm.user_labels < 0).sum() > 10  # DBSCAN noise: unassigned users
    data = gr.load_dataset(
        "synthetic", n_users=150, n_items=60, n_communities=3, mean_degree=12, seed=0
    )
    split = gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=0)
    rec = CommunityPopularity(communities=comm).fit(split.train)
    direct = gr.evaluate(
        rec, split.test, k=[10], exclude=[split.train, split.valid], train=split.train
    )
    table = result.table.query("run == @run.run and k == 10")
    value = table.set_index("metric")["value"]
    assert value["recall"] == pytest.approx(direct.summary["recall@10"])  # same split
    assert value["outside"] == pytest.approx(direct.summary["outside@10"])
    assert value["communities_reached"] == pytest.approx(direct.summary["communities_reached@10"])
    # and evaluate given the partition maps unassigned users as the recommender does
    given = gr.evaluate(
        rec,
        split.test,
        k=[10],
        exclude=[split.train, split.valid],
        train=split.train,
        communities=comm,
    )
    np.testing.assert_array_equal(given.per_user["community"], direct.per_user["community"])
    assert (given.per_user["community"] >= 0).all()


def test_community_model_over_a_resumable_embedder(planted, tmp_path):
    # the per-community copies train from the global weights: no checkpoint, no resume
    data, split, _ = planted
    truth = data.user_features["community"].to_numpy()
    mf = MF(dim=8, epochs=2, checkpoint_dir=tmp_path, resume=True, random_state=0)
    mf.fit(split.train)
    rec = CommunityModel(base=mf, communities=truth, min_size=50, epochs=1).fit(split.train)
    assert set(rec.models_) == {0, 1, 2, 3}
    assert all(not m.resume and m.checkpoint_dir is None for m in rec.models_.values())


def test_community_model_fine_tunes_over_its_own_cosine(planted):
    # a base decayed over 60 epochs: each 2-epoch fine-tune decays over its own 2
    data, split, _ = planted
    truth = data.user_features["community"].to_numpy()
    mf = MF(dim=8, epochs=1, lr_schedule="cosine", decay_epochs=60, random_state=0)
    rec = CommunityModel(base=mf.fit(split.train), communities=truth, min_size=50, epochs=2)
    rec.fit(split.train)
    assert all(m.decay_epochs is None and m._decay_epochs() == 2 for m in rec.models_.values())
