"""Evaluation: metrics (plain functions), the full-ranking protocol and statistics.

The package is callable: ``graphrec.evaluate(model, test, k=..., train=...)`` is
:func:`graphrec.evaluate.protocol.evaluate` (also importable as
``from graphrec.evaluate import evaluate``), and its modules stay reachable as
attributes: ``graphrec.evaluate.metrics``, ``graphrec.evaluate.stats``,
``graphrec.evaluate.protocol``. A function of the same name bound over the package
would hide them (``gr.evaluate.metrics`` was an AttributeError, and
``import graphrec.evaluate.metrics as M`` an ImportError).

>>> import numpy as np
>>> import graphrec as gr
>>> gr.evaluate.metrics.precision_at_k(np.array([[True, False]]), 2).tolist()
[0.5]
>>> gr.evaluate.stats.holm([0.01, 0.04, 0.03]).round(2).tolist()
[0.03, 0.06, 0.06]
"""

import sys
import types

from graphrec.evaluate import metrics, new_users, protocol, stats
from graphrec.evaluate.new_users import NewUserResult, evaluate_new_users
from graphrec.evaluate.protocol import EvalResult, evaluate
from graphrec.evaluate.stats import compare_to_baseline, holm, paired_comparison

__all__ = [
    "EvalResult",
    "NewUserResult",
    "compare_to_baseline",
    "evaluate",
    "evaluate_new_users",
    "holm",
    "metrics",
    "new_users",
    "paired_comparison",
    "protocol",
    "stats",
]


class _CallablePackage(types.ModuleType):
    """The ``graphrec.evaluate`` package, callable as its ``evaluate`` function."""

    # a static method adds no frame, so warnings point at the caller's line
    __call__ = staticmethod(evaluate)


sys.modules[__name__].__class__ = _CallablePackage
__wrapped__ = evaluate  # inspect.signature(graphrec.evaluate) shows evaluate's parameters
