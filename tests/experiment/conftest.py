"""Fixtures of the experiment tests: a tiny synthetic config and one finished run of it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from graphrec.experiment import ExperimentResult, run_experiment

TINY: dict[str, Any] = {
    "name": "tiny",
    "dataset": {
        "name": "synthetic",
        "params": {"n_users": 120, "n_items": 60, "n_communities": 3, "mean_degree": 12},
    },
    "embedders": [{"name": "svd", "params": {"dim": 8}}],
    "detectors": [
        {"name": "bipartite_louvain"},
        {"name": "kmeans", "params": {"n_communities": 3, "n_init": 2}},
    ],
    "recommenders": [
        {"name": "popularity"},
        {"name": "embedding"},
        {"name": "community_popularity"},
        {"name": "community_blend", "params": {"alpha": [0.2, 0.5]}},
    ],
    "evaluate": {"k": [5, 10]},
    "seeds": [0, 1],
}


def tiny_config(output: Path | None = None, **changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`TINY`, with top-level keys replaced and ``output`` set."""
    cfg = copy.deepcopy(TINY)
    cfg.update(copy.deepcopy(changes))
    if output is not None:
        cfg["output"] = str(output)
    return cfg


@pytest.fixture(scope="session")
def tiny_result(tmp_path_factory: pytest.TempPathFactory) -> ExperimentResult:
    """One run of the tiny experiment with plots, shared by the tests (do not modify it)."""
    out = tmp_path_factory.mktemp("tiny")
    return run_experiment(tiny_config(out))


@pytest.fixture
def make_config() -> Any:
    """The :func:`tiny_config` factory (test modules cannot import conftest by name)."""
    return tiny_config
