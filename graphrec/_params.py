"""Declared parameter constraints and the one hook that checks them: :func:`check_params`.

Every registered component declares, next to its ``__init__``, what each parameter
accepts::

    _param_constraints = param_constraints(
        dim=Interval(int, 1, None),
        lr=[Interval(float, 0, None, closed="neither"), Options("auto")],
        gamma=[Interval(float, 0, 1), None],
        random_state=Seed(),
    )

A list means "any of these"; ``None`` in it allows ``None``. Joint conditions that
involve several parameters go in ``_param_rules`` (a tuple of :class:`Rule`).
:func:`check_params` is called by ``gr.create`` / ``Registry.create``, by the
experiment config check (before any work starts) and at the start of ``fit`` (for
objects built directly or changed with ``set_params``); checks that need the data
(``n_communities`` above the number of users) stay in ``fit``. Functions (the dataset
loaders) declare theirs with the :func:`declare_params` decorator.

>>> class Toy:
...     _param_constraints = param_constraints(k=Interval(int, 1, None), mode=Options("a", "b"))
...     def __init__(self, k=5, mode="a"):
...         self.k, self.mode = k, mode
>>> check_params(Toy, {"k": 3})
>>> check_params(Toy(k=0, mode="c"))
Traceback (most recent call last):
...
ValueError: Toy: k must be an integer >= 1, got 0; mode must be one of 'a', 'b', got 'c'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from graphrec._constraints import (
    AnyOf,
    Boolean,
    Constraint,
    Device,
    FilePath,
    Interval,
    Options,
    Pair,
    Pattern,
    Satisfies,
    Seed,
    Text,
    _as_constraint,
)

__all__ = [
    "AnyOf",
    "Boolean",
    "Constraint",
    "Device",
    "FilePath",
    "Interval",
    "Options",
    "Pair",
    "Pattern",
    "Rule",
    "Satisfies",
    "Seed",
    "Text",
    "check_params",
    "constraints_of",
    "declare_params",
    "invalid_values",
    "param_constraints",
    "signature_params",
]

F = TypeVar("F", bound=Callable[..., Any])

_ATTR = "_param_constraints"
_RULES = "_param_rules"


@dataclass(frozen=True)
class Rule:
    """A condition over several parameters: ``check(params)`` must be true.

    ``message`` names the parameters involved and what is expected; ``{name}`` fields
    are filled with the parameter values (``"k={k} exceeds n={n}"``).

    >>> Rule(lambda p: not p["resume"] or p["checkpoint_dir"], "resume=True needs checkpoint_dir")
    Rule(...)
    """

    check: Callable[[Mapping[str, Any]], Any]
    message: str

    def __repr__(self) -> str:
        return "Rule(...)"


def param_constraints(**constraints: Any) -> Mapping[str, Constraint]:
    """A read-only mapping of parameter names to constraints (lists become :class:`AnyOf`).

    >>> param_constraints(k=[Interval(int, 1, None), None])["k"].description
    'an integer >= 1 or None'
    """
    return MappingProxyType({k: _as_constraint(v) for k, v in constraints.items()})


def declare_params(*rules: Rule, **constraints: Any) -> Callable[[F], F]:
    """Decorator declaring the constraints (and joint rules) of a function component."""

    def decorator(func: F) -> F:
        setattr(func, _ATTR, param_constraints(**constraints))
        setattr(func, _RULES, tuple(rules))
        return func

    return decorator


def constraints_of(component: Any) -> dict[str, Constraint] | None:
    """The declared constraints of a component (class, function or instance), or ``None``."""
    routine = inspect.isclass(component) or inspect.isroutine(component)
    target = component if routine else type(component)
    raw = getattr(target, _ATTR, None)
    if raw is None:
        return None
    return {name: _as_constraint(spec) for name, spec in raw.items()}


def invalid_values(constraint: Any) -> list[Any]:
    """Values ``constraint`` rejects (for tests); an empty list when it accepts anything."""
    c = _as_constraint(constraint)
    return [v for v in c.invalid() if not c.accepts(v)]


def signature_params(target: Any) -> dict[str, Any]:
    """Keyword parameters of a class or function and their defaults (``self`` left out)."""
    sig = inspect.signature(target)
    return {
        p.name: p.default
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    }


def _text_hint(value: Any) -> str:
    """A hint for numbers that arrive as text (YAML 1.1 reads ``1e-3`` as a string)."""
    if not isinstance(value, str):
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    return " (text, not a number: unquote it; in YAML write 1.0e-3, not 1e-3)"


def check_params(
    component: Any, params: Mapping[str, Any] | None = None, *, name: str | None = None
) -> None:
    """Check parameter values against the component's declared constraints.

    Parameters
    ----------
    component : class, function or instance
        A registered component. For an instance, ``params`` defaults to its current
        attribute values (the parameters of ``__init__``).
    params : mapping, optional
        Keyword parameters; those not given take their ``__init__`` defaults (so the
        joint rules see every value).
    name : str, optional
        How the component is named in messages (default: its class or function name);
        the registries pass ``"embedder 'svd'"``.

    Raises
    ------
    ValueError
        Naming the component, every invalid parameter, its value and what was expected.
    """
    is_instance = not (inspect.isclass(component) or inspect.isroutine(component))
    target = type(component) if is_instance else component
    label = name or getattr(target, "__name__", repr(target))
    constraints = constraints_of(target)
    rules = getattr(target, _RULES, ())
    if constraints is None and not rules:
        return
    defaults = signature_params(target)
    values = {
        p: getattr(component, p) if is_instance and hasattr(component, p) else d
        for p, d in defaults.items()
        if d is not inspect.Parameter.empty or (is_instance and hasattr(component, p))
    }
    values.update(params or {})
    problems = [
        f"{p} must be {c}, got {values[p]!r}{_text_hint(values[p])}"
        for p, c in (constraints or {}).items()
        if p in values and not c.accepts(values[p])
    ]
    if not problems:
        problems = [rule.message.format_map(values) for rule in rules if not rule.check(values)]
    if problems:
        raise ValueError(f"{label}: " + "; ".join(problems))
