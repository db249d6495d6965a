"""Item and user feature files of the ``csv`` loader, joined to the interactions' ids.

A feature file is described by a mapping (the ``item_features=`` / ``user_features=``
parameter of :func:`~graphrec.data.datasets.csv.load_csv`)::

    {"path": "movies.csv", "id": "movie_id", "genres": "genres", "sep": "|",
     "year": "year", "title": "title"}

``path`` and ``id`` are required (``id`` defaults to ``item`` / ``user``); ``genres``
names a multi-valued column split on ``sep`` (default ``"|"``) into a list, ``year`` a
numeric column, ``title`` the display name. They become the columns ``genres``,
``year`` and ``title`` that :func:`graphrec.community.profile.profile` reads; every
other column is kept under its own name. ``delimiter`` is the file's field separator
(inferred from ``.csv`` / ``.tsv`` otherwise) and ``encoding`` its text encoding.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphrec.data._readers import read_csv_frame, record_lines
from graphrec.data.datasets._ids import integer_ids

logger = logging.getLogger(__name__)

__all__ = ["FEATURE_KEYS", "is_feature_spec", "read_features", "read_side_file"]

FEATURE_KEYS = ("path", "id", "genres", "sep", "year", "title", "delimiter", "encoding")
_ROLES = ("genres", "year", "title")  # mapped column -> canonical name


def is_feature_spec(value: Any) -> bool:
    """Whether ``value`` is a feature-file mapping: a ``path`` and only known string keys."""
    return (
        isinstance(value, Mapping)
        and "path" in value
        and set(value) <= set(FEATURE_KEYS)
        and all(
            isinstance(v, str) or (k == "path" and hasattr(v, "__fspath__"))
            for k, v in value.items()
        )
    )


def read_features(
    spec: Mapping[str, Any],
    kind: str,
    ids: np.ndarray,
    report: dict[str, Any],
    *,
    id_mode: str = "text",
) -> pd.DataFrame:
    """The feature table of ``kind`` (``"item"`` / ``"user"``) aligned to ``ids``.

    Rows follow ``ids`` (the interactions' vocabulary); an id without features gets
    missing values (an empty genre list). The id column is read as the interactions'
    ids are (``id_mode``, see :mod:`graphrec.data.datasets._ids`). Counts go to ``report``:
    ``<kind>s_without_features`` and ``<kind>_feature_rows_ignored`` (ids of the file
    absent from the interactions, also said in a warning).
    """
    where = f"{kind}_features"
    if not is_feature_spec(spec):
        raise ValueError(
            f"{where}: expected a mapping with 'path' and any of "
            f"{', '.join(FEATURE_KEYS[1:])} (column names), got {spec!r}"
        )
    id_col = spec.get("id", kind)
    path, delimiter, encoding, frame = read_side_file(spec, where, [id_col])
    named = {"id": id_col, **{r: spec[r] for r in _ROLES if r in spec}}
    for role, col in named.items():
        if col not in frame.columns:
            raise ValueError(
                f"{path}: no column {col!r} (the {where} {role} column); columns: "
                f"{', '.join(map(repr, frame.columns))}"
            )
    lines = None  # the file line of each data row, found only to report a bad row

    def line_of(row: int) -> int:
        nonlocal lines
        if lines is None:
            lines = record_lines(path, delimiter, encoding)[1:]  # skip the header
        return lines[row] if row < len(lines) else row + 2

    keys = frame[id_col]
    missing = np.flatnonzero(keys.isna().to_numpy())
    if missing.size:
        r = int(missing[0])
        raise ValueError(f"{path} line {line_of(r)}, column {id_col!r}: the {kind} id is empty")
    if id_mode == "int":
        keys = integer_ids(keys, path, id_col, kind, line_of).astype(np.int64)
    keys = _as_vocabulary(keys, ids)
    dup = np.flatnonzero(keys.duplicated().to_numpy())
    if dup.size:
        r = int(dup[0])
        first = int(np.flatnonzero((keys == keys.iloc[r]).to_numpy())[0])
        raise ValueError(
            f"{path} line {line_of(r)}, column {id_col!r}: {kind} id {keys.iloc[r]!r} appears "
            f"again (first on line {line_of(first)}); expected one row per {kind}"
        )
    out = frame.drop(columns=[id_col])
    if "year" in named:
        out[named["year"]] = _years(frame[named["year"]], path, named["year"], line_of)
    if "genres" in named:
        out[named["genres"]] = _lists(frame[named["genres"]], spec.get("sep", "|"))
    roles = {col: role for role, col in named.items() if role != "id"}
    shadowed = [r for r in roles.values() if r in out.columns and r not in roles]
    out = out.drop(columns=shadowed).rename(columns=roles)  # the mapped column wins
    out.index = pd.Index(keys.to_numpy(), name=kind)
    known = np.isin(out.index.to_numpy(), ids)
    ignored = int((~known).sum())
    if ignored == len(out):
        raise ValueError(
            f"{path}: none of the {len(out)} ids in column {id_col!r} is a {kind} of the "
            f"interactions (file ids look like {', '.join(map(repr, out.index[:3].tolist()))}"
            f"; interaction ids like {', '.join(map(repr, np.asarray(ids)[:3].tolist()))})"
        )
    if ignored:
        shown = ", ".join(map(repr, out.index[~known][:5].tolist()))
        logger.warning(
            "%s: %d row(s) of %s name %ss not in the interactions (%s%s); ignored",
            where,
            ignored,
            path.name,
            kind,
            shown,
            ", ..." if ignored > 5 else "",
        )
    aligned = out.reindex(ids).reset_index(drop=True)
    if "genres" in aligned.columns:
        aligned["genres"] = [v if isinstance(v, list) else [] for v in aligned["genres"]]
    report[f"{kind}s_without_features"] = int((~np.isin(ids, out.index.to_numpy())).sum())
    report[f"{kind}_feature_rows_ignored"] = ignored
    return aligned


def read_side_file(
    spec: Mapping[str, Any], where: str, id_columns: list[Any]
) -> tuple[Path, str, str, pd.DataFrame]:
    """``(path, delimiter, encoding, table)`` of a side file (features, a user graph).

    ``spec`` gives ``path`` and, optionally, ``delimiter`` (inferred from ``.csv`` /
    ``.tsv``) and ``encoding``; ``id_columns`` are read as text (see
    :func:`graphrec.data._readers.read_csv_frame`); column names are stripped.
    """
    path = Path(spec["path"]).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{where}: {path} does not exist (or is not a file)")
    encoding = spec.get("encoding", "utf-8")
    delimiter = spec.get("delimiter") or _infer_delimiter(path, where)
    frame = read_csv_frame(path, delimiter, True, None, encoding, text_columns=id_columns)
    frame.columns = [str(c).strip() for c in frame.columns]
    return path, delimiter, encoding, frame


def _infer_delimiter(path: Path, where: str) -> str:
    names = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".bz2", ".xz", ".zip")]
    delimiter = {".csv": ",", ".tsv": "\t", ".dat": "\t"}.get(names[-1] if names else "")
    if delimiter is None:
        raise ValueError(f"{where}: cannot infer the field separator of {path.name}; add delimiter")
    return delimiter


def _as_vocabulary(keys: pd.Series, ids: np.ndarray) -> pd.Series:
    """Feature ids in the type of the interactions' ids (``"7"`` matches ``7`` and back)."""
    ids = np.asarray(ids)
    if ids.dtype.kind in "iu" and keys.dtype.kind not in "iu":
        numbers = pd.to_numeric(keys, errors="coerce")
        if numbers.notna().all() and (numbers == numbers.round()).all():
            return numbers.astype(np.int64)
    if ids.dtype.kind not in "iu" and keys.dtype.kind in "iuf":
        return keys.astype(str)
    return keys


def _years(values: pd.Series, path: Path, col: str, line_of: Any) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = np.flatnonzero((numbers.isna() & values.notna()).to_numpy())
    if bad.size:
        r = int(bad[0])
        raise ValueError(
            f"{path} line {line_of(r)}, column {col!r}: expected a year (a number) or an "
            f"empty field, got {values.iloc[r]!r}"
        )
    return numbers.round().astype("Int64")


def _lists(values: pd.Series, sep: str) -> list[list[str]]:
    """``"Action|Comedy"`` -> ``["Action", "Comedy"]``; empty or missing -> ``[]``."""
    out = []
    for v in values.tolist():
        if not isinstance(v, str):
            out.append([] if v is None or v != v else [str(v)])
            continue
        out.append([t.strip() for t in v.split(sep) if t.strip()])
    return out
