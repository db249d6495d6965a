"""Named registries, so configs and the CLI refer to components by string.

Each registration records the component's parameter check (by default
:func:`graphrec._params.check_params` over its declared ``_param_constraints``);
:meth:`Registry.create` and the experiment config check call it through
:meth:`Registry.check` before anything is fitted or loaded.

>>> import graphrec as gr
>>> "popularity" in gr.available("recommender")
True
>>> gr.create("recommender", "itemknn", n_neighbors=20).n_neighbors
20
>>> gr.create("embedder", "svd", dim=0)
Traceback (most recent call last):
...
ValueError: embedder 'svd': dim must be an integer >= 1, got 0
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from graphrec._deprecation import translate_renamed
from graphrec._params import Constraint, check_params, constraints_of

__all__ = ["Registry", "available", "create", "datasets", "detectors", "embedders", "recommenders"]

T = TypeVar("T")

ParamCheck = Callable[..., None]  # check(component, params, *, name=...) -> None or raise


class Registry:
    """A mapping from names to classes (or factory functions) of one kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[..., Any]] = {}
        self._checks: dict[str, ParamCheck] = {}
        self._renamed: dict[str, str] = {}  # deprecated name -> current name

    def register(self, name: str, *, check: ParamCheck | None = None) -> Callable[[T], T]:
        """Decorator registering a class or function under ``name``.

        ``check(component, params, name=...)`` validates parameter values before the
        component is created; the default, :func:`~graphrec._params.check_params`,
        reads the constraints the component declares (``_param_constraints``).
        """

        def decorator(obj: T) -> T:
            old = self._entries.get(name)
            if old is not None and _qualname(old) != _qualname(obj):
                raise ValueError(f"{self.kind} {name!r} is already registered to {_qualname(old)}")
            self._entries[name] = obj  # type: ignore[assignment]
            self._checks[name] = check or check_params
            return obj

        return decorator

    def rename(self, old: str, new: str) -> None:
        """Keep the deprecated name ``old`` resolvable as ``new`` (with a DeprecationWarning)."""
        self._renamed[old] = new

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._renamed

    def get(self, name: str) -> Callable[..., Any]:
        if name in self._renamed and name not in self._entries:
            warnings.warn(
                f"{self.kind} {name!r} is deprecated and will be removed in the next release; "
                f"use {self._renamed[name]!r}",
                DeprecationWarning,
                stacklevel=3,
            )
            name = self._renamed[name]
        if name not in self._entries:
            hint = difflib.get_close_matches(name, self._entries, n=1)
            extra = f" Did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}.{extra}"
            )
        return self._entries[name]

    def parameters(self, name: str) -> dict[str, Any]:
        """Keyword parameters of ``name`` and their defaults (``Parameter.empty`` if none)."""
        sig = inspect.signature(self.get(name))
        return {
            p.name: p.default
            for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
        }

    def constraints(self, name: str) -> dict[str, Constraint]:
        """The declared constraint of each parameter of ``name`` (empty if it declares none)."""
        return constraints_of(self.get(name)) or {}

    def check(self, name: str, params: Mapping[str, Any]) -> None:
        """Check the names and values of ``params`` for ``name`` without creating anything.

        Raises a ``ValueError`` naming the component and each unknown or invalid
        parameter. Parameters not given take their defaults.
        """
        factory = self.get(name)
        params = translate_renamed(factory, params)
        valid = self.parameters(name)
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"{self.kind} {name!r} got unknown parameter(s) {', '.join(unknown)}; "
                f"valid parameters: {', '.join(valid) or '(none)'}"
            )
        self._checks.get(name, check_params)(factory, params, name=f"{self.kind} {name!r}")

    def create(self, name: str, **params: Any) -> Any:
        """Instantiate ``name`` with ``params`` after :meth:`check` (names and values)."""
        factory = self.get(name)  # warns once for a deprecated name
        name = self._renamed.get(name, name) if name not in self._entries else name
        params = translate_renamed(factory, params)
        self.check(name, params)
        return factory(**params)


def _qualname(obj: Any) -> str:
    # the same definition imported twice (doctest, importlib test mode) may re-register
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


datasets = Registry("dataset")
embedders = Registry("embedder")
detectors = Registry("detector")
recommenders = Registry("recommender")

_REGISTRIES = {r.kind: r for r in (datasets, embedders, detectors, recommenders)}


def _registry(kind: str) -> Registry:
    if kind not in _REGISTRIES:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(_REGISTRIES)}")
    return _REGISTRIES[kind]


def create(kind: str, name: str, **params: Any) -> Any:
    """Create a registered component: ``create("recommender", "popularity")``.

    ``kind`` is one of ``"dataset"``, ``"embedder"``, ``"detector"``, ``"recommender"``.
    For ``"dataset"`` this loads the data (``create("dataset", "synthetic", seed=0)``).
    """
    return _registry(kind).create(name, **params)


def available(kind: str) -> list[str]:
    """Registered names of one kind, sorted."""
    return _registry(kind).names()
