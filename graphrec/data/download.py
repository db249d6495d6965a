"""Cached download of the public dataset archives, with checksum verification.

Archives go to ``$GRAPHREC_DATA`` (default ``~/.cache/graphrec``), one folder per
dataset. Each dataset module declares its archive (URL, checksum, a file the
extracted folder holds) beside its loader with :func:`register_archive`; this
module holds the mechanism and the table :data:`ARCHIVES` they fill. A download is
written to a temporary name, verified and then renamed, so an interrupted or corrupt
download never looks complete. ``file://`` URLs work too (``urllib``), which is how
the tests exercise this module without a network.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

from graphrec._io import atomic_write

__all__ = [
    "ARCHIVES",
    "Archive",
    "DownloadError",
    "data_home",
    "download",
    "file_digest",
    "register_archive",
]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_TIMEOUT = 60  # seconds without an answer before a download gives up
# what a failed fetch raises (URLError covers HTTPError and file:// misses)
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


class DownloadError(ValueError):
    """A dataset archive could not be fetched (no network, server error, timeout)."""


@dataclass(frozen=True)
class Archive:
    """Where a dataset is published and how to recognise its extracted files.

    Parameters
    ----------
    url : str
        The official zip archive.
    checksum : str or None
        ``"algorithm:hexdigest"`` (``md5`` or ``sha256``); ``None`` when unknown, in
        which case the SHA-256 of the download is logged so that it can be pinned.
    marker : str
        A file that the extracted dataset folder contains (e.g. ``"u.data"``).
    """

    url: str
    checksum: str | None
    marker: str


# name -> archive; each entry is declared beside its loader (graphrec/data/datasets/)
ARCHIVES: dict[str, Archive] = {}

_ALGORITHMS = ("md5", "sha256")


def register_archive(name: str, url: str, checksum: str | None, marker: str) -> Archive:
    """Declare where dataset ``name`` is published; a dataset module calls it beside its loader.

    ``checksum`` is checked for form here (``"md5:<hex>"`` / ``"sha256:<hex>"`` or None),
    so a malformed entry fails at import, not at the first download.

    >>> register_archive("toy", "file:///tmp/toy.zip", "md5:abc", "ratings.csv").marker
    'ratings.csv'
    >>> del ARCHIVES["toy"]
    """
    if checksum is not None:
        _parse_checksum(checksum)
    archive = Archive(url, checksum, marker)
    ARCHIVES[name] = archive
    return archive


def data_home(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$GRAPHREC_DATA``, else ``~/.cache/graphrec``.

    >>> data_home("/tmp/somewhere").as_posix()
    '/tmp/somewhere'
    """
    if cache_dir is None:
        cache_dir = os.environ.get("GRAPHREC_DATA") or "~/.cache/graphrec"
    return Path(cache_dir).expanduser()


def file_digest(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"; _ = p.write_bytes(b"abc")
    >>> file_digest(p, "md5")
    '900150983cd24fb0d6963f7d28e17f72'
    """
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"checksum algorithm must be one of {_ALGORITHMS}, got {algorithm!r}")
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _parse_checksum(checksum: str) -> tuple[str, str]:
    algorithm, sep, digest = checksum.partition(":")
    algorithm = algorithm.strip().lower()
    if not sep or algorithm not in _ALGORITHMS or not digest.strip():
        raise ValueError(
            f"checksum must look like 'sha256:<hexdigest>' or 'md5:<hexdigest>', got {checksum!r}"
        )
    return algorithm, digest.strip().lower()


def download(
    name: str,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    checksum: str | None = None,
    force: bool = False,
    max_ratio: float = 100.0,
) -> Path:
    """Download and extract a dataset archive into the cache; return its data folder.

    Parameters
    ----------
    name : str
        A key of :data:`ARCHIVES` (``"movielens-100k"``, ``"movielens-1m"``,
        ``"movielens-latest"``, ``"lastfm-hetrec"``), or any name when ``url`` is given
        (it names the cache sub-folder).
    cache_dir : path, optional
        Defaults to :func:`data_home` (``$GRAPHREC_DATA`` or ``~/.cache/graphrec``).
    url, checksum : str, optional
        Override the table entry; ``checksum`` is ``"sha256:<hex>"`` or ``"md5:<hex>"``.
    force : bool
        Download and extract again even when the files are already there.
    max_ratio : float
        The most the archive may unpack to, as a multiple of its size (real datasets
        compress 3 to 10 times); past it, or past the free disk space, extraction is
        refused before it starts. Raise it for an archive you trust.

    Returns
    -------
    Path
        The folder that holds the dataset files (e.g. the one with ``u.data``).

    Raises
    ------
    DownloadError
        The archive could not be fetched (no network, HTTP error, timeout); a
        ``ValueError`` subclass whose message names the URL and the reason.
    ValueError
        Unknown name, malformed checksum, or a checksum mismatch (the bad download is
        deleted).

    Folders this call creates are removed again when it fails and they are empty.

    Examples
    --------
    >>> folder = download("movielens-100k")  # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())[:2]  # doctest: +SKIP
    ['README', 'allbut.pl']
    """
    if name not in ARCHIVES:
        import graphrec.data.datasets  # noqa: F401  (its modules declare the archive entries)
    entry = ARCHIVES.get(name)
    if entry is None and url is None:
        raise ValueError(
            f"unknown dataset {name!r} for download; known: {', '.join(sorted(ARCHIVES))} "
            "(or pass url=...)"
        )
    source = url if url is not None else entry.url  # type: ignore[union-attr]
    if checksum is None and url is None and entry is not None:
        checksum = entry.checksum
    expected = _parse_checksum(checksum) if checksum is not None else None
    marker = entry.marker if entry is not None else None
    folder = data_home(cache_dir) / name
    extracted = folder / "extracted"
    if not force:
        found = _find_data_dir(extracted, marker)
        if found is not None:
            return found
    created = _missing_parents(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        archive = folder / (Path(urlparse(source).path).name or f"{name}.zip")
        try:
            _fetch(source, archive, expected)
        except _NETWORK_ERRORS as exc:
            raise DownloadError(
                f"could not download {name} from {source} ({_reason(exc)}); pass path= "
                "(graphrec CLI: --path) the folder of a local copy of the dataset instead"
            ) from exc
        _extract(archive, extracted, max_ratio)
        found = _find_data_dir(extracted, marker)
        if found is None:
            raise ValueError(f"{archive} does not contain the expected file {marker!r}")
    except BaseException:
        _remove_empty(created)
        raise
    logger.info("%s: extracted to %s", name, found)
    return found


def _missing_parents(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders (deepest first) that are empty; leave the others alone."""
    for p in folders:
        try:
            p.rmdir()
        except OSError:  # not empty (or already gone): keep it and its parents
            return


def _reason(exc: BaseException) -> str:
    """A short reason for a failed download: ``HTTP 404 Not Found``, ``[Errno -2] ...``."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _fetch(url: str, target: Path, expected: tuple[str, str] | None) -> None:
    """Download ``url`` to ``target`` via a temporary file; verify; rename atomically."""
    logger.info("downloading %s to %s", url, target)
    algorithm = "sha256" if expected is None else expected[0]

    def copy_and_verify(out: IO[bytes]) -> None:
        h = hashlib.new(algorithm)
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            while chunk := response.read(_CHUNK):
                h.update(chunk)
                out.write(chunk)
        got = h.hexdigest()
        if expected is None:
            logger.warning(
                "no checksum known for %s; its sha256 is %s (pin it with checksum='sha256:%s')",
                target.name,
                got,
                got,
            )
        elif got != expected[1]:
            raise ValueError(
                f"checksum mismatch for {target.name} downloaded from {url}: expected "
                f"{algorithm}:{expected[1]}, got {algorithm}:{got}; the download was deleted"
            )

    atomic_write(target, copy_and_verify, overwrite=True)


def _extract(archive: Path, target: Path, max_ratio: float = 100.0) -> None:
    """Extract a zip into ``target`` via a temporary folder (replacing an old extraction).

    The entries are checked first: a symbolic link, an entry below a file entry and a
    total size past ``max_ratio`` times the archive (or past the free disk space) are
    a ``ValueError`` naming the archive and the entry.
    """
    if not zipfile.is_zipfile(archive):
        archive.unlink(missing_ok=True)
        raise ValueError(f"{archive} is not a zip archive; it was deleted")
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".extract."))
    try:
        with zipfile.ZipFile(archive) as zf:
            _check_entries(archive, zf.infolist(), max_ratio, shutil.disk_usage(tmp).free)
            zf.extractall(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _check_entries(
    archive: Path, entries: list[zipfile.ZipInfo], max_ratio: float, free: int
) -> None:
    """Refuse links, entries below a file entry and an archive that unpacks too large."""
    files: set[str] = set()
    for info in entries:
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValueError(
                f"{archive}: entry {info.filename!r} is a symbolic link; graphrec extracts "
                "only files and folders"
            )
        parts = info.filename.strip("/").split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent in files:
                raise ValueError(
                    f"{archive}: entry {info.filename!r} lies below the file entry "
                    f"{parent!r}; expected folders and files"
                )
        if not info.is_dir():
            files.add("/".join(parts))
    total = sum(info.file_size for info in entries)
    size = archive.stat().st_size
    if total > max_ratio * size or total > free:
        why = (
            f"{total / size:.0f} times its size, past max_ratio={max_ratio:g}"
            if total > max_ratio * size
            else f"more than the {free} bytes free on disk"
        )
        raise ValueError(
            f"{archive} would unpack to {total} bytes ({why}); refused before extracting "
            "(pass max_ratio= for an archive you trust)"
        )


def _find_data_dir(root: Path, marker: str | None) -> Path | None:
    """The shallowest folder under ``root`` holding ``marker`` (``root`` itself if no marker)."""
    if not root.is_dir():
        return None
    if marker is None:
        children = [p for p in root.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        return children[0] if len(children) == 1 and children[0].is_dir() else root
    hits = sorted(root.rglob(marker), key=lambda p: (len(p.parts), str(p)))
    hits = [p for p in hits if "__MACOSX" not in p.parts]
    return hits[0].parent if hits else None
