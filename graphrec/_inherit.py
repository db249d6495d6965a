"""Inherited constructor parameters: a subclass lists only its own.

A subclass's ``__init__(self, *, own=1, **params)`` passes ``**params`` on to its
parent; :func:`inherit_signature` gives it the full signature (its own keyword-only
parameters, then the parent's), which is what ``inspect.signature``, scikit-learn's
``get_params`` / ``clone`` / ``repr`` and ``gr.create``'s checks read.

>>> class Base:
...     def __init__(self, *, dim=64, lr=0.1):
...         self.dim, self.lr = dim, lr
>>> class Model(Base):
...     def __init__(self, *, layers=2, lr=0.5, **params):
...         super().__init__(lr=lr, **params)
...         self.layers = layers
>>> _ = inherit_signature(Model)
>>> import inspect
>>> str(inspect.signature(Model))
'(*, layers=2, lr=0.5, dim=64)'
"""

from __future__ import annotations

import inspect

__all__ = ["inherit_signature", "merged_signature"]


def merged_signature(cls: type) -> inspect.Signature | None:
    """The signature of ``cls.__init__`` when it takes ``**params`` for its parent's:
    its own keyword-only parameters, then the parent's (defaults overridden by name)."""
    init = cls.__dict__.get("__init__")
    if init is None:
        return None
    own = inspect.signature(init)
    if not any(p.kind is p.VAR_KEYWORD for p in own.parameters.values()):
        return None
    parent = next(k.__dict__["__init__"] for k in cls.__mro__[1:] if "__init__" in k.__dict__)
    mine = {n: p for n, p in list(own.parameters.items())[1:] if p.kind is not p.VAR_KEYWORD}
    bad = [n for n, p in mine.items() if p.kind is not p.KEYWORD_ONLY]
    if bad:
        raise TypeError(f"{cls.__name__}.__init__: make {bad} keyword-only (after '*')")
    inherited = [
        p.replace(kind=p.KEYWORD_ONLY)
        for n, p in list(inspect.signature(parent).parameters.items())[1:]
        if n not in mine
    ]
    first = next(iter(own.parameters.values()))
    return own.replace(parameters=[first, *mine.values(), *inherited])


def inherit_signature(cls: type) -> type:
    """Set ``cls.__init__``'s signature to :func:`merged_signature` when it takes
    ``**params`` (call it from ``__init_subclass__``, or as a class decorator)."""
    signature = merged_signature(cls)
    if signature is not None:
        cls.__init__.__signature__ = signature  # type: ignore[misc]
    return cls
