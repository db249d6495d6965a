"""Fixtures of the community-recommender tests: hand-checkable data and a fixed base."""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.recommend.base import BaseRecommender


class FixedBase(BaseRecommender):
    """A base whose score of a row is ``row @ weights`` (fold-in optional)."""

    def __init__(self, weights=None, fold_in=True):
        self.weights = weights
        self.fold_in = fold_in

    @property
    def supports_fold_in(self):
        return self.fold_in

    def fit(self, train):
        self.train_ = train
        return self

    def score(self, users=None, *, user_items=None):
        rows = (
            user_items if user_items is not None else self.train_.matrix[self._check_users(users)]
        )
        return np.asarray(sp.csr_array(rows) @ self.weights, dtype=np.float32)


@pytest.fixture
def tiny():
    # users 0-2 in community 0 like items 0-1; users 3-5 in community 1 like items 3-4;
    # item 2 is globally most popular (everyone but user 0 and 3)
    m = np.zeros((6, 5), dtype=np.float32)
    m[[0, 1, 2], 0] = 1
    m[[1, 2], 1] = 1
    m[[3, 4, 5], 3] = 1
    m[[4, 5], 4] = 1
    m[[1, 2, 4, 5], 2] = 1
    return Interactions(sp.csr_array(m), np.arange(6), np.arange(5))


LABELS = np.array([0, 0, 0, 1, 1, 1])


@pytest.fixture(scope="module")
def synthetic():
    data = gr.load_dataset("synthetic", n_users=300, n_items=80, n_communities=3, mu=0.2, seed=3)
    return data, data.user_features["community"].to_numpy()
