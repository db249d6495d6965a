from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.recommend.base import BaseRecommender


class Fixed(BaseRecommender):
    """Scores given as a fixed matrix, to check the protocol by hand."""

    def __init__(self, scores=None):
        self.scores = scores

    def fit(self, train):
        self.train_ = train
        return self

    def score(self, users):
        return np.asarray(self.scores, dtype=np.float32)[users]


def interactions(rows):
    m = sp.csr_array(np.array(rows, dtype=np.float32))
    return Interactions(m, np.arange(m.shape[0]), np.arange(m.shape[1]) + 100)


TRAIN = interactions([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 1, 1, 1, 0]])
VALID = interactions([[0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
TEST = interactions([[0, 0, 1, 0, 0], [1, 0, 0, 0, 1], [0, 0, 0, 0, 0]])
SCORES = np.array(
    [
        [9, 8, 1, 0, 2],  # train item 0 and valid item 1 masked -> [4, 2, 3]
        [5, 9, 4, 4, 4],  # train item 1 masked -> [0, 2, 3] (ties to lower index)
        [1, 1, 1, 1, 1],  # no test items: not evaluated
    ]
)


def test_masking_ties_and_metrics_by_hand():
    model = Fixed(SCORES).fit(TRAIN)
    res = gr.evaluate(model, TEST, k=[1, 3], exclude=[TRAIN, VALID], train=TRAIN)
    assert res.per_user["user"].tolist() == [0, 1]
    assert res.recommendations.tolist() == [[4, 2, 3], [0, 2, 3]]
    assert res.per_user["recall@3"].tolist() == [1.0, 0.5]
    assert res.per_user["recall@1"].tolist() == [0.0, 0.5]
    assert res.summary["hit_rate@1"] == pytest.approx(0.5)
    assert res.per_user["ndcg@3"].tolist() == pytest.approx(
        [1 / np.log2(3), 1 / 1.0 / (1 + 1 / np.log2(3))]
    )
    assert res.summary["coverage@3"] == pytest.approx(4 / 5)


def test_without_valid_mask_valid_items_compete():
    model = Fixed(SCORES).fit(TRAIN)
    res = gr.evaluate(model, TEST, k=[3], train=TRAIN)
    assert res.recommendations[0].tolist() == [1, 4, 2]


def test_batches_do_not_change_results():
    data = gr.load_dataset("synthetic", n_users=300, n_items=120, seed=1)
    s = gr.split(data, "random", seed=0)
    model = gr.create("recommender", "itemknn", n_neighbors=20).fit(s.train)
    a = gr.evaluate(
        model, s.test, k=[5, 10], exclude=[s.train, s.valid], train=s.train, batch_size=7
    )
    b = gr.evaluate(model, s.test, k=[5, 10], exclude=[s.train, s.valid], train=s.train)
    assert a.summary == pytest.approx(b.summary)
    assert np.array_equal(a.recommendations, b.recommendations)


def test_by_groups_and_novelty():
    data = gr.load_dataset("synthetic", n_users=300, n_items=120, seed=1)
    s = gr.split(data, "random", seed=0)
    res = gr.evaluate(
        gr.create("recommender", "popularity").fit(s.train), s.test, k=[10], train=s.train
    )
    table = res.by(data.user_features["community"].to_numpy()[res.per_user["user"]], "community")
    assert table["users"].sum() == len(res.per_user)
    assert "novelty@10" in res.summary and res.summary["novelty@10"] > 0
    with pytest.raises(ValueError, match="no column 'nope'"):
        res.by("nope")


@pytest.mark.filterwarnings("ignore:k=20 exceeds the catalogue")
def test_errors():
    model = Fixed(SCORES).fit(TRAIN)
    other = interactions([[1, 0], [0, 1], [1, 1]])
    with pytest.raises(ValueError, match="different user/item index"):
        gr.evaluate(model, other, train=other)
    with pytest.raises(ValueError, match=r"exclude\[0\]"):
        gr.evaluate(model, TEST, exclude=[other], train=TRAIN)
    with pytest.raises(ValueError, match="unknown metric"):
        gr.evaluate(model, TEST, metrics=["auc"], train=TRAIN)
    with pytest.raises(ValueError, match="no interactions"):
        gr.evaluate(model, TEST.filter(np.zeros(TEST.nnz, bool)), train=TRAIN)
    with pytest.raises(gr.NotFittedError):
        gr.evaluate(Fixed(SCORES), TEST, train=TRAIN)
    bad = Fixed(SCORES[:, :3]).fit(TRAIN)
    with pytest.raises(ValueError, match="returned shape"):
        gr.evaluate(bad, TEST, train=TRAIN)
    for k in [0, -5, [], 2.5, "20", True, [10, 2.0]]:
        with pytest.raises(ValueError, match="k must be a positive integer"):
            gr.evaluate(model, TEST, k=k, train=TRAIN)
    with pytest.raises(ValueError, match="item_vectors has 2 rows for 5 items"):
        gr.evaluate(model, TEST, item_vectors=np.ones((2, 3)), train=TRAIN)
    with pytest.raises(ValueError, match="item_vectors must be"):
        gr.evaluate(model, TEST, item_vectors="genres", train=TRAIN)


def test_exclude_takes_one_interactions_or_a_list():
    model = Fixed(SCORES).fit(TRAIN)
    one = gr.evaluate(model, TEST, k=[3], exclude=TRAIN, train=TRAIN).summary
    assert one == gr.evaluate(model, TEST, k=[3], train=TRAIN).summary


class WithVectors(Fixed):
    def __init__(self, scores=None, vectors=None):
        self.scores = scores
        self.vectors = vectors

    @property
    def item_embeddings_(self):
        return self.vectors


def test_diversity_uses_one_space_for_every_model():
    data = gr.load_dataset("synthetic", n_users=120, n_items=60, seed=0)
    data = replace(data, item_features=data.item_features.drop(columns="genres"))
    s = gr.split(data, "random", seed=0)
    scores = np.random.default_rng(0).random((120, 60))
    rng = np.random.default_rng(1)
    # same rankings, different private item vectors: same diversity
    a = WithVectors(scores, rng.normal(size=(60, 4))).fit(s.train)
    b = WithVectors(scores, rng.normal(size=(60, 8))).fit(s.train)
    ra = gr.evaluate(a, s.test, k=[5], train=s.train).summary["diversity@5"]
    rb = gr.evaluate(b, s.test, k=[5], train=s.train).summary["diversity@5"]
    assert ra == rb
    # the default space (no genres here) is a seeded svd embedder of the training matrix
    svd = gr.create("embedder", "svd", dim=59, normalize=False, random_state=0)
    basis = svd.fit(s.train.binary()).item_embeddings_
    own = gr.evaluate(a, s.test, k=[5], train=s.train, item_vectors=basis)
    assert own.summary["diversity@5"] == ra
    # a model's own space on request, and None skips the metric
    private = gr.evaluate(a, s.test, k=[5], train=s.train, item_vectors=a.vectors)
    assert private.summary["diversity@5"] != pytest.approx(ra)
    assert (
        "diversity@5" not in gr.evaluate(a, s.test, k=[5], train=s.train, item_vectors=None).summary
    )


def test_diversity_uses_genres_when_present():
    train = interactions([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 1, 1, 1, 0]])
    genres = pd.DataFrame({"genres": ["A", "A", "B", "A|B", None]})
    train = Interactions(train.matrix, train.user_ids, train.item_ids, item_features=genres)
    test = Interactions(TEST.matrix, TEST.user_ids, TEST.item_ids, item_features=genres)
    model = Fixed(SCORES).fit(train)
    res = gr.evaluate(model, test, k=[2], train=train)
    # user 0 gets [1, 4] (A vs no genre: cosine 0), user 1 gets [0, 2] (A vs B: 0)
    assert res.summary["diversity@2"] == pytest.approx(1.0)


def test_train_is_required_and_named():
    model = Fixed(SCORES).fit(TRAIN)
    with pytest.raises(TypeError, match=r"needs train=.*Novelty.*activity bands"):
        gr.evaluate(model, TEST, k=[3], exclude=[TRAIN, VALID])
    with pytest.raises(ValueError, match="train must be Interactions over the same users"):
        gr.evaluate(model, TEST, k=[3], train=interactions([[1, 0], [0, 1], [1, 1]]))


def test_exclude_defaults_to_train():
    model = Fixed(SCORES).fit(TRAIN)
    default = gr.evaluate(model, TEST, k=[3], train=TRAIN)
    explicit = gr.evaluate(model, TEST, k=[3], exclude=[TRAIN], train=TRAIN)
    assert np.array_equal(default.recommendations, explicit.recommendations)
    assert default.recommendations[0].tolist() == [1, 4, 2]  # train item 0 masked
    nothing = gr.evaluate(model, TEST, k=[3], exclude=[], train=TRAIN)
    assert nothing.recommendations[0].tolist() == [0, 1, 4]


def test_training_statistics_come_from_train_not_the_exclude_order():
    model = Fixed(SCORES).fit(TRAIN)
    a = gr.evaluate(model, TEST, k=[3], exclude=[TRAIN, VALID], train=TRAIN)
    b = gr.evaluate(model, TEST, k=[3], exclude=[VALID, TRAIN], train=TRAIN)
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.per_user, b.per_user)
    # novelty from train's popularity over its 3 users: item degrees [2, 2, 1, 1, 0];
    # user 0 gets [4, 2, 3] (each counted once: log2 3), user 1 gets [0, 2, 3]
    expected = [np.log2(3), (np.log2(3 / 2) + 2 * np.log2(3)) / 3]
    assert a.per_user["novelty@3"].tolist() == pytest.approx(expected)
    assert a.per_user["n_train"].tolist() == [1, 1]


def test_same_results_whatever_the_exclude_order_on_a_split():
    data = gr.load_dataset("synthetic", n_users=200, n_items=80, seed=2)
    s = gr.split(data, "random", seed=0)
    model = gr.create("recommender", "itemknn", n_neighbors=10).fit(s.train)
    a = gr.evaluate(model, s.test, k=[5, 10], exclude=[s.train, s.valid], train=s.train)
    b = gr.evaluate(model, s.test, k=[5, 10], exclude=[s.valid, s.train], train=s.train)
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.per_user, b.per_user)


def test_k_above_the_catalogue_lists_only_recommendable_items():
    model = Fixed(SCORES).fit(TRAIN)
    with pytest.warns(UserWarning, match="k=8 exceeds the catalogue"):
        res = gr.evaluate(model, TEST, k=[3, 8], exclude=[TRAIN, VALID], train=TRAIN)
    # user 0: train item 0 and valid item 1 masked; user 1: train item 1 masked
    assert res.recommendations.tolist() == [[4, 2, 3, -1, -1], [0, 2, 3, 4, -1]]
    assert res.per_user["recall@8"].tolist() == [1.0, 1.0]
    assert res.per_user["precision@8"].tolist() == [1 / 8, 2 / 8]
    assert res.per_user["hit_rate@8"].tolist() == [1.0, 1.0]
    assert res.summary["coverage@8"] == pytest.approx(4 / 5)
    # novelty describes the listed items only (train degrees [2, 2, 1, 1, 0], 3 users)
    info = -np.log2(np.maximum([2, 2, 1, 1, 0], 1) / 3)
    assert res.per_user["novelty@8"].tolist() == pytest.approx(
        [info[[4, 2, 3]].mean(), info[[0, 2, 3, 4]].mean()]
    )
    assert res.per_user["diversity@8"].between(0, 1).all()


def test_a_user_with_few_recommendable_items_gets_a_short_list():
    test = interactions([[0, 0, 1, 0, 0], [1, 0, 0, 0, 1], [0, 0, 0, 0, 1]])
    item_comm = np.array([0, 0, 1, 1, 1])
    model = Fixed(SCORES).fit(TRAIN)
    res = gr.evaluate(
        model, test, k=[3], train=TRAIN, communities=np.array([0, 0, 1]), item_communities=item_comm
    )
    # user 2 has items 0-3 in train: only item 4 can be recommended
    assert res.recommendations[2].tolist() == [4, -1, -1]
    row = res.per_user.iloc[2]
    assert row["recall@3"] == 1.0 and row["precision@3"] == pytest.approx(1 / 3)
    assert row["outside@3"] == 0.0  # item 4 is in community 1, as is user 2
    assert row["novelty@3"] == pytest.approx(np.log2(3))
    assert row["head_hits@3"] + row["tail_hits@3"] == 1
    masked = TRAIN.matrix.toarray().astype(bool)
    for u, items in zip(res.per_user["user"], res.recommendations):
        assert not masked[u, items[items >= 0]].any()


def test_items_scored_minus_inf_by_the_recommender_are_not_listed():
    scores = SCORES.astype(float).copy()
    scores[0, [2, 3]] = -np.inf
    res = gr.evaluate(Fixed(scores).fit(TRAIN), TEST, k=[3], exclude=[TRAIN, VALID], train=TRAIN)
    assert res.recommendations[0].tolist() == [4, -1, -1]
    assert res.per_user["recall@3"].iloc[0] == 0.0


@pytest.mark.realdata
def test_popularity_reproduces_published_ml1m_numbers(ml1m_split):
    train = ml1m_split.train + ml1m_split.valid
    model = gr.create("recommender", "popularity").fit(train)
    res = gr.evaluate(model, ml1m_split.test, k=[20], train=train)
    assert round(res.summary["recall@20"], 4) == 0.1232
    assert round(res.summary["ndcg@20"], 4) == 0.1809


def _sampled_setup():
    data = gr.load_dataset("synthetic", n_users=400, n_items=120, seed=4)
    s = gr.split(data, "random", seed=0)
    model = gr.create("recommender", "itemknn", n_neighbors=20).fit(s.train)
    return s, model


def test_sample_users_equals_evaluating_exactly_those_users():
    s, model = _sampled_setup()
    kw = {"k": [5, 10], "exclude": [s.train, s.valid], "train": s.train}
    res = gr.evaluate(model, s.test, sample_users=60, seed=3, **kw)
    users = res.per_user["user"].to_numpy()
    n_test = int((s.test.user_degrees() > 0).sum())
    assert len(users) == 60 and len(np.unique(users)) == 60 and n_test > 60
    assert (s.test.user_degrees()[users] > 0).all()
    # the same evaluation on a test set that holds only the sampled users' rows
    rows = np.repeat(np.arange(s.test.n_users), s.test.user_degrees())
    only = gr.evaluate(model, s.test.filter(np.isin(rows, users)), **kw)
    assert res.summary == only.summary
    pd.testing.assert_frame_equal(res.per_user, only.per_user)
    np.testing.assert_array_equal(res.recommendations, only.recommendations)
    assert res.info["sample"] == {
        "n_users": 60,
        "of_test_users": n_test,
        "seed": 3,
        "ci": "normal 95%, finite-population corrected",
    }
    assert only.ci == {} and "sample" not in only.info
    # the interval the sample implies: around the sample mean, of the normal width
    lo, hi = res.ci["recall@10"]
    values = res.per_user["recall@10"].to_numpy()
    half = 1.959964 * values.std(ddof=1) / np.sqrt(60) * np.sqrt((n_test - 60) / (n_test - 1))
    assert (lo, hi) == pytest.approx((values.mean() - half, values.mean() + half))
    assert set(res.ci) == {k for k in res.summary if k in res.per_user.columns}


def test_sample_users_is_seeded():
    s, model = _sampled_setup()
    kw = {"k": [10], "train": s.train, "sample_users": 50}
    first = gr.evaluate(model, s.test, seed=0, **kw).per_user["user"].tolist()
    assert gr.evaluate(model, s.test, seed=0, **kw).per_user["user"].tolist() == first
    assert gr.evaluate(model, s.test, seed=1, **kw).per_user["user"].tolist() != first
    # the whole population as the "sample": the full evaluation, with a zero-width interval
    n_test = int((s.test.user_degrees() > 0).sum())
    every = gr.evaluate(model, s.test, k=[10], train=s.train, sample_users=n_test)
    full = gr.evaluate(model, s.test, k=[10], train=s.train)
    assert every.summary == full.summary
    assert every.ci["ndcg@10"] == pytest.approx((full.summary["ndcg@10"],) * 2)


@pytest.mark.parametrize("bad", [0, -3, 10_000, 2.5, "100", True])
def test_sample_users_rejects_bad_sizes(bad):
    s, model = _sampled_setup()
    n_test = int((s.test.user_degrees() > 0).sum())
    with pytest.raises(ValueError, match=rf"sample_users must be .*\({n_test} users with test"):
        gr.evaluate(model, s.test, k=[10], train=s.train, sample_users=bad)
