"""The metric registry: one list of names, directions, user-registered metrics."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import graphrec.evaluate.registry as R
from graphrec.cli import main
from graphrec.evaluate.protocol import RANKING, evaluate
from graphrec.experiment import ConfigError, load_config
from tests.evaluate.test_protocol import SCORES, TEST, TRAIN, VALID, Fixed


@pytest.fixture
def registry(monkeypatch):
    """A copy of the metric registry, so metrics registered in a test do not leak."""
    clone = copy.copy(R._metrics)
    clone._entries = dict(R._metrics._entries)  # entries are immutable records
    monkeypatch.setattr(R, "_metrics", clone)


def test_registry_knows_each_metric_direction_level_and_needs():
    expected = {
        "recall": "higher",
        "precision": "higher",
        "ndcg": "higher",
        "hit_rate": "higher",
        "map": "higher",
        "mrr": "higher",
        "novelty": "higher",
        "diversity": "higher",
        "head_hits": "higher",
        "tail_hits": "higher",
        "outside": None,
        "coverage": "higher",
        "gini": "lower",
        "communities_reached": "higher",
    }
    assert R.metric_names() == list(expected)  # registration order: the column order
    assert {n: R.metric(n).direction for n in R.metric_names()} == expected
    ranking = ("recall", "precision", "ndcg", "hit_rate", "map", "mrr")
    assert RANKING == R.default_metrics() == ranking
    assert [n for n in expected if not R.metric(n).per_user] == [
        "coverage",
        "gini",
        "communities_reached",
    ]
    assert R.metric("outside").needs == ("user_communities", "item_communities")
    with pytest.raises(ValueError, match=r"unknown metric 'recal'.*Did you mean 'recall'"):
        R.metric("recal")


def test_user_registered_metric_is_computed_by_evaluate(registry):
    @R.register_metric("first_slot_hit", direction="higher", needs=("hits",))
    def first_slot_hit(ctx, k):
        return ctx.hits[:, 0].astype(float)

    @R.register_metric("lists_with_hit", direction="higher", needs=("hits",), per_user=False)
    def lists_with_hit(ctx, k):
        return float(ctx.hits[:, : ctx.cut(k)].any(axis=1).sum())

    model = Fixed(SCORES).fit(TRAIN)
    args = dict(k=[1, 2], exclude=[TRAIN, VALID], train=TRAIN, item_vectors=None)
    plain = evaluate(model, TEST, **args)
    assert "first_slot_hit@1" not in plain.per_user  # registered, not asked for
    res = evaluate(model, TEST, metrics=["recall", "first_slot_hit", "lists_with_hit"], **args)
    # user 0 gets [4, 2, ...] (test item 2 second), user 1 gets [0, 2, ...] (test item 0 first)
    assert res.per_user["first_slot_hit@2"].tolist() == [0.0, 1.0]
    assert res.summary["first_slot_hit@1"] == pytest.approx(0.5)
    assert res.summary["lists_with_hit@1"] == 1.0 and res.summary["lists_with_hit@2"] == 2.0
    assert "lists_with_hit@2" not in res.per_user  # list-level: summary only
    assert res.summary["recall@2"] == plain.summary["recall@2"]
    assert list(res.summary)[:4] == ["recall@1", "first_slot_hit@1", "novelty@1", "head_hits@1"]

    # the experiment config takes the registered name too; the parser lists it
    cfg = {"name": "x", "dataset": {"name": "synthetic"}, "recommenders": ["popularity"]}
    cfg["evaluate"] = {"metrics": ["recall", "first_slot_hit"], "primary": "first_slot_hit@20"}
    assert load_config(cfg).evaluate.metrics == ("recall", "first_slot_hit")


def test_metric_errors_name_the_metric(registry):
    model = Fixed(SCORES).fit(TRAIN)
    with pytest.raises(ValueError, match="'diversity' needs item_vectors"):
        evaluate(model, TEST, k=2, train=TRAIN, metrics=["diversity"], item_vectors=None)
    with pytest.raises(ValueError, match="'outside' needs user_communities"):
        evaluate(model, TEST, k=2, train=TRAIN, metrics=["outside"])

    @R.register_metric("broken", direction="higher")
    def broken(ctx, k):
        return np.zeros(3)

    with pytest.raises(ValueError, match=r"metric 'broken' returned shape \(3,\).*\(2,\)"):
        evaluate(model, TEST, k=2, train=TRAIN, metrics=["broken"])
    with pytest.raises(ValueError, match="direction must be"):
        R.register_metric("x", direction="up")
    with pytest.raises(ValueError, match="unknown needs"):
        R.register_metric("x", direction="lower", needs=("labels",))
    with pytest.raises(ValueError, match="already registered"):
        R.register_metric("recall", direction="higher")(lambda ctx, k: ctx.hits[:, 0])


def test_config_validates_metric_names_from_the_registry():
    cfg = {"name": "x", "dataset": {"name": "synthetic"}, "recommenders": ["popularity"]}
    for bad in (["recall", "outside"], ["novelty"]):  # community-bound / always reported
        with pytest.raises(ConfigError, match=r"evaluate\.metrics.*available: recall, precision"):
            load_config({**cfg, "evaluate": {"metrics": bad}})
    ok = load_config({**cfg, "evaluate": {"metrics": ["mrr"], "primary": "gini@20"}})
    assert ok.evaluate.primary == "gini@20"


def test_cli_lists_the_metrics(capsys):
    assert main(["list", "metrics"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert list(lines) == R.metric_names()
    assert "lower is better" in lines["gini"] and "per list set" in lines["gini"]
    assert "default" in lines["ndcg"] and "needs hits, n_relevant" in lines["ndcg"]
