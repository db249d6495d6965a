import numpy as np
import pytest
import scipy.sparse as sp
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

import graphrec as gr
from graphrec._sparse import to_torch_csr
from graphrec.embed.lightgcn import MF, LightGCN, LightGCNPlusPlus, propagate, sample_negatives
from graphrec.graph.bipartite import BipartiteGraph


@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=300, n_items=150, n_communities=4, seed=0)
    return gr.split(data, "random", seed=0)


def small_graph():
    data = gr.load_dataset("synthetic", n_users=30, n_items=20, n_communities=2, seed=1)
    return data, BipartiteGraph.from_interactions(data, weighted=False)


def test_sparse_propagation_equals_lgconv_message_passing():
    _, graph = small_graph()
    model = PyGLightGCN(graph.n_nodes, 8, 3)
    a = to_torch_csr(graph.normalized_adjacency())
    ours = propagate(a, a, model.embedding.weight, 3, model.alpha, None, False)
    reference = model.get_embedding(graph.edge_index())  # LGConv over edge_index
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.5), (0.7, 0.2)])
def test_reused_backward_matches_dense_autograd(alpha, beta):
    _, graph = small_graph()
    a = graph.normalized_adjacency(alpha, beta)
    dense = torch.tensor(a.toarray(), dtype=torch.float64)
    x = torch.randn(graph.n_nodes, 4, dtype=torch.float64, requires_grad=True)
    w = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    fwd = to_torch_csr(a, torch.float64)
    bwd = to_torch_csr(sp.csr_array(a.T), torch.float64)
    out = propagate(fwd, bwd, x, 2, w, None, False)
    (out**2).sum().backward()
    ours = x.grad.clone()
    x.grad = None
    ref = w[0] * x + w[1] * dense @ x + w[2] * dense @ (dense @ x)
    (ref**2).sum().backward()
    torch.testing.assert_close(ours, x.grad)


def test_lightgcn_plus_plus_pooling():
    _, graph = small_graph()
    a = to_torch_csr(graph.normalized_adjacency(0.6, 0.4))
    x = torch.randn(graph.n_nodes, 4)
    out = propagate(a, a, x, 2, None, 0.25, True)
    unit = lambda v: v / (v.norm(dim=1, keepdim=True) + 1e-12)  # noqa: E731
    e1 = torch.sparse.mm(a, unit(x))
    e2 = torch.sparse.mm(a, unit(e1))
    torch.testing.assert_close(out, 0.25 * x + 0.75 * (e1 + e2) / 2)


def test_negatives_are_never_positives():
    pos = sp.random_array((50, 30), density=0.5, random_state=0, format="csr")
    users = np.repeat(np.arange(50), 40)
    neg = sample_negatives(users, sp.csr_array(pos), np.random.default_rng(0))
    assert not pos.toarray()[users, neg].any()
    with pytest.raises(ValueError, match="every item"):
        sample_negatives(np.array([0]), sp.csr_array(np.ones((1, 3))), np.random.default_rng(0))


def test_fit_learns_and_is_seeded(split):
    # bit-identical on the CPU; CUDA's atomic adds differ in the last float bits (test_gpu.py)
    kw = dict(dim=16, layers=2, epochs=20, batch_size=512, lr=1e-2, eval_every=5, random_state=0)
    kw["device"] = "cpu"
    a = LightGCN(**kw).fit(split.train, valid=split.valid)
    b = LightGCN(**kw).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(a.user_embeddings_, b.user_embeddings_)
    assert a.best_epoch_ in {5, 10, 15, 20}
    best = max(h["ndcg@20"] for h in a.history_ if "ndcg@20" in h)
    assert a.best_score_ == best
    res = gr.evaluate(a, split.test, k=[20], exclude=[split.train, split.valid], train=split.train)
    pop = gr.evaluate(
        gr.create("recommender", "popularity").fit(split.train),
        split.test,
        k=[20],
        exclude=[split.train, split.valid],
        train=split.train,
    )
    assert res.summary["recall@20"] > pop.summary["recall@20"]


def test_early_stopping_and_time_budget(split):
    m = LightGCN(dim=8, epochs=200, eval_every=1, patience=2, lr=0.05, random_state=0)
    m.fit(split.train, valid=split.valid)
    assert len(m.history_) < 200
    quick = LightGCN(dim=8, epochs=10_000, max_minutes=0.01, random_state=0).fit(split.train)
    assert len(quick.history_) < 10_000


def test_checkpoint_resume(split, tmp_path):
    kw = dict(
        dim=8, batch_size=1024, checkpoint_dir=str(tmp_path), checkpoint_every=2, random_state=0
    )
    LightGCN(epochs=4, **kw).fit(split.train)
    assert (tmp_path / "lightgcn.pt").exists()
    resumed = LightGCN(epochs=6, resume=True, **kw).fit(split.train)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="different configuration"):
        LightGCN(epochs=6, resume=True, **{**kw, "dim": 16}).fit(split.train)
    with pytest.raises(ValueError, match="needs checkpoint_dir"):
        LightGCN(resume=True).fit(split.train)


def test_variants_registered_and_save_load(split, tmp_path):
    assert {"lightgcn", "lightgcn++", "mf"} <= set(gr.available("embedder"))
    pp = gr.create("embedder", "lightgcn++", dim=8, epochs=2, random_state=0).fit(split.train)
    assert isinstance(pp, LightGCNPlusPlus) and pp.gamma == 0.2
    mf = MF(dim=8, epochs=2, random_state=0).fit(split.train)
    assert mf.layers == 0 and mf.get_params()["dim"] == 8
    path = pp.save(tmp_path / "pp.npz")
    again = LightGCNPlusPlus.load(path)
    np.testing.assert_array_equal(again.item_embeddings_, pp.item_embeddings_)
    np.testing.assert_array_equal(again.embedding_weight_, pp.embedding_weight_)


def test_bad_input(split):
    with pytest.raises(ValueError, match="dim must be an integer"):
        LightGCN(dim=0).fit(split.train)
    with pytest.raises(ValueError, match="lr must be > 0"):
        LightGCN(lr=0).fit(split.train)
    with pytest.raises(ValueError, match="empty training data"):
        LightGCN().fit(split.train.filter(np.zeros(split.train.nnz, bool)))
    with pytest.raises(ValueError, match="gamma must be"):
        LightGCN(gamma=2.0).fit(split.train)
    for minutes in [0, -1, "5"]:
        with pytest.raises(ValueError, match="max_minutes must be > 0"):
            LightGCN(max_minutes=minutes).fit(split.train)
