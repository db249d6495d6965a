"""The friend / trust file of the ``csv`` loader (``user_graph=``), joined to the user ids.

Described by a mapping (only ``path`` is required)::

    {"path": "trust.csv", "source": "trustor", "target": "trustee",
     "directed": False, "delimiter": ",", "encoding": "utf-8"}

``source`` / ``target`` name the two id columns (default ``source`` / ``target``); the
ids are read as the interactions' ids are (text, or integers with ``ids="int"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec.data._readers import record_lines
from graphrec.data.datasets._common import user_graph_from_pairs
from graphrec.data.datasets._features import read_side_file
from graphrec.data.datasets._ids import integer_ids

__all__ = ["GRAPH_KEYS", "is_graph_spec", "read_user_graph"]

GRAPH_KEYS = ("path", "source", "target", "directed", "delimiter", "encoding")


def is_graph_spec(value: Any) -> bool:
    """Whether ``value`` is a user-graph mapping: a ``path`` and only known keys."""
    return (
        isinstance(value, Mapping)
        and "path" in value
        and set(value) <= set(GRAPH_KEYS)
        and isinstance(value.get("directed", False), bool)
        and all(
            isinstance(v, str) or (k == "path" and hasattr(v, "__fspath__"))
            for k, v in value.items()
            if k != "directed"
        )
    )


def read_user_graph(
    spec: Mapping[str, Any], ids: np.ndarray, report: dict[str, Any], *, id_mode: str = "text"
) -> sp.csr_array:
    """The users x users 0/1 graph of the file ``spec`` describes, over ``ids``' index.

    Links naming a user without interactions are left out and counted in ``report``
    (``friend_links``, ``friend_links_ignored``, ``friendships``); a file none of whose
    links joins two known users is a ``ValueError`` (a wrong id column, most likely),
    as are a missing column and an empty id (naming the file, line and column).
    """
    if not is_graph_spec(spec):
        raise ValueError(
            f"user_graph: expected a mapping with 'path' and any of {', '.join(GRAPH_KEYS[1:])}"
            f" ('directed' true or false, the others text), got {spec!r}"
        )
    columns = [spec.get("source", "source"), spec.get("target", "target")]
    path, delimiter, encoding, frame = read_side_file(spec, "user_graph", columns)
    for role, col in zip(("source", "target"), columns):
        if col not in frame.columns:
            raise ValueError(
                f"{path}: no column {col!r} (the user_graph {role} column); columns: "
                f"{', '.join(map(repr, frame.columns))}"
            )
    lines = record_lines(path, delimiter, encoding)[1:]

    def line_of(row: int) -> int:
        return lines[row] if row < len(lines) else row + 2

    ends = []
    for col in columns:
        values = frame[col]
        empty = np.flatnonzero(values.isna().to_numpy())
        if empty.size:
            raise ValueError(f"{path} line {line_of(int(empty[0]))}, column {col!r}: empty user id")
        ends.append(integer_ids(values, path, col, "user", line_of) if id_mode == "int" else values)
    graph, facts = user_graph_from_pairs(
        ends[0].to_numpy(), ends[1].to_numpy(), ids, directed=spec.get("directed", False)
    )
    if len(frame) and facts["friend_links_ignored"] == len(frame):
        raise ValueError(
            f"{path}: none of the {len(frame)} links joins two users of the interactions "
            f"(file ids look like {', '.join(map(repr, ends[0][:3].tolist()))}; interaction "
            f"ids like {', '.join(map(repr, np.asarray(ids)[:3].tolist()))})"
        )
    report.update(facts)
    return graph
