"""Renamed parameters and names: the old spelling keeps working for one release, with a warning.

A renamed ``__init__`` parameter is declared with :func:`renamed_parameters`; the
public signature (what ``get_params``, ``clone``, the registries and the parameter
constraints see) holds only the new name, so round trips are unaffected. The old
keyword is translated when the object is created, with a ``DeprecationWarning``
(not a ``FutureWarning``: the test configuration turns those into errors).

>>> import warnings
>>> @renamed_parameters(n_clusters="n_communities")
... class Demo:
...     def __init__(self, n_communities=None):
...         self.n_communities = n_communities
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     Demo(n_clusters=3).n_communities, caught[0].category.__name__
(3, 'DeprecationWarning')
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["deprecated_alias", "renamed_parameters", "translate_renamed"]

T = TypeVar("T")
_ATTR = "_renamed_params"


def _warn(old: str, new: str, owner: str, stacklevel: int) -> None:
    warnings.warn(
        f"{owner}: parameter {old!r} is deprecated and will be removed in the next release; "
        f"use {new!r}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def translate_renamed(
    component: Any, params: Mapping[str, Any], *, stacklevel: int = 3
) -> dict[str, Any]:
    """``params`` with the deprecated names of ``component``'s parameters replaced (warned).

    A ``TypeError`` when both the old and the new name are given.
    """
    renamed: Mapping[str, str] = getattr(component, _ATTR, None) or {}
    out = dict(params)
    owner = getattr(component, "__name__", type(component).__name__)
    for old, new in renamed.items():
        if old in out:
            # a layer that filled in every default (a resolved config) may hold the new
            # name at its default value: the old name's explicit value then wins
            default = inspect.signature(component).parameters[new].default
            if new in out and out[new] is not default and out[new] != default:
                raise TypeError(f"{owner}: give {new!r} or its deprecated alias {old!r}, not both")
            _warn(old, new, owner, stacklevel)
            out[new] = out.pop(old)
    return out


def renamed_parameters(**old_to_new: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: accept each old keyword of ``__init__`` as its new name, with a warning.

    The wrapped ``__init__`` keeps the original signature (``functools.wraps``), so
    scikit-learn's ``get_params`` and ``clone`` see only the new names. Inherited
    renames are kept (a subclass adds to its base's).
    """

    def decorator(cls: type[T]) -> type[T]:
        merged = {**getattr(cls, _ATTR, {}), **old_to_new}
        original = cls.__init__

        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            kwargs = translate_renamed(cls, kwargs, stacklevel=4)
            original(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[misc]
        setattr(cls, _ATTR, merged)
        return cls

    return decorator


def deprecated_alias(func: Callable[..., Any], old: str, new: str) -> Callable[..., Any]:
    """``func`` under its old public name ``old``: calling it warns and forwards.

    >>> def area(r): return 3 * r * r
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     deprecated_alias(area, "surface", "area")(2), str(caught[0].message)[:19]
    (12, "'surface' is deprec")
    """

    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"{old!r} is deprecated and will be removed in the next release; use {new!r}",
            DeprecationWarning,
            stacklevel=2,
        )
        return func(*args, **kwargs)

    alias.__name__ = old
    alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of :func:`{new}` (kept for one release)."
    return alias
