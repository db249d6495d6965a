"""LightGCN on a CUDA device agrees with the CPU (skipped where there is no GPU)."""

import numpy as np
import pytest
import torch
from torch_geometric.nn.models import LightGCN as PyGLightGCN

import graphrec as gr
from graphrec._sparse import to_torch_csr
from graphrec._validation import resolve_device
from graphrec.embed.lightgcn import LightGCN, LightGCNPlusPlus, propagate
from graphrec.graph.bipartite import BipartiteGraph

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=300, n_items=150, n_communities=4, seed=0)
    return gr.split(data, "random", seed=0)


def test_auto_device_is_cuda(monkeypatch):
    monkeypatch.delenv("GRAPHREC_DEVICE", raising=False)
    assert resolve_device("auto") == "cuda"


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.5), (0.7, 0.2)])
def test_propagation_and_gradient_on_cuda_equal_cpu(alpha, beta):
    data = gr.load_dataset("synthetic", n_users=60, n_items=40, n_communities=2, seed=1)
    graph = BipartiteGraph.from_interactions(data, weighted=False)
    a = graph.normalized_adjacency(alpha, beta)
    fwd, bwd = to_torch_csr(a), to_torch_csr(a.T.tocsr())
    x = torch.randn(graph.n_nodes, 8, generator=torch.Generator().manual_seed(0))
    w = torch.tensor([0.25, 0.25, 0.25, 0.25])
    results = []
    for device in ["cpu", "cuda"]:
        x0 = x.detach().clone().to(device).requires_grad_(True)
        out = propagate(fwd.to(device), bwd.to(device), x0, 3, w.to(device), None, False)
        (out**2).sum().backward()
        results.append((out.detach().cpu(), x0.grad.cpu()))
    torch.testing.assert_close(results[1][0], results[0][0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(results[1][1], results[0][1], rtol=1e-4, atol=1e-5)
    if alpha == beta:  # and the CUDA forward is torch-geometric's LGConv
        model = PyGLightGCN(graph.n_nodes, 8, 3)
        with torch.no_grad():
            model.embedding.weight.copy_(x)
        ref = model.get_embedding(graph.edge_index())
        torch.testing.assert_close(results[1][0], ref.detach(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [LightGCN, LightGCNPlusPlus])
def test_fit_on_cuda_matches_cpu_quality(split, cls):
    kw = dict(dim=16, layers=2, epochs=20, batch_size=512, lr=1e-2, random_state=0)
    scores = {}
    for device in ["cpu", "cuda"]:
        model = cls(device=device, **kw).fit(split.train)
        assert isinstance(model.user_embeddings_, np.ndarray)
        assert np.isfinite(model.user_embeddings_).all()
        res = gr.evaluate(model, split.test, k=[20], train=split.train)
        scores[device] = res.summary["ndcg@20"]
    # same seed, same negatives and initial weights: only float rounding differs
    assert abs(scores["cuda"] - scores["cpu"]) < 0.02, scores
