import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.data.interactions import Interactions
from graphrec.data.split import split
from graphrec.data.synthetic import planted_communities


@pytest.fixture(scope="module")
def data():
    return planted_communities(400, 200, 4, mean_degree=15, seed=1).data


def users_of(part):
    return set(np.flatnonzero(part.user_degrees() > 0).tolist())


def test_held_out_users_keep_everything_and_train_rows_are_empty(data):
    s = split(data, "user_holdout", test_users=0.1, valid_users=0.1, seed=0)
    test_u, valid_u, train_u = users_of(s.test), users_of(s.valid), users_of(s.train)
    assert len(test_u) == 40 and len(valid_u) == 40  # 10% of 400 users each
    assert not (test_u & valid_u) and not (test_u & train_u) and not (valid_u & train_u)
    assert len(train_u) == 320
    deg = data.user_degrees()
    dropped = s.report["dropped_unseen_items"]
    # training users keep all their interactions; held-out users all theirs (minus drops)
    assert all(s.train.user_degrees()[u] == deg[u] for u in train_u)
    assert s.test.nnz + s.valid.nnz + dropped == sum(deg[u] for u in test_u | valid_u)
    assert s.train.same_space(data) and s.test.same_space(data) and s.valid.same_space(data)
    known = s.train.item_degrees() > 0
    assert known[s.test.matrix.indices].all() and known[s.valid.matrix.indices].all()
    assert s.report["test_users"] == 40 and s.report["train_users"] == 320


def test_integer_counts_and_no_validation(data):
    s = split(data, "user_holdout", test_users=7, valid_users=0, seed=2)
    assert len(users_of(s.test)) == 7 and s.valid is None
    assert s.train.nnz + s.test.nnz + s.report["dropped_unseen_items"] == data.nnz


def test_seeded_and_timestamps_carried(data):
    a = split(data, "user_holdout", seed=3)
    b = split(data, "user_holdout", seed=3)
    c = split(data, "user_holdout", seed=4)
    assert users_of(a.test) == users_of(b.test) != users_of(c.test)
    assert data.timestamps is not None
    for part in (a.train, a.valid, a.test):
        assert part.timestamps is not None and len(part.timestamps) == part.nnz
    # each held-out interaction keeps its own timestamp
    frame = data.to_frame(original_ids=False).set_index(["user", "item"])["timestamp"]
    got = a.test.to_frame(original_ids=False).set_index(["user", "item"])["timestamp"]
    assert (frame.loc[got.index] == got).all()


def test_items_only_held_out_users_have_are_dropped():
    # item 2 belongs only to user 2; whichever part user 2 lands in, it never is in train
    m = sp.csr_array(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 0]], np.float32))
    data = Interactions(m, np.arange(4), np.arange(3))
    for seed in range(10):
        s = split(data, "user_holdout", test_users=1, valid_users=1, seed=seed)
        known = s.train.item_degrees() > 0
        assert known[s.test.matrix.indices].all()
        held = s.test.nnz + s.valid.nnz + s.report["dropped_unseen_items"]
        assert held + s.train.nnz == data.nnz


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"test_users": 0.6, "valid_users": 0.4}, "below 1"),
        ({"test_users": 0.5, "valid_users": 0.5}, "below 1"),
        ({"test_users": 1.5}, "test_users must be a fraction"),
        ({"test_users": 0.0}, "test_users must be a fraction"),
        ({"test_users": 0}, "test_users must be"),
        ({"test_users": -3}, "test_users must be"),
        ({"valid_users": -0.1}, "valid_users must be a fraction"),
        ({"test_users": "10%"}, "test_users must be a fraction"),
        ({"test_users": True}, "test_users must be a fraction"),
        ({"test_users": 0.001}, "rounds to no user"),
        ({"test_users": 300, "valid_users": 100}, "at least one must stay in train"),
    ],
)
def test_bad_parameters_name_the_parameter(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        split(data, "user_holdout", seed=0, **kwargs)


def test_user_counts_apply_to_user_holdout_only(data):
    with pytest.raises(ValueError, match="test_users applies to method='user_holdout' only"):
        split(data, "random", test_users=0.1)
