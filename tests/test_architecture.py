"""Imports run one way: no module of graphrec imports a stage to its right.

The pipeline is ``data -> graph -> embed -> community -> recommend -> evaluate ->
experiment -> cli``. A stage may import itself and stages to its left; the private
top-level modules (``graphrec/_*.py``, the bottom layer) import no stage; the package
facade (``graphrec/__init__.py``) counts as the rightmost stage it imports, so only
stages from there on may ``import graphrec``. Imports inside functions count (a lazy
import is still a dependency); imports under ``if TYPE_CHECKING:`` do not.
"""

import ast
import sys
from pathlib import Path

import graphrec

STAGES = ["data", "graph", "embed", "community", "recommend", "evaluate", "experiment", "cli"]
PACKAGE = Path(graphrec.__file__).parent

# (importing module, imported module) pairs allowed for now, each with the reason
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path) -> list[tuple[str, int]]:
    """The graphrec modules ``path`` imports, with line numbers."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "graphrec":  # from graphrec import data, ... names submodules
                found.extend((f"graphrec.{alias.name}", node.lineno) for alias in node.names)
            else:
                found.append((module, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return [(m, line) for m, line in found if m == "graphrec" or m.startswith("graphrec.")]


def rank(module: str) -> int | None:
    """Position of ``module``'s stage; -1 for the bottom layer, None for the facade."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    top = parts[1]
    if top in STAGES:
        return STAGES.index(top)
    if top.startswith("_"):
        return -1
    return len(STAGES)  # a top-level module outside the pipeline: flag it to be placed


def facade_rank() -> int:
    ranks = [rank(m) for m, _ in imports(PACKAGE / "__init__.py")]
    return max(r for r in ranks if r is not None)


def violations() -> list[str]:
    facade = facade_rank()
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        this = module_name(path)
        if this == "graphrec":
            continue
        mine = rank(this)
        for target, line in imports(path):
            theirs = facade if rank(target) is None else rank(target)
            allowed = theirs <= mine if mine >= 0 else theirs < 0
            if not allowed and (this, target) not in KNOWN_EXCEPTIONS:
                where = f"{path.relative_to(PACKAGE.parent)}:{line}"
                out.append(f"{where}: {this} imports {target}")
    return out


def test_no_import_from_a_stage_to_its_right():
    found = violations()
    assert not found, "imports against the pipeline order:\n" + "\n".join(found)


def test_the_scan_sees_lazy_relative_and_facade_imports(tmp_path, monkeypatch):
    # the scanner itself: a rightward import inside a function, a relative one and
    # `import graphrec` from a left stage are found; TYPE_CHECKING ones are not
    pkg = tmp_path / "graphrec"
    for sub in ("data", "embed", "evaluate"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from graphrec import data, evaluate\n")
    (pkg / "_bottom.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from graphrec.data import x\n"
    )
    (pkg / "_leaky.py").write_text("from graphrec.data import x\n")
    (pkg / "embed" / "m.py").write_text(
        "from ..data import ok\nfrom . import fine\ndef f():\n"
        "    from ..evaluate import bad\n    import graphrec\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    assert sorted(v.split(": ", 1)[1] for v in violations()) == [
        "graphrec._leaky imports graphrec.data",
        "graphrec.embed.m imports graphrec",
        "graphrec.embed.m imports graphrec.evaluate",
    ]


MAX_LINES = 420  # issue 12: no grab-bag modules; split one by concept when it grows past this


def oversized_modules(package: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules of ``package`` with more than ``limit`` lines, by path from its parent."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out[path.relative_to(package.parent).as_posix()] = n
    return out


def test_no_module_is_over_the_size_limit():
    found = oversized_modules(PACKAGE)
    assert not found, f"modules over {MAX_LINES} lines (split them by concept): {found}"


def test_the_size_scan_counts_lines(tmp_path):
    pkg = tmp_path / "graphrec"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "small.py").write_text("x = 1\n" * 3)
    (pkg / "sub" / "big.py").write_text("x = 1\n" * 5)
    assert oversized_modules(pkg, limit=4) == {"graphrec/sub/big.py": 5}
    assert oversized_modules(pkg, limit=5) == {}
