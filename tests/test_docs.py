"""The example files of docs/extending.md run and pass the conformance checks; the
README has no unfilled placeholder."""

import re
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


def _placeholders(text: str) -> list[tuple[int, str]]:
    """``(line, NAME)`` for each ALL_CAPS_WITH_UNDERSCORE word outside code spans and
    fences: the shape of a figure left to fill in."""
    found, fenced = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            prose = re.sub(r"`[^`]*`", "", line)
            found += [(n, m) for m in re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", prose)]
    return found


def test_placeholder_finder():
    text = "| gowalla | GOWALLA_SELECT | |\n`MAX_SIZE` in code\n```\nX_Y = 1\n```\nok"
    assert _placeholders(text) == [(1, "GOWALLA_SELECT")]


def test_readme_has_no_unfilled_placeholder():
    text = (Path(__file__).parents[1] / "README.md").read_text()
    assert _placeholders(text) == []
