import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from graphrec.data.interactions import Interactions


@pytest.fixture
def small():
    df = pd.DataFrame(
        {
            "user": ["b", "a", "a", "c", "b"],
            "item": [20, 10, 30, 10, 10],
            "rating": [4.0, 5.0, 1.0, 3.0, 2.0],
            "time": [5, 1, 2, 3, 4],
        }
    )
    return Interactions.from_frame(df, rating_col="rating", time_col="time")


def test_from_frame_indexes_sorted_ids(small):
    assert small.user_ids.tolist() == ["a", "b", "c"]
    assert small.item_ids.tolist() == [10, 20, 30]
    assert small.matrix.toarray().tolist() == [[5, 0, 1], [2, 4, 0], [3, 0, 0]]


def test_timestamps_follow_csr_entries(small):
    frame = small.to_frame()
    lookup = {("b", 20): 5, ("a", 10): 1, ("a", 30): 2, ("c", 10): 3, ("b", 10): 4}
    for row in frame.itertuples():
        assert lookup[(row.user, row.item)] == row.timestamp


def test_id_mapping_round_trip(small):
    idx = small.user_index(["c", "a"])
    assert idx.tolist() == [2, 0]
    assert small.user_ids[idx].tolist() == ["c", "a"]
    assert small.item_index(30).tolist() == [2]
    with pytest.raises(ValueError, match="unknown user id"):
        small.user_index(["zz"])


def test_degrees_and_repr(small):
    assert small.user_degrees().tolist() == [2, 2, 1]
    assert small.item_degrees().tolist() == [3, 1, 1]
    assert "3 users x 3 items, 5 interactions" in repr(small)


def test_filter_keeps_index_space(small):
    part = small.filter(small.matrix.data > 2)
    assert part.shape == small.shape
    assert part.nnz == 3
    assert part.same_space(small)
    assert sorted(part.timestamps.tolist()) == [1, 3, 5]


def test_add_is_union_with_max_weight(small):
    low = small.filter(small.matrix.data <= 3)
    high = small.filter(small.matrix.data >= 3)
    total = low + high
    assert total.nnz == small.nnz
    np.testing.assert_array_equal(total.matrix.toarray(), small.matrix.toarray())
    np.testing.assert_array_equal(np.sort(total.timestamps), np.sort(small.timestamps))


def test_add_rejects_other_space(small):
    other = Interactions(sp.csr_array(np.ones((2, 2))), [0, 1], [0, 1])
    with pytest.raises(ValueError, match="same users and items"):
        small + other


def test_subset_reindexes_everything(small):
    sub = small.subset(users=[1, 2], items=[0])
    assert sub.user_ids.tolist() == ["b", "c"]
    assert sub.item_ids.tolist() == [10]
    assert sub.matrix.toarray().tolist() == [[2], [3]]
    assert sorted(sub.timestamps.tolist()) == [3, 4]


def test_binary_sets_weights_to_one(small):
    assert set(small.binary().matrix.data.tolist()) == {1.0}
    assert set(small.matrix.data.tolist()) != {1.0}  # input untouched


def test_shape_mismatch_errors():
    with pytest.raises(ValueError, match="user_ids has 1 entries"):
        Interactions(sp.csr_array(np.ones((2, 2))), [0], [0, 1])
    with pytest.raises(ValueError, match="timestamps must have one value"):
        Interactions(sp.csr_array(np.ones((2, 2))), [0, 1], [0, 1], timestamps=[1, 2])
    with pytest.raises(ValueError, match="user_graph has shape"):
        Interactions(sp.csr_array(np.ones((2, 2))), [0, 1], [0, 1], user_graph=sp.eye_array(3))


def test_from_coo_rejects_duplicates():
    with pytest.raises(ValueError, match="duplicate interaction"):
        Interactions.from_coo([0, 0], [1, 1], user_ids=[0], item_ids=[0, 1])


# ------------------------------------------------------------ timestamps follow entries
def unsorted_csr_with_times():
    """Two users whose column indices are stored out of order, with known timestamps."""
    truth = {
        **{(0, 3): 400, (0, 0): 100, (0, 2): 300, (0, 1): 200},
        **{(1, 2): 50, (1, 0): 70, (1, 3): 10, (1, 1): 60},
    }
    indptr = np.array([0, 4, 8])
    indices = np.array([3, 0, 2, 1, 2, 0, 3, 1])
    ts = np.array([truth[(0, c)] for c in indices[:4]] + [truth[(1, c)] for c in indices[4:]])
    weights = np.arange(1.0, 9.0)
    matrix = sp.csr_array((weights, indices, indptr), shape=(2, 4))
    assert not matrix.has_canonical_format
    return matrix, ts, truth


def test_non_canonical_csr_keeps_each_timestamp_with_its_entry():
    matrix, ts, truth = unsorted_csr_with_times()
    dense = matrix.toarray()
    data = Interactions(matrix, ["u0", "u1"], ["a", "b", "c", "d"], timestamps=ts)
    assert data.matrix.has_canonical_format
    np.testing.assert_array_equal(data.matrix.toarray(), dense)
    users, items, _, times = data.coo()
    assert {(int(u), int(i)): int(t) for u, i, t in zip(users, items, times)} == truth


@pytest.mark.parametrize("fmt", ["coo", "csc"])
def test_other_sparse_formats_keep_timestamps(fmt):
    matrix, ts, truth = unsorted_csr_with_times()
    other = matrix.tocoo() if fmt == "coo" else sp.csc_array(matrix)
    coo = other.tocoo()
    times = ts if fmt == "coo" else np.array([truth[(r, c)] for r, c in zip(coo.row, coo.col)])
    data = Interactions(other, [0, 1], [0, 1, 2, 3], timestamps=times)
    users, items, _, out = data.coo()
    assert {(int(u), int(i)): int(t) for u, i, t in zip(users, items, out)} == truth


def test_temporal_split_of_a_non_canonical_csr_is_right():
    from graphrec.data.split import split

    matrix, ts, _ = unsorted_csr_with_times()
    data = Interactions(matrix, [0, 1], [0, 1, 2, 3], timestamps=ts)
    s = split(data, "leave_one_out", leave_out="last", seed=0)
    # the latest item of each user to test, the one before to valid
    assert s.report["dropped_unseen_items"] == 0
    assert s.test.matrix.toarray().nonzero()[1].tolist() == [3, 0]
    assert s.valid.matrix.toarray().nonzero()[1].tolist() == [2, 1]
    assert s.test.timestamps.tolist() == [400, 70] and s.valid.timestamps.tolist() == [300, 60]
    t = split(data, "temporal", ratios=(0.5, 0.25, 0.25), seed=0)
    assert t.train.matrix.toarray().nonzero()[1].tolist() == [0, 1, 2, 3]
    assert sorted(t.train.timestamps.tolist()) == [10, 50, 100, 200]


def test_repeated_entries_with_timestamps_are_refused():
    matrix = sp.csr_array((np.array([4.0, 5.0]), np.array([1, 1]), np.array([0, 2])), shape=(1, 2))
    with pytest.raises(ValueError, match=r"\(user index 0, item index 1\) more than once"):
        Interactions(matrix, [0], [0, 1], timestamps=[10, 20])
    with pytest.raises(ValueError, match="whose entries have no fixed order"):
        Interactions(sp.dok_array(np.eye(2)), [0, 1], [0, 1], timestamps=[1, 2])
