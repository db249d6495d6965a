"""Named registries, so configs and the CLI refer to components by string.

A registration is the one place a component states its name and what it needs and
gives; the experiment runner, the config check and ``graphrec list`` read these
declarations (:meth:`Registry.info`) instead of guessing from parameter names::

    @recommenders.register("community_blend", needs=("base", "communities"))
    @datasets.register("lightgcn", needs=("path",), gives="split")
    @embedders.register("lightgcn", fine_tunable=True)

The decorator records the name on the class (``_registered_name``). Each registration
also records the component's parameter check (by default
:func:`graphrec._params.check_params` over its declared ``_param_constraints``);
:meth:`Registry.create` and the experiment config check call it through
:meth:`Registry.check` before anything is fitted or loaded.

>>> import graphrec as gr
>>> "popularity" in gr.available("recommender")
True
>>> gr.create("recommender", "itemknn", n_neighbors=20).n_neighbors
20
>>> recommenders.info("community_blend").needs
('base', 'communities')
>>> gr.create("embedder", "svd", dim=0)
Traceback (most recent call last):
...
ValueError: embedder 'svd': dim must be an integer >= 1, got 0
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from graphrec._params import Constraint, check_params, constraints_of, signature_params

__all__ = [
    "Entry",
    "Registry",
    "available",
    "create",
    "datasets",
    "detectors",
    "embedders",
    "metrics",
    "recommenders",
]

T = TypeVar("T")

ParamCheck = Callable[..., None]  # check(component, params, *, name=...) -> None or raise

NAME_ATTR = "_registered_name"  # set on each registered class / function by the decorator


@dataclass(frozen=True)
class Entry:
    """What one registration declares: the component and its capabilities.

    Attributes
    ----------
    kind, name : str
        The registry kind (``"recommender"``) and the registered name.
    obj : callable
        The registered class or factory function.
    needs : tuple of str
        What it must be given to work, from the registry's vocabulary
        (:attr:`Registry.vocabulary`): ``"embedder"``, ``"fine_tunable_embedder"``,
        ``"communities"`` (recommenders), ``"embedder"`` (detectors that cluster
        embeddings), ``"path"`` (datasets without a download). Empty by default.
    gives : str
        What it produces: ``"interactions"`` or ``"split"`` (a dataset that comes
        split); the registry's default otherwise (``"embeddings"``, ...).
    fine_tunable : bool
        An embedder that can be trained further from given initial weights
        (``fit(train, init_weight=...)``), as ``community_model`` does per community.
    seed_param : str or None
        The parameter that takes the run seed (``random_state``; ``seed`` for
        datasets), or ``None`` for a component whose result does not depend on one.
    check : callable
        ``check(component, params, name=...)``: the parameter check.
    meta : mapping
        Any further declared metadata (a metric's ``direction`` and ``inputs``).
    """

    kind: str
    name: str
    obj: Callable[..., Any]
    needs: tuple[str, ...] = ()
    gives: str = ""
    fine_tunable: bool = False
    seed_param: str | None = None
    check: ParamCheck = check_params
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def takes_seed(self) -> bool:
        """Whether the component takes the run seed (``seed_param`` is not ``None``)."""
        return self.seed_param is not None

    @property
    def injected(self) -> tuple[str, ...]:
        """The parameters its needs are given through (``embedder``, ``communities``)."""
        inject = _INJECT.get(self.kind, {})
        return tuple(dict.fromkeys(inject[n] for n in self.needs if n in inject))

    def needs_embedder(self) -> bool:
        """Whether it needs an embedder (any, or a fine-tunable one)."""
        return "embedder" in self.needs or "fine_tunable_embedder" in self.needs

    def describe(self) -> str:
        """A short line of the declarations that are set: ``needs embedder, communities``."""
        parts = []
        if self.needs:
            parts.append("needs " + ", ".join(self.needs))
        if self.gives and self.gives != _GIVES_DEFAULT.get(self.kind, ""):
            parts.append(f"gives {self.gives}")
        if self.fine_tunable:
            parts.append("fine-tunable")
        parts += [f"{k}={v}" for k, v in self.meta.items()]
        return "; ".join(parts)


# what each kind may declare it needs and gives; a registry of another kind takes any
_NEEDS: dict[str, tuple[str, ...]] = {
    "recommender": ("embedder", "fine_tunable_embedder", "communities", "base"),
    "detector": ("embedder",),
    "dataset": ("path",),
    "embedder": (),
}
# recommender needs are passed to the constructor, through these parameters
_INJECT: dict[str, dict[str, str]] = {
    "recommender": {
        "embedder": "embedder",
        "fine_tunable_embedder": "base",  # community_model fine-tunes its base embedder
        "communities": "communities",
        "base": "base",  # any recommender; by default the run's embedder
    },
}
_GIVES: dict[str, tuple[str, ...]] = {
    "dataset": ("interactions", "split"),
    "embedder": ("embeddings",),
    "detector": ("communities",),
    "recommender": ("scores",),
}
_GIVES_DEFAULT = {kind: gives[0] for kind, gives in _GIVES.items()}
_SEED_PARAM = {"dataset": "seed"}  # every other kind: random_state


class Registry:
    """A mapping from names to classes (or factory functions) of one kind.

    Parameters
    ----------
    kind : str
        What the registry holds (``"detector"``); it names the component in messages.
    vocabulary : tuple of str, optional
        What its components may declare in ``needs`` (default: by kind, see
        :class:`Entry`; any string for a kind graphrec does not know).
    """

    def __init__(self, kind: str, vocabulary: tuple[str, ...] | None = None) -> None:
        self.kind = kind
        self.vocabulary = _NEEDS.get(kind) if vocabulary is None else tuple(vocabulary)
        self._entries: dict[str, Entry] = {}

    def register(
        self,
        name: str,
        *,
        needs: tuple[str, ...] | list[str] | str = (),
        gives: str | None = None,
        fine_tunable: bool = False,
        takes_seed: bool | None = None,
        check: ParamCheck | None = None,
        **meta: Any,
    ) -> Callable[[T], T]:
        """Decorator registering a class or function under ``name`` with its declarations.

        Parameters
        ----------
        name : str
            The one name of the component (configs, CLI, :class:`Communities.method`);
            the decorator stores it on the object as ``_registered_name``.
        needs, gives, fine_tunable
            See :class:`Entry`; undeclared, a component needs nothing and gives what
            its kind gives.
        takes_seed : bool, optional
            Whether it takes the run seed; by default the class's own ``takes_seed``
            (detectors), else whether its signature has the seed parameter
            (``random_state``; ``seed`` for datasets).
        check : callable, optional
            ``check(component, params, name=...)`` validates parameter values before
            the component is created; the default, :func:`~graphrec._params.check_params`,
            reads the constraints the component declares (``_param_constraints``).
        **meta
            Further metadata, kept in :attr:`Entry.meta` (a metric's ``direction``).

        Raises
        ------
        ValueError
            For a name taken by another component, a need or a product outside the
            kind's vocabulary, or ``takes_seed=True`` without the seed parameter.
        """
        need_list = (needs,) if isinstance(needs, str) else tuple(needs)
        where = f"{self.kind} {name!r}"
        if self.vocabulary is not None:
            bad = [n for n in need_list if n not in self.vocabulary]
            if bad:
                raise ValueError(
                    f"{where}: unknown need(s) {', '.join(map(repr, bad))}; a {self.kind} "
                    f"may need {', '.join(map(repr, self.vocabulary)) or 'nothing'}"
                )
        valid_gives = _GIVES.get(self.kind)
        if gives is not None and valid_gives is not None and gives not in valid_gives:
            raise ValueError(
                f"{where}: gives must be one of {', '.join(map(repr, valid_gives))}, got {gives!r}"
            )

        def decorator(obj: T) -> T:
            old = self._entries.get(name)
            if old is not None and _qualname(old.obj) != _qualname(obj):
                raise ValueError(f"{where} is already registered to {_qualname(old.obj)}")
            params = signature_params(obj)
            inject = _INJECT.get(self.kind, {})
            missing = [inject[n] for n in need_list if n in inject and inject[n] not in params]
            if missing:
                raise ValueError(
                    f"{where} needs {', '.join(need_list)} but has no parameter "
                    f"{', '.join(missing)} to receive it"
                )
            seed = _SEED_PARAM.get(self.kind, "random_state")
            has_seed = seed in params
            declared = takes_seed
            if declared is None and isinstance(getattr(obj, "takes_seed", None), bool):
                declared = obj.takes_seed  # type: ignore[attr-defined]  # e.g. BaseDetector's
            if declared and not has_seed:
                raise ValueError(f"{where} declares takes_seed=True but has no {seed!r} parameter")
            self._entries[name] = Entry(
                kind=self.kind,
                name=name,
                obj=obj,  # type: ignore[arg-type]
                needs=need_list,
                gives=gives or _GIVES_DEFAULT.get(self.kind, ""),
                fine_tunable=bool(fine_tunable),
                seed_param=seed if (has_seed if declared is None else declared) else None,
                check=check or check_params,
                meta=MappingProxyType(dict(meta)),
            )
            try:
                setattr(obj, NAME_ATTR, name)
            except (AttributeError, TypeError):  # e.g. a frozen dataclass instance (metrics)
                pass
            return obj

        return decorator

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests undo their registrations); ``ValueError`` if unknown."""
        entry = self.info(name)
        del self._entries[name]
        if getattr(entry.obj, "__dict__", {}).get(NAME_ATTR) == name:
            delattr(entry.obj, NAME_ATTR)

    def names(self) -> list[str]:
        _load_plugins()
        return sorted(self._entries)

    def __iter__(self) -> Iterator[str]:
        """The registered names in registration order."""
        _load_plugins()
        return iter(list(self._entries))

    def __contains__(self, name: object) -> bool:
        _load_plugins()
        return name in self._entries

    def info(self, name: str) -> Entry:
        """The declarations of ``name`` (:class:`Entry`); ``ValueError`` if unknown.

        >>> datasets.info("lightgcn").gives, embedders.info("svd").takes_seed
        ('split', True)
        """
        _load_plugins()
        if name not in self._entries:
            hint = difflib.get_close_matches(name, self._entries, n=1)
            extra = f" Did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}.{extra}"
            )
        return self._entries[name]

    def get(self, name: str) -> Callable[..., Any]:
        """The registered class or function of ``name``; ``ValueError`` if unknown."""
        return self.info(name).obj

    def parameters(self, name: str) -> dict[str, Any]:
        """Keyword parameters of ``name`` and their defaults (``Parameter.empty`` if none)."""
        return signature_params(self.get(name))

    def constraints(self, name: str) -> dict[str, Constraint]:
        """The declared constraint of each parameter of ``name`` (empty if it declares none)."""
        return constraints_of(self.get(name)) or {}

    def check(self, name: str, params: Mapping[str, Any]) -> None:
        """Check the names and values of ``params`` for ``name`` without creating anything.

        Raises a ``ValueError`` naming the component and each unknown or invalid
        parameter. Parameters not given take their defaults.
        """
        entry = self.info(name)
        valid = self.parameters(name)
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"{self.kind} {name!r} got unknown parameter(s) {', '.join(unknown)}; "
                f"valid parameters: {', '.join(valid) or '(none)'}"
            )
        entry.check(entry.obj, params, name=f"{self.kind} {name!r}")

    def create(self, name: str, **params: Any) -> Any:
        """Instantiate ``name`` with ``params`` after :meth:`check` (names and values)."""
        factory = self.get(name)
        self.check(name, params)
        return factory(**params)


def registered_name(component: Any) -> str:
    """The name ``component`` (a class, function or instance) was registered under, or ``""``."""
    return str(getattr(component, NAME_ATTR, "") or "")


PLUGIN_GROUP = "graphrec.plugins"
_plugins_loaded = False


def _load_plugins() -> None:
    """Import every module of the ``graphrec.plugins`` entry-point group, once.

    A plugin package declares ``[project.entry-points."graphrec.plugins"]
    my_plugin = "my_package.module"``; importing that module runs its
    ``register`` decorators. Called lazily the first time a registry is queried.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib import import_module
    from importlib.metadata import entry_points

    for stage in _BUILTIN:  # graphrec's own components first (`import graphrec` is lazy)
        import_module(stage)
    for ep in entry_points(group=PLUGIN_GROUP):
        try:
            ep.load()
        except Exception as exc:
            raise ImportError(
                f"graphrec plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            ) from exc


def _qualname(obj: Any) -> str:
    # the same definition imported twice (doctest, importlib test mode) may re-register
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


# the packages whose imports register graphrec's own components
_BUILTIN = ("graphrec.data", "graphrec.embed", "graphrec.community", "graphrec.recommend")
_BUILTIN += ("graphrec.evaluate",)

datasets = Registry("dataset")
embedders = Registry("embedder")
detectors = Registry("detector")
recommenders = Registry("recommender")
metrics = Registry("metric")  # graphrec.evaluate.registry: Metric entries (name, direction, needs)

_REGISTRIES = {r.kind: r for r in (datasets, embedders, detectors, recommenders, metrics)}


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
