"""The csv loader's friend / trust file (``user_graph=``)."""

import pytest

from graphrec.data.loaders import load_csv


@pytest.fixture
def ratings(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("user,item\nu1,a\nu2,a\nu3,b\n007,b\n")
    return path


def _graph(tmp_path, text):
    path = tmp_path / "trust.csv"
    path.write_text(text)
    return {"path": str(path), "source": "trustor", "target": "trustee"}


def test_links_become_a_symmetric_graph_over_the_user_index(ratings, tmp_path):
    spec = _graph(tmp_path, "trustor,trustee\nu1,u2\nu3,u1\nzz,u1\nu2,u1\n007,u3\n")
    data = load_csv(ratings, user_graph=spec)
    g = data.user_graph.toarray()
    index = {u: i for i, u in enumerate(data.user_ids)}
    assert (g == g.T).all()
    assert g[index["u1"], index["u2"]] == g[index["u3"], index["u1"]] == 1
    assert g[index["007"], index["u3"]] == 1  # text ids: '007' is its own user
    report = data.meta["report"]
    assert report["friend_links_ignored"] == 1 and report["friendships"] == 3


def test_directed_keeps_the_direction(ratings, tmp_path):
    spec = {**_graph(tmp_path, "trustor,trustee\nu1,u2\n"), "directed": True}
    data = load_csv(ratings, user_graph=spec)
    index = {u: i for i, u in enumerate(data.user_ids)}
    g = data.user_graph.toarray()
    assert g[index["u1"], index["u2"]] == 1 and g[index["u2"], index["u1"]] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("from,to\nu1,u2\n", r"no column 'trustor' \(the user_graph source column\)"),
        ("trustor,trustee\nu1,u2\n,u1\n", r"trust.csv line 3, column 'trustor': empty user id"),
        ("trustor,trustee\nx,y\n", r"none of the 1 links joins two users"),
    ],
)
def test_bad_graph_files_name_the_problem(ratings, tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_csv(ratings, user_graph=_graph(tmp_path, text))


def test_a_bad_mapping_is_refused(ratings):
    with pytest.raises(ValueError, match="user_graph"):
        load_csv(ratings, user_graph={"source": "a"})
