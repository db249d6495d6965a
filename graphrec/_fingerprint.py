"""Content fingerprints: BLAKE2b digests of data objects, files and graphrec's own code.

A fingerprint says *what* a thing holds, not where it lives: two loads of the same
file give the same digest, an edited file a different one. The experiment cache keys
every stage by these (with the config), so cached results always match the data and
the code that made them.

>>> import numpy as np, scipy.sparse as sp
>>> a = sp.csr_array(np.eye(3, dtype=np.float32))
>>> content_digest(a) == content_digest(a.copy())
True
>>> content_digest(a) == content_digest(2 * a)
False
>>> len(code_fingerprint()["source"])
64
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import subprocess
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["code_fingerprint", "content_digest", "file_digest"]

_DIGEST_SIZE = 32  # bytes: 64 hex digits
_MEMO: weakref.WeakKeyDictionary[Any, dict[frozenset[str], str]] = weakref.WeakKeyDictionary()


def _hasher() -> Any:
    return hashlib.blake2b(digest_size=_DIGEST_SIZE)


def content_digest(obj: Any, *, ignore_keys: frozenset[str] = frozenset()) -> str:
    """BLAKE2b (hex) of what ``obj`` holds: arrays, sparse matrices, frames, dataclasses.

    Dataclass instances (such as ``Interactions`` or ``Split``) are hashed field by
    field, mappings key by key (keys in ``ignore_keys`` are skipped at any depth, e.g.
    a ``"source"`` path). Arrays are hashed by dtype, shape and bytes; a sparse matrix
    by its canonical CSR arrays; a DataFrame by its columns, dtypes, index and values.
    The digest of a dataclass instance is memoised per object (they are immutable).
    """
    if not (dataclasses.is_dataclass(obj) and not isinstance(obj, type)):
        return _digest(obj, ignore_keys)
    try:
        known = _MEMO.setdefault(obj, {})
    except TypeError:  # unhashable, or no weak references: no memo
        return _digest(obj, ignore_keys)
    if ignore_keys not in known:
        known[ignore_keys] = _digest(obj, ignore_keys)
    return known[ignore_keys]


def _digest(obj: Any, ignore: frozenset[str]) -> str:
    h = _hasher()
    _feed(h, obj, ignore)
    return h.hexdigest()


def _tag(h: Any, tag: str) -> None:
    h.update(tag.encode("utf-8") + b"\0")


def _feed(h: Any, obj: Any, ignore: frozenset[str]) -> None:
    """Feed ``obj`` into ``h`` with type tags, so different structures never collide."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        _tag(h, f"scalar:{type(obj).__name__}:{obj!r}")
    elif isinstance(obj, np.generic):
        _feed(h, obj.item(), ignore)
    elif isinstance(obj, np.ndarray):
        _feed_array(h, obj)
    elif sp.issparse(obj):
        csr = sp.csr_array(obj)
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()
        _tag(h, f"sparse:{csr.shape}")
        for part in (csr.indptr, csr.indices, csr.data):
            _feed_array(h, part)
    elif isinstance(obj, pd.DataFrame):
        _tag(h, f"frame:{obj.shape}")
        _feed(h, obj.index, ignore)
        for name in obj.columns:
            _feed(h, str(name), ignore)
            _feed(h, obj[name], ignore)
    elif isinstance(obj, (pd.Series, pd.Index)):
        _tag(h, f"series:{obj.dtype}:{len(obj)}")
        _feed_values(h, obj)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _tag(h, f"dataclass:{type(obj).__qualname__}")
        for f in dataclasses.fields(obj):
            _tag(h, f.name)
            _feed(h, getattr(obj, f.name), ignore)
    elif isinstance(obj, Mapping):
        _tag(h, f"mapping:{len(obj)}")
        for key in sorted(obj, key=str):
            if str(key) in ignore:
                continue
            _tag(h, str(key))
            _feed(h, obj[key], ignore)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        _tag(h, f"seq:{type(obj).__name__}:{len(items)}")
        for item in items:
            _feed(h, item, ignore)
    else:
        _tag(h, f"repr:{type(obj).__qualname__}:{obj!r}")


def _feed_array(h: Any, arr: np.ndarray) -> None:
    if arr.dtype.kind == "O":
        _tag(h, f"objects:{arr.shape}")
        _feed_values(h, pd.Series(arr.ravel()))
        return
    _tag(h, f"array:{arr.dtype.str}:{arr.shape}")
    h.update(np.ascontiguousarray(arr).view(np.uint8).reshape(-1).data)


def _feed_values(h: Any, values: pd.Series | pd.Index) -> None:
    """The values of a column: raw bytes for numbers, pandas' row hashes for the rest."""
    arr = values.to_numpy()
    if arr.dtype.kind in "biufcmM":
        _feed_array(h, arr)
        return
    series = pd.Series(arr, dtype=object)
    try:
        rows = pd.util.hash_pandas_object(series, index=False).to_numpy()
        _tag(h, "rowhash")
        h.update(rows.data)
    except TypeError:  # unhashable cells (lists of tags): their canonical JSON
        text = json.dumps(series.tolist(), sort_keys=True, default=repr)
        _tag(h, "json")
        h.update(text.encode("utf-8"))


def file_digest(path: str | Path, chunk: int = 1 << 20) -> str:
    """BLAKE2b (hex) of a file's bytes.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = f.write_text("abc")
    >>> file_digest(f) == file_digest(f)
    True
    """
    h = _hasher()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> dict[str, str | bool | None]:
    """graphrec's version, a digest of its source files and, in a git checkout, the commit.

    ``source`` covers every ``.py`` file of the installed package (paths and bytes), so
    any edit to the code changes it; ``commit`` and ``dirty`` are recorded for people
    (None outside a git checkout). Computed once per process.
    """
    from graphrec._version import __version__

    root = Path(__file__).resolve().parent
    h = _hasher()
    for path in sorted(root.rglob("*.py")):
        _tag(h, path.relative_to(root).as_posix())
        h.update(path.read_bytes())
    commit, dirty = _git_state(root)
    return {
        "graphrec": __version__,
        "source": h.hexdigest(),
        "commit": commit,
        "dirty": dirty,
    }


def _git_state(root: Path) -> tuple[str | None, bool | None]:
    """``(commit, has uncommitted changes under root)``, or ``(None, None)`` without git."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        subprocess.run(  # the package's files are tracked here (not a venv inside a repo)
            ["git", "-C", str(root), "ls-files", "--error-unmatch", "__init__.py"],
            capture_output=True,
            timeout=10,
            check=True,
        )
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return (commit or None), bool(status.strip())
