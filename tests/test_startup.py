"""Start fast: importing graphrec and the cheap CLI commands load no heavy library.

Each check runs in a fresh interpreter (the test session itself has long imported
everything) and reads ``sys.modules`` afterwards: a behavioural test, not a clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# loaded when a component that needs them is created or fitted, never at import
HEAVY = (
    "torch",
    "torch_geometric",
    "gensim",
    "sklearn",
    "igraph",
    "leidenalg",
    "networkx",
    "sknetwork",
    "scipy.stats",
    "matplotlib",
)


def _loaded_after(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; return the heavy modules then loaded
    (and what the code put in ``out``)."""
    script = (
        "import contextlib, io, json, sys\n"
        "out = {}\n"
        f"{code}\n"
        f"out['heavy'] = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_library() -> None:
    out = _loaded_after("import graphrec as gr\nout['file'] = gr.__file__")
    assert Path(out["file"]).resolve() == ROOT / "graphrec" / "__init__.py"
    assert out["heavy"] == []


@pytest.mark.parametrize(
    "argv", [["--help"], ["list"], ["datasets"], ["list", "embedders"], ["--version"]]
)
def test_cheap_commands_load_no_heavy_library(argv: list[str]) -> None:
    code = (
        "from graphrec.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try:\n"
        f"        out['rc'] = main({argv!r})\n"
        "    except SystemExit as exc:  # --help exits from argparse\n"
        "        out['rc'] = exc.code\n"
        "out['text'] = buf.getvalue()\n"
    )
    out = _loaded_after(code)
    assert out["rc"] == 0 and out["text"]
    assert out["heavy"] == []


def test_list_still_shows_every_component() -> None:
    """The registries are complete without the heavy imports: the torch, gensim and
    scikit-learn components are listed with their parameters."""
    out = _loaded_after(
        "from graphrec.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    main(['list'])\n"
        "out['text'] = buf.getvalue()\n"
    )
    assert out["heavy"] == []
    lines = {line.split()[0]: line for line in out["text"].splitlines() if line.startswith("  ")}
    for name in ("lightgcn", "lightgcn++", "mf", "deepwalk", "node2vec", "svd", "kmeans"):
        assert name in lines, name
    assert "layers=" in lines["lightgcn"] and "dim=" in lines["svd"]


def test_fitting_a_torch_model_imports_torch() -> None:
    out = _loaded_after(
        "import graphrec as gr\n"
        "data = gr.load_dataset('synthetic', n_users=40, n_items=30, seed=0)\n"
        "model = gr.create('embedder', 'lightgcn', dim=4, epochs=1)\n"
        "out['before_fit'] = 'torch' in sys.modules\n"
        "model.fit(data)\n"
        "out['shape'] = list(model.user_embeddings_.shape)\n"
    )
    assert out["before_fit"] is False
    assert out["shape"] == [40, 4]
    assert "torch" in out["heavy"] and "torch_geometric" in out["heavy"]


def test_import_and_help_load_no_stage_at_all() -> None:
    """`import graphrec` and `graphrec --help` load neither the stages nor numpy, pandas
    or scipy: the public names load on first use."""
    code = (
        "import graphrec as gr\n"
        "from graphrec.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "out['before'] = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'pandas', 'scipy') or m.startswith('graphrec.data'))\n"
        "out['split'] = gr.split.__module__\n"
        "out['names'] = sorted(set(gr.__all__) - set(dir(gr)))\n"
    )
    out = _loaded_after(code)
    assert out["before"] == []
    assert out["split"] == "graphrec.data.split"  # and first use loads it
    assert out["names"] == []  # every public name is listed by dir()
