"""The csv loader reads ids as labels and refuses weights that are not interactions."""

import warnings

import pandas as pd
import pytest

from graphrec.data.loaders import load_csv
from graphrec.data.preprocess import clean_frame


def _write(tmp_path, text, name="r.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ids_are_the_text_in_the_file(tmp_path):
    path = _write(tmp_path, "user,item\n007,0345339703\n7,0440998691\n")
    data = load_csv(path)
    assert data.n_users == 2
    assert data.user_ids.tolist() == ["007", "7"]
    assert data.item_ids.tolist() == ["0345339703", "0440998691"]


def test_text_ids_keep_na_like_labels_and_strip_spaces(tmp_path):
    path = _write(tmp_path, "user,item\nNA, null\nNone,x\n,y\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_csv(path)
    assert data.user_ids.tolist() == ["NA", "None"]  # an empty field is the missing id
    assert data.item_ids.tolist() == ["null", "x"]
    assert data.meta["report"]["missing_ids_dropped"] == 1


def test_integer_ids_on_request(tmp_path):
    path = _write(tmp_path, "user,item\n1,10\n2,10\n")
    data = load_csv(path, ids="int")
    assert data.user_ids.tolist() == [1, 2] and data.user_ids.dtype.kind == "i"


def test_integer_ids_refuse_two_spellings_of_one_number(tmp_path):
    path = _write(tmp_path, "user,item\n007,0345339703\n7,0440998691\n")
    with pytest.raises(ValueError, match=r"r.csv: user ids '007' \(line 2\) and '7' \(line 3\)"):
        load_csv(path, ids="int")


def test_integer_ids_refuse_a_label(tmp_path):
    path = _write(tmp_path, "user,item\n1,10\nbob,10\n")
    with pytest.raises(ValueError, match=r"r.csv line 3, column 'user': expected an integer"):
        load_csv(path, ids="int")


def test_same_user_and_item_column_is_refused(tmp_path):
    path = _write(tmp_path, "user,item\n1,10\n")
    with pytest.raises(ValueError, match="user_col and item_col are both 'user'"):
        load_csv(path, item_col="user")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e300", "-1e39"])
def test_non_finite_weights_name_the_line(tmp_path, value):
    path = _write(tmp_path, f"user,item,r\na,1,5\n\nb,2,{value}\n")
    with pytest.raises(
        ValueError, match=r"r.csv line 4, column 3 \('r'\): expected a (finite weight|number)"
    ):
        load_csv(path, rating_col="r")


def test_zero_and_negative_weights_are_dropped_and_reported(tmp_path):
    path = _write(tmp_path, "user,item,r\na,1,5\nb,2,0\nc,1,-3\n")
    with pytest.warns(UserWarning, match="dropped 2 row.s. whose weight is zero or negative"):
        data = load_csv(path, rating_col="r")
    assert data.nnz == 1 and data.user_ids.tolist() == ["a"]
    assert data.meta["report"]["nonpositive_weights_dropped"] == 2


def test_only_nonpositive_weights_is_an_error(tmp_path):
    path = _write(tmp_path, "user,item,r\na,1,0\nb,2,-1\n")
    with pytest.raises(ValueError, match="every weight in column 'r' is zero or negative"):
        load_csv(path, rating_col="r")


def test_frames_refuse_non_finite_weights_by_row():
    df = pd.DataFrame({"user": [1, 2], "item": [1, 1], "w": [1.0, float("inf")]})
    with pytest.raises(ValueError, match=r"data frame row 1, column 'w': expected a finite"):
        clean_frame(df, rating_col="w")
