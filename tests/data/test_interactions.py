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
