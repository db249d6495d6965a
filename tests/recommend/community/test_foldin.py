"""Fold-in (``score(user_items=X)``) of every community recommender."""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.recommend.community import (
    CommunityBackoff,
    CommunityBlend,
    CommunityLocal,
    CommunityPopularity,
    CommunityRestricted,
)

from .conftest import LABELS, FixedBase

MODELS = [
    (CommunityPopularity, {}),
    (CommunityBlend, {"alpha": 0.3}),
    (CommunityBackoff, {"lambda0": 0.7, "n0": 2.0}),
    (CommunityRestricted, {"min_support": 2, "tail": 0.2}),
    (CommunityLocal, {"weight": 0.6, "min_size": 20}),
]


@pytest.mark.parametrize(("cls", "params"), MODELS, ids=[c.__name__ for c, _ in MODELS])
def test_own_row_folds_in_to_the_training_scores(cls, params, synthetic):
    data, truth = synthetic
    base = {} if cls is CommunityPopularity else {"base": gr.create("recommender", "ease", l2=5.0)}
    # reassign_below above every degree: training users are served the community of
    # their items, the rule fold-in rows follow
    rec = cls(communities=truth, reassign_below=10_000, **base, **params).fit(data)
    assert cls.supports_fold_in
    users = np.array([0, 7, 120, 250, 299])
    rows = data.matrix[users]
    np.testing.assert_allclose(rec.score(user_items=rows), rec.score(users), rtol=1e-4, atol=1e-5)
    # users named beside the rows give the same scores (no side information used)
    np.testing.assert_allclose(rec.score(users, user_items=rows), rec.score(users), atol=1e-5)
    items, _ = rec.recommend(k=5, user_items=rows)
    assert items.shape == (5, 5) and not (rows.toarray()[np.arange(5)[:, None], items] > 0).any()


def test_base_that_cannot_fold_in_is_named(tiny):
    rec = CommunityBlend(base=FixedBase(np.eye(5), fold_in=False), communities=LABELS)
    rec.fit(tiny)
    rec.score([0])  # training users need no fold-in
    with pytest.raises(ValueError, match="base FixedBase cannot score new users' rows"):
        rec.recommend(k=2, user_items=tiny.matrix[:2])


def test_bad_fold_in_input(tiny):
    rec = CommunityPopularity(communities=LABELS, min_size=1).fit(tiny)
    with pytest.raises(ValueError, match="user_items must have 5 columns"):
        rec.score(user_items=sp.csr_array((2, 4)))
    with pytest.raises(ValueError, match="2 user indices for 3 rows"):
        rec.score([0, 1], user_items=tiny.matrix[:3])
    with pytest.raises(ValueError, match="one label per user"):
        CommunityBlend(base=FixedBase(np.eye(5)), communities=LABELS[:4]).fit(tiny)
