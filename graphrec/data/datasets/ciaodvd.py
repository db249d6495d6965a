"""CiaoDVD loader (ratings with dates, one genre per DVD, a directed trust graph)."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from graphrec._params import Boolean, Options, check_params, declare_params
from graphrec._registry import datasets
from graphrec.data._readers import read_numeric, read_records
from graphrec.data.datasets._common import (
    _PATH,
    PathLike,
    _build,
    _dataset_dir,
    _merge_report,
    _optional,
    _require,
    user_graph_from_pairs,
)
from graphrec.data.interactions import Interactions
from graphrec.data.preprocess import _DUPLICATE_MODES

__all__ = ["GENRES", "load_ciaodvd"]

logger = logging.getLogger(__name__)

# the 17 genres of dvd.ciao.co.uk, numbered as in the dataset's readme
GENRES = (
    "Action & Adventure",
    "Comedy",
    "Family",
    "Drama",
    "Horror",
    "Science Fiction & Fantasy",
    "Thriller & Mystery",
    "Martial Arts",
    "Musicals & Music Films",
    "War",
    "Westerns",
    "Documentaries & Biographies",
    "Special Interest",
    "Sports",
    "World Cinema",
    "TV Series",
    "Anime",
)
_RATINGS = {
    "user": "int",
    "item": "int",
    "genre": "int",
    "review": "int",
    "rating": "float",
    "date": "str",
}


@datasets.register("ciaodvd", needs=("path",))
@declare_params(
    path=_PATH, ratings=Boolean(), duplicates=Options(_DUPLICATE_MODES), directed=Boolean()
)
def load_ciaodvd(
    path: PathLike | None = None,
    *,
    ratings: bool = False,
    duplicates: str = "last",
    directed: bool = False,
) -> Interactions:
    """CiaoDVD (Guo et al., ASONAM 2014): DVD ratings with dates and a trust graph.

    Half of its users have a single rating, and a quarter of the users in the trust
    graph have ratings: real cold users with a social graph.

    Parameters
    ----------
    path : path
        Folder with ``movie-ratings.txt`` (``userID,movieID,genreID,reviewID,rating,
        date``) and ``trusts.txt`` (``trustorID,trusteeID,trustValue``). The dataset is
        distributed by its authors for research use and is not downloaded.
    ratings : bool
        Keep the 1-5 ratings as weights (default: implicit, every rating is 1).
    duplicates : str
        How a user's repeated ratings of one DVD are combined (default: the latest by
        date); the rows merged are counted in ``meta["report"]["duplicates_merged"]``.
    directed : bool
        Keep the trust links' direction (``trustor -> trustee``); by default the graph
        is symmetrised (a link either way is a tie).

    Returns
    -------
    Interactions
        Timestamps are the rating dates (unix seconds, so the earliest ratings are the
        ones a temporal reveal shows first). ``item_features["genres"]`` holds each
        DVD's genre name (the genre most of its rows give). ``user_graph``: the trust
        graph over the user index; links to users without ratings are left out and
        counted (``friend_links_ignored``).

    >>> data = load_ciaodvd("../shared/datasets/ciaodvd")  # doctest: +SKIP
    >>> data.shape, data.meta["report"]["duplicates_merged"]  # doctest: +SKIP
    ((17615, 16121), 320)
    """
    check_params(
        load_ciaodvd,
        {"path": path, "ratings": ratings, "duplicates": duplicates, "directed": directed},
        name="dataset 'ciaodvd'",
    )
    name = "ciaodvd"
    if path is None:
        raise ValueError(
            "ciaodvd: pass path=, the folder with movie-ratings.txt and trusts.txt (the "
            "dataset is distributed by its authors and is not downloaded)"
        )
    folder = _dataset_dir(name, path)
    source = _require(name, folder, "movie-ratings.txt")
    rows = read_records(source, _RATINGS, sep=",")
    stamps = pd.to_datetime(rows["date"], format="%Y-%m-%d", errors="coerce", utc=True)
    bad = np.flatnonzero(stamps.isna().to_numpy())
    if bad.size:
        raise ValueError(
            f"{source} line {bad[0] + 1}, column 6 (date): expected a date YYYY-MM-DD, got "
            f"{rows['date'].iloc[bad[0]]!r}"
        )
    genre_ids = rows["genre"].to_numpy()
    if genre_ids.min() < 1 or genre_ids.max() > len(GENRES):
        line = int(np.flatnonzero((genre_ids < 1) | (genre_ids > len(GENRES)))[0]) + 1
        raise ValueError(
            f"{source} line {line}, column 3 (genreID): expected a genre in 1-{len(GENRES)}, "
            f"got {genre_ids[line - 1]}"
        )
    rows["time"] = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    rows["weight"] = rows["rating"] if ratings else 1.0
    items = _genres(rows)
    table = rows[["user", "item", "weight", "time"]]
    data = _build(name, folder, table, "weight", "time", duplicates, None, items)
    if (f := _optional(name, folder, "trusts.txt")) is not None:
        cols = {"trustor": "int", "trustee": "int", "value": "float"}
        links = read_numeric(f, cols, sep=",")
        graph, facts = user_graph_from_pairs(
            links["trustor"], links["trustee"], data.user_ids, directed=directed
        )
        data = replace(data, user_graph=graph, meta=_merge_report(data.meta, facts))
    return data


def _genres(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per DVD: its genre name, the one most of its rating rows give."""
    counts = rows.groupby(["item", "genre"]).size().reset_index(name="n")
    counts = counts.sort_values(["item", "n", "genre"], ascending=[True, False, True])
    first = counts.drop_duplicates("item")
    names = np.asarray(GENRES, dtype=object)[first["genre"].to_numpy() - 1]
    return pd.DataFrame({"item": first["item"].to_numpy(), "genres": [[g] for g in names]})
