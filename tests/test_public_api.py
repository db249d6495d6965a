"""The module paths the README gives resolve, and public names do not hide them."""

import importlib
import inspect
import types

import numpy as np
import pytest

import graphrec as gr


def test_evaluate_is_callable_and_keeps_its_modules():
    assert isinstance(gr.evaluate, types.ModuleType) and callable(gr.evaluate)
    assert gr.evaluate.metrics is importlib.import_module("graphrec.evaluate.metrics")
    assert gr.evaluate.stats is importlib.import_module("graphrec.evaluate.stats")
    assert gr.evaluate.compare_to_baseline is gr.evaluate.stats.compare_to_baseline
    assert "train" in inspect.signature(gr.evaluate).parameters
    hits = np.array([[True, False]])
    assert gr.evaluate.metrics.recall_at_k(hits, np.array([2]), 2).tolist() == [0.5]


def test_import_statements_of_the_readme():
    import graphrec.evaluate as ev
    import graphrec.evaluate.metrics as metrics
    from graphrec.evaluate import compare_to_baseline, evaluate

    assert ev is gr.evaluate and metrics is gr.evaluate.metrics
    assert compare_to_baseline is gr.evaluate.stats.compare_to_baseline
    assert evaluate is gr.evaluate.protocol.evaluate


def test_calling_the_package_is_calling_the_function():
    data = gr.load_dataset("synthetic", n_users=80, n_items=40, seed=0)
    s = gr.split(data, "random", seed=0)
    model = gr.create("recommender", "popularity").fit(s.train)
    a = gr.evaluate(model, s.test, k=[5], train=s.train)
    b = gr.evaluate.evaluate(model, s.test, k=[5], train=s.train)
    assert a.summary == b.summary
    with pytest.raises(TypeError, match="needs train="):
        gr.evaluate(model, s.test, k=[5])


def test_split_function_and_split_module():
    import graphrec.data.split as split_module

    assert isinstance(gr.data.split, types.ModuleType)
    assert gr.data.split is split_module
    assert gr.split is split_module.split and gr.Split is split_module.Split
    for path in ("graphrec.data.preprocess", "graphrec.data.download", "graphrec.evaluate.stats"):
        assert isinstance(importlib.import_module(path), types.ModuleType)
