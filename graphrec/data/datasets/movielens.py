"""MovieLens loaders (100k, 1m, latest)."""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from graphrec._params import (
    Options,
    declare_params,
)
from graphrec._registry import datasets
from graphrec.data._readers import (
    QUOTE_CSV,
    read_numeric,
    read_records,
)
from graphrec.data.datasets._common import (
    _PATH,
    PathLike,
    _build,
    _dataset_dir,
    _optional,
    _require,
    _tags_by_item,
)
from graphrec.data.download import register_archive
from graphrec.data.interactions import Interactions
from graphrec.data.preprocess import _DUPLICATE_MODES

logger = logging.getLogger(__name__)

# fmt: off
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)
_ML1M_OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)
# fmt: on
_AGE_EDGES = (18, 25, 35, 45, 50, 56)
_AGE_BANDS = ("<18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+")
_RATINGS = {"user": "int", "item": "int", "rating": "float", "timestamp": "int"}
# internal column -> header name in the MovieLens "latest" CSV files
_LATEST_NAMES = {
    "user": "userId",
    "item": "movieId",
    "rating": "rating",
    "timestamp": "timestamp",
    "title": "title",
    "genres": "genres",
    "tag": "tag",
}
_YEAR = re.compile(r"\((\d{4})\)\s*$")


register_archive(
    "movielens-100k",
    "https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    "md5:0e33842e24a9c977be4e0107933c0723",
    "u.data",
)


@datasets.register("movielens-100k")
@declare_params(path=_PATH, duplicates=Options(_DUPLICATE_MODES))
def load_movielens_100k(path: PathLike | None = None, *, duplicates: str = "last") -> Interactions:
    """MovieLens 100K: ratings 1-5 with unix timestamps, movie genres, user demographics.

    Parameters
    ----------
    path : path, optional
        Folder with ``u.data`` (and ``u.item``, ``u.user``); ``None`` downloads the
        official archive into the cache (``$GRAPHREC_DATA``) unless it is already there.
    duplicates : str
        How repeated (user, item) ratings are combined (default: the latest one).

    Returns
    -------
    Interactions
        Weights are the ratings, ``timestamps`` the unix times, ids the original integer
        ids. ``item_features``: ``title``, ``year``, ``release_date`` (datetime), ``url``,
        ``genres`` (a *list* of genre names from :data:`ML100K_GENRES`).
        ``user_features``: ``age``, ``age_band`` ("<18", "18-24", ..., "56+"),
        ``gender``, ``occupation``, ``zip``.

    >>> data = load_movielens_100k("../shared/datasets/ml-100k")  # doctest: +SKIP
    >>> data.shape, data.nnz  # doctest: +SKIP
    ((943, 1682), 100000)
    """
    name = "movielens-100k"
    folder = _dataset_dir(name, path)
    ratings = read_numeric(_require(name, folder, "u.data"), _RATINGS, sep="\t")
    items = users = None
    if (f := _optional(name, folder, "u.item")) is not None:
        cols = {
            "item": "int",
            "title": "str",
            "release_date": "str",
            "video_release_date": "str",
            "url": "str",
            **{g: "int" for g in ML100K_GENRES},
        }
        raw = read_records(f, cols, sep="|", encoding="latin-1")
        flags = raw[list(ML100K_GENRES)].to_numpy() > 0
        items = pd.DataFrame(
            {
                "item": raw["item"],
                "title": raw["title"],
                "year": _title_year(raw["title"]),
                "release_date": pd.to_datetime(
                    raw["release_date"], format="%d-%b-%Y", errors="coerce"
                ),
                "url": raw["url"],
                "genres": [[g for g, on in zip(ML100K_GENRES, row) if on] for row in flags],
            }
        )
    if (f := _optional(name, folder, "u.user")) is not None:
        cols = {"user": "int", "age": "int", "gender": "str", "occupation": "str", "zip": "str"}
        users = read_records(f, cols, sep="|", encoding="latin-1")
        users.insert(2, "age_band", _age_band(users["age"]))
    return _build(name, folder, ratings, "rating", "timestamp", duplicates, users, items)


register_archive(
    "movielens-1m",
    "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
    "md5:c4d9eecfca2ab87c1945afe126590906",
    "ratings.dat",
)


@datasets.register("movielens-1m")
@declare_params(path=_PATH, duplicates=Options(_DUPLICATE_MODES))
def load_movielens_1m(path: PathLike | None = None, *, duplicates: str = "last") -> Interactions:
    """MovieLens 1M: ``ratings.dat``, ``movies.dat``, ``users.dat`` (``::``-separated).

    ``item_features``: ``title``, ``year``, ``genres`` (list of names). ``user_features``:
    ``gender``, ``age`` (the dataset's age-group code: 1, 18, 25, 35, 45, 50, 56),
    ``age_band``, ``occupation`` (name), ``zip``. Other parameters and the result as in
    :func:`load_movielens_100k`; real data: 6040 users, 3706 movies, 1,000,209 ratings.
    """
    name = "movielens-1m"
    folder = _dataset_dir(name, path)
    ratings = read_numeric(
        _require(name, folder, "ratings.dat"), _RATINGS, sep="::", encoding="latin-1"
    )
    items = users = None
    if (f := _optional(name, folder, "movies.dat")) is not None:
        cols = {"item": "int", "title": "str", "genres": "str"}
        items = _movies(read_records(f, cols, sep="::", encoding="latin-1"))
    if (f := _optional(name, folder, "users.dat")) is not None:
        cols = {"user": "int", "gender": "str", "age": "int", "occupation": "int", "zip": "str"}
        users = read_records(f, cols, sep="::", encoding="latin-1")
        users.insert(3, "age_band", _age_band(users["age"]))
        occ = users["occupation"].to_numpy()
        names = np.array(_ML1M_OCCUPATIONS, dtype=object)
        users["occupation"] = np.where(
            (occ >= 0) & (occ < len(names)), names[np.clip(occ, 0, len(names) - 1)], "unknown"
        )
    return _build(name, folder, ratings, "rating", "timestamp", duplicates, users, items)


register_archive(
    "movielens-latest",
    "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip",
    None,
    "ratings.csv",
)


@datasets.register("movielens-latest")
@declare_params(path=_PATH, duplicates=Options(_DUPLICATE_MODES))
def load_movielens_latest(
    path: PathLike | None = None, *, duplicates: str = "last"
) -> Interactions:
    """MovieLens "latest" (``ratings.csv``, ``movies.csv``, optional ``tags.csv``).

    Without ``path`` the small version (``ml-latest-small``) is downloaded; the full
    ``ml-latest`` has the same files and can be read by passing its folder.
    ``item_features``: ``title``, ``year``, ``genres`` (list of names) and, when
    ``tags.csv`` is there, ``tags`` (the distinct tags of each movie, most used first).
    Ratings are 0.5-5 stars. Columns are found by their header names (``userId``,
    ``movieId``, ``rating``, ``timestamp``; ``movieId``, ``title``, ``genres``;
    ``userId``, ``movieId``, ``tag``, ``timestamp``), in any order; a missing one is a
    ``ValueError`` naming the file and the column.
    """
    name = "movielens-latest"
    folder = _dataset_dir(name, path)
    ratings = read_numeric(
        _require(name, folder, "ratings.csv"),
        _RATINGS,
        sep=",",
        header=True,
        header_names=_LATEST_NAMES,
    )
    items = None
    if (f := _optional(name, folder, "movies.csv")) is not None:
        cols = {"item": "int", "title": "str", "genres": "str"}
        raw = read_records(
            f, cols, sep=",", header=True, quoting=QUOTE_CSV, header_names=_LATEST_NAMES
        )
        items = _movies(raw)
        if (tf := _optional(name, folder, "tags.csv", warn=False)) is not None:
            cols = {"user": "int", "item": "int", "tag": "str", "timestamp": "int"}
            tags = read_records(
                tf, cols, sep=",", header=True, quoting=QUOTE_CSV, header_names=_LATEST_NAMES
            )
            tag_lists = _tags_by_item(tags.assign(tag=tags["tag"].str.strip()), limit=None)
            items["tags"] = [tag_lists.get(i, []) for i in items["item"]]
    return _build(name, folder, ratings, "rating", "timestamp", duplicates, None, items)


def _movies(raw: pd.DataFrame) -> pd.DataFrame:
    genres = [
        [] if g in ("", "(no genres listed)") else g.split("|") for g in raw["genres"].tolist()
    ]
    return pd.DataFrame(
        {
            "item": raw["item"],
            "title": raw["title"],
            "year": _title_year(raw["title"]),
            "genres": genres,
        }
    )


def _title_year(titles: pd.Series) -> pd.Series:
    return titles.str.extract(_YEAR, expand=False).astype("Int64")


def _age_band(age: pd.Series) -> np.ndarray:
    idx = np.searchsorted(np.asarray(_AGE_EDGES), age.to_numpy(), side="right")
    return np.asarray(_AGE_BANDS, dtype=object)[idx]
