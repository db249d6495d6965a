"""How the ``csv`` loader reads ids: as the text in the file, or as integers on request.

Ids are labels. Read as text (the default), ``007`` and ``7`` are two users and the
ISBN ``0345339703`` keeps its leading zero. ``ids="int"`` parses them as integers; two
spellings of one integer (``007`` and ``7``) are then an error naming both and their
lines, never a silent merge.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ID_MODES", "integer_ids"]

ID_MODES = ("text", "int")
_INTEGER = r"[+-]?\d{1,18}"


def integer_ids(
    values: pd.Series, path: Path, column: object, kind: str, line_of: Callable[[int], int]
) -> pd.Series:
    """Text ids as ``int64`` (missing ones stay missing); ``ValueError`` on a bad or
    ambiguous id, naming the file, the line (``line_of(row)``) and the column.

    >>> s = pd.Series(["7", "12", None])
    >>> integer_ids(s, Path("r.csv"), "user", "user", lambda r: r + 2).tolist()
    [7, 12, <NA>]
    >>> integer_ids(pd.Series(["007", "7"]), Path("r.csv"), "user", "user", lambda r: r + 2)
    Traceback (most recent call last):
    ...
    ValueError: r.csv: user ids '007' (line 2) and '7' (line 3) are the same integer 7 ...
    """
    text = values.astype("string")
    present = text.notna().to_numpy()
    ok = text.str.fullmatch(_INTEGER).fillna(True).to_numpy(bool)
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise ValueError(
            f"{path} line {line_of(row)}, column {column!r}: expected an integer {kind} id "
            f"(ids='int'), got {values.iloc[row]!r}; ids='text' (the default) reads any label"
        )
    numbers = pd.Series(pd.NA, index=values.index, dtype="Int64")
    numbers[present] = text[present].astype(np.int64)
    spellings = pd.DataFrame({"n": numbers[present], "s": text[present]}).drop_duplicates()
    clash = spellings["n"].duplicated(keep=False).to_numpy()
    if clash.any():
        n = spellings["n"].to_numpy()[clash][0]
        a, b = spellings["s"][spellings["n"] == n].iloc[:2]
        ra = int(np.flatnonzero((text == a).fillna(False).to_numpy())[0])
        rb = int(np.flatnonzero((text == b).fillna(False).to_numpy())[0])
        raise ValueError(
            f"{path}: {kind} ids {a!r} (line {line_of(ra)}) and {b!r} (line {line_of(rb)}) "
            f"are the same integer {n} under ids='int' (column {column!r}); ids='text' "
            "(the default) keeps them apart"
        )
    return numbers
