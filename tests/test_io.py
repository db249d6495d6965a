"""Tests for graphrec._io: atomic writes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from graphrec._io import atomic_write, atomic_write_bytes, atomic_write_text


def test_crash_in_writer_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = atomic_write_text(tmp_path / "out.txt", "old")

    def crash(fh: object) -> None:
        fh.write(b"half")  # type: ignore[attr-defined]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_write(target, crash, overwrite=True)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_refuses_existing_file_unless_overwrite(tmp_path: Path) -> None:
    target = atomic_write_bytes(tmp_path / "sub" / "a.bin", b"1")
    with pytest.raises(FileExistsError, match=r"a\.bin already exists.*overwrite=True"):
        atomic_write_bytes(target, b"2")
    assert target.read_bytes() == b"1"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.bin"]
    atomic_write_bytes(target, b"2", overwrite=True)
    assert target.read_bytes() == b"2"


def test_concurrent_writers_use_distinct_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "same.txt"
    temps: list[set[str]] = []
    both_open = threading.Barrier(2)

    def writer(fh: object) -> None:
        both_open.wait(timeout=10)  # both temp files exist at once
        temps.append({p.name for p in tmp_path.glob(".same.txt.*.tmp")})
        both_open.wait(timeout=10)
        fh.write(b"x")  # type: ignore[attr-defined]

    threads = [
        threading.Thread(target=atomic_write, args=(target, writer), kwargs={"overwrite": True})
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(names) for names in temps] == [2, 2]
    assert target.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.txt"]
