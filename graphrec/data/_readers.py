"""Fast, validating readers of delimited text files (private helpers of the loaders).

Each reader tries a fast vectorised path first (pandas' C parser, ``np.fromstring``) and,
when that fails or the result looks wrong, scans the file line by line to report the
first bad line as ``"<file> line <n>[, column <k> (<name>)]: expected ..., got ..."``.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "QUOTE_CSV",
    "describe_sep",
    "iter_rows",
    "parse_value",
    "read_csv_frame",
    "read_numeric",
    "read_records",
    "read_token_lines",
    "require_nonempty",
    "scan_csv",
]

QUOTE_CSV = csv.QUOTE_MINIMAL
_KIND_NAMES = {"int": "an integer", "float": "a number"}
_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", " ": "space"}
_PARSE_ERRORS = (ValueError, OverflowError, TypeError)  # ParserError, UnicodeDecodeError too
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True  # lookup table: byte -> is ASCII whitespace


def describe_sep(sep: str) -> str:
    """``"tab"``, ``"comma"``, ... or the quoted separator (``"'::'"``)."""
    return _SEP_NAMES.get(sep, repr(sep))


def require_nonempty(path: Path) -> None:
    """Raise ``ValueError`` when the file has no bytes or only whitespace."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
        while head and not head.strip():
            head = f.read(1 << 16)
    if not head.strip():
        raise ValueError(f"{path} is empty")


def parse_value(text: str, kind: str) -> int | float | str:
    """Convert one field to ``kind`` (``"int"``, ``"float"`` or ``"str"``) or raise."""
    if kind == "int":
        return int(text)
    if kind == "float":
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    return text


def iter_rows(lines: Iterable[str], sep: str, quoting: int) -> Iterator[tuple[int, list[str]]]:
    """``(1-based line number, fields)`` of the non-blank lines."""
    if quoting == csv.QUOTE_NONE or len(sep) != 1:
        for lineno, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if line.strip():
                yield lineno, line.split(sep)
    else:
        reader = csv.reader(lines, delimiter=sep, quoting=quoting)
        for row in reader:
            if any(v.strip() for v in row):
                yield reader.line_num, row


def read_records(
    path: Path,
    columns: Mapping[str, str],
    *,
    sep: str,
    header: bool = False,
    encoding: str = "utf-8",
    quoting: int = csv.QUOTE_NONE,
) -> pd.DataFrame:
    """Read a small delimited file line by line, checking every line.

    ``columns`` maps the expected field names, in order, to ``"int"``, ``"float"`` or
    ``"str"``. Every data line must have exactly that many fields.
    """
    names, kinds = list(columns), list(columns.values())
    rows: list[list[int | float | str]] = []
    skip_header, lineno = header, 0
    try:
        with open(path, encoding=encoding, newline="") as f:
            for lineno, fields in iter_rows(f, sep, quoting):
                if skip_header:
                    skip_header = False
                    continue
                if len(fields) != len(names):
                    raise ValueError(
                        f"{path} line {lineno}: expected {len(names)} {describe_sep(sep)}-"
                        f"separated fields ({', '.join(names)}), got {len(fields)}"
                    )
                rows.append(
                    [_field(path, lineno, i, names, fields, kinds) for i in range(len(names))]
                )
    except UnicodeDecodeError:
        raise ValueError(_decode_error(path, encoding)) from None
    except csv.Error as exc:
        raise ValueError(f"{path} after line {lineno}: {exc}") from None
    if not rows:
        what = "has a header line but no data rows" if header and not skip_header else "is empty"
        raise ValueError(f"{path} {what}")
    return pd.DataFrame(rows, columns=names)


def _decode_error(path: Path, encoding: str) -> str:
    raw = path.read_bytes()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return f"{path} line {line}: not valid {encoding} text (byte {exc.start}: {exc.reason})"
    return f"{path}: not valid {encoding} text"


def _field(
    path: Path, lineno: int, pos: int, names: list[str], fields: list[str], kinds: list[str]
) -> int | float | str:
    try:
        return parse_value(fields[pos], kinds[pos])
    except ValueError:
        raise ValueError(
            f"{path} line {lineno}, column {pos + 1} ({names[pos]}): expected "
            f"{_KIND_NAMES[kinds[pos]]}, got {fields[pos]!r}"
        ) from None


def read_numeric(
    path: Path,
    columns: Mapping[str, str],
    *,
    sep: str,
    header: bool = False,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read a large delimited file of numbers (``"int"`` / ``"float"`` columns) fast.

    Uses pandas' C parser (a multi-character ``sep`` such as ``"::"`` is replaced by a
    tab in memory first); on any problem the file is re-read by :func:`read_records`,
    which reports the first bad line.
    """
    require_nonempty(path)
    dtypes = {i: np.int64 if k == "int" else np.float64 for i, k in enumerate(columns.values())}
    try:
        if len(sep) > 1:
            source: Path | io.StringIO = io.StringIO(path.read_text(encoding).replace(sep, "\t"))
        else:
            source = path
        df = pd.read_csv(
            source,
            sep="\t" if len(sep) > 1 else sep,
            header=None,
            skiprows=1 if header else 0,
            dtype=dtypes,  # type: ignore[arg-type]
            encoding=encoding,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
        ok = df.shape[1] == len(columns) and len(df) > 0 and not df.isna().to_numpy().any()
    except _PARSE_ERRORS:
        ok = False
    if not ok:
        read_records(path, columns, sep=sep, header=header, encoding=encoding)
        raise ValueError(
            f"{path}: cannot be read as {len(columns)} {describe_sep(sep)}-separated numeric "
            f"fields ({', '.join(columns)})"
        )
    df.columns = list(columns)
    return df


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


def read_csv_frame(
    path: Path, sep: str, header: bool, names: list[str] | None, encoding: str
) -> pd.DataFrame:
    """Read a delimited file with pandas; report the first bad line on failure."""
    require_nonempty(path)
    try:
        df = pd.read_csv(
            path,
            sep=sep if len(sep) == 1 else re.escape(sep),
            header=0 if header else None,
            names=names,
            encoding=encoding,
            engine="c" if len(sep) == 1 else "python",
        )
    except UnicodeDecodeError:
        raise ValueError(_decode_error(path, encoding)) from None
    except _PARSE_ERRORS as exc:
        scan_csv(path, sep, header, encoding, {})
        raise ValueError(
            f"{path}: cannot be read as {describe_sep(sep)}-separated text ({exc})"
        ) from None
    if len(df) == 0:
        raise ValueError(f"{path} has a header line but no data rows")
    return df


def scan_csv(
    path: Path, sep: str, header: bool, encoding: str, numeric: Mapping[int, str | int]
) -> None:
    """Raise at the first line with a different field count or a bad number in ``numeric``."""
    if path.suffix.lower() in (".gz", ".bz2", ".xz", ".zip"):
        return  # compressed: no line-level diagnosis
    width, first = None, 0
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        for lineno, fields in iter_rows(f, sep, QUOTE_CSV):
            if width is None:
                width, first = len(fields), lineno
                if header:
                    continue
            if len(fields) != width:
                raise ValueError(
                    f"{path} line {lineno}: expected {width} {describe_sep(sep)}-separated "
                    f"fields (as in line {first}), got {len(fields)}"
                )
            for pos, name in numeric.items():
                try:
                    parse_value(fields[pos], "float")
                except ValueError:
                    raise ValueError(
                        f"{path} line {lineno}, column {pos + 1} ({name!r}): expected a number, "
                        f"got {fields[pos]!r}"
                    ) from None
