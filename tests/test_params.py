"""Parameter values are checked up front: gr.create, the config check and fit share one hook."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphrec as gr
from graphrec._params import (
    AnyOf,
    Boolean,
    Device,
    Interval,
    Options,
    Pair,
    Rule,
    Seed,
    check_params,
    constraints_of,
    declare_params,
    invalid_values,
    param_constraints,
)
from graphrec._registry import Registry
from graphrec.cli import main


@pytest.fixture(scope="module")
def tiny():
    return gr.load_dataset("synthetic", n_users=60, n_items=30, n_communities=2, seed=0)


# ---------------------------------------------------------------------------- the cases
def test_create_rejects_svd_dim_zero():
    with pytest.raises(ValueError, match=r"embedder 'svd': dim must be an integer >= 1, got 0"):
        gr.create("embedder", "svd", dim=0)


def test_create_rejects_dim_given_as_text():
    with pytest.raises(ValueError, match=r"dim must be an integer >= 1, got '64'"):
        gr.create("embedder", "svd", dim="64")


def test_create_rejects_lightgcnpp_alpha_outside_unit_interval():
    # alpha is the exponent of D^-alpha: 0 leaves A unnormalised, 1 is the random walk
    with pytest.raises(ValueError, match=r"embedder 'lightgcn\+\+': alpha must be a number in"):
        gr.create("embedder", "lightgcn++", alpha=2.0)
    with pytest.raises(ValueError, match="beta must be"):
        gr.create("embedder", "lightgcn++", beta=-0.1)
    for alpha in (0, 0.6, 1.0):
        assert gr.create("embedder", "lightgcn++", alpha=alpha).alpha == alpha


def test_numbers_given_as_text_get_a_yaml_hint():
    import yaml

    assert yaml.safe_load("reg: 1e-3") == {"reg": "1e-3"}  # YAML 1.1: no dot, no float
    with pytest.raises(ValueError, match=r"reg must be a number >= 0, got '1e-3' \(text, not"):
        gr.create("embedder", "lightgcn", reg="1e-3")


def test_create_reports_every_bad_parameter_at_once():
    with pytest.raises(ValueError) as info:
        gr.create("detector", "kmeans", n_communities=-2, n_init=0)
    assert "n_communities must be an integer >= 1 or None, got -2" in str(info.value)
    assert "n_init must be an integer >= 1, got 0" in str(info.value)


def test_joint_rule_is_checked_at_create():
    with pytest.raises(ValueError, match="resume=True needs checkpoint_dir"):
        gr.create("embedder", "lightgcn", resume=True)


def test_dataset_parameters_are_checked_before_loading():
    with pytest.raises(ValueError, match="dataset 'synthetic': n_users must be an integer >= 1"):
        gr.create("dataset", "synthetic", n_users=0)
    with pytest.raises(ValueError, match="n_communities=5 exceeds n_users=3 or n_items=50"):
        gr.load_dataset("synthetic", n_users=3, n_items=50, n_communities=5)
    # a loader that would read a file: the bad value is reported, nothing is opened
    with pytest.raises(ValueError, match="duplicates must be one of"):
        gr.load_dataset("csv", "/nonexistent/file.csv", duplicates="average")


def test_fit_runs_the_same_check_after_set_params(tiny):
    svd = gr.create("embedder", "svd", dim=4).set_params(dim=-1)
    with pytest.raises(ValueError, match="SVD: dim must be an integer >= 1, got -1"):
        svd.fit(tiny)


def test_data_dependent_checks_stay_in_fit(tiny):
    det = gr.create("detector", "kmeans", n_communities=tiny.n_users + 1)  # valid until fitted
    vectors = np.random.default_rng(0).standard_normal((tiny.n_users, 3))
    with pytest.raises(ValueError, match="larger than the number of users"):
        det.fit(tiny, embedder=vectors)


# ---------------------------------------------------------------------------- graphrec run
CONFIG = """
name: bad-values
dataset:
  name: synthetic
  params: {n_users: 80, n_items: 40, n_communities: 2, mean_degree: 8}
embedders:
  - name: svd
    params: {dim: EMB_DIM}
detectors:
  - name: kmeans
    params: {n_communities: N_COMMUNITIES}
recommenders:
  - name: popularity
seeds: [0]
"""


@pytest.mark.parametrize(
    ("dim", "n_communities", "expected"),
    [
        (-5, 3, "embedders[0].params: embedder 'svd': dim must be an integer >= 1, got -5"),
        (4, -2, "detectors[0].params: detector 'kmeans': n_communities must be an integer >= 1"),
        (4, "[2, 0]", "detectors[0].params: detector 'kmeans': n_communities must be"),
    ],
)
def test_run_rejects_bad_values_before_any_work(tmp_path, capsys, dim, n_communities, expected):
    config = tmp_path / "bad.yaml"
    text = CONFIG.replace("EMB_DIM", str(dim)).replace("N_COMMUNITIES", str(n_communities))
    config.write_text(text)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graphrec: error: invalid experiment config")
    assert expected in err
    assert "Traceback" not in err
    assert not out.exists()  # nothing was trained or written


def test_config_checks_dataset_values_without_loading(tmp_path):
    from graphrec.experiment.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"dataset.params: dataset 'synthetic': mu must be"):
        load_config(
            {
                "name": "x",
                "dataset": {"name": "synthetic", "params": {"mu": [0.1, 1.5]}},
                "recommenders": ["popularity"],
            }
        )
    csv = tmp_path / "r.csv"  # never read: the check runs on the parameters alone
    csv.write_text("user,item\n")
    with pytest.raises(ConfigError, match="duplicates must be one of"):
        load_config(
            {
                "name": "x",
                "dataset": {"name": "csv", "path": str(csv), "params": {"duplicates": "mean"}},
                "recommenders": ["popularity"],
            }
        )


# ---------------------------------------------------------------------------- the constraints
def test_interval_bounds_and_types():
    pos = Interval(int, 1, None)
    assert pos.accepts(1) and pos.accepts(np.int64(3))
    for bad in (0, -1, 1.0, "1", True, np.bool_(True), None):
        assert not pos.accepts(bad), bad
    unit = Interval(float, 0, 1)
    assert unit.accepts(0) and unit.accepts(1) and unit.accepts(np.float32(0.5))
    for bad in (-0.01, 1.01, math.nan, math.inf, "0.5", False):
        assert not unit.accepts(bad), bad
    open_left = Interval(float, 0, 1, closed="right")
    assert not open_left.accepts(0) and open_left.accepts(1)
    assert str(open_left) == "a number in (0, 1]"
    assert str(Interval(float, 0, None, closed="neither")) == "a number > 0"
    assert Interval(int).accepts(-7) and not Interval(int).accepts(0.5)


def test_options_are_type_strict():
    kinds = Options("cosine", "count")
    assert kinds.accepts("count")
    assert not kinds.accepts("Count") and not kinds.accepts(0)
    assert kinds.accepts(np.str_("cosine"))  # a value read from an array
    assert not Options(0, 1).accepts(True) and Options(0, 1).accepts(1)
    assert str(kinds) == "one of 'cosine', 'count'"
    assert Options(("a", "b")).accepts("b")  # a tuple of values, as the modules keep them


def test_unions_none_pairs_seeds_devices():
    top_k = AnyOf(Interval(int, 1, None), None)
    assert top_k.accepts(None) and top_k.accepts(5) and not top_k.accepts(0)
    assert str(top_k) == "an integer >= 1 or None"
    pair = Pair(Interval(int, 2, None))
    assert pair.accepts((2, 20)) and pair.accepts([3, 3])
    for bad in ((20, 2), (1, 5), (2,), "2, 20", (2.0, 5)):
        assert not pair.accepts(bad), bad
    seed = Seed()
    for good in (None, 0, 7, np.random.default_rng(0), np.random.SeedSequence(1)):
        assert seed.accepts(good)
    for bad in (-1, 1.5, "0", True):
        assert not seed.accepts(bad)
    device = Device()
    for good in ("auto", "cpu", "cuda", "cuda:1", "mps"):
        assert device.accepts(good)
    for bad in ("gpu", "cuda:x", "", 0):
        assert not device.accepts(bad)
    import torch

    assert device.accepts(torch.device("cpu")) and device.accepts(torch.device("cuda", 1))
    assert Boolean().accepts(False) and not Boolean().accepts(0)


def test_invalid_values_are_rejected_by_their_constraint():
    for c in (
        Interval(int, 1, None),
        Interval(float, 0, 1, closed="neither"),
        Options("a"),
        AnyOf(Interval(int, 0, None), Options("auto")),
        Pair(Interval(int, 2, None)),
        Seed(),
    ):
        bad = invalid_values(c)
        assert bad, c
        assert not any(c.accepts(v) for v in bad), c


def test_check_params_on_classes_functions_and_instances():
    class Toy:
        _param_constraints = param_constraints(k=Interval(int, 1, None), mode=Options("a", "b"))
        _param_rules = (Rule(lambda p: p["mode"] == "a" or p["k"] > 1, "mode='b' needs k > 1"),)

        def __init__(self, k: int = 5, mode: str = "a") -> None:
            self.k, self.mode = k, mode

    check_params(Toy, {"k": 2})
    check_params(Toy(k=3, mode="b"))
    with pytest.raises(ValueError, match=r"^Toy: k must be an integer >= 1, got 0$"):
        check_params(Toy, {"k": 0})
    with pytest.raises(ValueError, match=r"^toy 'x': mode='b' needs k > 1$"):
        check_params(Toy(k=1, mode="b"), name="toy 'x'")

    @declare_params(n=Interval(int, 0, None))
    def load(n: int = 1) -> int:
        return n

    assert set(constraints_of(load)) == {"n"}
    with pytest.raises(ValueError, match="load: n must be an integer >= 0, got -1"):
        check_params(load, {"n": -1})


def test_registry_records_the_check_of_each_registration():
    reg = Registry("toy")
    calls = []

    def strict(component, params, *, name):
        calls.append((component.__name__, dict(params), name))
        if params.get("k", 1) > 9:
            raise ValueError(f"{name}: k must be below 10")

    @reg.register("custom", check=strict)
    def make(k: int = 1) -> int:
        return k

    assert reg.create("custom", k=3) == 3
    assert calls == [("make", {"k": 3}, "toy 'custom'")]
    with pytest.raises(ValueError, match="toy 'custom': k must be below 10"):
        reg.create("custom", k=10)
    with pytest.raises(ValueError, match="unknown parameter"):
        reg.check("custom", {"j": 1})
    assert reg.constraints("custom") == {}
