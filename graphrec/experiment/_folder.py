"""An experiment's output folder as one unit: one config, one lock, one published set.

- **One config.** A folder holds the results of one config. Running the same config
  again continues it (the cache has every finished job); a different config is refused
  with the keys that differ, unless ``overwrite=True`` replaces the results
  (``resume=True`` insists on continuing the same config).
- **One writer.** A lock (``.graphrec/lock``, a POSIX record lock the system releases
  when the process ends, however it ends) refuses a second run on the folder.
- **One published set.** Outputs are written to a staging folder, listed with their
  digests in ``manifest.json`` and moved into place at the end; files of the previous
  set that the new one does not have are removed. A journal makes the swap complete
  on the next run when the process dies in the middle, so the folder never holds half
  of two sets. Files graphrec did not write are never touched.

The cache (``cache/``) is keyed by what determines each job, so it stays across
configs: an overwrite recomputes only what changed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from graphrec.experiment._store import atomic_write_json, atomic_write_text

__all__ = ["CONFIG", "MANIFEST", "OutputFolder", "config_changes"]

CONFIG = "config.resolved.yaml"
MANIFEST = "manifest.json"
STATE = ".graphrec"  # the lock, the staging folder and the swap journal
_KEPT = ("cache", STATE)  # never part of a published set
# what graphrec wrote before folders had a manifest: removed when replaced
_LEGACY = (
    "results.csv",
    "runs.csv",
    "by_activity.csv",
    "summary.md",
    "communities.csv",
    "recommendations.csv",
    "profiles.csv",
    "breakdown_community.csv",
    "breakdown_activity.csv",
    CONFIG,
)
_LEGACY_DIRS = ("provenance", "plots")
_move = os.replace  # the swap's one move (a name of its own, so a test can cut it short)


def config_changes(old: dict[str, Any], new: dict[str, Any], limit: int = 4) -> list[str]:
    """The first ``limit`` differences of two config dicts, as ``"key: old -> new"``.

    >>> config_changes({"seeds": [0, 1], "name": "a"}, {"seeds": [7], "name": "a"})
    ['seeds: [0, 1] -> [7]']
    """
    out: list[str] = []

    def walk(a: Any, b: Any, where: str) -> None:
        if len(out) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in list(dict.fromkeys([*a, *b])):
                walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
            return
        same_shape = isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
        if same_shape and all(isinstance(x, dict) for x in [*a, *b]):  # recommenders[3]...
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{where}[{i}]")
            return
        out.append(f"{where or 'config'}: {_short(a)} -> {_short(b)}")

    walk(old, new, "")
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _comparable(config_text: str) -> dict[str, Any]:
    data = yaml.safe_load(config_text) or {}
    data.pop("output", None)  # the folder itself may have moved
    return data


class OutputFolder:
    """Context manager over an output folder (see the module docstring).

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with OutputFolder(out, "name: a\\n") as folder:
    ...     stage = folder.staging()
    ...     _ = (stage / "results.csv").write_text("x\\n")
    ...     sorted(p.name for p in folder.publish(stage))
    ['config.resolved.yaml', 'manifest.json', 'results.csv']
    >>> OutputFolder(out, "name: b\\n").__enter__()
    Traceback (most recent call last):
    ...
    ValueError: output folder ... holds the results of a different config (name: "a" -> "b"); ...
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config_text: str,
        *,
        resume: bool = False,
        overwrite: bool = False,
    ) -> None:
        if resume and overwrite:
            raise ValueError("resume and overwrite exclude each other; pass one of them")
        self.path = Path(path)
        self.config_text = config_text
        self.resume = resume
        self.overwrite = overwrite
        self._lock: int | None = None

    # ------------------------------------------------------------------ entering
    def __enter__(self) -> OutputFolder:
        out = self.path
        if out.exists() and not out.is_dir():
            raise ValueError(f"output folder {out} is a file; expected a folder (or a new name)")
        state = out / STATE
        try:
            state.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot create the output folder {out}: {_reason(exc)}") from None
        self._acquire(state / "lock")
        try:
            self._recover()
            self._check()
            _sweep_temporary(out)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not (self.path / STATE / "publish.json").exists():  # else the next run finishes it
            shutil.rmtree(self.path / STATE / "staging", ignore_errors=True)
        self._release()

    def _acquire(self, lock: Path) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise ValueError(
                f"output folder {self.path} is in use by another graphrec run ({holder}); "
                "wait for it to finish or choose another output folder"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        self._lock = fd

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the file releases the record lock
            self._lock = None

    def _check(self) -> None:
        out = self.path
        published = out / CONFIG
        if not published.exists():
            others = [p.name for p in out.iterdir() if p.name not in _KEPT]
            if others:
                raise ValueError(
                    f"output folder {out} holds other files ({', '.join(sorted(others)[:3])}"
                    f"{', ...' if len(others) > 3 else ''}) and no graphrec experiment; choose "
                    "an empty or new folder (or the folder of an earlier run to resume it)"
                )
            if self.resume:
                raise ValueError(f"nothing to resume in {out}: it holds no finished run")
            return
        if self.overwrite:
            return
        changes = config_changes(
            _comparable(published.read_text(encoding="utf-8")), _comparable(self.config_text)
        )
        if changes:
            raise ValueError(
                f"output folder {out} holds the results of a different config "
                f"({'; '.join(changes)}); pass --overwrite (overwrite=True) to replace them, "
                "or choose another output folder"
            )

    # ------------------------------------------------------------------ publishing
    def staging(self) -> Path:
        """An empty folder to write the new set of outputs into."""
        stage = self.path / STATE / "staging"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        return stage

    def publish(self, stage: Path) -> list[Path]:
        """Move the files of ``stage`` into the folder as its one set of outputs.

        ``config.resolved.yaml`` and ``manifest.json`` (every file with its size and
        SHA-256) are added; files of the previous set missing from the new one are
        removed. Returns the published paths.
        """
        atomic_write_text(stage / CONFIG, self.config_text)
        files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
        manifest = {"files": {rel: _digest(stage / rel) for rel in files}}
        atomic_write_json(stage / MANIFEST, manifest)
        files.append(MANIFEST)
        stale = sorted(set(self._previous()) - set(files))
        journal = {"files": files, "remove": stale}
        atomic_write_json(self.path / STATE / "publish.json", journal)  # the commit point
        self._roll_forward(journal)
        return [self.path / rel for rel in files]

    def _previous(self) -> list[str]:
        """The files of the published set (or, before manifests, graphrec's known outputs)."""
        manifest = self.path / MANIFEST
        if manifest.exists():
            try:
                return [*json.loads(manifest.read_text(encoding="utf-8"))["files"], MANIFEST]
            except (ValueError, KeyError, TypeError):
                pass  # a damaged manifest: fall back to the names graphrec writes
        found = [name for name in _LEGACY if (self.path / name).is_file()]
        for folder in _LEGACY_DIRS:
            if (self.path / folder).is_dir():
                found += [
                    p.relative_to(self.path).as_posix()
                    for p in (self.path / folder).rglob("*")
                    if p.is_file()
                ]
        return found

    def _recover(self) -> None:
        """Finish a swap that a killed run started (its journal is the commit point)."""
        journal = self.path / STATE / "publish.json"
        if journal.exists():
            try:
                plan = json.loads(journal.read_text(encoding="utf-8"))
            except ValueError:  # torn before the rename: no file was moved yet
                journal.unlink()
                return
            self._roll_forward(plan)

    def _roll_forward(self, plan: dict[str, list[str]]) -> None:
        stage = self.path / STATE / "staging"
        for rel in plan["files"]:
            source, target = stage / rel, self.path / rel
            if source.exists():  # absent: moved before the process died
                target.parent.mkdir(parents=True, exist_ok=True)
                _move(source, target)
        for rel in plan["remove"]:
            (self.path / rel).unlink(missing_ok=True)
        for rel in plan["remove"]:  # folders the old set alone used
            parent = (self.path / rel).parent
            while parent != self.path and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        (self.path / STATE / "publish.json").unlink()
        shutil.rmtree(stage, ignore_errors=True)


def _digest(path: Path) -> dict[str, Any]:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return {"bytes": path.stat().st_size, "sha256": sha.hexdigest()}


def _sweep_temporary(out: Path) -> None:
    """Remove the temporary files of writes a killed process left (``.name.XXXX.tmp``)."""
    for root, _, names in os.walk(out):
        for name in names:
            if name.startswith(".") and name.endswith(".tmp"):
                Path(root, name).unlink(missing_ok=True)


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (a read-only location?)"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file"
    return exc.strerror or str(exc)
