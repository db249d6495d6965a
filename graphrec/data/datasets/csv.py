"""Loader for generic CSV / TSV / Parquet interaction files."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphrec._params import (
    AnyOf,
    Boolean,
    Interval,
    Options,
    Satisfies,
    Text,
    declare_params,
)
from graphrec._registry import datasets
from graphrec.data._readers import read_csv_frame, record_lines, scan_csv
from graphrec.data.datasets._common import (
    _PATH,
    PathLike,
)
from graphrec.data.datasets._features import FEATURE_KEYS, is_feature_spec, read_features
from graphrec.data.datasets._ids import ID_MODES, integer_ids
from graphrec.data.datasets._user_graph import GRAPH_KEYS, is_graph_spec, read_user_graph
from graphrec.data.interactions import Interactions
from graphrec.data.preprocess import _DUPLICATE_MODES, check_weights

logger = logging.getLogger(__name__)

_COLUMN = AnyOf(Text(), Interval(int, 0, None))  # a column name or position
_NAMES = Satisfies(
    lambda v: isinstance(v, (list, tuple)) and all(isinstance(n, str) for n in v),
    "a list of column names",
    invalid=["user,item", [0, 1]],
)
_GRAPH = Satisfies(
    is_graph_spec,
    f"a mapping with 'path' and any of {', '.join(GRAPH_KEYS[1:])}",
    invalid=["trust.csv", {"source": "a"}, {"path": "t.csv", "from": "a"}],
)
_FEATURES = Satisfies(
    is_feature_spec,
    f"a mapping with 'path' and any of {', '.join(FEATURE_KEYS[1:])} (column names)",
    invalid=["items.csv", {"id": "item"}, {"path": "items.csv", "genre": "g"}],
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
    item_features=[_FEATURES, None],
    user_features=[_FEATURES, None],
    ids=Options(ID_MODES),
    user_graph=[_GRAPH, None],
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
    item_features: Mapping[str, Any] | None = None,
    user_features: Mapping[str, Any] | None = None,
    ids: str = "text",
    user_graph: Mapping[str, Any] | None = None,
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
        ``rating_col`` every row is an interaction. A weight must be a finite number
        (``inf``, ``nan`` or a magnitude past 3.4e38 is a ``ValueError`` naming the
        line and column); rows whose weight is zero or negative are not interactions:
        they are dropped, counted as ``meta["report"]["nonpositive_weights_dropped"]``
        and said in a warning. ``time_col`` may hold numbers or dates (dates become
        unix seconds).
    ids : {"text", "int"}
        How user and item ids are read (in the interactions and the feature files
        alike). ``"text"`` (the default): as the text in the file, so ``007`` and ``7``
        are two users and an ISBN keeps its leading zero; surrounding spaces are
        removed and an empty field is a missing id. ``"int"``: as integers; a field
        that is not one, or two spellings of one integer (``007`` and ``7``), is a
        ``ValueError`` naming the lines. Parquet ids keep the file's type.
    user_graph : mapping, optional
        A friend or trust file: ``{"path": "trust.csv", "source": "trustor",
        "target": "trustee"}`` (``directed: true`` keeps the direction, else the
        graph is symmetric; ``delimiter`` and ``encoding`` describe the file). It
        becomes ``data.user_graph``; links to users without interactions are left
        out and counted (``meta["report"]["friend_links_ignored"]``).
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
    item_features, user_features : mapping, optional
        A features file joined to the interactions' ids, described by column names:
        ``{"path": "movies.csv", "id": "movie_id", "genres": "genres", "sep": "|",
        "year": "year", "title": "title"}`` (only ``path`` is required; ``id`` defaults
        to ``item`` / ``user``; ``delimiter`` and ``encoding`` describe the file). The
        multi-valued ``genres`` column is split on ``sep`` into lists; it, ``year`` and
        ``title`` become the columns ``genres``, ``year``, ``title`` that
        :func:`graphrec.community.profile.profile` names communities by; other columns
        are kept under their names. Ids without features get missing values (counted
        as ``meta["report"]["items_without_features"]``); rows whose id is not in the
        interactions are ignored, counted (``item_feature_rows_ignored``) and warned
        about (a file none of whose ids match is a ``ValueError``: a wrong id column);
        a repeated id, an empty id or a year that is not a number is a ``ValueError``
        naming the file, line and column. Relative paths are read from
        the current folder.

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = f.write_text("user,item,stars\\na,1,5\\nb,1,3\\n")
    >>> load_csv(f, rating_col="stars").matrix.toarray().tolist()
    [[5.0], [3.0]]
    >>> g = f.with_name("items.csv")
    >>> _ = g.write_text("item,name,genres\\n1,Heat,Action|Crime\\n")
    >>> data = load_csv(f, item_features={"path": g, "title": "name", "genres": "genres"})
    >>> data.item_features[["title", "genres"]].to_dict("records")
    [{'title': 'Heat', 'genres': ['Action', 'Crime']}]
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
        if user_col == item_col:
            raise ValueError(
                f"csv: user_col and item_col are both {user_col!r}; expected two columns"
            )
        df = read_csv_frame(p, sep, header, names, encoding, text_columns=[user_col, item_col])
    lines: list[int] | None = None

    def line_of(row: int) -> int:  # the file line of a data row, found only for an error
        nonlocal lines
        if lines is None:
            lines = record_lines(p, sep or ",", encoding)[1 if header else 0 :]
        return lines[row] if row < len(lines) else row + 1 + header

    for col in (rating_col, time_col):
        if col is not None and col in df.columns:
            df[col] = _numeric_column(df, col, p, sep, header, encoding, dates=col == time_col)
    if rating_col is not None and rating_col in df.columns and ext != ".parquet":
        position = list(df.columns).index(rating_col) + 1
        check_weights(df[rating_col], str(p), f"{position} ({rating_col!r})", line_of)
    if ids == "int" and ext != ".parquet":
        for kind, col in (("user", user_col), ("item", item_col)):
            if col in df.columns:
                df[col] = integer_ids(df[col], p, col, kind, line_of)
    data = Interactions.from_frame(
        df,
        user_col,
        item_col,
        rating_col,
        time_col,  # type: ignore[arg-type]
        duplicates=duplicates,
        source=str(p),
    )
    report = dict(data.meta["report"])
    features = {}
    for kind, spec in (("item", item_features), ("user", user_features)):
        if spec is not None:
            known = data.item_ids if kind == "item" else data.user_ids
            features[f"{kind}_features"] = read_features(spec, kind, known, report, id_mode=ids)
    if user_graph is not None:
        features["user_graph"] = read_user_graph(user_graph, data.user_ids, report, id_mode=ids)
    return replace(data, **features, meta={"name": "csv", "source": str(p), "report": report})


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
