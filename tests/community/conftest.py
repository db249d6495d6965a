"""Fixtures shared by the community tests."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import graphrec as gr


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Small problems run much faster on one BLAS / OpenMP thread on a shared 2-core machine."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def easy():
    """Easy planted data: 600 users, 300 items, 4 communities (data, user and item labels)."""
    return gr.planted_communities(600, 300, 4, mean_degree=25, mu=0.1, seed=0)


@pytest.fixture(scope="session")
def easy_embedder(easy):
    """A fitted 8-dimensional SVD of the easy data."""
    return gr.create("embedder", "svd", dim=8, random_state=0).fit(easy.data)


@pytest.fixture(scope="session")
def lastfm(shared_datasets):
    return gr.load_dataset("lastfm-hetrec", path=shared_datasets / "lastfm-hetrec")


@pytest.fixture(scope="session")
def ml100k(shared_datasets):
    return gr.load_dataset("movielens-100k", path=shared_datasets / "ml-100k")


@pytest.fixture(scope="session")
def blobs(easy):
    """Well-separated vectors for the easy data's users: 4 blobs by planted community."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (4, 5)) * 5
    return centres[easy.user_labels] + rng.normal(0, 0.3, (600, 5))
