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


def _reference_topk(scores, k):
    """Stable argsort of the negated rows: value descending, ties to the lower column."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, : min(k, scores.shape[1])]
    return order, np.take_along_axis(scores, order, axis=1)


@pytest.mark.parametrize("seed", range(4))
def test_topk_equals_a_stable_sort_on_tie_heavy_rows(seed):
    from graphrec._topk import topk

    rng = np.random.default_rng(seed)
    for _ in range(60):
        n, m = int(rng.integers(1, 25)), int(rng.integers(1, 70))
        scores = rng.integers(0, int(rng.integers(1, 6)), size=(n, m)).astype(np.float32)
        scores[rng.random((n, m)) < 0.3] = -np.inf
        k = int(rng.integers(1, m + 3))
        idx, val = topk(scores, k)
        ref_idx, ref_val = _reference_topk(scores, k)
        np.testing.assert_array_equal(idx, ref_idx)
        np.testing.assert_array_equal(val, ref_val)
        assert idx.dtype == np.int64 and val.dtype == np.float32


def test_topk_breaks_a_tie_at_the_cut_towards_the_lower_column():
    from graphrec._topk import topk

    # the 2nd and 3rd largest tie (value 5 at columns 1, 3, 4): columns 1 and 3 are kept
    scores = np.array([[9.0, 5.0, 0.0, 5.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]], np.float32)
    idx, val = topk(scores, 3)
    assert idx.tolist() == [[0, 1, 3], [4, 3, 2]]
    assert val.tolist() == [[9.0, 5.0, 5.0], [5.0, 4.0, 3.0]]


def _devices():
    import torch

    return ["cpu", "auto"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", _devices())
def test_rank_users_is_the_same_on_every_device(device):
    rng = np.random.default_rng(0)
    n_users, n_items = 50, 300
    table = rng.integers(0, 4, size=(n_users, n_items)).astype(np.float32)  # many ties
    table[:5] = 0.0  # users whose every item ties
    original = table.copy()

    class Table:
        def score(self, users):
            return table[users]

    masked = sp.random_array((n_users, n_items), density=0.1, format="csr", rng=1)
    users = np.arange(n_users)
    recs = rank_users(Table(), users, n_items, 20, masked, 7, device)
    keyed = np.where(masked.toarray() > 0, -np.inf, table)
    np.testing.assert_array_equal(recs, _reference_topk(keyed, 20)[0])
    np.testing.assert_array_equal(table, original)  # the model's own scores stay unmasked
