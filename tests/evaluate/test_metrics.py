import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.evaluate import metrics as M

# user 0: relevant {1, 3, 5}; list [3, 2, 1, 0] -> hits at ranks 1 and 3
# user 1: relevant {0};       list [4, 0, 2, 1] -> hit at rank 2
# user 2: relevant {2, 4};    list [0, 1, 3, 5] -> no hit
RELEVANT = sp.csr_array(
    np.array(
        [
            [0, 1, 0, 1, 0, 1],
            [1, 0, 0, 0, 0, 0],
            [0, 0, 1, 0, 1, 0],
        ]
    )
)
RECS = np.array([[3, 2, 1, 0], [4, 0, 2, 1], [0, 1, 3, 5]])
N_REL = np.array([3, 1, 2])


@pytest.fixture
def hits():
    return M.hits_matrix(RECS, RELEVANT)


def test_hits(hits):
    assert hits.tolist() == [
        [True, False, True, False],
        [False, True, False, False],
        [False, False, False, False],
    ]


def test_recall_precision_hitrate(hits):
    np.testing.assert_allclose(M.recall_at_k(hits, N_REL, 2), [1 / 3, 1, 0])
    np.testing.assert_allclose(M.recall_at_k(hits, N_REL, 4), [2 / 3, 1, 0])
    np.testing.assert_allclose(M.precision_at_k(hits, 2), [0.5, 0.5, 0])
    np.testing.assert_allclose(M.hit_rate_at_k(hits, 1), [1, 0, 0])


def test_ndcg_by_hand(hits):
    # user 0 @4: DCG = 1 + 1/log2(4) = 1.5 ; IDCG(3) = 1 + 1/log2(3) + 1/2
    idcg0 = 1 + 1 / np.log2(3) + 0.5
    # user 1 @4: DCG = 1/log2(3); IDCG(1) = 1
    np.testing.assert_allclose(M.ndcg_at_k(hits, N_REL, 4), [1.5 / idcg0, 1 / np.log2(3), 0])
    # ideal DCG uses min(relevant, k): at k=1 user 0 needs one hit at the top -> 1.0
    np.testing.assert_allclose(M.ndcg_at_k(hits, N_REL, 1), [1, 0, 0])


def test_map_and_mrr(hits):
    # user 0 @4: precisions at hits 1/1 and 2/3; divided by min(3, 4) = 3
    np.testing.assert_allclose(M.average_precision_at_k(hits, N_REL, 4), [(1 + 2 / 3) / 3, 0.5, 0])
    np.testing.assert_allclose(M.reciprocal_rank_at_k(hits, 4), [1, 0.5, 0])
    np.testing.assert_allclose(M.reciprocal_rank_at_k(hits, 1), [1, 0, 0])


def test_k_validation(hits):
    with pytest.raises(ValueError, match="exceeds the 4 recommended"):
        M.recall_at_k(hits, N_REL, 5)
    with pytest.raises(ValueError, match="positive integer"):
        M.ndcg_at_k(hits, N_REL, 0)


def test_coverage_gini_novelty():
    assert M.item_coverage(RECS, 10) == pytest.approx(0.6)
    assert M.gini_index(np.array([[0, 0], [0, 0]]), 4) == pytest.approx(0.75)  # one item takes all
    assert M.gini_index(np.array([[0, 1], [2, 3]]), 4) == pytest.approx(0.0)
    # popularity 8/8 -> 0 bits; 2/8 -> 2 bits; never seen -> counted once -> 3 bits
    np.testing.assert_allclose(M.novelty(np.array([[0, 1], [1, 2]]), [8, 2, 0], 8), [1.0, 2.5])


def test_intra_list_diversity():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # pairs: (0,1) sim 0, (0,2) sim 1/sqrt2, (1,2) sim 1/sqrt2
    expected = 1 - (2 / np.sqrt(2)) / 3
    np.testing.assert_allclose(M.intra_list_diversity(np.array([[0, 1, 2]]), vectors), [expected])
    np.testing.assert_allclose(M.intra_list_diversity(np.array([[0]]), vectors), [0.0])


def test_empty_slots_are_never_hits_nor_items():
    rel = sp.csr_array(np.array([[0, 0, 1], [0, 0, 1]]))
    # row 1's -1 would otherwise read as item 2 of row 0's key space
    recs = np.array([[2, 0], [1, -1]])
    assert M.hits_matrix(recs, rel).tolist() == [[True, False], [False, False]]
    assert M.item_coverage(recs, 3) == pytest.approx(3 / 3)
    assert M.item_coverage(np.array([[0, -1], [0, -1]]), 4) == pytest.approx(1 / 4)
    assert M.gini_index(np.array([[0, -1], [1, -1]]), 2) == pytest.approx(0.0)
    assert M.communities_reached(np.array([[0, -1]]), np.array([5, 7])) == 1
    out = M.novelty(np.array([[0, -1], [-1, -1]]), np.array([2, 1]), 4)
    assert out[0] == pytest.approx(1.0) and np.isnan(out[1])


def _pairwise_diversity(recs, vectors):
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    out = []
    for row in recs:
        items = row[row >= 0]
        if len(items) < 2:
            out.append(0.0)
            continue
        sims = unit[items] @ unit[items].T
        n = len(items)
        out.append(1 - (sims.sum() - np.trace(sims)) / (n * (n - 1)))
    return np.array(out)


def test_intra_list_diversity_matches_pairwise_with_padding_and_small_budget():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 5))
    vectors[3] = 0.0  # an all-zero vector: dissimilar to everything
    recs = rng.integers(0, 30, size=(17, 12))
    recs[2, 5:] = -1
    recs[4, 1:] = -1
    expected = _pairwise_diversity(recs, vectors)
    np.testing.assert_allclose(M.intra_list_diversity(recs, vectors), expected, atol=1e-9)
    small = M.intra_list_diversity(recs, vectors, budget=7)  # one list per chunk
    np.testing.assert_allclose(small, expected, atol=1e-9)
    assert small[4] == 0.0


def test_intra_list_diversity_long_lists_stay_within_memory():
    # 50 lists of 20,000 items: a lists x K x K similarity block would be 80 GB
    rng = np.random.default_rng(1)
    vectors = rng.random((20_000, 8))
    recs = np.tile(np.arange(20_000), (50, 1))
    out = M.intra_list_diversity(recs, vectors)
    assert out.shape == (50,) and np.allclose(out, out[0]) and 0 < out[0] < 1
