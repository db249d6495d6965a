import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from graphrec.data.interactions import Interactions
from graphrec.data.preprocess import (
    binarize,
    clean_frame,
    is_count_column,
    k_core,
    resolve_duplicates,
)


def frame():
    return pd.DataFrame(
        {
            "u": [1, 1, 1, 2, None, 3],
            "i": [7, 7, 8, 7, 9, None],
            "r": [2.0, 5.0, 3.0, 4.0, 1.0, 1.0],
            "t": [10, 20, 30, 40, 50, 60],
        }
    )


@pytest.mark.parametrize(
    ("mode", "weight"),
    [("sum", 7.0), ("max", 5.0), ("first", 2.0), ("last", 5.0), ("drop", 2.0)],
)
def test_duplicate_modes(mode, weight):
    with pytest.warns(UserWarning, match="dropped 2 row"):
        out, report = clean_frame(frame(), "u", "i", "r", "t", duplicates=mode)
    assert report["missing_ids_dropped"] == 2
    assert report["duplicates_merged"] == 1
    row = out[(out.u == 1) & (out.i == 7)]
    assert row["r"].tolist() == [weight]
    assert out["u"].dtype.kind == "i"  # float ids from missing values are restored


def test_count_mode_becomes_weight():
    with pytest.warns(UserWarning, match="by counting them"):
        data = Interactions.from_frame(frame(), "u", "i", duplicates="count")
    assert data.matrix.toarray().tolist() == [[2.0, 1.0], [1.0, 0.0]]


def re_rated():
    """User 1 rates item 7 with 4, then (later, but earlier in the file) with 5."""
    return pd.DataFrame(
        {"u": [1, 1, 2, 1], "i": [7, 8, 7, 7], "stars": [5.0, 3.0, 2.0, 4.0], "t": [30, 5, 6, 10]}
    )


def test_auto_keeps_the_latest_rating():
    with pytest.warns(UserWarning, match=r"merged 1 repeated .* keeping the last"):
        data = Interactions.from_frame(re_rated(), "u", "i", "stars", "t")
    assert data.matrix.toarray().tolist() == [[5.0, 3.0], [2.0, 0.0]]  # not 4 + 5 = 9
    assert sorted(data.timestamps.tolist()) == [5, 6, 30]
    report = data.meta["report"]
    assert report["duplicates"] == "last" and report["duplicates_merged"] == 1
    with pytest.warns(UserWarning):  # without a time column: the last row
        no_time = Interactions.from_frame(re_rated(), "u", "i", "stars")
    assert no_time.matrix.toarray()[0].tolist() == [4.0, 3.0]
    with pytest.warns(UserWarning, match="by summing"):  # summing stays available
        summed = Interactions.from_frame(re_rated(), "u", "i", "stars", duplicates="sum")
    assert summed.matrix.toarray()[0].tolist() == [9.0, 3.0]


def test_auto_sums_counts_and_counts_rows_without_rating():
    plays = re_rated().rename(columns={"stars": "plays"})
    with pytest.warns(UserWarning, match="by summing"):
        data = Interactions.from_frame(plays, "u", "i", "plays")
    assert data.matrix.toarray().tolist() == [[9.0, 3.0], [2.0, 0.0]]
    assert data.meta["report"]["duplicates"] == "sum"
    with pytest.warns(UserWarning, match="by counting"):
        events = Interactions.from_frame(re_rated(), "u", "i", time_col="t")
    assert events.matrix.toarray().tolist() == [[2.0, 1.0], [1.0, 0.0]]
    assert sorted(events.timestamps.tolist()) == [5, 6, 30]  # the latest of each pair


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("playcount", True),
        ("play_count", True),
        ("n_plays", True),
        ("userViews", True),
        ("clicks", True),
        ("n", True),
        ("rating", False),
        ("stars", False),
        ("review_score", False),
        ("weight", False),
        (2, False),
    ],
)
def test_count_columns_are_recognised_by_name(name, counts):
    assert is_count_column(name) is counts
    assert resolve_duplicates("auto", name) == ("sum" if counts else "last")


def test_clean_data_gives_no_warning():
    import warnings

    df = pd.DataFrame({"u": [1, 2], "i": [7, 7], "stars": [4.0, 5.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, report = clean_frame(df, "u", "i", "stars")
    assert report["missing_ids_dropped"] == report["duplicates_merged"] == 0


def test_duplicates_error_and_bad_mode():
    with pytest.raises(ValueError, match="duplicate"):
        clean_frame(frame(), "u", "i", duplicates="error")
    with pytest.raises(ValueError, match="duplicates must be one of"):
        clean_frame(frame(), "u", "i", duplicates="mean")


def test_missing_column_named():
    with pytest.raises(ValueError, match=r"ratings.csv: missing column\(s\) \['rating'\]"):
        clean_frame(frame(), "u", "i", "rating", source="ratings.csv")


def test_non_numeric_rating_names_row():
    df = frame().assign(r=["1", "2", "x", "4", "5", "6"])
    with pytest.raises(ValueError, match="column 'r' must be numeric; row 2 has 'x'"):
        clean_frame(df, "u", "i", "r")


def test_binarize_threshold():
    data = Interactions(sp.csr_array([[5.0, 3.0, 4.0], [1.0, 0.0, 0.0]]), [0, 1], [0, 1, 2])
    out = binarize(data, threshold=4)
    assert out.matrix.toarray().tolist() == [[1, 0, 1], [0, 0, 0]]
    assert out.meta["preprocessing"][-1]["dropped"] == 2


def test_k_core_is_iterative():
    # user 2 has one item; removing it leaves item 2 with one user, which must go too,
    # which leaves user 1 with one item, which must go too
    m = np.array(
        [
            [1, 1, 0],
            [1, 1, 1],
            [0, 0, 1],
            [1, 1, 0],
        ],
        dtype=float,
    )
    data = Interactions(sp.csr_array(m), ["a", "b", "c", "d"], ["x", "y", "z"])
    out = k_core(data, 2, 2)
    assert out.user_ids.tolist() == ["a", "b", "d"]
    assert out.item_ids.tolist() == ["x", "y"]
    assert (out.user_degrees() >= 2).all() and (out.item_degrees() >= 2).all()
    step = out.meta["preprocessing"][-1]
    assert step["users_removed"] == 1 and step["items_removed"] == 1


def test_k_core_bad_argument():
    data = Interactions(sp.csr_array(np.ones((2, 2))), [0, 1], [0, 1])
    with pytest.raises(ValueError, match="min_user_interactions"):
        k_core(data, -1, 2)


def test_filters_that_remove_everything_raise():
    data = Interactions(sp.csr_array([[5.0, 3.0, 4.0], [1.0, 0.0, 0.0]]), [0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match=r"binarize\(threshold=100\) removed every interaction"):
        binarize(data, 100)
    with pytest.raises(
        ValueError,
        match=r"k_core\(min_user_interactions=1000, min_item_interactions=1000\) removed every "
        r"interaction.*lower min_user_interactions / min_item_interactions",
    ):
        k_core(data, 1000, 1000)
    df = pd.DataFrame({"u": [None, None], "i": [1, 2]})
    with pytest.raises(ValueError, match=r"ratings.csv: every row \(2\) lacks a 'u' or 'i' id"):
        clean_frame(df, "u", "i", source="ratings.csv")
    empty, report = clean_frame(df.iloc[:0], "u", "i")  # nothing to start with: no error
    assert len(empty) == 0 and report["rows"] == 0
