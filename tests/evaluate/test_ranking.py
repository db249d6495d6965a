"""Batched full ranking: masks, -inf scores, batch-size invariance."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.evaluate.ranking import mask_matrix, rank_users
from tests.evaluate.test_protocol import SCORES, TRAIN, VALID, Fixed


def test_rank_users_masks_and_leaves_empty_slots():
    model = Fixed(SCORES).fit(TRAIN)
    masked = mask_matrix([TRAIN, VALID], TRAIN.shape)
    assert masked.toarray().tolist()[0] == [1, 1, 0, 0, 0]
    users = np.array([0, 1, 2])
    recs = rank_users(model, users, 5, 5, masked)
    # user 0: items 0, 1 masked; user 2: four train items masked -> one slot, then -1
    assert recs.tolist() == [[4, 2, 3, -1, -1], [0, 2, 3, 4, -1], [4, -1, -1, -1, -1]]
    for size in (1, 2):
        np.testing.assert_array_equal(rank_users(model, users, 5, 5, masked, size), recs)
    empty = mask_matrix([], (3, 5))
    assert empty.nnz == 0 and rank_users(model, users, 5, 2, empty).tolist()[1] == [1, 0]


def test_rank_users_rejects_a_wrong_score_shape():
    class Short:
        def score(self, users):
            return np.zeros((len(users), 4))

    with pytest.raises(ValueError, match=r"Short.score returned shape \(2, 4\), expected \(2, 5\)"):
        rank_users(Short(), np.array([0, 1]), 5, 2, sp.csr_array((3, 5)))
