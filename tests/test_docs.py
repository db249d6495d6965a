"""The example files of docs/extending.md run and pass the conformance checks."""

import runpy
import sys
from pathlib import Path

import pytest

from graphrec import _registry

EXAMPLES = sorted((Path(__file__).parents[1] / "docs" / "examples").glob("*.py"))


def test_extending_md_links_every_example():
    text = (Path(__file__).parents[1] / "docs" / "extending.md").read_text()
    assert EXAMPLES and all(f"examples/{p.name}" in text for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_passes_conformance(path, capsys):
    # names() loads the built-ins first: a snapshot before that would unregister them
    before = {k: set(r.names()) for k, r in _registry._REGISTRIES.items()}
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:  # leave the registries as they were
        for kind, reg in _registry._REGISTRIES.items():
            for name in set(reg._entries) - before[kind]:
                reg.unregister(name)
    assert "passes" in capsys.readouterr().out
    assert "graphrec" in sys.modules
