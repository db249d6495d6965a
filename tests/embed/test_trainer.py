"""The BPR training engine, through a toy model defined here in one short class."""

import inspect

import numpy as np
import pytest
import torch
from sklearn.base import clone

import graphrec as gr
from graphrec.embed._trainer import BPREmbedder


# --- a new BPR model: everything but the model comes from the engine -----------------
class _ScaledNet(torch.nn.Module):
    """Layer-0 table times a learnt per-dimension scale (a parameter beyond the table)."""

    def __init__(self, n_nodes: int, dim: int, init_scale: float) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(n_nodes, dim)
        self.scale = torch.nn.Parameter(torch.full((dim,), float(init_scale)))

    def forward(self) -> torch.Tensor:
        return self.embedding.weight * self.scale


class ToyBPR(BPREmbedder):
    """A BPR model in a few lines: its own parameter, its module, nothing else."""

    _registered_name = "toy"

    def __init__(self, *, init_scale: float = 1.0, **params) -> None:
        super().__init__(**params)
        self.init_scale = init_scale

    def _check_model_params(self) -> None:
        if not self.init_scale > 0:
            raise ValueError(f"init_scale must be > 0, got {self.init_scale!r}")

    def _build_model(self, train, device, generator):
        net = _ScaledNet(train.n_users + train.n_items, self.dim, self.init_scale)
        torch.nn.init.normal_(net.embedding.weight, std=0.1, generator=generator)
        return net


# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=300, n_items=150, n_communities=4, seed=0)
    return gr.split(data, "random", seed=0)


FAST = dict(dim=8, batch_size=512, lr=2e-2, device="cpu", random_state=0)


def test_toy_model_learns_through_the_engine(split):
    model = ToyBPR(epochs=15, eval_every=3, patience=100, **FAST).fit(
        split.train, valid=split.valid
    )
    losses = [h["loss"] for h in model.history_]
    assert losses[-1] < 0.8 * losses[0] and losses[0] == pytest.approx(np.log(2), abs=0.05)
    assert [h["epoch"] for h in model.history_ if "ndcg@20" in h] == [3, 6, 9, 12, 15]
    assert model.user_embeddings_.shape == (300, 8) and model.stopped_by_ == "epochs"
    kw = dict(k=[20], exclude=[split.train, split.valid], train=split.train)
    ours = gr.evaluate(model, split.test, **kw).summary["ndcg@20"]
    chance = gr.create("recommender", "random", random_state=0).fit(split.train)
    assert ours > 2 * gr.evaluate(chance, split.test, **kw).summary["ndcg@20"]


def test_parameters_are_inherited(split):
    names = list(inspect.signature(ToyBPR).parameters)
    assert names[0] == "init_scale" and {"dim", "epochs", "monitor", "random_state"} <= set(names)
    model = ToyBPR(init_scale=0.5, dim=4)
    assert model.get_params()["init_scale"] == 0.5 and model.get_params()["epochs"] == 300
    copy = clone(model.set_params(epochs=7))
    assert copy.get_params() == model.get_params() and repr(copy) == repr(model)
    with pytest.raises(TypeError, match="positional"):
        ToyBPR(0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        ToyBPR(nope=1)
    with pytest.raises(ValueError, match="init_scale must be > 0"):
        ToyBPR(init_scale=0).fit(split.train)
    with pytest.raises(TypeError, match=r"make \['width'\] keyword-only"):

        class Bad(BPREmbedder):  # a positional model parameter would swallow `dim`
            def __init__(self, width=1, **params):
                super().__init__(**params)


def test_best_weights_include_every_parameter(split):
    # early stopping returns the best validated epoch's weights: the scale too
    kw = dict(epochs=60, eval_every=1, patience=2, **{**FAST, "lr": 0.2})
    stopped = ToyBPR(**kw).fit(split.train, valid=split.valid)
    assert stopped.stopped_by_ == "early_stopping" and stopped.best_epoch_ < stopped.n_epochs_
    at_best = ToyBPR(**{**kw, "epochs": stopped.best_epoch_}).fit(split.train)
    np.testing.assert_array_equal(stopped.user_embeddings_, at_best.user_embeddings_)


def test_toy_model_resumes_exactly(split, tmp_path):
    kw = dict(eval_every=2, patience=100, **FAST)
    straight = ToyBPR(epochs=6, **kw).fit(split.train, valid=split.valid)
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    ToyBPR(epochs=3, **ckpt, **kw).fit(split.train, valid=split.valid)
    assert (tmp_path / "toy.pt").exists()
    resumed = ToyBPR(epochs=6, resume=True, **ckpt, **kw).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)
    assert [h["loss"] for h in resumed.history_] == [h["loss"] for h in straight.history_]
    with pytest.raises(ValueError, match=r"different configuration.*init_scale"):
        ToyBPR(epochs=6, resume=True, init_scale=2.0, **ckpt, **kw).fit(split.train, split.valid)


def test_monitor_is_checked_before_training(split):
    for monitor in ["auc@20", "ndcg", "ndcg@0", "ndcg@x"]:
        with pytest.raises(ValueError, match="monitor"):
            ToyBPR(monitor=monitor, **FAST).fit(split.train)
    with pytest.raises(ValueError, match="valid has no interactions"):
        ToyBPR(**FAST).fit(split.train, valid=split.valid.filter(np.zeros(split.valid.nnz, bool)))


def test_resumes_a_checkpoint_from_before_the_engine(split, tmp_path):
    # format-2 checkpoints written before the engine kept the best weights as the
    # layer-0 table alone; they resume to the same run
    from graphrec.embed.lightgcn import LightGCN

    kw = dict(eval_every=2, patience=100, checkpoint_dir=str(tmp_path), checkpoint_every=2)
    straight = LightGCN(epochs=6, **kw, **FAST).fit(split.train, valid=split.valid)
    LightGCN(epochs=4, **kw, **FAST).fit(split.train, valid=split.valid)
    path = tmp_path / "lightgcn.pt"
    payload = torch.load(path, weights_only=True)
    payload["best_weights"] = payload["best_weights"]["embedding.weight"]
    torch.save(payload, path)
    resumed = LightGCN(epochs=6, resume=True, **kw, **FAST).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)
    assert resumed.best_epoch_ == straight.best_epoch_


# --- the extra-loss hook: a regulariser refreshed once per epoch ----------------------
class ToyPulled(ToyBPR):
    """The toy model plus ``pull * |e_u - m|^2``, ``m`` the users' mean refreshed each
    epoch (drawing a random jitter from the engine's generator, as k-means would)."""

    _registered_name = "toy_pulled"

    def __init__(self, *, pull: float = 1.0, **params) -> None:
        super().__init__(**params)
        self.pull = pull

    def _start_epoch(self, model, train, epoch, rng):
        self.epochs_started_ = [*getattr(self, "epochs_started_", []), epoch]
        jitter = torch.as_tensor(rng.normal(0, 1e-3, self.dim), dtype=torch.float32)
        self.mean_ = model.embedding.weight.detach()[: train.n_users].mean(0) + jitter

    def _extra_loss(self, model, x, u, i, j):
        if self.pull == 0:
            return None
        return self.pull * (model.embedding.weight[u] - self.mean_).pow(2).sum(1).mean()


def _user_spread(model) -> float:
    users = model.embedding_weight_[: model.train_.n_users]
    return float(((users - users.mean(0)) ** 2).sum(1).mean())


def test_extra_loss_hook_is_added_and_refreshed_every_epoch(split, tmp_path):
    kw = dict(epochs=4, **FAST)
    plain = ToyBPR(**kw).fit(split.train)
    off = ToyPulled(pull=0.0, **kw).fit(split.train)  # no term; the hook runs every epoch
    assert off.epochs_started_ == [0, 1, 2, 3]
    on = ToyPulled(pull=5.0, **kw).fit(split.train)
    # the hook's draws move the sampling stream, so compare the property, not weights
    assert _user_spread(on) < 0.5 * _user_spread(plain)
    assert on.history_[0]["loss"] > plain.history_[0]["loss"]  # the term is in the loss
    # a hook drawing from the engine's generator still resumes to the same run
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    ToyPulled(pull=5.0, **{**kw, "epochs": 2}, **ckpt).fit(split.train)
    resumed = ToyPulled(pull=5.0, resume=True, **kw, **ckpt).fit(split.train)
    assert resumed.epochs_started_ == [2, 3]
    np.testing.assert_array_equal(resumed.user_embeddings_, on.user_embeddings_)


def test_cpu_fit_is_bit_identical_at_a_realistic_width():
    """Two threads summed the embedding gradient in a varying order (weights differed by
    about 2e-7 at dim 64); the fit now runs torch's deterministic CPU kernels and
    restores the caller's setting."""
    import torch

    import graphrec as gr
    from graphrec.data.synthetic import planted_communities

    data = planted_communities(200, 80, 4, mean_degree=12, mu=0.1, seed=0).data
    fits = [
        gr.create("embedder", "lightgcn", dim=64, epochs=15, device="cpu", random_state=0).fit(data)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].user_embeddings_, fits[1].user_embeddings_)
    assert not torch.are_deterministic_algorithms_enabled()
