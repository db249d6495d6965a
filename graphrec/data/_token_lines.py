"""Reader of ``user item item ...`` lines (the LightGCN split format), without Python loops."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

__all__ = ["read_token_lines"]

_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True  # lookup table: byte -> is ASCII whitespace


def read_token_lines(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse ``user item item ...`` lines of non-negative integers without Python loops.

    Returns ``(users, items, line_users)``: one user per item and the user of every
    non-blank line (users without items included).
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError(f"{path} is empty")
    buf = np.frombuffer(raw, dtype=np.uint8)
    space = _WHITESPACE[buf]
    starts = np.flatnonzero(~space & np.concatenate(([True], space[:-1])))
    line_of = np.cumsum(buf == 10, dtype=np.int64)[starts]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(raw, dtype=np.int64, sep=" ")
        ok = len(values) == len(starts) and not (values < 0).any()
    except (DeprecationWarning, ValueError):
        ok = False
    if not ok:
        _scan_token_lines(path, raw)
        raise ValueError(f"{path}: cannot be read as lines of integer ids (user item item ...)")
    first = np.ones(len(starts), dtype=bool)
    first[1:] = line_of[1:] != line_of[:-1]
    heads = np.flatnonzero(first)
    line_users = values[heads]
    n_items = np.diff(np.append(heads, len(values))) - 1
    return np.repeat(line_users, n_items), values[~first], line_users


def _scan_token_lines(path: Path, raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    for lineno, line in enumerate(text.split("\n"), 1):
        for pos, token in enumerate(line.split(), 1):
            if not (token.isascii() and token.isdigit()):
                what = "user id" if pos == 1 else "item id"
                raise ValueError(
                    f"{path} line {lineno}, field {pos} ({what}): expected a non-negative "
                    f"integer (lines are 'user item item ...'), got {token!r}"
                )
