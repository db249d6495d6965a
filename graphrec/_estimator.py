"""The estimator base of every component (the bottom layer): parameters and repr.

A small stand-in for :class:`sklearn.base.BaseEstimator`, so that importing
graphrec does not import scikit-learn (``sklearn.base`` alone loads scipy.stats
and pandas: about 3 s on a busy machine). It follows the same conventions, so
:func:`sklearn.base.clone`, grid-search tools and anything else that duck-types
on ``get_params`` / ``set_params`` work unchanged:

- the parameters are the named arguments of ``__init__`` (read with
  :func:`inspect.signature`, so a ``__signature__`` set by
  :func:`graphrec._inherit.inherit_signature` counts), each stored unchanged on an
  attribute of the same name;
- ``get_params(deep=True)`` adds ``name__sub`` entries for parameters that have
  ``get_params`` themselves, and ``set_params`` accepts them;
- ``repr`` shows the parameters that differ from their defaults.

>>> class Model(BaseEstimator):
...     def __init__(self, dim=64, lr=0.1):
...         self.dim, self.lr = dim, lr
>>> m = Model(dim=8)
>>> m
Model(dim=8)
>>> m.set_params(lr=0.5).get_params()
{'dim': 8, 'lr': 0.5}
"""

from __future__ import annotations

import inspect
import math
from collections import defaultdict
from typing import Any

__all__ = ["BaseEstimator"]

_REPR_MAX = 700  # characters, as scikit-learn's repr (N_CHAR_MAX)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


class BaseEstimator:
    """Base class of graphrec's components: ``get_params``, ``set_params`` and ``repr``."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The names of the ``__init__`` parameters, sorted (as scikit-learn's)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        params = list(inspect.signature(init).parameters.values())
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            raise TypeError(
                f"{cls.__name__}.__init__ must not take *args: its parameters are read "
                "by name (get_params, clone, gr.create)"
            )
        return sorted(p.name for p in params if p.name != "self" and p.kind is not p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters of this component (``deep``: with those of nested components)."""
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set parameters (``name__sub`` for a nested component's); returns ``self``."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = defaultdict(dict)
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid parameters "
                    f"are {sorted(self._get_param_names())}"
                )
            if sep:
                nested[name][sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def _changed_params(self) -> dict[str, Any]:
        defaults = {
            n: p.default
            for n, p in inspect.signature(type(self).__init__).parameters.items()
            if p.default is not p.empty
        }
        changed = {}
        for name, value in self.get_params(deep=False).items():
            if name not in defaults:
                changed[name] = value
                continue
            default = defaults[name]
            if repr(value) != repr(default) and not (_is_nan(value) and _is_nan(default)):
                changed[name] = value
        return changed

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._changed_params().items())
        text = f"{type(self).__name__}({shown})"
        if len(text) > _REPR_MAX:
            half = _REPR_MAX // 2
            text = f"{text[:half]}...{text[-half:]}"
        return text
