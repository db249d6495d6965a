"""The csv loader's item and user feature files (issue 14)."""

import logging

import numpy as np
import pytest

from graphrec.data.loaders import load_csv


@pytest.fixture
def files(tmp_path):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("user,item,stars\nu1,10,5\nu1,11,4\nu2,11,3\nu2,12,1\nu3,10,2\n")
    items = tmp_path / "items.csv"
    items.write_text(
        "movie,name,kind,released,studio\n"
        '10,Heat,Action|Crime,1995,"A, B"\n'
        "11,Up,Animation| Comedy,2009,C\n"
        "99,Ghost,Drama,1990,D\n"
    )
    users = tmp_path / "users.tsv"
    users.write_text("uid\tage\tgender\nu1\t30\tF\nu3\t41\tM\n")
    return ratings, items, users


def _load(files, **items):
    ratings, item_file, user_file = files
    spec = {
        "path": str(item_file),
        "id": "movie",
        "genres": "kind",
        "year": "released",
        "title": "name",
        **items,
    }
    return load_csv(
        ratings,
        rating_col="stars",
        item_features=spec,
        user_features={"path": str(user_file), "id": "uid"},
    )


def test_features_are_joined_to_the_interaction_ids(files, caplog):
    with caplog.at_level(logging.WARNING):
        data = _load(files)
    f = data.item_features
    assert data.item_ids.tolist() == ["10", "11", "12"]  # ids are read as text
    assert f["title"].tolist()[:2] == ["Heat", "Up"] and f["title"].isna().tolist()[2]
    assert f["genres"].tolist() == [["Action", "Crime"], ["Animation", "Comedy"], []]
    assert f["year"].tolist()[:2] == [1995, 2009] and f["year"].isna().tolist()[2]
    assert f["studio"].tolist()[:2] == ["A, B", "C"]  # other columns kept by name
    u = data.user_features
    assert data.user_ids.tolist() == ["u1", "u2", "u3"]
    assert u["age"].tolist()[0] == 30 and np.isnan(u["age"].tolist()[1])
    report = data.meta["report"]
    assert report["items_without_features"] == 1
    assert report["item_feature_rows_ignored"] == 1  # movie 99 is not in the ratings
    assert report["users_without_features"] == 1
    assert "99" in caplog.text and "ignored" in caplog.text


def test_string_ids_match_numeric_feature_ids(tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text("user,item\n1,a7\n2,a7\n")
    users = tmp_path / "u.csv"
    users.write_text("user,city\n1,Oslo\n2,Rome\n")
    data = load_csv(ratings, user_features={"path": str(users)})
    assert data.user_features["city"].tolist() == ["Oslo", "Rome"]


def test_duplicated_id_names_file_line_and_column(files):
    _, items, _ = files
    items.write_text("movie,name,kind,released\n10,Heat,Action,1995\n\n11,Up,,2009\n10,X,,1\n")
    with pytest.raises(
        ValueError,
        match=r"items.csv line 5, column 'movie': item id '10' appears "
        r"again \(first on line 2\)",
    ):
        _load(files)


def test_bad_year_names_file_line_and_column(files):
    _, items, _ = files
    items.write_text('movie,name,kind,released\n10,"Heat\nthe film",Action,1995\n11,Up,,soon\n')
    with pytest.raises(ValueError, match=r"items.csv line 4, column 'released': expected a year"):
        _load(files)


def test_empty_id_and_missing_column_are_named(files):
    _, items, _ = files
    items.write_text("movie,name,kind,released\n10,Heat,Action,1995\n,Up,,2009\n")
    with pytest.raises(ValueError, match=r"items.csv line 3, column 'movie': the item id is empty"):
        _load(files)
    with pytest.raises(ValueError, match=r"no column 'genre' \(the item_features genres column\)"):
        _load(files, genres="genre")


def test_feature_spec_is_checked_before_reading(files):
    ratings, items, _ = files
    with pytest.raises(ValueError, match="item_features"):
        load_csv(ratings, item_features={"path": str(items), "genre": "kind"})
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        load_csv(ratings, item_features={"path": str(items.with_name("nope.csv"))})


def test_config_checks_the_feature_mapping(files):
    from graphrec.experiment import load_config
    from graphrec.experiment.config import ConfigError

    ratings, items, _ = files
    config = {
        "name": "x",
        "dataset": {
            "name": "csv",
            "path": str(ratings),
            "params": {"item_features": {"path": str(items), "genre": "kind"}},
        },
        "detectors": [{"name": "louvain"}],
    }
    with pytest.raises(ConfigError, match="item_features"):
        load_config(config)
    config["dataset"]["params"]["item_features"] = {"path": str(items), "id": "movie"}
    assert load_config(config).dataset.params["item_features"]["id"] == "movie"


def test_a_features_file_matching_no_id_is_an_error(files):
    ratings, items, _ = files
    items.write_text("movie,name\nx10,Heat\nx11,Up\n")
    with pytest.raises(ValueError, match=r"items.csv: none of the 2 ids in column 'movie'.*'x10'"):
        load_csv(ratings, item_features={"path": str(items), "id": "movie"})


def test_feature_ids_are_text_like_the_interactions(tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text("user,item\n1,0345339703\n2,345339703\n")
    items = tmp_path / "i.csv"
    items.write_text("item,title\n0345339703,Dune\n345339703,Other\n")
    data = load_csv(ratings, item_features={"path": str(items)})
    assert data.item_ids.tolist() == ["0345339703", "345339703"]
    assert data.item_features["title"].tolist() == ["Dune", "Other"]


def test_integer_feature_ids_refuse_two_spellings(tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text("user,item\n1,7\n2,8\n")
    items = tmp_path / "i.csv"
    items.write_text("item,title\n7,A\n007,B\n")
    with pytest.raises(ValueError, match=r"i.csv: item ids '7' \(line 2\) and '007' \(line 3\)"):
        load_csv(ratings, ids="int", item_features={"path": str(items)})
