import math

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.evaluate.new_users import evaluate_new_users, reveal
from graphrec.evaluate.stats import holm
from graphrec.recommend.base import BaseRecommender


def inter(rows, timestamps=None):
    m = sp.csr_array(np.array(rows, dtype=np.float32))
    return gr.Interactions(m, np.arange(m.shape[0]), np.arange(m.shape[1]), timestamps=timestamps)


class Fixed(BaseRecommender):
    """The same scores for every row; records the rows it was given."""

    supports_fold_in = True

    def __init__(self, scores=(5.0, 4.0, 3.0, 2.0, 1.0)):
        self.scores = scores

    def fit(self, train):
        self.train_ = train
        self.seen_rows_, self.seen_users_ = [], []
        return self

    def score(self, users=None, *, user_items=None):
        self.seen_rows_.append(sp.csr_array(user_items))
        self.seen_users_.append(None if users is None else np.asarray(users).tolist())
        return np.tile(np.asarray(self.scores, np.float32), (user_items.shape[0], 1))


class NoFoldIn(Fixed):
    supports_fold_in = False


# users 0, 1 train; users 2, 3 held out (empty train rows)
TRAIN = inter([[1, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0] * 5, [0] * 5])
# user 2: items 0, 1, 3 at times 30, 10, 20; user 3: items 2, 4 at times 5, 1
TEST = inter([[0] * 5, [0] * 5, [1, 1, 0, 1, 0], [0, 0, 1, 0, 1]], np.array([30, 10, 20, 5, 1]))


def test_known_answer_with_timestamps():
    res = evaluate_new_users(Fixed().fit(TRAIN), TEST, train=TRAIN, n_revealed=[1, 2], k=[2])
    t = res.table.set_index("n_revealed")
    # n=1: user 2 sees item 1 (earliest), gets [0, 2]: hidden {0, 3} -> recall 1/2,
    # ndcg 1 / (1 + 1/log2 3); user 3 sees item 4, gets [0, 1]: hidden {2} -> 0
    idcg2 = 1 + 1 / math.log2(3)
    assert t.loc[1, "n_users"] == 2
    assert t.loc[1, "recall@2"] == pytest.approx((0.5 + 0.0) / 2)
    assert t.loc[1, "ndcg@2"] == pytest.approx((1 / idcg2) / 2)
    assert t.loc[1, "coverage@2"] == pytest.approx(3 / 5)  # items 0, 1, 2
    # novelty: train counts [2, 1, 1, 0, 0] over 2 training users; both lists hold
    # item 0 (0 bits) and one item chosen by 1 of 2 users (1 bit)
    assert t.loc[1, "novelty@2"] == pytest.approx(0.5)
    # n=2: only user 2 (user 3 has 2 items); sees {1, 3}, gets [0, 2]; hidden {0}: a hit
    assert t.loc[2, "n_users"] == 1
    assert t.loc[2, "recall@2"] == 1.0 and t.loc[2, "ndcg@2"] == 1.0
    per = res.per_user[("Fixed", 1)]
    assert per["user"].tolist() == [2, 3] and per["n_hidden"].tolist() == [2, 1]
    assert per["recall@2"].tolist() == [0.5, 0.0]
    assert res.recommendations[("Fixed", 1)].tolist() == [[0, 2], [0, 1]]
    assert t.loc[1, "ms_per_user"] >= 0


def test_the_recommender_sees_only_the_revealed_items():
    model = Fixed().fit(TRAIN)
    evaluate_new_users(model, TEST, train=TRAIN, n_revealed=[1, 2], k=[3], n_bootstrap=0)
    shown = [r.toarray().tolist() for r in model.seen_rows_]
    assert shown == [
        [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1]],  # n=1: the earliest item of users 2 and 3
        [[0, 1, 0, 1, 0]],  # n=2: user 2's two earliest
    ]
    # the rows are named (side information such as friends needs who they are)
    assert model.seen_users_ == [[2, 3], [2]]


def test_no_bootstrap_gives_nan_bounds_and_k_above_the_catalogue_warns():
    with pytest.warns(UserWarning, match="exceeds the catalogue"):
        res = evaluate_new_users(Fixed().fit(TRAIN), TEST, train=TRAIN, n_revealed=1, n_bootstrap=0)
    assert res.table[["ndcg@20 lo", "ndcg@20 hi"]].isna().all().all()
    assert res.table["ndcg@20"].notna().all()


def test_revealed_items_are_masked_and_hidden_items_scored():
    res = evaluate_new_users(
        Fixed((1.0, 9.0, 0.0, 0.0, 8.0)).fit(TRAIN), TEST, train=TRAIN, n_revealed=1, k=1
    )
    # item 1 (best score) is revealed to user 2, item 4 (second best) to user 3:
    # each gets the other one first
    assert res.per_user[("Fixed", 1)]["recall@1"].tolist() == [0.0, 0.0]
    # with only ranks: user 2 -> item 4, user 3 -> item 1
    assert res.table["coverage@1"].iloc[0] == pytest.approx(2 / 5)


def test_without_timestamps_a_seeded_random_order_nested_across_n():
    data = gr.planted_communities(300, 120, 3, mean_degree=15, seed=0).data
    data = gr.Interactions(data.matrix, data.user_ids, data.item_ids)  # drop timestamps
    s = gr.split(data, "user_holdout", test_users=0.2, valid_users=0, seed=0)
    a = reveal(s.test, s.train, (1, 3, 5), seed=7)
    b = reveal(s.test, s.train, (1, 3, 5), seed=7)
    c = reveal(s.test, s.train, (1, 3, 5), seed=8)
    for n in (1, 3, 5):
        assert (a[n].revealed != b[n].revealed).nnz == 0
        assert (np.diff(a[n].revealed.indptr) == n).all()
        # revealed and hidden partition each user's test items
        full = s.test.binary().matrix[a[n].users]
        assert ((a[n].revealed + a[n].hidden) != full).nnz == 0
        assert (a[n].revealed.multiply(a[n].hidden)).nnz == 0
    assert any((a[n].revealed != c[n].revealed).nnz for n in (1, 3, 5))
    # nested: the n=1 item is among the n=3 items of the same user
    pos = np.searchsorted(a[3].users, a[1].users[np.isin(a[1].users, a[3].users)])
    small = a[1].revealed[np.isin(a[1].users, a[3].users)]
    assert (small.multiply(a[3].revealed[pos]) != small).nnz == 0


def test_timestamps_choose_the_earliest():
    data = gr.planted_communities(200, 100, 2, mean_degree=12, seed=1).data
    s = gr.split(data, "user_holdout", test_users=0.25, valid_users=0, seed=1)
    sets = reveal(s.test, s.train, [3], seed=0)[3]
    ts = s.test.timestamps
    for row, u in enumerate(sets.users[:20]):
        lo, hi = s.test.matrix.indptr[u], s.test.matrix.indptr[u + 1]
        times = dict(zip(s.test.matrix.indices[lo:hi].tolist(), ts[lo:hi].tolist()))
        shown = sets.revealed[[row]].indices.tolist()
        hidden = sets.hidden[[row]].indices.tolist()
        assert max(times[i] for i in shown) <= min(times[i] for i in hidden)


def test_random_reveal_ignores_timestamps():
    first = {}
    for order in ("earliest", "random"):
        model = Fixed().fit(TRAIN)
        evaluate_new_users(model, TEST, train=TRAIN, n_revealed=[1], reveal_order=order)
        first[order] = model.seen_rows_[0][[0]].indices.tolist()  # user 2's revealed item
    assert first["earliest"] == [1]  # item 1 came first (time 10)
    untimed = Fixed().fit(TRAIN)
    plain = inter(TEST.matrix.toarray())
    evaluate_new_users(untimed, plain, train=TRAIN, n_revealed=[1])
    assert first["random"] == untimed.seen_rows_[0][[0]].indices.tolist()  # the seeded order


def test_paired_compare_is_holm_corrected_over_every_comparison():
    data = gr.planted_communities(400, 150, 4, mean_degree=20, seed=2).data
    s = gr.split(data, "user_holdout", test_users=0.25, valid_users=0, seed=2)
    pop = s.train.item_degrees().astype(np.float32)
    models = {
        "popularity": Fixed(pop).fit(s.train),
        "ease": gr.create("recommender", "ease", l2=50.0).fit(s.train),
        "gfcf": gr.create("recommender", "gfcf", k=32).fit(s.train),
    }
    res = evaluate_new_users(models, s.test, train=s.train, n_revealed=(1, 3), n_bootstrap=100)
    assert set(res.table["method"]) == set(models) and len(res.table) == 6
    cmp = res.compare("popularity", "ndcg@20")
    assert len(cmp) == 4  # 2 methods x 2 n
    assert np.allclose(cmp["p_holm"], holm(cmp["p_wilcoxon"].to_numpy()))
    for _, row in cmp.iterrows():
        a = res.per_user[("popularity", row["n_revealed"])]["ndcg@20"].to_numpy()
        b = res.per_user[(row["method"], row["n_revealed"])]["ndcg@20"].to_numpy()
        assert row["diff"] == pytest.approx((b - a).mean())
        assert row["ratio"] == pytest.approx(b.mean() / a.mean())
    # EASE folds in from the revealed items: it beats popularity clearly with 3 of them
    ease3 = cmp[(cmp["method"] == "ease") & (cmp["n_revealed"] == 3)].iloc[0]
    assert ease3["diff"] > 0 and ease3["p_holm"] < 0.05
    with pytest.raises(ValueError, match="baseline 'nope'"):
        res.compare("nope")
    with pytest.raises(ValueError, match="metric 'ndcg@5'"):
        res.compare("popularity", "ndcg@5")


def test_same_seed_same_result_for_every_recommender():
    data = gr.planted_communities(200, 80, 2, mean_degree=12, seed=3).data
    s = gr.split(data, "user_holdout", test_users=0.3, valid_users=0, seed=3)
    ease = gr.create("recommender", "ease", l2=10.0).fit(s.train)
    a = evaluate_new_users({"e": ease, "g": ease}, s.test, train=s.train, n_revealed=(1, 2))
    b = evaluate_new_users(ease, s.test, train=s.train, n_revealed=(1, 2))
    assert np.allclose(a.per_user[("e", 1)]["ndcg@20"], b.per_user[("EASE", 1)]["ndcg@20"])
    cols = ["ndcg@20", "ndcg@20 lo", "ndcg@20 hi", "recall@20", "coverage@20"]
    assert np.allclose(a.table.iloc[:2][cols].to_numpy(), b.table[cols].to_numpy())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_revealed": [0, 1]}, r"n_revealed must be positive integers, got \[0\]"),
        ({"n_revealed": -2}, "n_revealed must be positive"),
        ({"n_revealed": [True]}, "n_revealed must be a positive integer"),
        ({"n_revealed": [1, 3]}, r"n_revealed=\[3\] leaves no item to score.*longest .* 3"),
        ({"k": 0}, "k must be a positive integer"),
        ({"k": [20, 2.5]}, "k must be a positive integer"),
        ({"metrics": ["novelty"]}, "not per-user ranking metrics"),
        ({"n_bootstrap": -1}, "n_bootstrap"),
        ({"reveal_order": "latest"}, "reveal_order must be 'earliest' or 'random'"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate_new_users(Fixed().fit(TRAIN), TEST, train=TRAIN, **kwargs)


def test_a_recommender_that_cannot_fold_in_is_named():
    models = {"ok": Fixed().fit(TRAIN), "lightgcn-like": NoFoldIn().fit(TRAIN)}
    with pytest.raises(ValueError, match=r"'lightgcn-like' .*cannot fold in"):
        evaluate_new_users(models, TEST, train=TRAIN)


def test_catalogue_and_held_out_users_are_checked():
    wider = inter([[0] * 6, [0] * 6, [1, 1, 0, 1, 0, 1], [0, 0, 1, 0, 1, 0]])
    with pytest.raises(ValueError, match=r"one item catalogue.*outside"):
        evaluate_new_users(Fixed().fit(TRAIN), wider, train=TRAIN)
    with pytest.raises(ValueError, match="fitted on 6 items"):
        evaluate_new_users(Fixed().fit(inter([[1] * 6] * 4)), TEST, train=TRAIN)
    warm = inter([[0, 0, 1, 1, 0], [0, 1, 0, 1, 0], [0] * 5, [0] * 5])
    with pytest.raises(ValueError, match="no held-out users"):
        evaluate_new_users(Fixed().fit(TRAIN), warm, train=TRAIN)
    with pytest.raises(ValueError, match="test must be an Interactions"):
        evaluate_new_users(Fixed().fit(TRAIN), TEST.matrix, train=TRAIN)


def test_top_level_exports():
    assert gr.evaluate_new_users is evaluate_new_users
    assert gr.evaluate.evaluate_new_users is evaluate_new_users
    assert gr.NewUserResult is gr.evaluate.new_users.NewUserResult
