import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.recommend.baselines import ItemKNN, Popularity, Random


@pytest.fixture
def tiny():
    m = np.array(
        [
            [1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [0, 0, 1, 1, 0],
            [0, 1, 1, 0, 1],
        ],
        dtype=np.float32,
    )
    return Interactions(sp.csr_array(m), np.arange(4), np.arange(5))


def test_popularity_order_and_exclusion(tiny):
    model = Popularity().fit(tiny)
    # counts [2, 3, 3, 1, 1]: ties go to the lower index
    items, scores = model.recommend([2], k=5, exclude_seen=False)
    assert items.tolist() == [[1, 2, 0, 3, 4]]
    assert scores.tolist() == [[3, 3, 2, 1, 1]]
    items, _ = model.recommend([2], k=2)
    assert items.tolist() == [[1, 0]]


def test_itemknn_by_hand(tiny):
    model = ItemKNN(n_neighbors=10, similarity="count").fit(tiny)
    # user 0 has items {0, 1}; co-occurrence of item 2 with 0 is 1 and with 1 is 2
    assert model.score([0])[0, 2] == pytest.approx(3.0)
    items, _ = model.recommend([0], k=1)
    assert items.tolist() == [[2]]


def test_itemknn_neighbour_limit(tiny):
    full = ItemKNN(n_neighbors=10).fit(tiny)
    one = ItemKNN(n_neighbors=1).fit(tiny)
    assert (one.similarity_ != 0).sum(axis=0).max() == 1  # one neighbour per target item
    assert (full.similarity_ != 0).sum() > (one.similarity_ != 0).sum()


def test_random_is_seeded_and_batch_independent(tiny):
    a = Random(random_state=3).fit(tiny)
    b = Random(random_state=3).fit(tiny)
    assert np.array_equal(a.score([0, 1, 2]), b.score([0, 1, 2]))
    assert np.array_equal(a.score([2]), a.score([0, 1, 2])[2:])
    assert not np.array_equal(a.score([0]), Random(random_state=4).fit(tiny).score([0]))


def test_clears_random_on_planted_data():
    data = gr.load_dataset("synthetic", n_users=400, n_items=200, seed=0)
    s = gr.split(data, "random", seed=0)
    recall = {
        name: gr.evaluate(
            gr.create("recommender", name).fit(s.train), s.test, k=[10], train=s.train
        ).summary["recall@10"]
        for name in ("random", "popularity", "itemknn")
    }
    assert recall["itemknn"] > recall["popularity"] > recall["random"]


def test_errors(tiny):
    with pytest.raises(gr.NotFittedError):
        Popularity().recommend([0])
    with pytest.raises(ValueError, match="out of range"):
        Popularity().fit(tiny).recommend([7])
    with pytest.raises(ValueError, match="k must be a positive"):
        Popularity().fit(tiny).recommend([0], k=0)
    with pytest.raises(ValueError, match="empty"):
        Popularity().fit(tiny.filter(np.zeros(tiny.nnz, bool)))
    with pytest.raises(ValueError, match="similarity must be one of"):
        ItemKNN(similarity="pearson").fit(tiny)
    with pytest.raises(ValueError, match="n_neighbors"):
        ItemKNN(n_neighbors=0).fit(tiny)
    with pytest.raises(ValueError, match="Interactions"):
        Popularity().fit(np.ones((2, 2)))


# ---------------------------------------------------------------- fold-in
def test_popularity_folds_in_and_masks_the_row(tiny):
    model = Popularity().fit(tiny)
    row = sp.csr_array(np.array([[0, 1, 0, 0, 0]], dtype=np.float32))
    assert model.score(user_items=row).tolist() == [[2, 3, 3, 1, 1]]
    items, _ = model.recommend(k=2, user_items=row)
    assert items.tolist() == [[2, 0]]  # item 1 is the row's own


def test_itemknn_folds_in_by_hand(tiny):
    model = ItemKNN(n_neighbors=10, similarity="count").fit(tiny)
    # a new user with item 3 only: item 3 co-occurs once with item 2 (user 2)
    row = np.array([[0, 0, 0, 1, 0]], dtype=np.float32)
    assert model.score(user_items=row).tolist() == [[0, 0, 1, 0, 0]]
    # a training user's own row scores exactly as the user does
    np.testing.assert_array_equal(model.score(user_items=tiny.matrix[[1, 3]]), model.score([1, 3]))
    assert model.recommend(k=1, user_items=row)[0].tolist() == [[2]]


def test_random_fold_in_is_seeded_by_the_row(tiny):
    model = Random(random_state=3).fit(tiny)
    rows = sp.csr_array(np.array([[1, 0, 0, 0, 0], [0, 0, 1, 1, 0]], dtype=np.float32))
    both = model.score(user_items=rows)
    # one row alone scores as in the batch; the same seed gives the same scores
    np.testing.assert_array_equal(model.score(user_items=rows[[1]]), both[[1]])
    np.testing.assert_array_equal(Random(random_state=3).fit(tiny).score(user_items=rows), both)
    assert not np.array_equal(Random(random_state=4).fit(tiny).score(user_items=rows), both)
    assert not np.array_equal(both[0], both[1])


@pytest.mark.parametrize("model", [Popularity(), Random(random_state=0), ItemKNN(n_neighbors=3)])
def test_fold_in_bad_rows_name_the_argument(tiny, model):
    model.fit(tiny)
    with pytest.raises(ValueError, match="user_items must have 5 columns"):
        model.score(user_items=np.ones((1, 4)))
    with pytest.raises(ValueError, match="user_items holds negative"):
        model.recommend(k=2, user_items=-np.ones((1, 5)))
    with pytest.raises(ValueError, match="users and user_items must match"):
        model.score([0, 1], user_items=np.ones((1, 5)))


def _rp3_dense(x: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """RP3beta's item-item weights, straight from the definition (no neighbour cut)."""
    p_ui = x / x.sum(axis=1, keepdims=True)  # p(j | u)
    p_iu = (x / x.sum(axis=0, keepdims=True)).T  # p(u | i)
    w = (p_iu**alpha) @ (p_ui**alpha) / (x > 0).sum(axis=0)[None, :] ** beta
    np.fill_diagonal(w, 0.0)
    return w


@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (1.0, 0.5), (0.7, 1.2)])
def test_rp3beta_weights_follow_the_definition(alpha, beta):
    from graphrec.recommend.baselines import RP3beta

    x = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 1, 1, 0]], dtype=float)
    data = gr.Interactions(sp.csr_array(x), np.arange(4), np.arange(4))
    model = RP3beta(n_neighbors=4, alpha=alpha, beta=beta).fit(data)
    expected = _rp3_dense(x, alpha, beta)
    np.testing.assert_allclose(model.weights_.toarray(), expected, rtol=1e-5)
    np.testing.assert_allclose(model.score(), x @ expected, rtol=1e-5)
    # user 0 (items 0, 1): item 3 is reached only through user 2, item 2 through 1, 2, 3
    assert model.score([0])[0, 2] > model.score([0])[0, 3]


def test_rp3beta_keeps_the_n_neighbors_largest_and_penalises_popular_items():
    from graphrec.recommend.baselines import RP3beta

    data = gr.planted_communities(300, 80, 3, mean_degree=12, seed=1).data
    full = RP3beta(n_neighbors=80, beta=0.0).fit(data).weights_.toarray()
    cut = RP3beta(n_neighbors=5, beta=0.0).fit(data).weights_
    assert np.diff(cut.indptr).max() == 5
    kept = cut.toarray()
    for i in range(80):
        assert np.all(kept[i][kept[i] > 0] >= np.sort(full[i])[-5] - 1e-7)
    popular = np.argsort(-data.item_degrees())[:10]
    share = {b: RP3beta(beta=b).fit(data).recommend(k=10)[0].ravel() for b in (0.0, 1.0)}
    assert np.isin(share[1.0], popular).mean() < np.isin(share[0.0], popular).mean()


def test_rp3beta_refuses_negative_weights():
    from graphrec.recommend.baselines import RP3beta

    data = gr.Interactions(sp.csr_array([[1.0, -2.0]]), [0], [0, 1])
    with pytest.raises(ValueError, match="non-negative"):
        RP3beta().fit(data)
