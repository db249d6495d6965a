"""Tests of the dataset loaders and the cached download (no network: file:// URLs)."""

from __future__ import annotations

import hashlib
import logging
import sys
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pytest

from graphrec.data import download as download_mod
from graphrec.data.datasets import _common as loaders
from graphrec.data.download import Archive, download
from graphrec.data.interactions import Interactions
from graphrec.data.loaders import (
    ML100K_GENRES,
    load_csv,
    load_dataset,
    load_lastfm_hetrec,
    load_lightgcn,
    load_movielens_1m,
    load_movielens_100k,
    load_movielens_latest,
)
from graphrec.data.split import Split


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def item_line(item: int, title: str, genres: tuple[str, ...], date: str = "01-Jan-1995") -> str:
    flags = "|".join("1" if g in genres else "0" for g in ML100K_GENRES)
    return f"{item}|{title}|{date}||http://x/{item}|{flags}\n"


@pytest.fixture
def ml100k(tmp_path: Path) -> Path:
    folder = tmp_path / "ml-100k"
    write(folder, "u.data", "1\t10\t5\t100\n1\t20\t3\t200\n\n2\t10\t4\t300\n3\t30\t1\t400\n")
    write(
        folder,
        "u.item",
        item_line(10, "Toy Story (1995)", ("Animation", "Comedy"))
        + item_line(20, "Café Society (1995)", ("Drama",))
        + item_line(30, "Nowhere", (), date=""),
        encoding="latin-1",
    )
    write(folder, "u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n3|17|M|student|T8H1N\n")
    return folder


# ---------------------------------------------------------------------------- MovieLens 100K
def test_movielens_100k(ml100k: Path) -> None:
    data = load_movielens_100k(ml100k)
    assert data.shape == (3, 3) and data.nnz == 4
    assert data.user_ids.tolist() == [1, 2, 3] and data.item_ids.tolist() == [10, 20, 30]
    assert data.matrix.toarray().tolist() == [[5, 3, 0], [4, 0, 0], [0, 0, 1]]
    assert data.timestamps.tolist() == [100, 200, 300, 400]
    items = data.item_features
    assert items["genres"].tolist() == [["Animation", "Comedy"], ["Drama"], []]
    assert items["title"].tolist()[1] == "Café Society (1995)"  # latin-1
    assert items["year"].tolist()[:2] == [1995, 1995]
    assert str(items["release_date"].iloc[0].date()) == "1995-01-01"
    assert items["release_date"].isna().tolist() == [False, False, True]
    users = data.user_features
    assert users["age_band"].tolist() == ["18-24", "50-55", "<18"]
    assert users["occupation"].tolist() == ["technician", "other", "student"]
    assert users["zip"].tolist()[2] == "T8H1N"
    assert data.meta["name"] == "movielens-100k" and data.meta["source"] == str(ml100k)
    assert data.meta["report"]["interactions"] == 4


def test_movielens_100k_side_files_are_optional(ml100k: Path, caplog) -> None:
    (ml100k / "u.item").unlink()
    with caplog.at_level(logging.WARNING):
        data = load_movielens_100k(ml100k)
    assert data.item_features is None and data.user_features is not None
    assert "u.item not found" in caplog.text


def test_features_align_with_the_index(ml100k: Path) -> None:
    write(ml100k, "u.user", "2|53|F|other|94043\n1|24|M|technician|85711\n9|30|F|x|1\n")
    data = load_movielens_100k(ml100k)
    users = data.user_features
    assert users["age"].tolist()[:2] == [24, 53]  # index order, not file order
    assert users["age"].isna().tolist() == [False, False, True]  # user 3 has no row
    assert data.meta["report"]["users_without_features"] == 1


def test_duplicate_ratings_keep_the_latest(ml100k: Path) -> None:
    write(ml100k, "u.data", "1\t10\t5\t100\n1\t10\t2\t300\n1\t10\t4\t200\n")
    with pytest.warns(UserWarning, match=r"merged 2 repeated .* keeping the last"):
        data = load_movielens_100k(ml100k)
    assert data.nnz == 1 and data.matrix.data.tolist() == [2.0]
    assert data.meta["report"]["duplicates_merged"] == 2


# ---------------------------------------------------------------------------- errors
def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"path .*nowhere does not exist"):
        load_movielens_100k(tmp_path / "nowhere")


def test_path_is_a_file(ml100k: Path) -> None:
    with pytest.raises(ValueError, match=r"u\.data is a file; expected the folder"):
        load_movielens_100k(ml100k / "u.data")


def test_missing_required_file_lists_the_folder(ml100k: Path) -> None:
    (ml100k / "u.data").unlink()
    with pytest.raises(FileNotFoundError, match=r"required file u\.data .*files there: u\.item"):
        load_movielens_100k(ml100k)


def test_empty_file(ml100k: Path) -> None:
    write(ml100k, "u.data", "\n  \n")
    with pytest.raises(ValueError, match=r"u\.data is empty"):
        load_movielens_100k(ml100k)


def test_wrong_field_count_names_file_and_line(ml100k: Path) -> None:
    write(ml100k, "u.data", "1\t10\t5\t100\n1\t20\t3\t200\n1\t30\n")
    with pytest.raises(ValueError) as err:
        load_movielens_100k(ml100k)
    expected = (
        "u.data line 3: expected 4 tab-separated fields (user, item, rating, timestamp), got 2"
    )
    assert expected in str(err.value)
    # no pandas traceback chained to the message
    assert err.value.__context__ is None or err.value.__suppress_context__


def test_too_many_fields(ml100k: Path) -> None:
    write(ml100k, "u.data", "1\t10\t5\t100\n1\t20\t3\t200\t7\n")
    with pytest.raises(ValueError, match=r"u\.data line 2: expected 4 tab-separated .* got 5"):
        load_movielens_100k(ml100k)


def test_line_numbers_count_blank_lines(ml100k: Path) -> None:
    write(ml100k, "u.data", "1\t10\t5\t100\n\n\n1\t20\tabc\t200\n")
    with pytest.raises(ValueError, match=r"u\.data line 4, column 3 \(rating\): expected a number"):
        load_movielens_100k(ml100k)


def test_non_numeric_id(ml100k: Path) -> None:
    write(ml100k, "u.data", "1\t10\t5\t100\nbob\t20\t3\t200\n")
    with pytest.raises(
        ValueError, match=r"u\.data line 2, column 1 \(user\): expected an integer, got 'bob'"
    ):
        load_movielens_100k(ml100k)


def test_missing_rating_value(ml100k: Path) -> None:
    write(ml100k, "u.data", "1\t10\t5\t100\n1\t20\t\t200\n")
    with pytest.raises(ValueError, match=r"line 2, column 3 \(rating\): expected a number, got ''"):
        load_movielens_100k(ml100k)


def test_malformed_side_file(ml100k: Path) -> None:
    write(ml100k, "u.user", "1|24|M|technician|85711\n2|53|F\n")
    with pytest.raises(ValueError, match=r"u\.user line 2: expected 5 '\|'-separated fields"):
        load_movielens_100k(ml100k)
    write(ml100k, "u.item", item_line(10, "A", ()).replace("|0|", "|x|", 1))
    with pytest.raises(ValueError, match=r"u\.item line 1, column 6 \(unknown\): expected an int"):
        load_movielens_100k(ml100k)


def test_invalid_encoding(ml100k: Path) -> None:
    (ml100k / "u.data").write_bytes(b"1\t10\t5\t100\n1\t2\xff\t3\t200\n")
    with pytest.raises(ValueError, match=r"u\.data line 2: not valid utf-8"):
        load_movielens_100k(ml100k)


# ---------------------------------------------------------------------------- MovieLens 1M / latest
def test_movielens_1m(tmp_path: Path) -> None:
    write(tmp_path, "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::9\n")
    write(
        tmp_path,
        "movies.dat",
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
        "661::Star Wars: Episode I (1999)::Action|Sci-Fi\n",
        encoding="latin-1",
    )
    write(tmp_path, "users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
    data = load_movielens_1m(tmp_path)
    assert data.shape == (2, 2) and data.item_ids.tolist() == [661, 1193]
    assert data.matrix.toarray().tolist() == [[3, 5], [0, 4]]
    assert data.item_features["title"].tolist()[0] == "Star Wars: Episode I (1999)"
    assert data.item_features["genres"].tolist() == [["Action", "Sci-Fi"], ["Drama"]]
    assert data.user_features["age_band"].tolist() == ["<18", "56+"]
    assert data.user_features["occupation"].tolist() == ["K-12 student", "self-employed"]
    assert data.meta["name"] == "movielens-1m"


def test_movielens_1m_malformed_line(tmp_path: Path) -> None:
    write(tmp_path, "ratings.dat", "1::1193::5::978300760\n1::661:3::978302109\n")
    with pytest.raises(ValueError, match=r"ratings\.dat line 2: expected 4 '::'-separated fields"):
        load_movielens_1m(tmp_path)


def test_movielens_latest(tmp_path: Path) -> None:
    write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.5,10\n1,2,3.0,20\n")
    write(
        tmp_path,
        "movies.csv",
        'movieId,title,genres\n1,"American President, The (1995)",Comedy|Romance\n'
        "2,Nothing (2000),(no genres listed)\n",
    )
    write(
        tmp_path,
        "tags.csv",
        "userId,movieId,tag,timestamp\n1,1,funny,1\n2,1,politics,2\n3,1,politics,3\n"
        '4,1,"dark, funny",4\n5,1, funny ,5\n',
    )
    data = load_movielens_latest(tmp_path)
    assert data.matrix.toarray().tolist() == [[4.5, 3.0]]
    items = data.item_features
    assert items["title"].tolist()[0] == "American President, The (1995)"
    assert items["genres"].tolist() == [["Comedy", "Romance"], []]
    assert items["tags"].tolist() == [["funny", "politics", "dark, funny"], []]
    (tmp_path / "tags.csv").unlink()
    assert "tags" not in load_movielens_latest(tmp_path).item_features.columns


def test_movielens_latest_errors(tmp_path: Path) -> None:
    write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n")
    with pytest.raises(ValueError, match=r"ratings\.csv has a header line but no data rows"):
        load_movielens_latest(tmp_path)
    write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.5,10\n1,2,good,20\n")
    with pytest.raises(ValueError, match=r"ratings\.csv line 3, column 3 \(rating\)"):
        load_movielens_latest(tmp_path)


def test_movielens_latest_reads_columns_by_header_name(tmp_path: Path) -> None:
    # the same ratings with the columns in another order (and an extra column)
    write(
        tmp_path,
        "ratings.csv",
        "movieId,timestamp,extra,rating,userId\n1,10,x,4.5,7\n2,20,y,3.0,7\n2,30,z,1.0,8\n",
    )
    write(
        tmp_path, "movies.csv", 'genres,movieId,title\nComedy,1,"A, B (1995)"\nDrama,2,C (2000)\n'
    )
    write(tmp_path, "tags.csv", "tag,timestamp,movieId,userId\nfunny,1,1,7\n")
    data = load_movielens_latest(tmp_path)
    assert data.user_ids.tolist() == [7, 8] and data.item_ids.tolist() == [1, 2]
    assert data.matrix.toarray().tolist() == [[4.5, 3.0], [0.0, 1.0]]
    assert sorted(data.timestamps.tolist()) == [10, 20, 30]
    items = data.item_features
    assert items["title"].tolist() == ["A, B (1995)", "C (2000)"]
    assert items["genres"].tolist() == [["Comedy"], ["Drama"]]
    assert items["tags"].tolist() == [["funny"], []]


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        ("ratings.csv", "userId,itemId,rating,timestamp\n1,1,4.5,10\n", "movieId"),
        ("ratings.csv", "userId,movieId,timestamp\n1,1,10\n", "rating"),
        ("movies.csv", "movieId,name,genres\n1,A,Drama\n", "title"),
        ("tags.csv", "userId,movieId,label,timestamp\n1,1,funny,1\n", "tag"),
    ],
)
def test_movielens_latest_missing_column_is_named(
    tmp_path: Path, name: str, text: str, column: str
) -> None:
    write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.5,10\n")
    write(tmp_path, "movies.csv", "movieId,title,genres\n1,A (1995),Drama\n")
    write(tmp_path, "tags.csv", "userId,movieId,tag,timestamp\n1,1,funny,1\n")
    write(tmp_path, name, text)
    with pytest.raises(ValueError, match=rf"{name}: the header line has no column '{column}'"):
        load_movielens_latest(tmp_path)


def test_movielens_latest_bad_values_named_by_header(tmp_path: Path) -> None:
    write(tmp_path, "ratings.csv", "rating,userId,movieId,timestamp\n4.5,1,1,10\ngood,1,2,20\n")
    with pytest.raises(
        ValueError, match=r"ratings\.csv line 3, column 1 \(rating\): expected a num"
    ):
        load_movielens_latest(tmp_path)
    write(tmp_path, "ratings.csv", "rating,userId,movieId,timestamp\n4.5,1,1,10\n3,1,2\n")
    with pytest.raises(ValueError, match=r"ratings\.csv line 3: expected 4 comma-separated fields"):
        load_movielens_latest(tmp_path)


# ---------------------------------------------------------------------------- Last.fm
@pytest.fixture
def lastfm(tmp_path: Path) -> Path:
    folder = tmp_path / "lastfm"
    write(
        folder,
        "user_artists.dat",
        "userID\tartistID\tweight\r\n2\t51\t100\r\n2\t52\t7\r\n3\t51\t1\r\n",
    )
    write(folder, "user_friends.dat", "userID\tfriendID\r\n2\t3\r\n3\t2\r\n2\t99\r\n99\t2\r\n")
    write(
        folder,
        "artists.dat",
        'id\tname\turl\tpictureURL\n51\tThe "Quoted" Band\thttp://a\thttp://p\n'
        "garbage line\n52\tSigur Rós\thttp://b\t\n",
    )
    write(folder, "tags.dat", "tagID\ttagValue\r\n1\tmetal\r\n2\tpost-rock\r\n3\tbrütal\r\n",
          encoding="latin-1")  # fmt: skip
    write(
        folder,
        "user_taggedartists.dat",
        "userID\tartistID\ttagID\tday\tmonth\tyear\n2\t52\t2\t1\t1\t2008\n3\t52\t2\t1\t1\t2008\n"
        "2\t52\t3\t1\t1\t2008\n2\t51\t1\t1\t1\t2008\n",
    )
    return folder


def test_lastfm_hetrec(lastfm: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        data = load_lastfm_hetrec(lastfm)
    assert data.shape == (2, 2) and data.matrix.toarray().tolist() == [[100, 7], [1, 0]]
    graph = data.user_graph
    assert graph.shape == (2, 2) and graph.toarray().tolist() == [[0, 1], [1, 0]]
    report = data.meta["report"]
    assert report["friendships"] == 1 and report["friend_links_ignored"] == 2
    items = data.item_features
    assert items["name"].tolist() == ['The "Quoted" Band', "Sigur Rós"]
    assert items["tags"].tolist() == [["metal"], ["post-rock", "brütal"]]
    assert "skipped 1 malformed line(s), first: line 3" in caplog.text


def test_lastfm_tags_are_optional(lastfm: Path) -> None:
    (lastfm / "user_taggedartists.dat").unlink()
    data = load_lastfm_hetrec(lastfm, max_tags=1)
    assert "tags" not in data.item_features.columns and data.user_graph is not None
    with pytest.raises(ValueError, match="max_tags must be an integer >= 0"):
        load_lastfm_hetrec(lastfm, max_tags=-1)


def test_lastfm_missing_tag_file_warns_once(lastfm: Path, caplog) -> None:
    (lastfm / "user_taggedartists.dat").unlink()
    with caplog.at_level(logging.WARNING, logger="graphrec.data.loaders"):
        load_lastfm_hetrec(lastfm)
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "user_taggedartists" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert "user_taggedartists.dat not found" in warnings[0].message
    assert "tag profiles will be absent" in warnings[0].message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="graphrec.data.loaders"):
        load_lastfm_hetrec(lastfm, max_tags=0)  # tags not wanted: nothing to warn about
    assert "user_taggedartists.dat" not in caplog.text


def test_lastfm_errors(lastfm: Path) -> None:
    write(lastfm, "user_friends.dat", "userID\tfriendID\n2\t3\n3\t2 x\n")
    with pytest.raises(ValueError, match=r"user_friends\.dat line 3, column 2 \(friend\)"):
        load_lastfm_hetrec(lastfm)
    write(lastfm, "user_artists.dat", "userID\tartistID\tweight\r\n")
    with pytest.raises(ValueError, match=r"user_artists\.dat has a header line but no data"):
        load_lastfm_hetrec(lastfm)


# ---------------------------------------------------------------------------- LightGCN format
@pytest.fixture
def lightgcn_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "split"
    write(folder, "train.txt", "0 0 1 2\n1 2 3 3\r\n\n2\n3 1\t0  \n")
    write(folder, "valid.txt", "0 3\n3 4\n")
    write(folder, "test.txt", "0 5\n1 0 6\n4 1\n")
    return folder


def test_lightgcn(lightgcn_dir: Path) -> None:
    split = load_lightgcn(lightgcn_dir)
    assert isinstance(split, Split)
    train, valid, test = split
    for part in (train, valid, test):
        assert part.shape == (5, 7)  # users 0..4, items 0..6 over all files
        np.testing.assert_array_equal(part.user_ids, np.arange(5))
        np.testing.assert_array_equal(part.item_ids, np.arange(7))
        assert part.meta["name"] == "lightgcn" and part.meta["dataset"] == "split"
    assert train.to_frame()[["user", "item"]].values.tolist() == [
        [0, 0], [0, 1], [0, 2], [1, 2], [1, 3], [3, 0], [3, 1],
    ]  # fmt: skip
    assert train.user_degrees().tolist() == [3, 2, 0, 2, 0]
    assert valid.nnz == 2 and test.nnz == 4
    assert test.matrix.toarray()[0, 5] == 1 and test.matrix.toarray()[1, 6] == 1  # kept
    report = split.report
    assert report["duplicates_merged"] == {"train": 1, "valid": 0, "test": 0}
    assert report["test_items_unseen_in_train"] == 2  # items 5, 6
    assert report["valid_items_unseen_in_train"] == 1  # item 4
    assert report["test_items_unseen_in_train_valid"] == 2
    assert report["test_pairs_in_train"] == 0
    assert train.meta["report"] is report


def test_lightgcn_without_valid(lightgcn_dir: Path) -> None:
    (lightgcn_dir / "valid.txt").unlink()
    split = load_lightgcn(lightgcn_dir)
    assert split.valid is None and split.train.shape == (5, 7)
    assert "test_items_unseen_in_train_valid" not in split.report


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0 1 2\n1 2 x3\n", r"train\.txt line 2, field 3 \(item id\): expected a non-negative"),
        ("0 1\n-1 2\n", r"train\.txt line 2, field 1 \(user id\).*got '-1'"),
        ("0 1.5\n", r"train\.txt line 1, field 2 \(item id\).*got '1\.5'"),
        ("\n\n", r"train\.txt is empty"),
        ("0\n1\n", r"train\.txt: no interactions"),
    ],
)
def test_lightgcn_errors(lightgcn_dir: Path, text: str, match: str) -> None:
    write(lightgcn_dir, "train.txt", text)
    with pytest.raises(ValueError, match=match):
        load_lightgcn(lightgcn_dir)


def test_lightgcn_missing_files(lightgcn_dir: Path) -> None:
    (lightgcn_dir / "test.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"test\.txt not found .*train\.txt, valid\.txt"):
        load_lightgcn(lightgcn_dir)
    with pytest.raises(ValueError, match="pass path="):
        load_lightgcn()


# ---------------------------------------------------------------------------- generic CSV / Parquet
def test_csv(tmp_path: Path) -> None:
    f = write(tmp_path, "x.csv", "user,item,stars,when\na,i1,5,30\nb,i1,3,20\na,i1,1,10\n")
    with pytest.warns(UserWarning, match=r"x\.csv: merged 1 repeated"):
        data = load_csv(f, rating_col="stars", time_col="when")
    assert data.user_ids.tolist() == ["a", "b"] and data.item_ids.tolist() == ["i1"]
    assert data.matrix.toarray().tolist() == [[5.0], [3.0]]  # the latest rating, not 6
    assert data.timestamps.tolist() == [30, 20]
    assert data.meta == {"name": "csv", "source": str(f), "report": data.meta["report"]}
    with pytest.warns(UserWarning):
        summed = load_csv(f, duplicates="sum", rating_col="stars")
    assert summed.matrix.toarray().tolist() == [[6.0], [3.0]]


def test_csv_reports_dropped_and_merged_rows(tmp_path: Path) -> None:
    f = write(tmp_path, "x.csv", "user,item,plays\na,i1,5\n,i1,3\na,i1,1\nb,,2\nb,i1,4\n")
    with pytest.warns(
        UserWarning, match=r"dropped 2 row\(s\) with a missing id and merged 1 .* summing"
    ):
        data = load_csv(f, rating_col="plays")
    assert data.matrix.toarray().tolist() == [[6.0], [4.0]]  # play counts add up
    report = data.meta["report"]
    assert report["missing_ids_dropped"] == 2 and report["duplicates_merged"] == 1
    assert report["duplicates"] == "sum" and report["rows"] == 5


def test_tsv_dat_and_positions(tmp_path: Path) -> None:
    f = write(tmp_path, "x.tsv", "u\ti\n1\t2\n3\t4\n")
    assert load_csv(f, user_col="u", item_col="i").nnz == 2
    g = write(tmp_path, "x.dat", "1\t2\t5\n3\t4\t1\n")
    data = load_csv(g, user_col=0, item_col=1, rating_col=2, header=False)
    assert data.matrix.data.tolist() == [5.0, 1.0]
    named = load_csv(g, rating_col="r", header=False, names=["user", "item", "r"])
    assert named.matrix.data.tolist() == [5.0, 1.0]
    h = write(tmp_path, "x.txt", "user;item\n1;2\n")
    assert load_csv(h, sep=";").nnz == 1
    with pytest.raises(ValueError, match=r"cannot infer the separator of x\.txt; pass sep="):
        load_csv(h)


def test_csv_dates(tmp_path: Path) -> None:
    f = write(tmp_path, "x.csv", "user,item,t\n1,2,1970-01-01T00:01:00\n1,3,1970-01-02\n")
    assert load_csv(f, time_col="t").timestamps.tolist() == [60, 86400]


def test_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.csv does not exist"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="is a directory"):
        load_csv(tmp_path)
    f = write(tmp_path, "x.csv", "")
    with pytest.raises(ValueError, match=r"x\.csv is empty"):
        load_csv(f)
    write(tmp_path, "x.csv", "user,item,rating\n")
    with pytest.raises(ValueError, match=r"x\.csv has a header line but no data rows"):
        load_csv(f, rating_col="rating")
    write(tmp_path, "x.csv", "user,item,rating\n1,2,3\n1,2\n1,3,4,5\n")
    with pytest.raises(ValueError, match=r"x\.csv line 3: expected 3 comma-separated .* got 2"):
        load_csv(f, rating_col="rating")
    write(tmp_path, "x.csv", "user,item,rating\n1,2,3\n\n1,3,4,5\n")
    with pytest.raises(ValueError, match=r"x\.csv line 4: expected 3 comma-separated .* got 4"):
        load_csv(f)
    write(tmp_path, "x.csv", "user,item,rating\n1,2,3\n\n1,3,high\n")
    with pytest.raises(ValueError, match=r"x\.csv line 4, column 3 \('rating'\): expected a num"):
        load_csv(f, rating_col="rating")
    write(tmp_path, "x.csv", "user,item,rating\n1,2,3\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['score'\]; available columns"):
        load_csv(f, rating_col="score")
    with pytest.raises(ValueError, match="pass path="):
        load_csv()


@pytest.mark.parametrize("n_after", [2, 30000])  # small file; past csv's field size limit
def test_csv_unbalanced_quote_names_file_and_line(tmp_path: Path, n_after: int) -> None:
    text = "user,item,rating\n" + "1,2,3\n" * 5 + '1,"3,4\n' + "2,2,5\n" * n_after
    f = write(tmp_path, "x.csv", text)
    with pytest.raises(ValueError, match=r'x\.csv line 7: a quoted field opens .* closing "'):
        load_csv(f, rating_col="rating")


def test_csv_quoted_newlines_keep_line_numbers(tmp_path: Path) -> None:
    # a quoted field may hold a newline: a record counts from the line it starts on
    f = write(tmp_path, "x.csv", 'user,item,rating,note\n1,1,4,ok\n1,2,bad,"two\nlines"\n')
    with pytest.raises(ValueError, match=r"x\.csv line 3, column 3 \('rating'\): expected a"):
        load_csv(f, rating_col="rating")
    write(tmp_path, "x.csv", 'user,item,rating,note\n1,2,3,"two\nlines"\n1,3,4,ok\n')
    assert load_csv(f, rating_col="rating").nnz == 2


def test_movies_csv_unbalanced_quote(tmp_path: Path) -> None:
    write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.5,10\n")
    write(tmp_path, "movies.csv", 'movieId,title,genres\n1,A,Drama\n2,"B (1995),Drama\n3,C,Drama\n')
    with pytest.raises(ValueError, match=r"movies\.csv line 3: a quoted field opens"):
        load_movielens_latest(tmp_path)


def test_parquet_needs_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    f = write(tmp_path, "x.parquet", "not really parquet")
    with pytest.raises(ImportError, match="pip install pyarrow"):
        load_csv(f)


def test_parquet_roundtrip(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pandas as pd

    f = tmp_path / "x.parquet"
    pd.DataFrame({"user": [1, 2], "item": [3, 3], "rating": [4.0, 5.0]}).to_parquet(f)
    assert load_csv(f, rating_col="rating").matrix.toarray().tolist() == [[4.0], [5.0]]


# ---------------------------------------------------------------------------- registry
def test_load_dataset_dispatches(ml100k: Path, lightgcn_dir: Path) -> None:
    data = load_dataset("movielens-100k", ml100k)
    assert isinstance(data, Interactions) and data.shape == (3, 3)
    assert isinstance(load_dataset("lightgcn", lightgcn_dir), Split)
    with pytest.raises(ValueError, match="unknown parameter"):
        load_dataset("movielens-100k", ml100k, bogus=1)
    with pytest.raises(ValueError, match=r"unknown dataset 'movielens-10k'.*Did you mean"):
        load_dataset("movielens-10k", ml100k)


# ---------------------------------------------------------------------------- download
def make_zip(tmp_path: Path, ml100k: Path) -> tuple[str, str, str]:
    archive = tmp_path / "served" / "ml-100k.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(ml100k.iterdir()):
            zf.write(f, f"ml-100k/{f.name}")
    content = archive.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    return archive.as_uri(), f"sha256:{sha}", f"md5:{hashlib.md5(content).hexdigest()}"


def test_download_verifies_and_extracts(tmp_path: Path, ml100k: Path) -> None:
    url, sha, md5 = make_zip(tmp_path, ml100k)
    cache = tmp_path / "cache"
    folder = download("movielens-100k", cache, url=url, checksum=sha)
    assert folder == cache / "movielens-100k" / "extracted" / "ml-100k"
    assert (folder / "u.data").read_text() == (ml100k / "u.data").read_text()
    assert not list(cache.rglob("*.part")) and not list(cache.rglob(".*.tmp"))
    # cached: a second call does not fetch (the URL is gone)
    Path(url.removeprefix("file://")).rename(tmp_path / "moved.zip")
    assert download("movielens-100k", cache, url=url, checksum=sha) == folder
    (tmp_path / "moved.zip").rename(Path(url.removeprefix("file://")))
    assert download("movielens-100k", cache, url=url, checksum=md5, force=True) == folder


def test_download_checksum_mismatch_leaves_nothing(tmp_path: Path, ml100k: Path) -> None:
    url, sha, _ = make_zip(tmp_path, ml100k)
    cache = tmp_path / "cache"
    wrong = "sha256:" + "0" * 64
    with pytest.raises(ValueError) as err:
        download("movielens-100k", cache, url=url, checksum=wrong)
    message = str(err.value)
    assert "ml-100k.zip" in message and "0" * 64 in message and sha in message
    assert [p for p in cache.rglob("*") if p.is_file()] == []


def test_download_without_checksum_logs_sha256(tmp_path: Path, ml100k: Path, caplog) -> None:
    url, sha, _ = make_zip(tmp_path, ml100k)
    with caplog.at_level(logging.WARNING):
        download("my-data", tmp_path / "cache", url=url)
    assert sha.removeprefix("sha256:") in caplog.text


def test_download_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown dataset 'nope' for download"):
        download("nope", tmp_path)
    with pytest.raises(ValueError, match="checksum must look like"):
        download("movielens-100k", tmp_path, url="file:///x.zip", checksum="crc:1234")


def test_download_failure_is_a_clear_error_and_leaves_no_folders(tmp_path: Path) -> None:
    url = (tmp_path / "served" / "missing.zip").as_uri()  # unreachable without any network
    cache = tmp_path / "cache" / "graphrec"
    with pytest.raises(download_mod.DownloadError) as err:
        download("movielens-100k", cache, url=url)
    message = str(err.value)
    assert isinstance(err.value, ValueError)  # the CLI prints it as "graphrec: error: ..."
    assert f"could not download movielens-100k from {url}" in message
    assert "No such file" in message and "pass path=" in message and "--path" in message
    assert not (tmp_path / "cache").exists()  # both folders were made by the call


def test_download_failure_keeps_folders_it_did_not_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(download_mod.urllib.request, "urlopen", offline)
    cache = tmp_path / "cache"
    (cache / "lastfm-hetrec").mkdir(parents=True)  # existed before: kept
    (cache / "movielens-1m" / "notes").mkdir(parents=True)  # not empty: kept
    for name in ("lastfm-hetrec", "movielens-1m", "movielens-100k"):
        with pytest.raises(download_mod.DownloadError, match="Temporary failure in name"):
            download(name, cache)
    assert sorted(p.name for p in cache.iterdir()) == ["lastfm-hetrec", "movielens-1m"]
    assert [p.name for p in (cache / "movielens-1m").iterdir()] == ["notes"]


def test_download_http_error_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_found(url: str, *args: object, **kwargs: object) -> None:
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(download_mod.urllib.request, "urlopen", not_found)
    with pytest.raises(download_mod.DownloadError, match=r"ml-1m\.zip \(HTTP 404 Not Found\)"):
        download("movielens-1m", tmp_path)


def test_loader_without_path_offline_names_dataset_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = (tmp_path / "nowhere" / "ml-100k.zip").as_uri()
    monkeypatch.setitem(download_mod.ARCHIVES, "movielens-100k", Archive(url, None, "u.data"))
    monkeypatch.setenv("GRAPHREC_DATA", str(tmp_path / "env-cache"))
    with pytest.raises(ValueError, match=r"could not download movielens-100k from .*pass path="):
        load_dataset("movielens-100k")
    assert not (tmp_path / "env-cache").exists()


def test_loader_downloads_into_the_cache(
    tmp_path: Path, ml100k: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, sha, _ = make_zip(tmp_path, ml100k)
    monkeypatch.setitem(download_mod.ARCHIVES, "movielens-100k", Archive(url, sha, "u.data"))
    monkeypatch.setenv("GRAPHREC_DATA", str(tmp_path / "env-cache"))
    data = load_movielens_100k()
    assert data.shape == (3, 3)
    assert data.meta["source"].startswith(str(tmp_path / "env-cache"))


def test_loader_with_path_never_downloads(ml100k: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("download called")

    monkeypatch.setattr(loaders, "download", fail)
    assert load_movielens_100k(ml100k).nnz == 4


def test_official_archive_table() -> None:
    table = download_mod.ARCHIVES
    assert table["movielens-100k"].checksum == "md5:0e33842e24a9c977be4e0107933c0723"
    assert table["movielens-1m"].checksum == "md5:c4d9eecfca2ab87c1945afe126590906"
    assert all(a.url.startswith("https://files.grouplens.org/") for a in table.values())


# ---------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_real_movielens_100k(shared_datasets: Path) -> None:
    data = load_movielens_100k(shared_datasets / "ml-100k")
    assert data.shape == (943, 1682) and data.nnz == 100_000
    assert set(np.unique(data.matrix.data)) == {1, 2, 3, 4, 5}
    assert data.item_features["title"].iloc[0] == "Toy Story (1995)"
    assert data.item_features["genres"].iloc[0] == ["Animation", "Children's", "Comedy"]
    assert data.user_features["age_band"].notna().all()
    assert data.meta["report"]["items_without_features"] == 0


@pytest.mark.realdata
def test_real_lastfm_hetrec(shared_datasets: Path) -> None:
    data = load_lastfm_hetrec(shared_datasets / "lastfm-hetrec")
    assert data.shape == (1892, 17632) and data.nnz == 92_834
    graph = data.user_graph
    assert graph.shape == (1892, 1892) and graph.nnz == 2 * 12_717
    assert (graph != graph.T).nnz == 0 and graph.diagonal().sum() == 0
    assert data.meta["report"]["friendships"] == 12_717
    assert data.item_features["name"].notna().all()


@pytest.fixture(scope="module")
def gowalla(shared_datasets: Path) -> Split:
    return load_lightgcn(shared_datasets / "lightgcn-splits" / "gowalla")


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "sizes", "unseen"),
    [
        ("ml-1m", (6039, 3628, 590_733, 80_897, 164_848), 29),
        ("lastfm", (1885, 17388, 64_315, 9_143, 18_321), 2376),
    ],
)
def test_real_lightgcn(shared_datasets: Path, name: str, sizes: tuple, unseen: int) -> None:
    split = load_lightgcn(shared_datasets / "lightgcn-splits" / name)
    train, valid, test = split
    assert (train.n_users, train.n_items, train.nnz, valid.nnz, test.nnz) == sizes
    assert train.same_space(valid) and train.same_space(test)
    # test interactions whose item is in neither train nor valid (the paper's training set)
    assert split.report["test_items_unseen_in_train_valid"] == unseen
    assert split.report["test_items_unseen_in_train"] >= unseen


@pytest.mark.realdata
def test_real_gowalla(gowalla: Split) -> None:
    train, valid, test = gowalla
    sizes = (train.n_users, train.n_items, train.nnz, valid.nnz, test.nnz)
    assert sizes == (29858, 40981, 719_081, 91_047, 217_242)
    assert (train + valid).nnz == 810_128  # the LightGCN paper's training set
    assert gowalla.report["test_items_unseen_in_train_valid"] == 0
