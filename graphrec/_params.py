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
(``n_clusters`` above the number of users) stay in ``fit``. Functions (the dataset
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
import math
import numbers
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np

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


class Constraint:
    """What one parameter accepts: :meth:`accepts`, a description and rejected examples."""

    description = "a valid value"

    def accepts(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def invalid(self) -> list[Any]:
        """A few values this constraint rejects (the conformance tests try them)."""
        return []

    def __str__(self) -> str:
        return self.description

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r})"


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class Interval(Constraint):
    """An ``int`` or a real number (``float``: ints are accepted too) within bounds.

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``; ``None`` bounds
    are open-ended. Booleans, strings and NaN / inf are rejected.

    >>> Interval(int, 1, None).accepts(0), Interval(float, 0, 1).accepts(0.5)
    (False, True)
    >>> print(Interval(float, 0, 1, closed="right"))
    a number in (0, 1]
    """

    def __init__(
        self,
        kind: type,
        low: float | None = None,
        high: float | None = None,
        *,
        closed: str = "both",
    ) -> None:
        if kind not in (int, float):
            raise ValueError(f"Interval kind must be int or float, got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be both, left, right or neither, got {closed!r}")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed
        self.description = self._describe()

    def _describe(self) -> str:
        noun = "an integer " if self.kind is int else "a number "
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            left, right = "[" if lo_in else "(", "]" if hi_in else ")"
            return f"{noun}in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{noun}{'>=' if lo_in else '>'} {self.low:g}"
        if self.high is not None:
            return f"{noun}{'<=' if hi_in else '<'} {self.high:g}"
        return noun.strip()

    def accepts(self, value: Any) -> bool:
        if not (_is_int(value) if self.kind is int else _is_real(value)):
            return False
        if not math.isfinite(float(value)):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def invalid(self) -> list[Any]:
        out: list[Any] = [float("nan"), True]
        if self.low is not None:
            out.append(self.low if self.closed in ("right", "neither") else self.low - 1)
        if self.high is not None:
            out.append(self.high if self.closed in ("left", "neither") else self.high + 1)
        base = self.low if self.low is not None else (self.high if self.high is not None else 0)
        good = int(base) + (1 if self.low is not None else -1)
        out.append(str(good))  # a number given as text (a quoted YAML value)
        if self.kind is int:
            out.append(good + 0.5)
        return out


class Options(Constraint):
    """One of a fixed set of values (usually strings).

    >>> Options("cosine", "count").accepts("count"), Options("cosine").accepts("Cosine")
    (True, False)
    """

    def __init__(self, *values: Any) -> None:
        if len(values) == 1 and isinstance(values[0], (set, frozenset, list, tuple)):
            values = tuple(values[0])
        self.values = tuple(values)
        self.description = "one of " + ", ".join(repr(v) for v in self.values)

    def accepts(self, value: Any) -> bool:
        return any(
            isinstance(value, type(v))
            and isinstance(value, bool) == isinstance(v, bool)
            and value == v
            for v in self.values
        )

    def invalid(self) -> list[Any]:
        return ["<not an option>", 0]


class Boolean(Constraint):
    """``True`` or ``False`` (not 0 / 1, not the strings ``"true"`` / ``"false"``)."""

    description = "true or false"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def invalid(self) -> list[Any]:
        return ["yes", 2]


class Seed(Constraint):
    """A random state: ``None``, a non-negative int, a numpy ``Generator`` or ``SeedSequence``."""

    description = "None, a non-negative integer, a numpy Generator or a SeedSequence"

    def accepts(self, value: Any) -> bool:
        if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
            return True
        return _is_int(value) and value >= 0

    def invalid(self) -> list[Any]:
        return [-1, "0", 1.5]


_DEVICE = re.compile(r"^(auto|cpu|(cuda|mps|xpu)(:\d+)?)$")


class Device(Constraint):
    """A torch device name: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``.

    Only the form is checked here; whether the device exists is checked when it is
    resolved (:func:`graphrec._validation.resolve_device`, at ``fit``).
    """

    description = "'auto', 'cpu', 'cuda', 'cuda:N' or 'mps' (or a torch.device)"

    def accepts(self, value: Any) -> bool:
        if type(value).__module__ == "torch" and type(value).__name__ == "device":
            value = str(value)  # a torch.device, recognised without importing torch
        return isinstance(value, str) and bool(_DEVICE.match(value))

    def invalid(self) -> list[Any]:
        return ["gpu", 0]


class Text(Constraint):
    """Any string (a file name, a column name)."""

    description = "a string"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def invalid(self) -> list[Any]:
        return [0, ["a"]]


class FilePath(Constraint):
    """A path: a string or an ``os.PathLike`` (existence is checked where it is used)."""

    description = "a path (a string or os.PathLike)"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (str, os.PathLike))

    def invalid(self) -> list[Any]:
        return [0, ["a"]]


class Pattern(Constraint):
    """A string matching a regular expression, e.g. ``"ndcg@20"``."""

    def __init__(self, regex: str, description: str) -> None:
        self.regex = re.compile(regex)
        self.description = description

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and bool(self.regex.fullmatch(value))

    def invalid(self) -> list[Any]:
        return ["<no match>", 0]


class Pair(Constraint):
    """A list or tuple of two values that each satisfy ``item``; ``ordered``: low <= high.

    >>> Pair(Interval(int, 2, None)).accepts((2, 20)), Pair(Interval(int, 2, None)).accepts((9, 3))
    (True, False)
    """

    def __init__(self, item: Constraint, *, ordered: bool = True) -> None:
        self.item, self.ordered = item, ordered
        order = ", low <= high" if ordered else ""
        self.description = f"a pair [low, high], each {item.description}{order}"

    def accepts(self, value: Any) -> bool:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            return False
        if not all(self.item.accepts(v) for v in value):
            return False
        return not self.ordered or value[0] <= value[1]

    def invalid(self) -> list[Any]:
        bad = [v for v in self.item.invalid() if not isinstance(v, float) or math.isfinite(v)]
        out: list[Any] = ["2, 20", (3,)]
        if bad:
            out.append((bad[0], bad[0]))
        if self.ordered and isinstance(self.item, Interval):
            lo = 0 if self.item.low is None else int(self.item.low)
            out.append((lo + 3, lo + 1))
        return out


class Satisfies(Constraint):
    """A domain-specific check: ``predicate(value)`` is true (e.g. duck-typed objects)."""

    def __init__(
        self, predicate: Callable[[Any], bool], description: str, invalid: Iterable[Any] = ()
    ) -> None:
        self.predicate = predicate
        self.description = description
        self._invalid = list(invalid)

    def accepts(self, value: Any) -> bool:
        try:
            return bool(self.predicate(value))
        except Exception:  # a predicate that cannot judge the value rejects it
            return False

    def invalid(self) -> list[Any]:
        return list(self._invalid)


class _IsNone(Constraint):
    description = "None"

    def accepts(self, value: Any) -> bool:
        return value is None

    def invalid(self) -> list[Any]:
        return ["x", 0]


class AnyOf(Constraint):
    """A value accepted by any of ``constraints`` (``None`` among them allows ``None``)."""

    def __init__(self, *constraints: Any) -> None:
        self.constraints = tuple(_as_constraint(c) for c in constraints)
        self.description = " or ".join(c.description for c in self.constraints)

    def accepts(self, value: Any) -> bool:
        return any(c.accepts(value) for c in self.constraints)

    def invalid(self) -> list[Any]:
        cands = [v for c in self.constraints for v in c.invalid()]
        return [v for v in cands if not self.accepts(v)]


def _as_constraint(spec: Any) -> Constraint:
    if spec is None:
        return _IsNone()
    if isinstance(spec, Constraint):
        return spec
    if isinstance(spec, (list, tuple)):
        return AnyOf(*spec) if len(spec) != 1 else _as_constraint(spec[0])
    raise TypeError(f"not a parameter constraint: {spec!r}")


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
