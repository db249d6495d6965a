"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphrec.data.loaders import load_lightgcn
from graphrec.data.split import Split

# The real datasets live next to the repository: <repo>/../shared/datasets.
SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Folder of the real datasets (``../shared/datasets``); skips the test when absent."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def ml1m_split(shared_datasets: Path) -> Split:
    """The LightGCN-format MovieLens-1M split (train / valid / test), loaded once."""
    return load_lightgcn(shared_datasets / "lightgcn-splits" / "ml-1m")
