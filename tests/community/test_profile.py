import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community.base import Communities
from graphrec.community.profile import profile, to_markdown


@pytest.fixture
def small():
    """Two groups of 4 users: noir fans (items 0, 1) and comedy fans (items 2, 3)."""
    rows = [[1, 1, 0, 1]] * 4 + [[0, 0, 1, 1]] * 4
    items = pd.DataFrame(
        {
            "title": ["Noir A", "Noir B", "Laugh", "Hit"],
            "genres": [["Film-Noir", "Mystery"], ["Film-Noir"], ["Comedy"], ["Comedy", "Drama"]],
        }
    )
    users = pd.DataFrame(
        {
            "age": [20, 22, 24, 26, 40, 42, 44, 46],
            "gender": ["F", "F", "F", "M", "M", "M", "M", "M"],
            "occupation": ["artist"] * 3 + ["writer"] * 3 + ["doctor"] * 2,
            "zip": [str(10000 + i) for i in range(8)],
        }
    )
    matrix = sp.csr_array(np.array(rows, dtype=np.float32))
    data = gr.Interactions(
        matrix, np.arange(8), np.arange(4), user_features=users, item_features=items
    )
    return data, np.repeat([0, 1], 4)


def test_profile_hand_computed(small):
    data, labels = small
    table = profile(data, labels, top_n=3, min_support=0.0, min_count=1)
    assert table["community"].tolist() == [0, 1]
    assert table["size"].tolist() == [4, 4]
    assert table["share"].tolist() == [0.5, 0.5]
    assert table["mean_activity"].tolist() == [3.0, 2.0]
    assert table["activity_ratio"].tolist() == pytest.approx([1.2, 0.8])
    # item lift: Noir A is seen by all 4 members (share 1) and by 4 of 8 users overall -> 2x
    assert table.loc[0, "top_items"][:2] == ["Noir A (2.0x)", "Noir B (2.0x)"]
    # Hit is seen by everyone: lift 1, ranked after the distinctive items
    assert table.loc[0, "top_items"][2] == "Hit (1.0x)"
    # genres of group 0's 12 interactions: Film-Noir 8, Mystery 4, Comedy 4, Drama 4;
    # overall 20 interactions: Film-Noir 8 (0.4), Mystery 4 (0.2) -> lift (8/12)/0.4 = 1.67
    assert table.loc[0, "top_tags"][0] == "Film-Noir (1.7x)"
    assert table.loc[0, "top_tags"][1] == "Mystery (1.7x)"
    assert table.loc[0, "label"] == "Film-Noir & Mystery"
    assert table.loc[1, "label"].startswith("Comedy")
    assert table["mean_age"].tolist() == [23.0, 43.0]
    assert table["pct_gender_F"].tolist() == [0.75, 0.0]
    assert table.loc[0, "top_gender"] == "F (75%, 2.0x)"
    assert table.loc[0, "top_occupation"] == "artist (75%, 2.0x)"
    assert "top_zip" not in table  # one value per user: not a category


def test_min_support_filters(small):
    data, labels = small
    table = profile(data, labels, min_support=0.0, min_count=5)
    assert table.loc[0, "top_items"] == []  # no item reaches 5 members
    assert table.loc[0, "top_tags"] == ["Film-Noir (1.7x)"]  # 8 interactions; Mystery has 4
    assert table.loc[0, "label"] == "Film-Noir"
    share = profile(data, labels, min_support=0.5, min_count=1)  # half the interactions
    assert share.loc[0, "top_tags"] == ["Film-Noir (1.7x)"]
    assert share.loc[0, "top_items"] == ["Noir A (2.0x)", "Noir B (2.0x)", "Hit (1.0x)"]
    none = profile(data, labels, min_support=0.0, min_count=20)
    assert none.loc[0, "label"] == "community 0"


def test_profile_without_side_tables():
    data, truth, _ = gr.planted_communities(200, 100, 2, mean_degree=15, mu=0.1, seed=0)
    plain = gr.Interactions(data.matrix, data.user_ids, data.item_ids)
    table = profile(plain, Communities(truth, method="truth"), top_n=2)
    assert list(table.columns) == [
        "community",
        "size",
        "share",
        "mean_activity",
        "activity_ratio",
        "top_items",
        "label",
    ]
    assert all(" & " in label for label in table["label"])  # item ids when no names


def test_profile_checks(small):
    data, labels = small
    with pytest.raises(ValueError, match="one entry per user"):
        profile(data, labels[:3])
    with pytest.raises(ValueError, match="min_support"):
        profile(data, labels, min_support=1.5)
    with pytest.raises(ValueError, match="no column 'tags'"):
        profile(data, labels, tag_column="tags")


def test_to_markdown(small):
    data, labels = small
    table = profile(data, labels, top_n=2, min_support=0.0, min_count=1)
    text = to_markdown(table, ["community", "label", "top_items", "share"])
    lines = text.splitlines()
    assert lines[0] == "| community | label | top_items | share |"
    assert lines[1] == "|---|---|---|---|"
    assert lines[2] == "| 0 | Film-Noir & Mystery | Noir A (2.0x), Noir B (2.0x) | 0.50 |"
    assert len(lines) == 4
    escaped = to_markdown(pd.DataFrame({"a": ["x|y"], "b": [float("nan")]}))
    assert escaped.splitlines()[2] == "| x\\|y |  |"
    with pytest.raises(ValueError, match="no such column"):
        to_markdown(table, ["nope"])


@pytest.mark.realdata
def test_movielens_profile_has_genre_labels(ml100k):
    det = gr.create("detector", "bipartite_louvain").fit(ml100k)
    table = profile(ml100k, det.communities_)
    genres = set(gr.data.loaders.ML100K_GENRES)
    for label in table["label"]:
        assert set(label.split(" & ")) <= genres
    assert {"mean_age", "pct_gender_F", "top_occupation", "top_age_band"} <= set(table.columns)
    assert table["size"].sum() == ml100k.n_users
    assert "| community |" in to_markdown(table)
