import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

import graphrec as gr
from graphrec._sparse import to_torch_csr
from graphrec.embed._torch_lightgcn import BipartiteAdjacency
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


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.5), (0.7, 0.2)])
def test_bipartite_blocks_equal_the_full_adjacency(alpha, beta):
    data, graph = small_graph()
    a = graph.normalized_adjacency(alpha, beta)
    adj = BipartiteAdjacency.from_scipy(a, data.n_users)
    assert (adj.up_t is adj.up) == (alpha == beta)  # symmetry detected: blocks reused
    fwd, bwd = to_torch_csr(a), to_torch_csr(sp.csr_array(a.T))
    w = torch.tensor([0.25, 0.25, 0.25, 0.25])
    x = torch.randn(graph.n_nodes, 4, requires_grad=True)
    out = propagate(adj, None, x, 3, w, None, False)
    (out**2).sum().backward()
    ours, x.grad = x.grad.clone(), None
    ref = propagate(fwd, bwd, x, 3, w, None, False)
    (ref**2).sum().backward()
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(ours, x.grad)


def test_bipartite_blocks_refuse_a_non_bipartite_matrix():
    with pytest.raises(ValueError, match="not bipartite"):
        BipartiteAdjacency.from_scipy(sp.csr_array(np.ones((3, 3))), n_users=2)


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


def validated(model):
    return [(h["epoch"], h["ndcg@20"]) for h in model.history_ if "ndcg@20" in h]


def test_early_stopping(split):
    m = LightGCN(dim=8, epochs=200, eval_every=1, patience=2, lr=0.05, device="cpu")
    m.set_params(random_state=0).fit(split.train, valid=split.valid)
    assert m.stopped_by_ == "early_stopping"
    assert m.n_epochs_ == len(m.history_) < 200
    scores = validated(m)
    best_epoch, best = max(scores, key=lambda es: es[1])
    assert (m.best_epoch_, m.best_score_) == (best_epoch, best)
    # stopped at the `patience`-th validation without improvement
    assert [e for e, v in scores if e > best_epoch] == [best_epoch + 1, best_epoch + 2]
    assert all(v <= best for e, v in scores if e > best_epoch)


FAST = dict(dim=8, batch_size=512, lr=1e-2, device="cpu", random_state=0)


@pytest.mark.parametrize("cls", [LightGCN, LightGCNPlusPlus, MF])
def test_time_budget_returns_validated_weights_and_warns(split, cls):
    # a budget of 60 ns ends during the first epoch, before the first scheduled
    # validation (epoch 5): the first epoch is validated and returned, never the
    # untrained initial weights
    with pytest.warns(UserWarning, match=r"max_minutes=1e-09 ended training after 1 of 50"):
        cut = cls(epochs=50, eval_every=5, max_minutes=1e-9, **FAST).fit(
            split.train, valid=split.valid
        )
    assert (cut.stopped_by_, cut.n_epochs_, cut.best_epoch_) == ("time", 1, 1)
    assert "ndcg@20" in cut.history_[-1]
    one = cls(epochs=1, **FAST).fit(split.train, valid=split.valid)
    assert one.stopped_by_ == "epochs"
    np.testing.assert_array_equal(cut.embedding_weight_, one.embedding_weight_)
    np.testing.assert_array_equal(cut.user_embeddings_, one.user_embeddings_)
    assert cut.best_score_ == one.best_score_


class FakeClock:
    """A clock that advances one minute per reading."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 60.0
        return self.now


@pytest.mark.parametrize("with_valid", [False, True])
def test_time_budget_with_injected_clock(split, monkeypatch, with_valid):
    # readings: 1 min at the start, then 2, 3, 4 after epochs 1, 2, 3: a 2.5-minute
    # budget ends after epoch 3, which the budgeted run validates (schedule: even epochs)
    monkeypatch.setattr(LightGCN, "_clock", staticmethod(FakeClock()))
    valid = split.valid if with_valid else None
    kw = dict(eval_every=2, patience=100, **FAST)
    with pytest.warns(UserWarning, match="after 3 of 40 epochs") as rec:
        cut = LightGCN(epochs=40, max_minutes=2.5, **kw).fit(split.train, valid=valid)
    assert ("best validated" if with_valid else "last weights") in str(rec[0].message)
    straight = LightGCN(epochs=3, **kw).fit(split.train, valid=valid)
    assert (cut.stopped_by_, cut.n_epochs_) == ("time", 3)
    assert [h["seconds"] for h in cut.history_] == [60.0, 120.0, 180.0]
    np.testing.assert_array_equal(cut.embedding_weight_, straight.embedding_weight_)
    if with_valid:
        assert validated(cut) == validated(straight) and [e for e, _ in validated(cut)] == [2, 3]
        assert cut.best_epoch_ == straight.best_epoch_
    # a budget that ends with the last epoch did not cut anything short: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = LightGCN(epochs=3, max_minutes=2.5, **kw).fit(split.train, valid=valid)
    assert full.stopped_by_ == "epochs"


def strip_seconds(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


@pytest.mark.parametrize("with_valid", [False, True])
def test_resume_equals_uninterrupted_run(split, tmp_path, with_valid):
    # validation every 3 epochs: the 4-epoch run also validates epoch 4 (its last),
    # which the 6-epoch run does not; the resumed run must not inherit it
    valid = split.valid if with_valid else None
    kw = dict(eval_every=3, patience=100, **FAST)
    straight = LightGCN(epochs=6, **kw).fit(split.train, valid=valid)
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    first = LightGCN(epochs=4, **ckpt, **kw).fit(split.train, valid=valid)
    assert first.n_epochs_ == 4 and (tmp_path / "lightgcn.pt").exists()
    resumed = LightGCN(epochs=6, resume=True, **ckpt, **kw).fit(split.train, valid=valid)
    assert torch.equal(
        torch.from_numpy(resumed.embedding_weight_), torch.from_numpy(straight.embedding_weight_)
    )
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)
    np.testing.assert_array_equal(resumed.item_embeddings_, straight.item_embeddings_)
    assert strip_seconds(resumed.history_) == strip_seconds(straight.history_)
    seconds = [h["seconds"] for h in resumed.history_]
    assert seconds == sorted(seconds)  # cumulative across the resume
    for attr in ("best_score_", "best_epoch_", "stopped_by_", "n_epochs_"):
        a, b = getattr(resumed, attr), getattr(straight, attr)
        assert a == b or (np.isnan(a) and np.isnan(b)), attr
    if with_valid:
        assert [e for e, _ in validated(resumed)] == [3, 6]


def test_resume_of_an_early_stopped_run(split, tmp_path):
    # the checkpoint of a run that stopped early resumes as stopped: the same model
    kw = dict(epochs=200, eval_every=1, patience=2, lr=0.05, dim=8, device="cpu", random_state=0)
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=1)
    first = LightGCN(**kw, **ckpt).fit(split.train, valid=split.valid)
    assert first.stopped_by_ == "early_stopping"
    again = LightGCN(**kw, **ckpt, resume=True).fit(split.train, valid=split.valid)
    assert (again.stopped_by_, again.n_epochs_) == ("early_stopping", first.n_epochs_)
    np.testing.assert_array_equal(again.embedding_weight_, first.embedding_weight_)


def test_resume_refuses_other_runs_and_bad_files(split, tmp_path):
    kw = dict(dim=8, batch_size=1024, checkpoint_dir=str(tmp_path), checkpoint_every=2)
    LightGCN(epochs=4, **kw, random_state=0).fit(split.train)
    path = tmp_path / "lightgcn.pt"
    with pytest.raises(ValueError, match="different configuration"):
        LightGCN(epochs=6, resume=True, **{**kw, "dim": 16}).fit(split.train)
    with pytest.raises(ValueError, match=r"different configuration.*patience"):
        LightGCN(epochs=6, resume=True, patience=9, **kw).fit(split.train)
    with pytest.raises(ValueError, match="other training / validation data"):
        LightGCN(epochs=6, resume=True, **kw).fit(split.valid)
    with pytest.raises(ValueError, match="epoch 4, beyond epochs=3"):
        LightGCN(epochs=3, resume=True, **kw).fit(split.train)
    with pytest.raises(ValueError, match="needs checkpoint_dir"):
        LightGCN(resume=True).fit(split.train)
    good = path.read_bytes()
    corrupted = re.escape(f"checkpoint {path} is truncated or corrupted")
    for broken in (good[: len(good) // 2], b"", b"not a checkpoint"):
        path.write_bytes(broken)
        with pytest.raises(ValueError, match=corrupted):
            LightGCN(epochs=6, resume=True, **kw).fit(split.train)
    torch.save({"config": "{}", "model": {}}, path)  # a checkpoint of the old format
    with pytest.raises(ValueError, match=r"format 2.*found format None"):
        LightGCN(epochs=6, resume=True, **kw).fit(split.train)


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
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        LightGCN(lr=0).fit(split.train)
    with pytest.raises(ValueError, match="empty training data"):
        LightGCN().fit(split.train.filter(np.zeros(split.train.nnz, bool)))
    with pytest.raises(ValueError, match="gamma must be"):
        LightGCN(gamma=2.0).fit(split.train)
    for minutes in [0, -1, "5"]:
        with pytest.raises(ValueError, match="max_minutes must be a number > 0"):
            LightGCN(max_minutes=minutes).fit(split.train)
