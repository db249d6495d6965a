import random

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

import graphrec as gr
from graphrec.data.interactions import Interactions
from graphrec.embed.random_walk import DeepWalk, Node2Vec


@pytest.fixture(scope="module")
def planted():
    data, users, _ = gr.planted_communities(600, 300, 4, mean_degree=20, mu=0.1, seed=0)
    return data, users, gr.split(data, "random", seed=0)


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    r = (rng.random((8, 6)) < 0.5).astype(np.float32)
    r[np.arange(8), np.arange(8) % 6] = 1.0  # every user and item has an interaction
    return Interactions(sp.csr_array(r), np.arange(8), np.arange(6))


# ---------------------------------------------------------------------------- estimators
@pytest.mark.parametrize(("cls", "params"), [(DeepWalk, {}), (Node2Vec, {"q": 0.5})])
def test_recovers_communities_and_beats_popularity(planted, cls, params):
    _, users, split = planted
    model = cls(dim=32, n_walks=5, random_state=0, **params).fit(split.train)
    assert model.user_embeddings_.shape == (600, 32)
    assert model.item_embeddings_.shape == (300, 32)
    assert model.user_embeddings_.dtype == model.item_embeddings_.dtype == np.float32
    labels = KMeans(4, n_init=10, random_state=0).fit_predict(model.user_embeddings_)
    assert normalized_mutual_info_score(users, labels) > 0.8
    exclude = [split.train, split.valid]
    ours = gr.evaluate(model, split.test, k=[20], exclude=exclude, train=split.train).summary[
        "recall@20"
    ]
    pop = gr.create("recommender", "popularity").fit(split.train)
    base = gr.evaluate(pop, split.test, k=[20], exclude=exclude, train=split.train).summary[
        "recall@20"
    ]
    assert ours > base


def test_same_seed_same_embeddings(tiny):
    def fit(seed, **kw):
        return Node2Vec(dim=8, n_walks=3, q=0.5, random_state=seed, **kw).fit(tiny)

    a, b, c = fit(1), fit(1), fit(2)
    assert np.array_equal(a.user_embeddings_, b.user_embeddings_)
    assert np.array_equal(a.item_embeddings_, b.item_embeddings_)
    assert not np.array_equal(a.user_embeddings_, c.user_embeddings_)
    d = fit(1, item_vectors="input", keep_walks=True)
    assert np.array_equal(d.user_embeddings_, a.user_embeddings_)  # same input vectors
    assert not np.array_equal(d.item_embeddings_, a.item_embeddings_)
    assert d.walks_.shape == (3 * 14, 40)
    assert not hasattr(a, "walks_")


def test_nodes_without_interactions_get_zero_vectors(tiny):
    r = sp.csr_array(sp.hstack([tiny.matrix, sp.csr_array((8, 1))]))  # an unused item
    r = sp.csr_array(sp.vstack([r, sp.csr_array((1, 7))]))  # and an inactive user
    data = Interactions(r, np.arange(9), np.arange(7))
    model = DeepWalk(dim=4, n_walks=2, walk_length=6, random_state=0).fit(data)
    assert not model.user_embeddings_[-1].any() and not model.item_embeddings_[-1].any()
    assert np.abs(model.user_embeddings_[:-1]).sum(axis=1).min() > 0


def test_node2vec_package_backend(tiny):
    pytest.importorskip("node2vec", reason="the node2vec package needs numpy < 2")
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    model = Node2Vec(
        dim=8, n_walks=2, walk_length=6, q=0.5, backend="node2vec", random_state=0, keep_walks=True
    ).fit(tiny)
    assert model.user_embeddings_.shape == (8, 8) and model.item_embeddings_.shape == (6, 8)
    assert np.abs(model.user_embeddings_).sum(axis=1).min() > 0
    assert len(model.walks_) == 2 * 14 and {len(w) for w in model.walks_} == {6}
    assert random.getstate() == py_state  # the package's global seeding is undone
    assert np.random.get_state()[1].tolist() == np_state[1].tolist()  # noqa: NPY002


def test_deepwalk_has_no_p_or_q():
    params = gr.create("embedder", "deepwalk").get_params()
    assert "p" not in params and "q" not in params
    assert DeepWalk().p == DeepWalk().q == 1.0
    with pytest.raises(ValueError, match="unknown parameter"):
        gr.create("embedder", "deepwalk", q=0.5)
    assert gr.create("embedder", "node2vec", q=0.5).q == 0.5


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"dim": 0}, "dim must be"),
        ({"p": 0}, "p must be"),
        ({"q": -0.5}, "q must be"),
        ({"walk_length": 1}, "walk_length must be"),
        ({"n_walks": 0}, "n_walks must be"),
        ({"window": 0}, "window must be"),
        ({"backend": "pecanpy"}, "backend must be one of"),
        ({"item_vectors": "output"}, "item_vectors must be one of"),
        ({"ns_exponent": float("nan")}, "ns_exponent must be"),
    ],
)
def test_bad_parameters(tiny, params, match):
    with pytest.raises(ValueError, match=match):
        Node2Vec(**params).fit(tiny)


def test_empty_training_data(tiny):
    with pytest.raises(ValueError, match="empty training data"):
        DeepWalk().fit(tiny.filter(np.zeros(tiny.nnz, bool)))


def test_save_load_round_trip(tiny, tmp_path):
    model = Node2Vec(dim=8, n_walks=2, q=0.5, random_state=0, verbose=True).fit(tiny)
    path = model.save(tmp_path / "n2v")
    loaded = Node2Vec.load(path)
    assert loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.user_embeddings_, model.user_embeddings_)
    assert np.array_equal(loaded.item_embeddings_, model.item_embeddings_)
    users = np.arange(8)
    assert np.array_equal(loaded.recommend(users, k=3)[0], model.recommend(users, k=3)[0])
