"""Registration from outside the package: the ``graphrec.plugins`` entry points."""

import importlib.metadata
import sys
import textwrap

import pytest

import graphrec as gr
from graphrec import _registry
from graphrec.testing import check_detector

TOY = textwrap.dedent(
    '''
    import numpy as np
    from graphrec._registry import detectors
    from graphrec.community.base import BaseDetector, check_detector_input

    @detectors.register("toy_argmax")
    class ToyArgmax(BaseDetector):
        """Each user joins the block of items it interacted with most (items in 4 blocks)."""
        takes_seed = False

        def fit(self, train, embedder=None):
            train = check_detector_input(train)
            blocks = np.arange(train.n_items) * 4 // train.n_items
            counts = np.stack([train.matrix[:, blocks == b].sum(axis=1) for b in range(4)], 1)
            return self._finish(np.asarray(counts).argmax(axis=1))
    '''
)


@pytest.fixture
def toy_module(tmp_path, monkeypatch):
    (tmp_path / "toy_plugin.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "toy_plugin"
    if "toy_argmax" in _registry.detectors._entries:
        _registry.detectors.unregister("toy_argmax")
    sys.modules.pop("toy_plugin", None)


def test_one_file_one_import_line_is_tested_by_the_conformance_suite(toy_module):
    assert "toy_argmax" not in gr.available("detector")
    import toy_plugin  # noqa: F401  (the one import line)

    assert "toy_argmax" in gr.available("detector")
    cls = _registry.detectors.get("toy_argmax")
    # the check tests/community/test_conformance_detectors.py runs for every registered
    # name; a toy that ignores the planted structure is exempt from the NMI floor only
    check_detector(cls, name="toy_argmax", min_nmi=None)
    with pytest.raises(AssertionError, match="NMI"):
        check_detector(cls, name="toy_argmax")  # the check is real: the toy does not recover


def test_entry_point_is_loaded_on_first_query(toy_module, monkeypatch):
    ep = importlib.metadata.EntryPoint("toy", "toy_plugin", _registry.PLUGIN_GROUP)
    calls = []

    def fake_entry_points(group=None):
        calls.append(group)
        return [ep] if group == _registry.PLUGIN_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    monkeypatch.setattr(_registry, "_plugins_loaded", False)
    assert "toy_argmax" in gr.available("detector")
    assert gr.create("detector", "toy_argmax").fit(
        gr.planted_communities(100, 40, 4, mean_degree=10, seed=0).data
    ).labels_.shape == (100,)
    gr.available("recommender")
    assert calls == [_registry.PLUGIN_GROUP]  # loaded once, lazily


def test_broken_plugin_names_itself(monkeypatch):
    ep = importlib.metadata.EntryPoint("broken", "no_such_module_xyz", _registry.PLUGIN_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group=None: [ep])
    monkeypatch.setattr(_registry, "_plugins_loaded", False)
    with pytest.raises(ImportError, match="plugin 'broken'"):
        gr.available("detector")
