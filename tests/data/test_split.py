import numpy as np
import pytest

from graphrec.data.split import split
from graphrec.data.synthetic import planted_communities


@pytest.fixture(scope="module")
def data():
    return planted_communities(500, 300, 4, mean_degree=20, seed=3).data


def parts_disjoint_and_complete(data, s):
    total = s.train.matrix + s.test.matrix + (s.valid.matrix if s.valid is not None else 0)
    assert total.max() <= data.matrix.max()  # no interaction in two parts
    assert (
        s.train.nnz
        + s.test.nnz
        + (s.valid.nnz if s.valid else 0)
        + s.report["dropped_unseen_items"]
        == data.nnz
    )


@pytest.mark.parametrize("method", ["random", "temporal", "leave_one_out"])
def test_parts_partition_the_data(data, method):
    s = split(data, method, seed=0)
    parts_disjoint_and_complete(data.binary(), split(data.binary(), method, seed=0))
    assert s.train.same_space(data) and s.test.same_space(data)
    assert (s.train.user_degrees() >= 1).all()
    # no held-out item unknown to train
    known = s.train.item_degrees() > 0
    assert known[s.test.matrix.indices].all() and known[s.valid.matrix.indices].all()


def test_random_ratios_are_unbiased(data):
    s = split(data, "random", ratios=(0.7, 0.1, 0.2), seed=1)
    n = data.nnz
    assert s.train.nnz / n == pytest.approx(0.7, abs=0.02)
    assert s.valid.nnz / n == pytest.approx(0.1, abs=0.02)
    assert s.test.nnz / n == pytest.approx(0.2, abs=0.02)


def test_seeded(data):
    a, b = split(data, "random", seed=4), split(data, "random", seed=4)
    assert (a.test.matrix != b.test.matrix).nnz == 0
    c = split(data, "random", seed=5)
    assert (a.test.matrix != c.test.matrix).nnz > 0


def test_temporal_puts_latest_in_test(data):
    s = split(data, "temporal", seed=0)
    for u in range(0, data.n_users, 37):
        train_t = s.train.timestamps[s.train.matrix.indptr[u] : s.train.matrix.indptr[u + 1]]
        test_t = s.test.timestamps[s.test.matrix.indptr[u] : s.test.matrix.indptr[u + 1]]
        if len(test_t):
            assert train_t.max() <= test_t.min()


def test_leave_one_out_last(data):
    s = split(data, "leave_one_out", seed=0)
    assert (s.test.user_degrees() <= 1).all() and (s.valid.user_degrees() <= 1).all()
    u = int(np.flatnonzero(s.test.user_degrees())[0])
    row = slice(data.matrix.indptr[u], data.matrix.indptr[u + 1])
    test_t = s.test.timestamps[s.test.matrix.indptr[u]]
    assert test_t == data.timestamps[row].max()
    no_valid = split(data, "leave_one_out", valid=False, seed=0)
    assert no_valid.valid is None


def test_leave_one_out_short_histories_stay_in_train():
    data = planted_communities(50, 40, 2, mean_degree=2, seed=0).data
    s = split(data, "leave_one_out", seed=0)
    short = data.user_degrees() < 3
    assert (s.test.user_degrees()[short] == 0).all()


def test_errors(data):
    with pytest.raises(ValueError, match="unknown split method"):
        split(data, "kfold")
    with pytest.raises(ValueError, match="summing to 1"):
        split(data, "random", ratios=(0.5, 0.2, 0.2))
    no_time = data.binary()
    object.__setattr__(no_time, "timestamps", None)
    with pytest.raises(ValueError, match="needs timestamps"):
        split(no_time, "temporal")
    with pytest.raises(ValueError, match="empty"):
        split(data.filter(np.zeros(data.nnz, bool)), "random")


def short_histories(degrees, n_users_each, n_items=40, seed=0):
    """``n_users_each`` users per degree, items drawn without replacement from ``n_items``."""
    import scipy.sparse as sp

    from graphrec.data.interactions import Interactions

    rng = np.random.default_rng(seed)
    deg = np.repeat(np.asarray(degrees), n_users_each)
    picks = rng.random((len(deg), n_items)).argsort(axis=1)  # a random item order per user
    keep = np.arange(n_items) < deg[:, None]
    r, c = np.nonzero(keep)[0], picks[keep]
    m = sp.csr_array((np.ones(len(r)), (r, c)), shape=(len(deg), n_items))
    return Interactions(m, np.arange(len(deg)), np.arange(n_items)), deg


@pytest.mark.parametrize("ratios", [(0.8, 0.1, 0.1), (0.6, 0.3, 0.1), (0.5, 0.25, 0.25)])
def test_random_expected_shares_exact_per_history_length(ratios):
    # For every history length d with d * r_train >= 1 the mean share of each part over
    # many users must match its ratio within 4.5 standard errors of that mean.
    degrees = [d for d in range(1, 13) if d * ratios[0] >= 1]
    n_each = 6000
    data, deg = short_histories(degrees, n_each)
    s = split(data, "random", ratios=ratios, seed=7)
    assert s.report["dropped_unseen_items"] == 0
    counts = [s.train.user_degrees(), s.valid.user_degrees(), s.test.user_degrees()]
    assert (counts[0] >= 1).all()
    for d in degrees:
        users = deg == d
        for part, (c, r) in enumerate(zip(counts, ratios)):
            share = c[users] / d
            se = share.std(ddof=1) / np.sqrt(n_each)
            assert abs(share.mean() - r) <= 4.5 * se + 1e-12, (d, part, share.mean(), r)


def test_random_valid_and_test_are_symmetric_for_equal_ratios():
    # Same distribution of per-user counts (not just the same mean) for every length.
    data, deg = short_histories(range(1, 9), 6000, seed=1)
    s = split(data, "random", ratios=(0.8, 0.1, 0.1), seed=3)
    v, t = s.valid.user_degrees(), s.test.user_degrees()
    for d in range(1, 9):
        users = deg == d
        for k in range(d):
            pv, pt = (v[users] == k).mean(), (t[users] == k).mean()
            p = (pv + pt) / 2
            se = np.sqrt(max(p * (1 - p), 1e-12) * 2 / users.sum())
            assert abs(pv - pt) <= 4.5 * se, (d, k, pv, pt)
    assert (v[deg == 1] == 0).all() and (t[deg == 1] == 0).all()  # the one stays in train


def test_random_short_histories_below_one_training_share_keep_one():
    # d * r_train < 1: at most d - 1 held out, shared between valid and test
    data, deg = short_histories([1, 2, 3], 3000, seed=2)
    s = split(data, "random", ratios=(0.2, 0.4, 0.4), seed=0)
    train, v, t = s.train.user_degrees(), s.valid.user_degrees(), s.test.user_degrees()
    assert (train >= 1).all() and ((train + v + t) == deg).all()
    two = deg == 2
    assert abs(v[two].mean() - t[two].mean()) < 0.05  # symmetric


def test_describe_on_a_hand_checked_split():
    from graphrec.data.interactions import Interactions
    from graphrec.data.split import Split

    ids = dict(user_ids=np.arange(3), item_ids=np.arange(4))
    # training counts per item: 3, 2, 1, 0
    train = Interactions.from_coo([0, 0, 1, 1, 2, 2], [0, 1, 0, 2, 0, 1], **ids)
    valid = Interactions.from_coo([1], [1], **ids)  # item 1: 2 training rows
    test = Interactions.from_coo([0, 2, 2], [3, 2, 3], **ids)  # items 3, 2, 3: 0, 1, 0
    table = Split(train, valid, test).describe()
    assert table.index.tolist() == ["train", "valid", "test"]
    # train: the rows (0,0) (0,1) (1,0) (1,2) (2,0) (2,1) have 2, 1, 2, 0, 2, 1 other rows
    assert table.loc["train", "train_popularity"] == pytest.approx(8 / 6)
    assert table.loc["valid", "train_popularity"] == 2.0
    assert table.loc["valid", "popularity_vs_train"] == pytest.approx(2 / (8 / 6))
    assert table.loc["test", "train_popularity"] == pytest.approx(1 / 3)
    assert table.loc["test", "cold_share"] == pytest.approx(2 / 3)
    assert table.loc["test", "users"] == 2 and table.loc["test", "items_per_user"] == 1.5
    # the top 1% of 4 items is the most popular one (item 0): half of train's rows
    assert table.loc["train", "top1pct_share"] == pytest.approx(0.5)
    assert table.loc["test", "top1pct_share"] == 0.0
    no_valid = Split(train, None, test).describe()
    assert no_valid.index.tolist() == ["train", "test"]


def test_describe_tells_a_random_split_from_a_popularity_skewed_one(data):
    s = split(data, "random", seed=0)
    table = s.describe()
    assert abs(table.loc["valid", "popularity_vs_train"] - 1) < 0.05
    assert abs(table.loc["test", "popularity_vs_train"] - 1) < 0.05
    # the same test rows restricted to the more popular half of the items
    from graphrec.data.split import Split

    counts = s.train.item_degrees()
    keep = counts[s.test.matrix.indices] >= np.median(counts)  # over the CSR entries
    skewed = Split(s.train, s.valid, s.test.filter(keep)).describe()
    assert skewed.loc["test", "popularity_vs_train"] > 1.2


def test_describe_edge_cases():
    from graphrec.data.interactions import Interactions
    from graphrec.data.split import Split

    ids = dict(user_ids=np.arange(2), item_ids=np.arange(200))
    # every item once: tied counts, the top 1% is ceil(2) = 2 items (ids 0 and 1), and
    # train's own mean of *other* rows is 0, so the others' ratio is undefined
    train = Interactions.from_coo(np.repeat([0, 1], 100), np.arange(200), **ids)
    empty = Interactions.from_coo([], [], **ids)
    test = Interactions.from_coo([0, 1], [150, 1], **ids)
    table = Split(train, empty, test).describe()
    assert table.loc["train", "top1pct_share"] == pytest.approx(2 / 200)
    assert table.loc["test", "top1pct_share"] == 0.5  # item 1 is among the 2
    assert table.loc["train", "popularity_vs_train"] == 1.0
    assert np.isnan(table.loc["test", "popularity_vs_train"])
    assert table.loc["valid", "interactions"] == 0
    assert table.loc["valid", ["train_popularity", "cold_share", "items_per_user"]].isna().all()
    other = Interactions.from_coo([0], [0], user_ids=np.arange(2), item_ids=np.arange(3))
    with pytest.raises(ValueError, match=r"split\.test has another user / item space"):
        Split(train, None, other).describe()
