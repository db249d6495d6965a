import dataclasses

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
    table = profile(data, labels, top_n=3, min_support=0.0, min_count=1, min_size=1, alpha=0.2)
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
    assert table.loc[0, "top_genres"][0] == "Film-Noir (1.7x)"
    assert table.loc[0, "top_genres"][1] == "Mystery (1.7x)"
    # tested on users: a user leans to a genre above its share of all interactions
    # (Film-Noir 0.4, Mystery 0.2, Comedy 0.6, Drama 0.4). Group 0's users (2/3, 1/3, 1/3,
    # 1/3) lean to Film-Noir and Mystery, group 1's (0, 0, 1, 1/2) to Comedy and Drama: each
    # a draw of 4 users from 8 of whom 4 lean, P = 1 / C(8, 4) = 1/70; Holm over the 2 x 4
    # pairs (four equal smallest p-values) -> 8/70. Drama's lift (1.25) is too small.
    assert table.loc[0, "label"] == "Film-Noir & Mystery"
    assert table.loc[0, "label_p"] == pytest.approx(8 / 70)
    assert table.loc[1, "label"] == "Comedy"
    assert table["median_activity"].tolist() == [3.0, 2.0]
    # mainstreamness: Noir A, Noir B seen by 4 of 8 users, Laugh by 4, Hit by 8
    assert table["mainstream"].tolist() == pytest.approx([(0.5 + 0.5 + 1) / 3, (0.5 + 1) / 2])
    assert table.loc[0, "separated_by"] == "activity (more active, AUC 1.00)"
    assert table["mean_age"].tolist() == [23.0, 43.0]
    assert table["pct_gender_F"].tolist() == [0.75, 0.0]
    assert table.loc[0, "top_gender"] == "F (75%, 2.0x)"
    assert table.loc[0, "top_occupation"] == "artist (75%, 2.0x)"
    assert "top_zip" not in table  # one value per user: not a category


def test_min_support_filters(small):
    data, labels = small
    table = profile(data, labels, min_support=0.0, min_count=5, min_size=1, alpha=0.2)
    assert table.loc[0, "top_items"] == []  # no item reaches 5 members
    assert table.loc[0, "top_genres"] == ["Film-Noir (1.7x)"]  # 8 interactions; Mystery has 4
    assert table.loc[0, "label"] == "Film-Noir"
    share = profile(data, labels, min_support=0.5, min_count=1)  # half the interactions
    assert share.loc[0, "top_genres"] == ["Film-Noir (1.7x)"]
    assert share.loc[0, "top_items"] == ["Noir A (2.0x)", "Noir B (2.0x)", "Hit (1.0x)"]
    none = profile(data, labels, min_support=0.0, min_count=20, min_size=1)
    assert none.loc[0, "label"] == "no distinctive genre"
    assert np.isnan(none.loc[0, "label_p"])


def test_profile_without_side_tables():
    data, truth, _ = gr.planted_communities(200, 100, 2, mean_degree=15, mu=0.1, seed=0)
    plain = gr.Interactions(data.matrix, data.user_ids, data.item_ids)
    table = profile(plain, Communities(truth, method="truth"), top_n=2)
    assert list(table.columns) == [
        "community",
        "size",
        "share",
        "mean_activity",
        "median_activity",
        "activity_ratio",
        "mainstream",
        "mainstream_ratio",
        "top_items",
        "label",
        "label_p",
        "separated_by",
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
    table = profile(data, labels, top_n=2, min_support=0.0, min_count=1, min_size=1, alpha=0.2)
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
        assert label == "no distinctive genre" or set(label.split(" & ")) <= genres
    assert (table["label"] != "no distinctive genre").any()
    assert {"mean_age", "pct_gender_F", "top_occupation", "top_age_band"} <= set(table.columns)
    assert {"median_year", "year_shift", "median_rated", "rated_shift_days"} <= set(table.columns)
    assert table.attrs["overall"]["median_rated"].year in (1997, 1998)
    assert table["size"].sum() == ml100k.n_users
    assert "| community |" in to_markdown(table)


def test_correction_is_applied(small):
    # four pairs with p = 1/70 = 0.014 uncorrected (see the hand-computed test), below
    # alpha = 0.05; Holm over the 8 community x genre pairs: 8/70 = 0.11 (not named);
    # Benjamini-Hochberg: four equal p-values at ranks 1-4 -> 8 p / 4 = 0.029 (named)
    data, labels = small
    holm = profile(data, labels, min_support=0.0, min_count=1, min_size=1)
    assert holm.loc[0, "label"] == "no distinctive genre"
    bh = profile(data, labels, min_support=0.0, min_count=1, min_size=1, correction="bh")
    assert bh.loc[0, "label"] == "Film-Noir & Mystery"
    assert bh.loc[0, "label_p"] == pytest.approx(8 / 70 / 4)
    with pytest.raises(ValueError, match="correction must be one of"):
        profile(data, labels, correction="bonferroni")
    with pytest.raises(ValueError, match="min_lift"):
        profile(data, labels, min_lift=0.5)


def _genre_data(seed=0):
    """600 users in 3 communities over 60 items (15 Horror, 15 War, 30 Drama); community 0
    picks Horror 8x as often, communities 1 and 2 pick uniformly at random."""
    rng = np.random.default_rng(seed)
    genres = ["Horror"] * 15 + ["War"] * 15 + ["Drama"] * 30
    weights = np.ones(60)
    rows, cols = [], []
    for u in range(600):
        w = weights.copy()
        if u < 200:
            w[:15] *= 8
        picks = rng.choice(60, size=20, replace=False, p=w / w.sum())
        rows += [u] * 20
        cols += picks.tolist()
    years = np.where(np.arange(60) < 15, 1970, 1995)  # the Horror films are old
    items = pd.DataFrame(
        {"title": [f"m{i}" for i in range(60)], "genres": [[g] for g in genres], "year": years}
    )
    ts = np.where(np.asarray(rows) < 200, 880_000_000, 890_000_000)  # community 0 rates earlier
    data = gr.Interactions.from_coo(
        rows,
        cols,
        timestamps=ts,
        user_ids=np.arange(600),
        item_ids=np.arange(60),
        item_features=items,
    )
    return data, np.repeat([0, 1, 2], 200)


def test_planted_genre_is_named_and_lift_one_is_not():
    data, labels = _genre_data()
    table = profile(data, labels)
    assert table.loc[0, "label"] == "Horror"  # lift about 1.6, p far below 1e-10
    assert table.loc[0, "label_p"] < 1e-10
    # communities 1 and 2 over-represent War and Drama only by about 1.2x: no name
    assert table.loc[1, "label"] == table.loc[2, "label"] == "no distinctive genre"
    lifts = [float(t.split("(")[1].rstrip("x)")) for t in table.loc[1, "top_genres"]]
    assert max(lifts) < 1.3
    # significant at this size, so the minimum lift is what keeps them unnamed
    assert profile(data, labels, min_lift=1.0).loc[1, "label"] in ("Drama & War", "War & Drama")
    # the time signals: community 0 rates earlier and watches the (old) Horror films
    assert table["median_rated"].tolist()[0] < table["median_rated"].tolist()[1]
    assert table.loc[0, "rated_shift_days"] < -50 and table.loc[1, "rated_shift_days"] == 0
    assert table["median_year"].tolist() == [1970.0, 1995.0, 1995.0]
    assert table["year_shift"].tolist() == [-25.0, 0.0, 0.0]
    assert str(table.attrs["overall"]["median_rated"].date()) == "1998-03-15"
    assert "| 1997-11-20 |" in to_markdown(table, ["label", "median_rated"])


def test_a_list_column_under_another_name_names_communities(small):
    # a feature file's genre column kept under its own name ("kind") is found as the tags
    base, labels = small
    items = base.item_features.rename(columns={"genres": "kind"})
    data = dataclasses.replace(base, item_features=items)
    named = profile(data, labels, min_count=1, min_lift=1.2, alpha=0.5, min_size=1)
    plain = profile(base, labels, min_count=1, min_lift=1.2, alpha=0.5, min_size=1)
    assert named["label"].tolist() == plain["label"].tolist()
    assert "Film-Noir" in named["label"].iloc[0]


def test_a_heavy_rater_does_not_name_a_tiny_community():
    # 60 users of a uniform taste; one user (community 1, alone) rates every Horror film:
    # counted in interactions that is a huge, "significant" lift; on users it is one user,
    # and a community of one is below the minimum size anyway
    data, labels = _genre_data()
    rows, cols = data.matrix.nonzero()
    heavy = np.r_[rows, np.full(15, 600)], np.r_[cols, np.arange(15)]
    big = gr.Interactions.from_coo(
        *heavy,
        user_ids=np.arange(601),
        item_ids=np.arange(60),
        item_features=data.item_features,
    )
    labels = np.r_[np.full(600, 0), 1]
    table = profile(big, labels)
    assert table.loc[1, "size"] == 1 and table.loc[1, "label"] == "not named (below 20 users)"
    assert table.loc[1, "top_genres"][0].startswith("Horror")  # still listed, not named
    assert profile(big, labels, min_size=1).loc[1, "label"] == "no distinctive genre"
    with pytest.raises(ValueError, match="min_size must be a positive integer"):
        profile(big, labels, min_size=0)


def test_a_community_of_recent_raters_is_separated_by_rating_date():
    data, labels = _genre_data()
    table = profile(data, labels)
    # community 0 rates earlier (and older films); its most separating attribute is one
    # of the era measures, with an AUC of 0 (every member below every other user)
    assert table.loc[0, "separated_by"] in (
        "rating date (earlier, AUC 0.00)",
        "release year (older items, AUC 0.00)",
    )
