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


# --- the sampled softmax loss ------------------------------------------------------------
def test_softmax_loss_on_a_hand_computed_batch():
    from graphrec.embed._bpr import softmax_loss

    # nodes: users 0, 1; items 2 (3, 4 as the sampled negatives)
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    u, i, j = torch.tensor([0, 1]), torch.tensor([2, 2]), torch.tensor([3, 4])
    c = 1 / np.sqrt(2)
    # pool = [3, 4]; user 0: cos to (2, 3, 4) = (1, 0, c); user 1: (0, 1, c)
    t = 0.5
    want = np.mean(
        [np.log(np.exp(2) + 1 + np.exp(c / t)) - 2, np.log(1 + np.exp(2) + np.exp(c / t)) - 0]
    )
    got = softmax_loss(x, x, u, i, j, reg=0.0, temperature=t, n_negatives=5)
    assert float(got) == pytest.approx(want, rel=1e-6)
    # a pool of one: the first sampled negative only; reg adds |x0|^2 of users, positives, pool / 2B
    one = softmax_loss(x, x, u, i, j, reg=0.1, temperature=t, n_negatives=1)
    want_one = np.mean([np.log(np.exp(2) + 1) - 2, np.log(1 + np.exp(2)) - 0])
    l2 = (1 + 4 + 9 + 9 + 1) / (2 * 2)
    assert float(one) == pytest.approx(want_one + 0.1 * l2, rel=1e-6)


def test_softmax_loss_trains_to_cosine_scores(split):
    from graphrec.embed.lightgcn import LightGCN

    kw = dict(loss="softmax", epochs=15, layers=2, **{**FAST, "dim": 16, "lr": 1e-2})
    model = LightGCN(**kw).fit(split.train)
    for e in (model.user_embeddings_, model.item_embeddings_):
        np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)
    assert model.history_[-1]["loss"] < 0.9 * model.history_[0]["loss"]
    kw_eval = dict(k=[20], exclude=[split.train, split.valid], train=split.train)
    ours = gr.evaluate(model, split.test, **kw_eval).summary["ndcg@20"]
    chance = gr.create("recommender", "random", random_state=0).fit(split.train)
    assert ours > 2 * gr.evaluate(chance, split.test, **kw_eval).summary["ndcg@20"]
    again = LightGCN(**kw).fit(split.train)  # same seed, same weights
    np.testing.assert_array_equal(again.embedding_weight_, model.embedding_weight_)
    # fold-in gives unit vectors too, and a training user's own row lands near its vector
    rows = split.train.matrix[:20]
    folded = model.fold_in(rows)
    np.testing.assert_allclose(np.linalg.norm(folded, axis=1), 1.0, rtol=1e-5)
    cos = (folded * model.user_embeddings_[:20]).sum(1)
    assert np.median(cos) > 0.8


def test_softmax_settings_are_checked_and_kept_out_of_bpr_checkpoints(split, tmp_path):
    for bad in [dict(loss="hinge"), dict(softmax_temperature=0.0), dict(softmax_negatives=0)]:
        with pytest.raises(ValueError, match=next(iter(bad))):
            ToyBPR(**bad, **FAST).fit(split.train)
    # a BPR run's configuration has no softmax keys: checkpoints written before the
    # option existed still resume, and the unused settings do not block a resume
    kw = dict(eval_every=2, patience=100, checkpoint_dir=str(tmp_path), checkpoint_every=2)
    first = ToyBPR(epochs=2, **kw, **FAST).fit(split.train, valid=split.valid)
    assert not {"loss", "softmax_temperature", "softmax_negatives"} & set(first._config())
    resumed = ToyBPR(epochs=4, resume=True, softmax_negatives=7, **kw, **FAST)
    assert resumed.fit(split.train, valid=split.valid).n_epochs_ == 4
    soft = dict(loss="softmax", softmax_negatives=64)
    with pytest.raises(ValueError, match="different configuration"):
        ToyBPR(epochs=6, resume=True, **soft, **kw, **FAST).fit(split.train, valid=split.valid)


def test_softmax_run_resumes_exactly(split, tmp_path):
    kw = dict(eval_every=2, patience=100, loss="softmax", softmax_negatives=64, **FAST)
    straight = ToyBPR(epochs=6, **kw).fit(split.train, valid=split.valid)
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    ToyBPR(epochs=4, **ckpt, **kw).fit(split.train, valid=split.valid)
    resumed = ToyBPR(epochs=6, resume=True, **ckpt, **kw).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)


# --- the epoch's (user, positive) pairs: interactions or users first ------------------
def test_sample_positives_draws_users_uniformly_then_their_items():
    import scipy.sparse as sp

    from graphrec.embed._bpr import sample_positives

    # user 0 has 8 items, user 1 none, user 2 one, user 3 two
    dense = np.zeros((4, 10))
    dense[0, :8] = 1
    dense[2, 9] = 1
    dense[3, [3, 7]] = 1
    pos = sp.csr_array(dense)
    users, items = sample_positives(pos, 30_000, np.random.default_rng(0))
    assert len(users) == len(items) == 30_000
    assert dense[users, items].all()  # only training pairs
    counts = np.bincount(users, minlength=4)
    assert counts[1] == 0  # a user without items is never drawn
    # the three active users equally often (a pass over the 11 interactions would
    # give user 0 8/11 of the triples); within a user, its items equally often
    np.testing.assert_allclose(counts[[0, 2, 3]] / 30_000, 1 / 3, atol=0.02)
    np.testing.assert_allclose(np.bincount(items[users == 0], minlength=8)[:8] / counts[0],
                               1 / 8, atol=0.02)  # fmt: skip
    np.testing.assert_allclose(np.mean(items[users == 3] == 7), 0.5, atol=0.03)
    with pytest.raises(ValueError, match="no user has a training item"):
        sample_positives(sp.csr_array((3, 4)), 5, np.random.default_rng(0))


def _resumes_exactly_and_refuses_without(split, tmp_path, straight, kw, match, **setting):
    """Two epochs checkpointed and resumed to four equal ``straight``; resuming that
    checkpoint without ``setting`` is refused (``match``)."""
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    ToyBPR(epochs=2, **setting, **ckpt, **kw).fit(split.train, valid=split.valid)
    resumed = ToyBPR(epochs=4, **setting, resume=True, **ckpt, **kw)
    resumed.fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)
    with pytest.raises(ValueError, match=match):
        ToyBPR(epochs=6, resume=True, **ckpt, **kw).fit(split.train, valid=split.valid)


def test_user_sampling_changes_the_run_resumes_and_is_checked(split, tmp_path):
    kw = dict(eval_every=2, patience=100, **FAST)
    inter = ToyBPR(epochs=4, **kw).fit(split.train, valid=split.valid)
    users = ToyBPR(epochs=4, sampling="users", **kw).fit(split.train, valid=split.valid)
    again = ToyBPR(epochs=4, sampling="users", **kw).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(users.user_embeddings_, again.user_embeddings_)
    assert not np.array_equal(users.user_embeddings_, inter.user_embeddings_)
    assert users.history_[-1]["ndcg@20"] > 0
    # the default is kept out of the checkpoint configuration (older checkpoints
    # resume); "users" is in it, so a resume cannot switch the sampler
    assert "sampling" not in inter._config() and users._config()["sampling"] == "users"
    _resumes_exactly_and_refuses_without(
        split, tmp_path, users, kw, "different configuration", sampling="users"
    )
    with pytest.raises(ValueError, match="sampling"):
        ToyBPR(sampling="edges", **FAST).fit(split.train)


def test_init_std_draws_layer0_from_a_normal_resumes_and_is_checked(split, tmp_path):
    # lr so small that one epoch leaves the start as it was
    still = dict(FAST, lr=1e-9, epochs=1)
    n_nodes = split.train.n_users + split.train.n_items
    xavier = gr.create("embedder", "mf", **still).fit(split.train).embedding_weight_
    normal = gr.create("embedder", "mf", init_std=0.1, **still).fit(split.train)
    bound = np.sqrt(6 / (n_nodes + FAST["dim"]))  # Xavier uniform's bound
    assert np.abs(xavier).max() <= bound + 1e-6
    assert abs(normal.embedding_weight_.std() - 0.1) < 0.005
    assert abs(normal.embedding_weight_.mean()) < 0.005
    assert np.abs(normal.embedding_weight_).max() > 3 * bound
    # the same seed gives the same start; another seed another one
    again = gr.create("embedder", "mf", init_std=0.1, **still).fit(split.train)
    np.testing.assert_array_equal(again.embedding_weight_, normal.embedding_weight_)
    other = gr.create("embedder", "mf", init_std=0.1, **{**still, "random_state": 1})
    assert not np.array_equal(other.fit(split.train).embedding_weight_, again.embedding_weight_)
    # init_weight wins over init_std
    w = np.full((n_nodes, FAST["dim"]), 0.5, dtype=np.float32)
    warm = gr.create("embedder", "mf", init_std=0.1, **still).fit(split.train, init_weight=w)
    np.testing.assert_allclose(warm.embedding_weight_, w, atol=1e-6)
    # the default stays out of the checkpoint configuration; a resume cannot switch it
    kw = dict(eval_every=2, patience=100, **FAST)
    straight = ToyBPR(epochs=4, init_std=0.1, **kw).fit(split.train, valid=split.valid)
    assert straight._config()["init_std"] == 0.1
    assert "init_std" not in ToyBPR(epochs=1, **kw).fit(split.train)._config()
    _resumes_exactly_and_refuses_without(
        split, tmp_path, straight, kw, "different configuration", init_std=0.1
    )
    for bad in (0.0, -0.1):
        with pytest.raises(ValueError, match="init_std"):
            ToyBPR(init_std=bad, **FAST).fit(split.train)


def test_cosine_lr_schedule_decays_to_zero_resumes_and_is_checked(split, tmp_path):
    # one-epoch cosine: the second epoch runs at lr 0 and leaves the weights unchanged
    kw = dict(FAST, init_std=0.1)
    one = ToyBPR(epochs=1, lr_schedule="cosine", **kw).fit(split.train)
    two = ToyBPR(epochs=2, lr_schedule="cosine", decay_epochs=1, **kw).fit(split.train)
    np.testing.assert_array_equal(two.embedding_weight_, one.embedding_weight_)
    assert two.n_epochs_ == 2
    # the decay changes the run: its first step is at lr, its later ones smaller
    constant = ToyBPR(epochs=1, **kw).fit(split.train)
    assert not np.array_equal(constant.embedding_weight_, one.embedding_weight_)
    # a constant lr keeps the schedule out of the checkpoint configuration (old ones resume)
    assert "lr_schedule" not in constant._config()
    with pytest.raises(ValueError, match="decay_epochs needs lr_schedule='cosine'"):
        ToyBPR(epochs=1, decay_epochs=9, **kw).fit(split.train)
    assert one._config()["decay_epochs"] == 1
    # in pieces with a fixed decay_epochs: the same run as straight through
    sched = dict(lr_schedule="cosine", decay_epochs=4, eval_every=2, patience=100, **kw)
    straight = ToyBPR(epochs=4, **sched).fit(split.train, valid=split.valid)
    ckpt = dict(checkpoint_dir=str(tmp_path), checkpoint_every=2)
    ToyBPR(epochs=2, **ckpt, **sched).fit(split.train, valid=split.valid)
    resumed = ToyBPR(epochs=4, resume=True, **ckpt, **sched).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(resumed.user_embeddings_, straight.user_embeddings_)
    # with decay_epochs=None the schedule follows epochs: raising them is refused by name
    (tmp_path / "b").mkdir()
    ckpt_b = dict(checkpoint_dir=str(tmp_path / "b"), checkpoint_every=2)
    ToyBPR(epochs=2, lr_schedule="cosine", **ckpt_b, **kw).fit(split.train)
    with pytest.raises(ValueError, match=r"\{'decay_epochs': \(2, 4\)\}; pass the saved values"):
        ToyBPR(epochs=4, lr_schedule="cosine", resume=True, **ckpt_b, **kw).fit(split.train)
    # switching the schedule off is refused and named, though constant runs omit the key
    with pytest.raises(ValueError, match=r"'lr_schedule': \('cosine', None\)"):
        ToyBPR(epochs=4, resume=True, **ckpt_b, **kw).fit(split.train)
    for bad in (dict(lr_schedule="step"), dict(decay_epochs=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ToyBPR(**bad, **FAST).fit(split.train)


def test_cosine_lr_of_every_step(split, monkeypatch):
    seen = []
    step = torch.optim.Adam.step

    def recording(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording)
    model = ToyBPR(epochs=2, lr_schedule="cosine", decay_epochs=3, **FAST).fit(split.train)
    steps = -(-split.train.nnz // FAST["batch_size"])
    assert len(seen) == 2 * steps > 2
    expected = [FAST["lr"] * 0.5 * (1 + np.cos(np.pi * k / (3 * steps))) for k in range(2 * steps)]
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    assert seen[0] == FAST["lr"] == model.lr_


def test_hardest_negatives_is_the_argmax_of_each_row_and_carries_no_gradient():
    from graphrec.embed._bpr import hardest_negatives

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(20, 4, generator=gen, requires_grad=True)
    u = torch.randint(0, 5, (7,), generator=gen)
    cand = torch.randint(5, 20, (7, 6), generator=gen)
    picked = hardest_negatives(x, u, cand)
    for r in range(7):  # brute force: the candidate with the largest dot product
        scores = [float(x[u[r]].detach() @ x[c].detach()) for c in cand[r]]
        assert picked[r] == cand[r, int(np.argmax(scores))]
    assert not picked.requires_grad
    # a tie goes to the first column
    tied = torch.tensor([[1.0, 0.0], [0.5, 0.0], [0.5, 0.0]])
    assert hardest_negatives(tied, torch.tensor([0]), torch.tensor([[2, 1]])).tolist() == [2]


def test_dns_trains_on_the_hardest_candidate_resumes_and_is_checked(split, tmp_path, monkeypatch):
    kw = dict(eval_every=2, patience=100, reg=0.0, **FAST)
    # the loss sees each pair's k candidates, none of them a training item of the user
    seen = []
    loss = ToyBPR._loss

    def recording(self, model, u, i, j):
        seen.append((u.numpy().copy(), j.numpy().copy()))
        return loss(self, model, u, i, j)

    monkeypatch.setattr(ToyBPR, "_loss", recording)
    dns = ToyBPR(epochs=4, dns_candidates=5, **kw).fit(split.train, valid=split.valid)
    monkeypatch.undo()
    n_users, pos = split.train.n_users, split.train.matrix
    assert all(j.shape == (len(u), 5) for u, j in seen)
    users = np.concatenate([u for u, _ in seen])
    cands = np.concatenate([j for _, j in seen]) - n_users
    assert not pos[np.repeat(users, 5), cands.ravel()].any()
    # the hardest candidate's BPR loss bounds that of any one column (softplus is monotone)
    model = ToyBPR(epochs=1, dns_candidates=5, **kw).fit(split.train)
    net = model._build_model(split.train, torch.device("cpu"), torch.Generator())
    net.embedding.weight.data = torch.as_tensor(model.embedding_weight_)
    u, j = (torch.as_tensor(a[:200]) for a in seen[0])
    i = torch.as_tensor(split.train.coo()[1][:200] + n_users)
    with torch.no_grad():
        hard = float(model._loss(net, u, i, j))
        each = [float(model._loss(net, u, i, j[:, c])) for c in range(5)]
    assert hard > max(each)  # strictly: some row's hardest is not in column c
    # a run of its own: deterministic, unlike uniform negatives, and it learns
    again = ToyBPR(epochs=4, dns_candidates=5, **kw).fit(split.train, valid=split.valid)
    uniform = ToyBPR(epochs=4, **kw).fit(split.train, valid=split.valid)
    np.testing.assert_array_equal(again.user_embeddings_, dns.user_embeddings_)
    assert not np.array_equal(uniform.user_embeddings_, dns.user_embeddings_)
    assert dns.history_[-1]["ndcg@20"] > 0
    # the default stays out of the checkpoint configuration; k > 1 is in it and resumes
    assert "dns_candidates" not in uniform._config() and dns._config()["dns_candidates"] == 5
    _resumes_exactly_and_refuses_without(
        split, tmp_path, dns, kw, "dns_candidates", dns_candidates=5
    )
    for bad, msg in (
        (dict(dns_candidates=0), "dns_candidates"),
        (dict(dns_candidates=3, loss="softmax"), "needs loss='bpr'"),
    ):
        with pytest.raises(ValueError, match=msg):
            ToyBPR(**bad, **FAST).fit(split.train)
