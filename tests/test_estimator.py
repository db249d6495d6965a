"""graphrec's estimator base behaves as scikit-learn's for clone, params and repr."""

from __future__ import annotations

import pytest
from sklearn.base import BaseEstimator as SklearnEstimator
from sklearn.base import clone

import graphrec as gr
from graphrec._estimator import BaseEstimator


class Inner(BaseEstimator):
    def __init__(self, dim: int = 4, lr: float = 0.1) -> None:
        self.dim, self.lr = dim, lr


class Outer(BaseEstimator):
    def __init__(self, inner: Inner | None = None, k: int = 10) -> None:
        self.inner, self.k = inner, k


COMPONENTS = [(kind, name) for kind in ("embedder", "detector", "recommender")
              for name in gr.available(kind)]  # fmt: skip


@pytest.mark.parametrize(("kind", "name"), COMPONENTS, ids=lambda v: v)
def test_every_component_clones_and_reprs_as_sklearn(kind: str, name: str) -> None:
    obj = gr.create(kind, name)
    copy = clone(obj)
    assert type(copy) is type(obj) and copy is not obj
    assert copy.get_params(deep=False).keys() == obj.get_params(deep=False).keys()
    assert repr(copy) == repr(obj) == SklearnEstimator.__repr__(obj)
    assert obj.get_params(deep=True) == SklearnEstimator.get_params(obj, deep=True)


def test_nested_params_round_trip() -> None:
    outer = Outer(inner=Inner(dim=8), k=5)
    assert outer.get_params() == {"inner": outer.inner, "inner__dim": 8, "inner__lr": 0.1, "k": 5}
    outer.set_params(inner__lr=0.5, k=3)
    assert (outer.inner.lr, outer.k) == (0.5, 3)
    copy = clone(outer)
    assert copy.inner is not outer.inner and copy.inner.get_params() == outer.inner.get_params()
    assert repr(outer) == "Outer(inner=Inner(dim=8, lr=0.5), k=3)"
    assert repr(outer) == SklearnEstimator.__repr__(outer)


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(ValueError, match="invalid parameter 'dimm' for Inner"):
        Inner().set_params(dimm=3)
    with pytest.raises(ValueError, match="invalid parameter 'x' for Inner"):
        Outer(inner=Inner()).set_params(inner__x=1)


def test_star_args_are_refused() -> None:
    class Bad(BaseEstimator):
        def __init__(self, *args: int) -> None:
            self.args = args

    with pytest.raises(TypeError, match=r"must not take \*args"):
        Bad().get_params()
