"""The CiaoDVD loader: dates as timestamps, genre names, the trust graph, duplicates."""

import warnings

import numpy as np
import pytest

from graphrec.data.loaders import load_dataset


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "movie-ratings.txt").write_text(
        "1,10,2,100,5,2001-01-01\n"
        "1,11,4,101,3,2001-01-02\n"
        "2,10,2,102,4,2001-01-03\n"
        "1,10,2,103,1,2001-02-01\n"  # user 1 rates DVD 10 again, later
        "3,12,17,104,2,2002-05-06\n"
    )
    (tmp_path / "trusts.txt").write_text("1,2,1\n2,1,1\n3,1,1\n9,1,1\n")
    return tmp_path


def _load(folder, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset("ciaodvd", path=folder, **params)


def test_ratings_dates_genres_and_duplicates(folder):
    data = _load(folder)
    assert data.shape == (3, 3) and data.nnz == 4
    assert set(data.matrix.data.tolist()) == {1.0}  # implicit by default
    assert data.meta["report"]["duplicates_merged"] == 1
    genres = data.item_features["genres"].tolist()
    assert genres == [["Comedy"], ["Drama"], ["Anime"]]
    u, i = data.user_index([1])[0], data.item_index([10])[0]
    row = slice(data.matrix.indptr[u], data.matrix.indptr[u + 1])
    entry = row.start + np.flatnonzero(data.matrix.indices[row] == i)[0]
    assert data.timestamps[entry] == 980_985_600  # 2001-02-01 UTC, the later rating
    rated = _load(folder, ratings=True)
    assert rated.matrix[u, i] == 1.0  # the latest rating of the repeated pair


def test_trust_graph_is_symmetric_unless_directed(folder):
    data = _load(folder)
    g = data.user_graph.toarray()
    assert (g == g.T).all() and g.sum() == 4  # {1,2} and {3,1}: two ties, both ways
    assert data.meta["report"]["friend_links_ignored"] == 1  # user 9 has no ratings
    directed = _load(folder, directed=True).user_graph.toarray()
    assert directed.sum() == 3 and directed[2, 0] == 1 and directed[0, 2] == 0


def test_bad_date_and_genre_name_the_line(folder):
    path = folder / "movie-ratings.txt"
    path.write_text("1,10,2,100,5,2001-01-01\n2,10,2,102,4,01/03/2001\n")
    with pytest.raises(ValueError, match=r"movie-ratings.txt line 2, column 6 \(date\)"):
        _load(folder)
    path.write_text("1,10,2,100,5,2001-01-01\n2,10,18,102,4,2001-01-03\n")
    with pytest.raises(ValueError, match=r"line 2, column 3 \(genreID\): expected a genre in 1-17"):
        _load(folder)


def test_needs_a_path():
    with pytest.raises(ValueError, match="pass path="):
        load_dataset("ciaodvd")


def test_the_real_dataset(shared_datasets):
    data = _load(shared_datasets / "ciaodvd")
    assert data.shape == (17615, 16121)
    assert data.meta["report"]["duplicates_merged"] == 320
    assert (data.user_degrees() == 1).mean() > 0.5  # half the users rated one DVD
    assert data.user_graph.nnz > 0 and data.item_features["genres"].map(len).eq(1).all()
