"""Helpers shared by the dataset loaders: folder lookup, required files, the report."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._params import (
    AnyOf,
    FilePath,
)
from graphrec.data.download import download
from graphrec.data.interactions import Interactions

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
_PATH = AnyOf(FilePath(), None)  # every loader takes a folder or file, or None


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


def _tags_by_item(tags: pd.DataFrame, limit: int | None) -> dict[Any, list[str]]:
    """Distinct ``tag`` values per ``item``, most frequent first (ties: first seen)."""
    tags = tags[tags["tag"].notna() & (tags["tag"] != "")]
    counts = tags.groupby(["item", "tag"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["item", "n"], ascending=[True, False], kind="stable")
    if limit is not None:
        counts = counts.groupby("item", sort=False).head(limit)
    return counts.groupby("item", sort=False)["tag"].agg(list).to_dict()


def user_graph_from_pairs(
    sources: Any, targets: Any, user_ids: np.ndarray, *, directed: bool = False
) -> tuple[sp.csr_array, dict[str, int]]:
    """A users x users 0/1 graph from (source, target) id pairs, over ``user_ids``' index.

    Pairs naming a user absent from the interactions, and self-links, are left out and
    counted (``friend_links_ignored``); repeated pairs count once. Undirected (the
    default) makes the graph symmetric; ``directed=True`` keeps ``source -> target``.

    >>> g, facts = user_graph_from_pairs([1, 2, 9], [2, 1, 1], np.array([1, 2, 3]))
    >>> g.toarray().tolist(), facts["friend_links_ignored"], facts["friendships"]
    ([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], 1, 1)
    """
    index = pd.Index(user_ids)
    a = index.get_indexer(np.asarray(sources))
    b = index.get_indexer(np.asarray(targets))
    ok = (a >= 0) & (b >= 0) & (a != b)
    n = len(user_ids)
    rows, cols = a[ok], b[ok]
    if not directed:
        rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    graph = sp.coo_array((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n)).tocsr()
    graph.sum_duplicates()
    graph.data[:] = 1.0
    facts = {
        "friend_links": len(a),
        "friend_links_ignored": int((~ok).sum()),
        "friendships": int(graph.nnz if directed else graph.nnz // 2),
    }
    return sp.csr_array(graph), facts
