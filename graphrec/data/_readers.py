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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES

__all__ = [
    "QUOTE_CSV",
    "describe_sep",
    "iter_rows",
    "parse_value",
    "read_csv_frame",
    "read_numeric",
    "read_records",
    "record_lines",
    "require_nonempty",
    "scan_csv",
]

QUOTE_CSV = csv.QUOTE_MINIMAL
_KIND_NAMES = {"int": "an integer", "float": "a number"}
_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", " ": "space"}
_FIELD_LIMIT = 2**31 - 1  # the csv module's 128 KiB default would misreport long fields
_PARSE_ERRORS = (ValueError, OverflowError, TypeError)  # ParserError, UnicodeDecodeError too


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


def iter_rows(
    lines: Iterable[str], sep: str, quoting: int, source: object = "input"
) -> Iterator[tuple[int, list[str]]]:
    """``(1-based line number, fields)`` of the non-blank records.

    With CSV quoting a record may span lines (a quoted field holding a newline); its
    number is the line it starts on. A quote that is never closed, which would swallow
    the rest of the file into one field, is a ``ValueError`` naming ``source`` and the
    line where the quoted field opens.
    """
    if quoting == csv.QUOTE_NONE or len(sep) != 1:
        for lineno, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if line.strip():
                yield lineno, line.split(sep)
        return
    record: list[str] = []  # the physical lines of the record being read

    def remember() -> Iterator[str]:
        for line in lines:
            record.append(line)
            yield line

    reader = csv.reader(remember(), delimiter=sep, quoting=quoting)
    limit = csv.field_size_limit()
    csv.field_size_limit(_FIELD_LIMIT)  # a long field is a field (pandas reads it too)
    try:
        yield from _records(reader, record, source, sep, quoting)
    finally:
        csv.field_size_limit(limit)


def _records(
    reader: Iterator[list[str]], record: list[str], source: object, sep: str, quoting: int
) -> Iterator[tuple[int, list[str]]]:
    """The records of ``reader``, which appends its lines to ``record`` (see iter_rows)."""
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            what = (
                "the field runs past the csv field size limit" if "limit" in str(exc) else str(exc)
            )
            raise ValueError(_unclosed_quote(source, start, record, sep, what)) from None
        if len(record) > 1 and _ends_inside_quotes(record, sep, quoting):
            raise ValueError(
                _unclosed_quote(source, start, record, sep, "the field runs to the end of the file")
            )
        if any(v.strip() for v in row):
            yield start, row
        record.clear()
        start = reader.line_num + 1  # type: ignore[attr-defined]


def _ends_inside_quotes(record: list[str], sep: str, quoting: int) -> bool:
    """Whether a multi-line record ran to the end of the input inside a quoted field."""
    try:
        for _ in csv.reader(record, delimiter=sep, quoting=quoting, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _unclosed_quote(source: object, line: int, record: list[str], sep: str, what: str) -> str:
    text = record[0].rstrip("\r\n") if record else ""
    shown = text if len(text) <= 80 else text[:77] + "..."
    return (
        f"{source} line {line}: a quoted field opens on this line and its closing quote "
        f'never comes ({what}); expected a closing " before the next '
        f"{describe_sep(sep)} or the end of the line (a quote inside a quoted field is "
        f'written ""), got {shown!r}'
    )


def read_records(
    path: Path,
    columns: Mapping[str, str],
    *,
    sep: str,
    header: bool = False,
    encoding: str = "utf-8",
    quoting: int = csv.QUOTE_NONE,
    header_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a small delimited file line by line, checking every line.

    ``columns`` maps the expected field names, in order, to ``"int"``, ``"float"`` or
    ``"str"``. Every data line must have exactly that many fields. With
    ``header_names`` (mapping each name in ``columns`` to its name in the header line;
    extra keys are ignored; needs ``header=True``) the fields are found by the header
    line instead, in any order: other columns are skipped, a missing one is an error
    naming the file and the column, and every line must be as wide as the header.
    """
    names, kinds = list(columns), list(columns.values())
    rows: list[list[int | float | str]] = []
    skip_header, lineno = header, 0
    positions = list(range(len(names)))
    labels = names
    width = len(names)
    try:
        with open(path, encoding=encoding, newline="") as f:
            for lineno, fields in iter_rows(f, sep, quoting, path):
                if skip_header:
                    skip_header = False
                    if header_names is not None:
                        labels = [header_names[n] for n in names]
                        positions = _header_positions(path, fields, labels, sep)
                        width = len(fields)
                    continue
                if len(fields) != width:
                    expected = (
                        f"{width} {describe_sep(sep)}-separated fields (as in the header line)"
                        if header_names is not None
                        else f"{width} {describe_sep(sep)}-separated fields ({', '.join(names)})"
                    )
                    raise ValueError(
                        f"{path} line {lineno}: expected {expected}, got {len(fields)}"
                    )
                rows.append(
                    [
                        _field(path, lineno, pos, labels[i], fields[pos], kinds[i])
                        for i, pos in enumerate(positions)
                    ]
                )
    except UnicodeDecodeError:
        raise ValueError(_decode_error(path, encoding)) from None
    except csv.Error as exc:
        raise ValueError(f"{path} line {lineno + 1}: {exc}") from None
    if not rows:
        what = "has a header line but no data rows" if header and not skip_header else "is empty"
        raise ValueError(f"{path} {what}")
    return pd.DataFrame(rows, columns=names)


def _header_positions(path: Path, fields: list[str], wanted: list[str], sep: str) -> list[int]:
    """Position of each ``wanted`` name in the header line ``fields`` (``ValueError`` if absent)."""
    found = [f.strip().lstrip("\ufeff").strip() for f in fields]
    missing = [h for h in wanted if h not in found]
    if missing:
        raise ValueError(
            f"{path}: the header line has no column {', '.join(map(repr, missing))}; expected "
            f"the columns {', '.join(wanted)} (in any order), found {', '.join(found)} "
            f"({describe_sep(sep)}-separated)"
        )
    return [found.index(h) for h in wanted]


def _decode_error(path: Path, encoding: str) -> str:
    raw = path.read_bytes()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return f"{path} line {line}: not valid {encoding} text (byte {exc.start}: {exc.reason})"
    return f"{path}: not valid {encoding} text"


def _field(
    path: Path, lineno: int, pos: int, label: str, text: str, kind: str
) -> int | float | str:
    try:
        return parse_value(text, kind)
    except ValueError:
        raise ValueError(
            f"{path} line {lineno}, column {pos + 1} ({label}): expected "
            f"{_KIND_NAMES[kind]}, got {text!r}"
        ) from None


def read_numeric(
    path: Path,
    columns: Mapping[str, str],
    *,
    sep: str,
    header: bool = False,
    encoding: str = "utf-8",
    header_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a large delimited file of numbers (``"int"`` / ``"float"`` columns) fast.

    Uses pandas' C parser (a multi-character ``sep`` such as ``"::"`` is replaced by a
    tab in memory first); on any problem the file is re-read by :func:`read_records`,
    which reports the first bad line. ``header_names`` finds the columns by the header
    line, as in :func:`read_records`.
    """
    require_nonempty(path)
    positions = list(range(len(columns)))
    if header_names is not None:
        if not header:
            raise ValueError("header_names needs header=True")
        wanted = [header_names[n] for n in columns]
        positions = _header_positions(path, _first_row(path, sep, encoding), wanted, sep)
    dtypes = {
        pos: np.int64 if k == "int" else np.float64 for pos, k in zip(positions, columns.values())
    }
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
        if header_names is None:
            ok = df.shape[1] == len(columns)
        else:  # every line as wide as the header; the wanted columns are picked from it
            ok = df.shape[1] == len(_first_row(path, sep, encoding))
        ok = ok and len(df) > 0 and not df.isna().to_numpy().any()
        df = df[positions] if ok else df
    except _PARSE_ERRORS:
        ok = False
    if not ok:
        slow = read_records(
            path, columns, sep=sep, header=header, encoding=encoding, header_names=header_names
        )
        if header_names is not None:  # e.g. an empty field in a column that is not read
            return slow
        raise ValueError(
            f"{path}: cannot be read as {len(columns)} {describe_sep(sep)}-separated numeric "
            f"fields ({', '.join(columns)})"
        )
    df.columns = list(columns)
    return df.reset_index(drop=True)


def _first_row(path: Path, sep: str, encoding: str) -> list[str]:
    """The fields of the first non-blank line (the header)."""
    try:
        with open(path, encoding=encoding, newline="") as f:
            for _, fields in iter_rows(f, sep, csv.QUOTE_NONE, path):
                return fields
    except UnicodeDecodeError:
        raise ValueError(_decode_error(path, encoding)) from None
    raise ValueError(f"{path} is empty")


def read_csv_frame(
    path: Path,
    sep: str,
    header: bool,
    names: list[str] | None,
    encoding: str,
    text_columns: Sequence[str | int] = (),
) -> pd.DataFrame:
    """Read a delimited file with pandas; report the first bad line on failure.

    ``text_columns`` (ids) are read as the text in the file, not parsed as numbers:
    ``007`` stays ``"007"``; surrounding spaces are removed and only an empty field is
    missing (``NA`` or ``null`` is an id like any other). Other columns get pandas'
    usual parsing.
    """
    require_nonempty(path)
    common: dict[str, Any] = {
        "sep": sep if len(sep) == 1 else re.escape(sep),
        "header": 0 if header else None,
        "names": names,
        "encoding": encoding,
        "engine": "c" if len(sep) == 1 else "python",
    }
    try:
        text = _as_text(path, common, text_columns)
        df = pd.read_csv(path, **common, **text)
    except UnicodeDecodeError:
        raise ValueError(_decode_error(path, encoding)) from None
    except _PARSE_ERRORS as exc:
        scan_csv(path, sep, header, encoding, {})
        raise ValueError(
            f"{path}: cannot be read as {describe_sep(sep)}-separated text ({exc})"
        ) from None
    if len(df) == 0:
        raise ValueError(f"{path} has a header line but no data rows")
    for col in text.get("dtype", {}):
        stripped = df[col].str.strip()
        df[col] = stripped.mask(stripped == "")
    return df


def _as_text(
    path: Path, common: Mapping[str, Any], text_columns: Sequence[str | int]
) -> dict[str, Any]:
    """``read_csv`` options that keep ``text_columns`` as text (see :func:`read_csv_frame`)."""
    if not text_columns:
        return {}
    columns = list(pd.read_csv(path, **common, nrows=1).columns)  # the header, or positions
    text = [c for c in text_columns if c in columns]
    na = {c: [""] if c in text else sorted(STR_NA_VALUES) for c in columns}
    return {"dtype": dict.fromkeys(text, str), "keep_default_na": False, "na_values": na}


def scan_csv(
    path: Path, sep: str, header: bool, encoding: str, numeric: Mapping[int, str | int]
) -> None:
    """Raise at the first line with a different field count or a bad number in ``numeric``."""
    if path.suffix.lower() in (".gz", ".bz2", ".xz", ".zip"):
        return  # compressed: no line-level diagnosis
    width, first = None, 0
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        for lineno, fields in iter_rows(f, sep, QUOTE_CSV, path):
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


def record_lines(path: Path, sep: str, encoding: str = "utf-8") -> list[int]:
    """The 1-based line on which each non-blank record of a CSV file starts (header included).

    Used to name the line of a bad row found in a pandas frame of the file, whose row
    numbers skip blank lines and join quoted fields that span lines.
    """
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        return [lineno for lineno, _ in iter_rows(f, sep, QUOTE_CSV, path)]
