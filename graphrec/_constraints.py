"""The parameter constraints a component declares (``Interval``, ``Options``, ``Seed``...).

Each constraint says whether it ``accepts`` a value, describes itself for error
messages (``"an integer >= 1"``) and lists values it rejects (``invalid()``, for the
conformance tests). :mod:`graphrec._params` re-exports them with the hook that checks
them; import them from there.

>>> Interval(int, 1, None).accepts(0), str(Options("a", "b"))
(False, "one of 'a', 'b'")
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

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
    "Satisfies",
    "Seed",
    "Text",
]


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


MAX_SEED = 2**32 - 1  # the largest seed every library graphrec hands seeds to accepts


class Seed(Constraint):
    """A random state: ``None``, an int in [0, 2**32 - 1], a numpy ``Generator`` or
    ``SeedSequence`` (the integer range is the one scikit-learn and numpy's legacy
    generators accept, so a seed that passes here never fails inside ``fit``)."""

    description = "None, an integer in [0, 2**32 - 1], a numpy Generator or a SeedSequence"

    def accepts(self, value: Any) -> bool:
        if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
            return True
        return _is_int(value) and 0 <= value <= MAX_SEED

    def invalid(self) -> list[Any]:
        return [-1, "0", 1.5, True, MAX_SEED + 1]


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
