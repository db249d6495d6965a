"""The notebooks run top to bottom (nbclient), stored without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")
pytest.importorskip("ipykernel", reason="ipykernel is in the dev extra")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NEEDS_DATA = {"03_community_profiles.ipynb": "ml-100k", "04_new_users.ipynb": "ml-100k"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs(name, request):
    if name in NEEDS_DATA:
        request.getfixturevalue("shared_datasets")  # skips when ../shared/datasets is absent
    path = NOTEBOOKS / name
    book = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), (
        f"{name} is stored with outputs; clear them"
    )
    # the per-cell timeout only guards against a hang; speed is not a unit test's business
    client = nbclient.NotebookClient(
        book, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
