"""NCL: LightGCN with a prototype contrastive loss toward community centroids."""

import inspect
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import graphrec as gr
from graphrec.data.synthetic import planted_communities
from graphrec.embed import NCL, LightGCN
from graphrec.embed.ncl import prototype_loss

FAST = dict(dim=8, batch_size=512, lr=2e-2, warmup_epochs=0, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def planted():
    return planted_communities(240, 120, 3, mean_degree=12, mu=0.25, seed=0)


def test_prototype_loss_hand_checked():
    # two rows, three prototypes (the unit axes of R^3); t = 0.5
    z = torch.tensor([[3.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 5.0]])
    c = torch.eye(3)
    labels = torch.tensor([0, 1, -1])  # the third row has no community: left out
    t = 0.5
    # row 0: cosines (1, 0, 0); row 1: (1/sqrt2, 1/sqrt2, 0), its own prototype is 1
    row0 = -math.log(math.exp(2) / (math.exp(2) + 2))
    s = 1 / math.sqrt(2) / t
    row1 = -math.log(math.exp(s) / (2 * math.exp(s) + 1))
    got = float(prototype_loss(z, labels, c, t))
    assert got == pytest.approx((row0 + row1) / 2, rel=1e-6)
    assert float(prototype_loss(z, torch.tensor([-1, -1, -1]), c, t)) == 0.0


def test_parameters_are_lightgcns_plus_its_own():
    names = list(inspect.signature(NCL).parameters)
    own = ["proto_weight", "temperature", "warmup_epochs", "n_communities", "communities"]
    assert names[:5] == own
    assert {"layers", "alpha", "dim", "epochs", "random_state"} <= set(names)
    assert "ncl" in gr.available("embedder")
    assert gr.create("embedder", "ncl", layers=3).get_params()["layers"] == 3


def test_zero_weight_is_exactly_lightgcn(planted):
    kw = dict(epochs=3, **FAST)
    plain = LightGCN(**{k: v for k, v in kw.items() if k != "warmup_epochs"}).fit(planted.data)
    ncl = NCL(proto_weight=0.0, **kw).fit(planted.data)
    np.testing.assert_array_equal(ncl.user_embeddings_, plain.user_embeddings_)
    assert ncl.user_communities_ is None
    pulled = NCL(proto_weight=0.5, **kw).fit(planted.data)
    assert not np.array_equal(pulled.user_embeddings_, plain.user_embeddings_)
    # during the warm-up it is LightGCN too
    warming = NCL(proto_weight=0.5, **{**kw, "warmup_epochs": 3}).fit(planted.data)
    np.testing.assert_array_equal(warming.user_embeddings_, plain.user_embeddings_)


def _closeness(weight: np.ndarray, labels: np.ndarray) -> float:
    """Mean cosine of each user's embedding to its community's normalised centroid."""
    z = weight / np.linalg.norm(weight, axis=1, keepdims=True)
    cos = []
    for c in np.unique(labels):
        members = z[labels == c]
        centre = members.mean(0)
        cos.append(members @ (centre / np.linalg.norm(centre)))
    return float(np.concatenate(cos).mean())


@pytest.mark.parametrize("source", ["labels", "kmeans"])
def test_prototypes_pull_users_toward_their_community(planted, source):
    truth = planted.user_labels
    # k-means of random initial embeddings is a random partition: warm up first
    extra = {"communities": truth} if source == "labels" else {"n_communities": 3}
    warmup = 0 if source == "labels" else 6
    kw = dict(epochs=15, temperature=0.2, **{**FAST, "warmup_epochs": warmup}, **extra)
    off = NCL(proto_weight=0.0, **kw).fit(planted.data)
    on = NCL(proto_weight=1.0, **kw).fit(planted.data)
    n = planted.data.n_users
    before = _closeness(off.embedding_weight_[:n], truth)
    after = _closeness(on.embedding_weight_[:n], truth)
    assert 1 - after < 0.7 * (1 - before), (before, after)  # the spread shrinks by > 30%
    # the returned (propagated) embeddings show it too
    assert _closeness(on.user_embeddings_, truth) > _closeness(off.user_embeddings_, truth)
    if source == "kmeans":  # k-means prototypes recover the planted communities
        from sklearn.metrics import adjusted_rand_score

        assert adjusted_rand_score(truth, on.user_communities_) > 0.8


def test_communities_from_a_detector_and_item_labels(planted):
    det = gr.create("detector", "louvain", random_state=0)
    m = NCL(proto_weight=0.5, communities=det, epochs=2, **FAST).fit(planted.data)
    # the detector was fitted on train; users carry its labels, items k-means ones
    np.testing.assert_array_equal(m.user_communities_, det.labels_)
    assert m.item_communities_.max() < 100 and m.item_communities_.min() >= 0
    comms = gr.community.Communities(planted.user_labels, planted.item_labels, "planted", {})
    m = NCL(proto_weight=0.5, communities=comms, epochs=2, **FAST).fit(planted.data)
    np.testing.assert_array_equal(m.item_communities_, planted.item_labels)


def test_same_seed_same_result(planted):
    kw = dict(proto_weight=0.5, n_communities=5, epochs=3, warmup_epochs=1, dim=8, device="cpu")
    a = NCL(random_state=1, **kw).fit(planted.data)
    b = NCL(random_state=1, **kw).fit(planted.data)
    c = NCL(random_state=2, **kw).fit(planted.data)
    np.testing.assert_array_equal(a.user_embeddings_, b.user_embeddings_)
    np.testing.assert_array_equal(a.user_communities_, b.user_communities_)
    assert not np.array_equal(a.user_embeddings_, c.user_embeddings_)


@pytest.mark.parametrize("given", [False, True])
def test_resume_equals_straight(planted, tmp_path, given):
    s = gr.split(planted.data, "random", seed=0)
    extra = {"communities": planted.user_labels} if given else {"n_communities": 4}
    # the warm-up ends inside the resumed part (epoch 4)
    kw = dict(proto_weight=0.5, eval_every=2, patience=100, **{**FAST, "warmup_epochs": 4}, **extra)
    straight = NCL(epochs=6, **kw).fit(s.train, valid=s.valid)
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    NCL(epochs=3, **ckpt, **kw).fit(s.train, valid=s.valid)
    assert (tmp_path / "ncl.pt").exists()
    resumed = NCL(epochs=6, resume=True, **ckpt, **kw).fit(s.train, valid=s.valid)
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)
    assert [h["loss"] for h in resumed.history_] == [h["loss"] for h in straight.history_]
    if given:  # other communities: a different configuration, refused
        other = {**kw, "communities": planted.user_labels[::-1].copy()}
        with pytest.raises(ValueError, match=r"different configuration.*communities"):
            NCL(epochs=6, resume=True, **ckpt, **other).fit(s.train, valid=s.valid)


def test_save_load_with_given_communities(planted, tmp_path):
    m = NCL(proto_weight=0.5, communities=planted.user_labels, epochs=1, **FAST)
    m.fit(planted.data)
    loaded = NCL.load(m.save(tmp_path / "ncl.npz"))
    np.testing.assert_array_equal(loaded.user_embeddings_, m.user_embeddings_)
    assert loaded.communities == planted.user_labels.tolist()
    assert isinstance(m.communities, np.ndarray)  # the fitted model's parameter unchanged


def test_bad_input(planted):
    data = planted.data
    with pytest.raises(ValueError, match=r"one label per training user \(240 users\)"):
        NCL(communities=np.zeros(10, int), epochs=1, **FAST).fit(data)
    with pytest.raises(ValueError, match=r"communities must be .* one integer label per user"):
        NCL(communities=np.zeros(240) + 0.5, epochs=1, **FAST).fit(data)
    floats = SimpleNamespace(user_labels=np.zeros(240) + 0.5)  # a Communities-like result
    with pytest.raises(ValueError, match="user labels must be integers"):
        NCL(communities=floats, epochs=1, **FAST).fit(data)
    with pytest.raises(ValueError, match="must be >= -1"):
        NCL(communities=np.full(240, -2), epochs=1, **FAST).fit(data)
    comms = gr.community.Communities(planted.user_labels, np.zeros(3, np.int64), "x", {})
    with pytest.raises(ValueError, match=r"one label per training item \(120 items\)"):
        NCL(communities=comms, epochs=1, **FAST).fit(data)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="temperature must be"):
            gr.create("embedder", "ncl", temperature=bad)
        with pytest.raises(ValueError, match="temperature must be"):
            NCL(temperature=bad, **FAST).fit(data)
    with pytest.raises(ValueError, match="proto_weight must be"):
        gr.create("embedder", "ncl", proto_weight=-0.1)
    with pytest.raises(ValueError, match="n_communities must be"):
        gr.create("embedder", "ncl", n_communities=1)
    with pytest.raises(ValueError, match="communities must be"):
        gr.create("embedder", "ncl", communities="louvain")
