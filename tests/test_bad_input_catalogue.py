"""The bad-input catalogue: every input a user can get wrong, and the message it gets.

One row per case: what is run, the exception it must raise and the words its message
must hold (the file, the line, the column or the parameter, and what was expected).
A new loader, component or CLI command adds its rows here. The fault cases (runs
killed during detection, evaluation and the output swap, a full disk, two runs on one
folder) compare bytes with an uninterrupted run in ``tests/experiment/test_folder.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphrec import _validation
from graphrec._registry import detectors, embedders, recommenders
from graphrec.cli import main
from graphrec.data.download import download
from graphrec.data.loaders import load_csv, load_dataset
from graphrec.experiment import load_config
from graphrec.experiment.config import ConfigError


class CLIError(Exception):
    """A CLI call that exited non-zero; the message is what it printed on stderr."""


def _cli(*args: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    if code != 0:
        text = err.getvalue()
        assert "Traceback" not in text
        raise CLIError(text)


def _file(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _zip(tmp: Path, entries: list[tuple[str, bytes, int | None]]) -> str:
    archive = tmp / "data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return archive.as_uri()


def _tiny_config(tmp: Path, out: Path, **changes: Any) -> Path:
    cfg = {
        "name": "tiny",
        "output": str(out),
        "dataset": {"name": "synthetic", "params": {"n_users": 60, "n_items": 30}},
        "recommenders": ["popularity"],
        "evaluate": {"k": [5]},
        "seeds": [0],
        **changes,
    }
    path = tmp / f"config-{len(list(tmp.glob('config-*')))}.yaml"
    path.write_text(json.dumps(cfg))
    return path


def _saved_embedder(tmp: Path, **params: Any) -> Path:
    data = load_dataset("synthetic", n_users=40, n_items=20)
    model = embedders.create("svd", dim=4).fit(data)
    path = model.save(tmp / "svd.npz")
    with np.load(path, allow_pickle=False) as f:
        files = dict(f.items())
    config = json.loads(str(files["config"]))
    config["params"].update(params)
    files["config"] = np.array(json.dumps(config))
    np.savez(path, **files)
    return path


def _fit(name: str, **params: Any) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        data = load_dataset("synthetic", n_users=40, n_items=20)
        return embedders.create(name, **params).fit(data)

    return run


def _then_run_other_config(tmp: Path) -> None:
    _cli("run", str(_tiny_config(tmp, tmp / "out")), "--no-plots")
    _cli("run", str(_tiny_config(tmp, tmp / "out", seeds=[4])), "--no-plots")


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Path], Any]
    error: type[BaseException]
    words: tuple[str, ...]


CASES = [
    # ---------------------------------------------------------------- interaction files
    Case(
        "int ids: two spellings of one number",
        lambda t: load_csv(_file(t, "r.csv", "user,item\n007,1\n7,2\n"), ids="int"),
        ValueError,
        ("r.csv", "'007' (line 2)", "'7' (line 3)", "same integer 7"),
    ),
    Case(
        "int ids: a label",
        lambda t: load_csv(_file(t, "r.csv", "user,item\n1,1\nbob,2\n"), ids="int"),
        ValueError,
        ("r.csv line 3", "column 'user'", "expected an integer"),
    ),
    Case(
        "user and item columns are one column",
        lambda t: load_csv(_file(t, "r.csv", "user,item\n1,1\n"), item_col="user"),
        ValueError,
        ("user_col and item_col", "'user'"),
    ),
    Case(
        "rating inf",
        lambda t: load_csv(_file(t, "r.csv", "u,i,r\na,1,4\nb,1,inf\n"), "u", "i", "r"),
        ValueError,
        ("r.csv line 3", "column 3 ('r')", "finite"),
    ),
    Case(
        "rating 1e300 (past float32)",
        lambda t: load_csv(_file(t, "r.csv", "u,i,r\na,1,4\nb,1,1e300\n"), "u", "i", "r"),
        ValueError,
        ("r.csv line 3", "column 3 ('r')", "3.4e38"),
    ),
    Case(
        "rating that is text",
        lambda t: load_csv(_file(t, "r.csv", "u,i,r\na,1,4\nb,1,good\n"), "u", "i", "r"),
        ValueError,
        ("r.csv line 3", "column 3", "expected a number", "'good'"),
    ),
    Case(
        "every rating zero or negative",
        lambda t: load_csv(_file(t, "r.csv", "u,i,r\na,1,0\nb,1,-3\n"), "u", "i", "r"),
        ValueError,
        ("r.csv", "column 'r'", "zero or negative", "> 0"),
    ),
    Case(
        "a ragged line after a 200 KB field",
        lambda t: load_csv(_file(t, "r.csv", "user,item\na," + "x" * 200_000 + "\nb,1\nc,1,2\n")),
        ValueError,
        ("r.csv line 4", "expected 2 comma-separated fields", "got 3"),
    ),
    Case(
        "an unclosed quote",
        lambda t: load_csv(_file(t, "r.csv", 'user,item\na,1\nb,"2\nc,3\n')),
        ValueError,
        ("r.csv line 3", "closing quote never comes"),
    ),
    Case(
        "an empty file",
        lambda t: load_csv(_file(t, "r.csv", "")),
        ValueError,
        ("r.csv", "is empty"),
    ),
    Case(
        "a feature file with a repeated id",
        lambda t: load_csv(
            _file(t, "r.csv", "user,item\na,1\n"),
            item_features={"path": str(_file(t, "i.csv", "item,title\n1,A\n1,B\n"))},
        ),
        ValueError,
        ("i.csv line 3", "column 'item'", "appears again", "first on line 2"),
    ),
    Case(
        "int feature ids: two spellings of one number",
        lambda t: load_csv(
            _file(t, "r.csv", "user,item\n1,7\n"),
            ids="int",
            item_features={"path": str(_file(t, "i.csv", "item,title\n7,A\n007,B\n"))},
        ),
        ValueError,
        ("i.csv", "'7' (line 2)", "'007' (line 3)"),
    ),
    # ---------------------------------------------------------------- sizes
    Case(
        "lightgcn dim=1e9",
        _fit("lightgcn", dim=10**9, epochs=1),
        ValueError,
        ("lightgcn(dim=1000000000)", "needs at least", "available", "lower dim"),
    ),
    Case(
        "mf dim=1e9",
        _fit("mf", dim=10**9, epochs=1),
        ValueError,
        ("mf(dim=1000000000)", "lower dim"),
    ),
    Case(
        "ncl dim=1e9",
        _fit("ncl", dim=10**9, epochs=1),
        ValueError,
        ("ncl(dim=1000000000)", "lower dim"),
    ),
    Case(
        "node2vec dim=1e9",
        _fit("node2vec", dim=10**9),
        ValueError,
        ("node2vec(dim=1000000000", "lower dim"),
    ),
    Case(
        "synthetic n_users=1e9",
        lambda t: load_dataset("synthetic", n_users=10**9),
        ValueError,
        ("n_users=1000000000", "needs at least", "lower n_users"),
    ),
    Case(
        "lowpass dim past the rank",
        _fit("lowpass", dim=100),
        ValueError,
        ("dim=100", "lower dim"),
    ),
    # ---------------------------------------------------------------- parameters
    Case(
        "random_state=2**70",
        lambda t: detectors.create("kmeans", n_communities=2, random_state=2**70),
        ValueError,
        ("random_state", "[0, 2**32 - 1]", "1180591620717411303424"),
    ),
    Case(
        "random_state=True",
        lambda t: embedders.create("svd", random_state=True),
        ValueError,
        ("random_state", "got True"),
    ),
    Case(
        "recommend k=True",
        lambda t: (
            recommenders.create("popularity")
            .fit(load_dataset("synthetic", n_users=40, n_items=20))
            .recommend([0], k=True)
        ),
        ValueError,
        ("k must be a positive integer", "True"),
    ),
    Case(
        "a saved embedder with dim=-5",
        lambda t: embedders.get("svd").load(_saved_embedder(t, dim=-5)),
        ValueError,
        ("svd.npz", "saved parameters are invalid", "dim"),
    ),
    # ---------------------------------------------------------------- configs
    Case(
        "a key twice in a YAML config",
        lambda t: load_config(
            _file(t, "c.yaml", "name: x\ndataset: {name: synthetic}\nseeds: [0]\nseeds: [1]\n")
        ),
        ConfigError,
        ("c.yaml", "'seeds' a second time", "first on line 3", "line 4"),
    ),
    Case(
        "a YAML object tag",
        lambda t: load_config(_file(t, "c.yaml", "name: !!python/object:os.system ls\n")),
        ConfigError,
        ("c.yaml", "not valid YAML"),
    ),
    # ---------------------------------------------------------------- archives
    Case(
        "a symbolic link in a zip",
        lambda t: download("x", t / "data", url=_zip(t, [("link", b"/etc", stat.S_IFLNK | 0o777)])),
        ValueError,
        ("data.zip", "'link'", "symbolic link"),
    ),
    Case(
        "an entry below a file entry",
        lambda t: download("x", t / "data", url=_zip(t, [("a", b"1", None), ("a/b", b"2", None)])),
        ValueError,
        ("data.zip", "'a/b'", "below the file entry 'a'"),
    ),
    Case(
        "a zip that unpacks 1000 times its size",
        lambda t: download("x", t / "data", url=_zip(t, [("big", b"\0" * 2_000_000, None)])),
        ValueError,
        ("data.zip", "would unpack to 2000000 bytes", "max_ratio=100"),
    ),
    # ---------------------------------------------------------------- the CLI
    Case(
        "--out names a file",
        lambda t: _cli("run", str(_tiny_config(t, _file(t, "out", "x"))), "--no-plots"),
        CLIError,
        ("graphrec: error:", "is a file; expected a folder"),
    ),
    Case(
        "--out lies below a file",
        lambda t: _cli("run", str(_tiny_config(t, _file(t, "f", "x") / "out")), "--no-plots"),
        CLIError,
        ("graphrec: error:", "a part of the path is a file"),
    ),
    Case(
        "--out in a read-only place",
        lambda t: _cli("run", str(_tiny_config(t, Path("/sys/graphrec-out"))), "--no-plots"),
        CLIError,
        ("graphrec: error:", "cannot create the output folder", "/sys/graphrec-out"),
    ),
    Case(
        "a run on the folder of another config",
        _then_run_other_config,
        CLIError,
        ("different config (seeds: [0] -> [4])", "--overwrite"),
    ),
    Case(
        "--resume on a new folder",
        lambda t: _cli("run", str(_tiny_config(t, t / "new")), "--no-plots", "--resume"),
        CLIError,
        ("nothing to resume",),
    ),
]


@pytest.fixture
def low_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 GiB available, whatever the machine has (the size cases must not depend on it)."""
    monkeypatch.setattr(_validation, "available_memory", lambda device="cpu": 8 * 1024**3)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_clear_error(case: Case, tmp_path: Path, low_memory: None) -> None:
    with pytest.raises(case.error) as caught:
        case.run(tmp_path)
    message = str(caught.value)
    missing = [w for w in case.words if w not in message]
    assert not missing, f"{case.name}: {missing} not in {message!r}"


def test_the_catalogue_names_its_cases_once() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) >= 30


def test_a_closed_pipe_ends_the_cli_quietly(monkeypatch, capsys) -> None:
    """``graphrec list | head -1``: the reader leaves, graphrec stops without a traceback."""
    read, write = os.pipe()
    os.close(read)  # the reader has gone
    with os.fdopen(write, "w", buffering=1) as closed:  # line-buffered: each line is written
        monkeypatch.setattr(sys, "stdout", closed)
        assert main(["list"]) == 141
        monkeypatch.undo()
    assert "Traceback" not in capsys.readouterr().err
