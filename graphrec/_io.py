"""Atomic file writes: the one temp-file-and-rename every output of graphrec goes through.

A writer fills a temporary file in the target's folder (a unique name from
:func:`tempfile.mkstemp`, so concurrent writers never collide); the file is flushed,
fsynced and renamed into place. On any error the temporary file is removed and the old
file, if any, is left as it was. Without ``overwrite=True`` an existing file is refused.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text"]

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: files are created as open() would create them

PathLike = str | os.PathLike[str]


def atomic_write(
    path: PathLike, writer: Callable[[IO[bytes]], Any], *, overwrite: bool = False
) -> Path:
    """Call ``writer(file)`` on a temporary binary file next to ``path``, then rename it.

    Parameters
    ----------
    path : str or os.PathLike
        The target; its folder is created if needed.
    writer : callable
        Receives the open binary file and writes the content.
    overwrite : bool, default False
        Replace an existing ``path``; when False an existing file raises
        ``FileExistsError`` naming it (checked without a race on POSIX).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(out, lambda fh: fh.write(b"hi")).read_bytes()
    b'hi'
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files
        if overwrite:
            os.replace(tmp, path)
        else:
            _rename_no_clobber(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _rename_no_clobber(tmp: str, path: Path) -> None:
    """Move ``tmp`` to ``path`` unless ``path`` exists (a hard link fails if it does)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it") from None
    except OSError:  # file system without hard links: check, then rename
        if path.exists():
            raise FileExistsError(
                f"{path} already exists; pass overwrite=True to replace it"
            ) from None
        os.replace(tmp, path)
    else:
        os.unlink(tmp)


def atomic_write_bytes(path: PathLike, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda fh: fh.write(data), overwrite=overwrite)


def atomic_write_text(path: PathLike, text: str, *, overwrite: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)
