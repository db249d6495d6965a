"""Loaders for public recommender datasets and for generic CSV / TSV / Parquet files.

Every loader is a plain function registered by name in :data:`graphrec._registry.datasets`
(``load_dataset("movielens-100k")``). It reads a local folder and returns
:class:`~graphrec.data.interactions.Interactions` (a :class:`~graphrec.data.split.Split`
for the pre-split LightGCN format) whose ``meta`` holds ``name``, ``source`` and
``report``. The named MovieLens and Last.fm loaders download the official archive into
the cache (:func:`graphrec.data.download.download`) when called without ``path``; with a
``path`` they never touch the network.

Malformed input raises ``FileNotFoundError`` (missing folder or file) or ``ValueError``
naming the file, the 1-based line and the column, e.g.
``u.data line 3: expected 4 tab-separated fields (user, item, rating, timestamp), got 2``.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._params import (
    AnyOf,
    Boolean,
    FilePath,
    Interval,
    Options,
    Satisfies,
    Text,
    check_params,
    declare_params,
)
from graphrec._registry import datasets
from graphrec.data._readers import (
    QUOTE_CSV,
    read_csv_frame,
    read_numeric,
    read_records,
    read_token_lines,
    require_nonempty,
    scan_csv,
)
from graphrec.data.download import download
from graphrec.data.interactions import Interactions
from graphrec.data.preprocess import _DUPLICATE_MODES
from graphrec.data.split import Split

__all__ = [
    "ML100K_GENRES",
    "load_csv",
    "load_dataset",
    "load_lastfm_hetrec",
    "load_lightgcn",
    "load_movielens_1m",
    "load_movielens_100k",
    "load_movielens_latest",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
_PATH = AnyOf(FilePath(), None)  # every loader takes a folder or file, or None

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


def load_dataset(name: str, path: PathLike | None = None, **kwargs: Any) -> Interactions | Split:
    """Load a registered dataset by name (``path`` is passed on only when given).

    >>> data = load_dataset("movielens-100k", "../shared/datasets/ml-100k")  # doctest: +SKIP
    >>> data.shape  # doctest: +SKIP
    (943, 1682)
    """
    params = dict(kwargs) if path is None else {"path": path, **kwargs}
    return datasets.create(name, **params)


# ---------------------------------------------------------------------------- MovieLens
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


# ---------------------------------------------------------------------------- Last.fm
@datasets.register("lastfm-hetrec")
@declare_params(path=_PATH, duplicates=Options(_DUPLICATE_MODES), max_tags=Interval(int, 0, None))
def load_lastfm_hetrec(
    path: PathLike | None = None, *, duplicates: str = "sum", max_tags: int = 10
) -> Interactions:
    """Last.fm hetrec-2011: user-artist play counts, friendships, artist names and tags.

    Parameters
    ----------
    path : path, optional
        Folder with ``user_artists.dat`` (and ``user_friends.dat``, ``artists.dat``,
        ``tags.dat``, ``user_taggedartists.dat``); ``None`` downloads the archive.
    duplicates : str
        How repeated (user, artist) rows are combined (default: play counts summed).
    max_tags : int
        How many of the most used tags to keep per artist. When a tag file is missing
        a warning is logged, unless ``max_tags=0``.

    Returns
    -------
    Interactions
        Weights are play counts. ``user_graph``: the symmetric friendship graph over the
        user index (friends without listening data are left out and counted in
        ``meta["report"]["friend_links_ignored"]``). ``item_features``: ``name``, ``url``,
        ``picture_url`` and, when ``tags.dat`` and ``user_taggedartists.dat`` are there,
        ``tags`` (most used first).

    >>> data = load_lastfm_hetrec("../shared/datasets/lastfm-hetrec")  # doctest: +SKIP
    >>> data.shape, data.user_graph.nnz // 2  # doctest: +SKIP
    ((1892, 17632), 12717)
    """
    check_params(
        load_lastfm_hetrec,
        {"path": path, "duplicates": duplicates, "max_tags": max_tags},
        name="dataset 'lastfm-hetrec'",
    )
    name = "lastfm-hetrec"
    folder = _dataset_dir(name, path)
    cols = {"user": "int", "item": "int", "weight": "float"}
    plays = read_numeric(_require(name, folder, "user_artists.dat"), cols, sep="\t", header=True)
    items = None
    if (f := _optional(name, folder, "artists.dat")) is not None:
        items = _read_artists(f)
        tag_file = _optional(name, folder, "tags.dat", warn=False)
        tagged = _optional(name, folder, "user_taggedartists.dat", warn=False)
        absent = [
            f for f, p in (("tags.dat", tag_file), ("user_taggedartists.dat", tagged)) if p is None
        ]
        if absent and max_tags:
            logger.warning(
                "%s: %s not found in %s; artists get no 'tags' column, so tag profiles "
                "will be absent (pass max_tags=0 if no tags are wanted)",
                name,
                " and ".join(absent),
                folder,
            )
        if tag_file is not None and tagged is not None:
            tag_names = read_records(
                tag_file,
                {"tag_id": "int", "tag": "str"},
                sep="\t",
                header=True,
                encoding="latin-1",
            )
            cols = {
                "user": "int",
                "item": "int",
                "tag_id": "int",
                "day": "int",
                "month": "int",
                "year": "int",
            }
            uta = read_numeric(tagged, cols, sep="\t", header=True)
            uta = uta.merge(tag_names, on="tag_id", how="inner")
            tag_lists = _tags_by_item(uta, limit=max_tags)
            items["tags"] = [tag_lists.get(i, []) for i in items["item"]]
    data = _build(name, folder, plays, "weight", None, duplicates, None, items)
    if (f := _optional(name, folder, "user_friends.dat")) is not None:
        cols = {"user": "int", "friend": "int"}
        pairs = read_numeric(f, cols, sep="\t", header=True)
        graph, facts = _friend_graph(pairs, data.user_ids)
        data = replace(data, user_graph=graph, meta=_merge_report(data.meta, facts))
    return data


def _read_artists(path: Path) -> pd.DataFrame:
    """``artists.dat`` parsed leniently: lines without an integer id are skipped (logged)."""
    require_nonempty(path)
    rows, bad = [], []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\r\n").split("\t")
            if lineno == 1 or not line.strip():
                continue
            if len(parts) < 2 or not parts[0].strip().isdigit():
                bad.append(lineno)
                continue
            if len(parts) > 4:  # tabs inside the name: the last two fields are the URLs
                parts = [parts[0], "\t".join(parts[1:-2]), parts[-2], parts[-1]]
            parts += [""] * (4 - len(parts))
            rows.append((int(parts[0]), parts[1], parts[2], parts[3]))
    if bad:
        logger.warning("%s: skipped %d malformed line(s), first: line %d", path, len(bad), bad[0])
    table = pd.DataFrame(rows, columns=["item", "name", "url", "picture_url"])
    return table.drop_duplicates("item")


def _tags_by_item(tags: pd.DataFrame, limit: int | None) -> dict[Any, list[str]]:
    """Distinct ``tag`` values per ``item``, most frequent first (ties: first seen)."""
    tags = tags[tags["tag"].notna() & (tags["tag"] != "")]
    counts = tags.groupby(["item", "tag"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["item", "n"], ascending=[True, False], kind="stable")
    if limit is not None:
        counts = counts.groupby("item", sort=False).head(limit)
    return counts.groupby("item", sort=False)["tag"].agg(list).to_dict()


def _friend_graph(pairs: pd.DataFrame, user_ids: np.ndarray) -> tuple[sp.csr_array, dict]:
    index = pd.Index(user_ids)
    a = index.get_indexer(pairs["user"].to_numpy())
    b = index.get_indexer(pairs["friend"].to_numpy())
    ok = (a >= 0) & (b >= 0) & (a != b)
    n = len(user_ids)
    rows, cols = np.concatenate([a[ok], b[ok]]), np.concatenate([b[ok], a[ok]])
    graph = sp.coo_array((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n)).tocsr()
    graph.sum_duplicates()
    graph.data[:] = 1.0
    facts = {
        "friend_links": len(pairs),
        "friend_links_ignored": int((~ok).sum()),
        "friendships": graph.nnz // 2,
    }
    return sp.csr_array(graph), facts


# ---------------------------------------------------------------------------- LightGCN splits
@datasets.register("lightgcn", needs=("path",), gives="split")
@declare_params(path=_PATH, train_file=Text(), valid_file=[Text(), None], test_file=Text())
def load_lightgcn(
    path: PathLike | None = None,
    *,
    train_file: str = "train.txt",
    valid_file: str | None = "valid.txt",
    test_file: str = "test.txt",
) -> Split:
    """A pre-split implicit-feedback benchmark in the LightGCN text format.

    Each line is ``user item item ...`` with 0-based integer ids (a line may hold only
    the user id; blank lines are skipped). ``train_file`` and ``test_file`` are required,
    ``valid_file`` is read when it exists (``None`` ignores it).

    Returns
    -------
    Split
        Train, valid (or ``None``) and test over one index space: users
        ``0..max user id`` and items ``0..max item id`` over all files, ids kept as they
        are. The split is kept exactly as in the files: test (valid) interactions with
        items never seen in training stay and are counted in the report
        (``test_items_unseen_in_train``, ``test_items_unseen_in_train_valid``,
        ``valid_items_unseen_in_train``). Repeated pairs within a file are kept once.

    >>> split = load_lightgcn("../shared/datasets/lightgcn-splits/ml-1m")  # doctest: +SKIP
    >>> split.train.shape, split.report["test_items_unseen_in_train_valid"]  # doctest: +SKIP
    ((6039, 3628), 29)
    """
    if path is None:
        raise ValueError(
            "lightgcn: pass path=, the folder with train.txt / valid.txt / test.txt "
            "(this format has no download)"
        )
    t0 = time.perf_counter()
    folder = _dataset_dir("lightgcn", path)
    files = {"train": _require("lightgcn", folder, train_file)}
    if valid_file is not None and (folder / valid_file).is_file():
        files["valid"] = folder / valid_file
    files["test"] = _require("lightgcn", folder, test_file)
    parsed = {part: read_token_lines(f) for part, f in files.items()}
    n_users = 1 + max(int(p[2].max(initial=-1)) for p in parsed.values())
    n_items = 1 + max(int(p[1].max(initial=-1)) for p in parsed.values())
    if len(parsed["train"][1]) == 0:
        raise ValueError(f"{files['train']}: no interactions (every line holds only a user id)")
    keys, dups = {}, {}
    for part, (users, items, _) in parsed.items():
        keys[part] = np.unique(users * n_items + items)
        dups[part] = len(users) - len(keys[part])
    seen = np.zeros(n_items, dtype=bool)
    seen[keys["train"] % n_items] = True
    report: dict[str, Any] = {"users": n_users, "items": n_items}
    report.update({part: len(k) for part, k in keys.items()})
    report["duplicates_merged"] = dups
    report["test_items_unseen_in_train"] = int((~seen[keys["test"] % n_items]).sum())
    if "valid" in keys:
        report["valid_items_unseen_in_train"] = int((~seen[keys["valid"] % n_items]).sum())
        seen[keys["valid"] % n_items] = True
        report["test_items_unseen_in_train_valid"] = int((~seen[keys["test"] % n_items]).sum())
    report["test_pairs_in_train"] = int(np.isin(keys["test"], keys["train"]).sum())
    out = {}
    for part, k in keys.items():
        meta = {
            "name": "lightgcn",
            "dataset": folder.name,
            "part": part,
            "source": str(files[part]),
            "report": report,
        }
        out[part] = Interactions.from_coo(
            k // n_items,
            k % n_items,
            user_ids=np.arange(n_users),
            item_ids=np.arange(n_items),
            meta=meta,
        )
    logger.info("lightgcn %s: %s (%.2fs)", folder, report, time.perf_counter() - t0)
    return Split(out["train"], out.get("valid"), out["test"], report)


# ---------------------------------------------------------------------------- generic files
_COLUMN = AnyOf(Text(), Interval(int, 0, None))  # a column name or position
_NAMES = Satisfies(
    lambda v: isinstance(v, (list, tuple)) and all(isinstance(n, str) for n in v),
    "a list of column names",
    invalid=["user,item", [0, 1]],
)


@datasets.register("csv", needs=("path",))
@declare_params(
    path=_PATH,
    user_col=_COLUMN,
    item_col=_COLUMN,
    rating_col=[_COLUMN, None],
    time_col=[_COLUMN, None],
    sep=[Text(), None],
    duplicates=Options(_DUPLICATE_MODES),
    header=Boolean(),
    names=[_NAMES, None],
    encoding=Text(),
)
def load_csv(
    path: PathLike | None = None,
    user_col: str | int = "user",
    item_col: str | int = "item",
    rating_col: str | int | None = None,
    time_col: str | int | None = None,
    *,
    sep: str | None = None,
    duplicates: str = "auto",
    header: bool = True,
    names: list[str] | None = None,
    encoding: str = "utf-8",
) -> Interactions:
    """Interactions from a CSV / TSV file (or ``.parquet``, which needs pyarrow).

    Parameters
    ----------
    path : path
        The file. ``.csv`` is comma-separated, ``.tsv`` / ``.dat`` tab-separated
        (compressed ``.gz`` / ``.bz2`` / ``.xz`` / ``.zip`` work too); pass ``sep`` for
        other names.
    user_col, item_col, rating_col, time_col : str or int
        Column names (column positions when ``header=False`` and no ``names``). Without
        ``rating_col`` every weight is 1. ``time_col`` may hold numbers or dates (dates
        become unix seconds).
    duplicates : str
        How repeated (user, item) rows are combined, see
        :func:`graphrec.data.preprocess.clean_frame`. The default ``"auto"`` keeps the
        latest rating (by ``time_col``, else the last row) for explicit ratings, sums a
        count column (a name such as ``plays`` or ``playcount``, see
        :func:`graphrec.data.preprocess.is_count_column`) and, without ``rating_col``,
        counts the rows of each pair. Rows dropped for a missing id and rows merged
        are counted in ``meta["report"]`` (``missing_ids_dropped``,
        ``duplicates_merged``, ``duplicates``: the mode used) and said in a warning.
    header : bool
        Whether the first line holds column names.
    names : list of str, optional
        Column names to use (replacing the header line when there is one).

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = f.write_text("user,item,stars\\na,1,5\\nb,1,3\\n")
    >>> load_csv(f, rating_col="stars").matrix.toarray().tolist()
    [[5.0], [3.0]]
    """
    if path is None:
        raise ValueError("csv: pass path=, the file to read")
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"csv: {p} does not exist")
    if p.is_dir():
        raise ValueError(f"csv: {p} is a directory; expected a .csv, .tsv or .parquet file")
    suffixes = [s.lower() for s in p.suffixes if s.lower() not in (".gz", ".bz2", ".xz", ".zip")]
    ext = suffixes[-1] if suffixes else ""
    if ext == ".parquet":
        df = _read_parquet(p)
    else:
        if sep is None:
            sep = {".csv": ",", ".tsv": "\t", ".dat": "\t"}.get(ext)
            if sep is None:
                raise ValueError(f"csv: cannot infer the separator of {p.name}; pass sep=")
        df = read_csv_frame(p, sep, header, names, encoding)
    for col in (rating_col, time_col):
        if col is not None and col in df.columns:
            df[col] = _numeric_column(df, col, p, sep, header, encoding, dates=col == time_col)
    data = Interactions.from_frame(
        df,
        user_col,
        item_col,
        rating_col,
        time_col,  # type: ignore[arg-type]
        duplicates=duplicates,
        source=str(p),
    )
    return replace(data, meta={"name": "csv", "source": str(p), "report": data.meta["report"]})


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        importlib.import_module("pyarrow")
    except ImportError:
        raise ImportError(
            f"reading {path.name} needs pyarrow: pip install pyarrow "
            "(or pip install 'graphrec[parquet]')"
        ) from None
    return pd.read_parquet(path, engine="pyarrow")


def _numeric_column(
    df: pd.DataFrame,
    col: str | int,
    path: Path,
    sep: str | None,
    header: bool,
    encoding: str,
    dates: bool,
) -> pd.Series:
    """Column ``col`` as numbers (dates as unix seconds); the first bad value is reported."""
    values = pd.to_numeric(df[col], errors="coerce")
    if dates and values.isna().any() and not pd.api.types.is_numeric_dtype(df[col]):
        stamps = pd.to_datetime(df[col], errors="coerce", utc=True, format="mixed")
        if stamps.notna().all():
            return (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    if not values.isna().any():
        return values
    if sep is not None:
        scan_csv(path, sep, header, encoding, {list(df.columns).index(col): col})
    row = int(np.flatnonzero(values.isna().to_numpy())[0])
    raise ValueError(
        f"{path} row {row + 1}, column {col!r}: expected a number, got {df[col].iloc[row]!r}"
    )


# ---------------------------------------------------------------------------- shared helpers
def _dataset_dir(name: str, path: PathLike | None) -> Path:
    if path is None:
        return download(name)
    folder = Path(path).expanduser()
    if not folder.exists():
        raise FileNotFoundError(f"{name}: path {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"{name}: {folder} is a file; expected the folder with the dataset files")
    return folder


def _listing(folder: Path) -> str:
    return ", ".join(sorted(p.name for p in folder.iterdir())) or "(none)"


def _require(name: str, folder: Path, filename: str) -> Path:
    f = folder / filename
    if not f.is_file():
        raise FileNotFoundError(
            f"{name}: required file {filename} not found in {folder}; files there: "
            f"{_listing(folder)}"
        )
    return f


def _optional(name: str, folder: Path, filename: str, warn: bool = True) -> Path | None:
    f = folder / filename
    if f.is_file():
        return f
    (logger.warning if warn else logger.info)("%s: %s not found in %s", name, filename, folder)
    return None


def _align(table: pd.DataFrame | None, key: str, ids: np.ndarray, report: dict) -> Any:
    """Rows of ``table`` (keyed by column ``key``) in the order of ``ids``."""
    if table is None:
        return None
    table = table.drop_duplicates(key).set_index(key)
    out = table.reindex(ids).reset_index(drop=True)
    report[f"{key}s_without_features"] = int((~np.isin(ids, table.index.to_numpy())).sum())
    for col in ("genres", "tags"):
        if col in out.columns:
            out[col] = [v if isinstance(v, list) else [] for v in out[col]]
    return out


def _merge_report(meta: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
    return {**meta, "report": {**meta["report"], **facts}}


def _build(
    name: str,
    folder: Path,
    df: pd.DataFrame,
    rating_col: str,
    time_col: str | None,
    duplicates: str,
    users: pd.DataFrame | None,
    items: pd.DataFrame | None,
) -> Interactions:
    data = Interactions.from_frame(
        df, "user", "item", rating_col, time_col, duplicates=duplicates, source=str(folder)
    )
    report = dict(data.meta["report"])
    user_features = _align(users, "user", data.user_ids, report)
    item_features = _align(items, "item", data.item_ids, report)
    logger.info("%s: %r from %s", name, data, folder)
    return replace(
        data,
        user_features=user_features,
        item_features=item_features,
        meta={"name": name, "source": str(folder), "report": report},
    )
