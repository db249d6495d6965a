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

import os
from typing import Any

from graphrec._registry import datasets
from graphrec.data.datasets.csv import load_csv
from graphrec.data.datasets.lastfm import load_lastfm_hetrec
from graphrec.data.datasets.lightgcn import load_lightgcn
from graphrec.data.datasets.movielens import (
    ML100K_GENRES,
    load_movielens_1m,
    load_movielens_100k,
    load_movielens_latest,
)
from graphrec.data.interactions import Interactions
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


PathLike = str | os.PathLike[str]


def load_dataset(name: str, path: PathLike | None = None, **kwargs: Any) -> Interactions | Split:
    """Load a registered dataset by name (``path`` is passed on only when given).

    >>> data = load_dataset("movielens-100k", "../shared/datasets/ml-100k")  # doctest: +SKIP
    >>> data.shape  # doctest: +SKIP
    (943, 1682)
    """
    params = dict(kwargs) if path is None else {"path": path, **kwargs}
    return datasets.create(name, **params)
