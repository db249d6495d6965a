"""Experiment configs: YAML (or a dict) validated into dataclasses before any work starts.

A config names a dataset (loader, path, preprocessing, split), embedders, detectors and
recommenders by their registry names with parameters, the evaluation (K list, metrics),
the seeds and an output folder. ``control: true`` (the default) adds the
single-community control (detector ``single``) when a recommender uses communities, so
every community-aware run is compared with the same recommender on one community of
every user (``control: false`` leaves it out). A parameter given as a list is a grid: every value
becomes a run (write ``[[2, 10]]`` for one list-valued parameter). Relative paths
(``dataset.path``, ``output``) are resolved against the current working directory.

Everything is checked before anything is trained; all problems are reported at once,
each naming the field and, for names and parameters, the valid choices.

>>> cfg = load_config({
...     "name": "tiny",
...     "dataset": {"name": "synthetic", "params": {"n_users": 100, "n_items": 50}},
...     "detectors": [{"name": "bipartite_louvain"}],
...     "recommenders": [{"name": "community_popularity"}, {"name": "popularity"}],
...     "seeds": [0, 1],
... })
>>> cfg.dataset.split.method, cfg.evaluate.k, cfg.seeds
('random', (10, 20), (0, 1))
>>> [d.name for d in cfg.detectors]  # the control, added
['bipartite_louvain', 'single']
>>> load_config({"name": "x", "dataset": {"name": "synthetic"},
...              "recommenders": [{"name": "popularty"}]})
Traceback (most recent call last):
...
graphrec.experiment.config.ConfigError: invalid experiment config:
  - recommenders[0].name: unknown recommender 'popularty'; available: ...
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from graphrec._registry import _registry

__all__ = [
    "CONTROL",
    "ComponentSpec",
    "ConfigError",
    "DatasetSpec",
    "EvaluateSpec",
    "ExperimentConfig",
    "SplitSpec",
    "build",
    "dataset_is_split",
    "detector_needs_embedder",
    "expand_grid",
    "fine_tunable",
    "fine_tunable_embedder",
    "injected",
    "load_config",
    "needs_fine_tunable",
    "recommender_needs",
    "seed_param",
]

CONTROL = "single"  # the control's detector: every user in one community
EMBEDDING = "embedding"  # pseudo-recommender: the embedder itself (dot-product scores)
SPLIT_METHODS = ("random", "temporal", "leave_one_out", "given")


class ConfigError(ValueError):
    """An invalid experiment config; the message lists every problem found."""


@dataclass(frozen=True)
class SplitSpec:
    """How train / valid / test are made: ``given`` (the loader's split) or a split method.

    ``seed=None`` uses the run seed. ``merge_valid`` trains on train + valid (as the
    LightGCN papers do on their given splits) and leaves no validation set.
    """

    method: str = "random"
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int | None = None
    leave_out: str = "last"
    valid: bool = True
    merge_valid: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset, its loader parameters (lists are grids) and preprocessing."""

    name: str
    path: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    preprocess: dict[str, Any] = field(default_factory=dict)
    split: SplitSpec = field(default_factory=SplitSpec)

    def variants(self) -> list[dict[str, Any]]:
        """Loader parameters of every grid point."""
        return expand_grid(self.params)


@dataclass(frozen=True)
class ComponentSpec:
    """One ``embedders`` / ``detectors`` / ``recommenders`` entry.

    ``params`` holds every parameter (defaults filled in; lists are grids);
    ``embedder`` (detectors) lists the indices of the embedder entries it clusters.
    """

    kind: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    index: int = 0
    embedder: tuple[int, ...] | None = None

    def variants(self) -> list[dict[str, Any]]:
        """Parameters of every grid point, in order."""
        return expand_grid(self.params)


@dataclass(frozen=True)
class EvaluateSpec:
    """Full-ranking evaluation settings (see :func:`graphrec.evaluate`)."""

    k: tuple[int, ...] = (10, 20)
    metrics: tuple[str, ...] = ("recall", "ndcg", "precision", "hit_rate")
    part: str = "test"
    primary: str = "ndcg@20"
    cold_threshold: int = 5
    hot_quantile: float = 0.9
    community_metrics: bool = True
    sample_users: int | None = None  # evaluate a seeded (seed 0) sample of the test users


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated experiment. Build it with :func:`load_config`."""

    name: str
    output: Path
    dataset: DatasetSpec
    embedders: tuple[ComponentSpec, ...] = ()
    detectors: tuple[ComponentSpec, ...] = ()
    recommenders: tuple[ComponentSpec, ...] = ()
    evaluate: EvaluateSpec = field(default_factory=EvaluateSpec)
    seeds: tuple[int, ...] = (0,)
    source: str | None = None
    control: bool = True  # the single-community control beside community-aware runs

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain YAML-ready values (defaults filled in)."""

        def entry(c: ComponentSpec) -> dict[str, Any]:
            out: dict[str, Any] = {"name": c.name}
            if c.label:
                out["label"] = c.label
            out["params"] = _plain(c.params)
            if c.embedder is not None:
                out["embedder"] = list(c.embedder)
            return out

        ds = asdict(self.dataset)
        ds["split"]["ratios"] = list(ds["split"]["ratios"])
        ev = asdict(self.evaluate)
        ev["k"], ev["metrics"] = list(ev["k"]), list(ev["metrics"])
        return {
            "name": self.name,
            "output": str(self.output),
            "dataset": _plain(ds),
            "embedders": [entry(c) for c in self.embedders],
            "detectors": [entry(c) for c in self.detectors],
            "recommenders": [entry(c) for c in self.recommenders],
            "evaluate": ev,
            "seeds": list(self.seeds),
            "control": self.control,
        }

    def to_yaml(self) -> str:
        """:meth:`to_dict` as YAML text."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None)


def expand_grid(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the list-valued parameters, in order.

    >>> expand_grid({"a": [1, 2], "b": "x", "c": [[3, 4]]})
    [{'a': 1, 'b': 'x', 'c': [3, 4]}, {'a': 2, 'b': 'x', 'c': [3, 4]}]
    """
    keys = list(params)
    choices = [v if isinstance(v, list) else [v] for v in params.values()]
    return [dict(zip(keys, combo)) for combo in itertools.product(*choices)]


def detector_needs_embedder(name: str) -> bool:
    """Whether detector ``name`` declares it clusters embeddings (``needs=("embedder",)``).

    >>> detector_needs_embedder("kmeans"), detector_needs_embedder("louvain")
    (True, False)
    """
    return _registry("detector").info(name).needs_embedder()


def dataset_is_split(name: str) -> bool:
    """Whether dataset ``name`` declares it comes split (``gives="split"``: ``lightgcn``)."""
    return _registry("dataset").info(name).gives == "split"


def recommender_needs(name: str, params: Mapping[str, Any] | None = None) -> tuple[bool, bool]:
    """``(needs_embedder, needs_communities)`` of a recommender (``embedding`` included).

    Read from the registration (``needs=("base", "communities")``). A recommender
    that needs a ``base`` takes the run's embedder unless its ``params`` give the base
    as a recommender entry (``base: {name: ease, params: {l2: 100}}``); one that needs
    communities takes the detectors' unless ``communities: single`` (the control).

    >>> recommender_needs("community_blend"), recommender_needs("popularity")
    ((True, True), (False, False))
    >>> recommender_needs("community_blend", {"base": {"name": "ease"}})
    (False, True)
    >>> recommender_needs("community_blend", {"communities": "single"})
    (True, False)
    """
    if name == EMBEDDING:
        return True, False
    info = _registry("recommender").info(name)
    params = params or {}
    base = "base" in info.needs and not isinstance(params.get("base"), Mapping)
    single = params.get("communities") == "single"  # the control: no detector
    return info.needs_embedder() or base, "communities" in info.needs and not single


def needs_fine_tunable(name: str) -> bool:
    """Whether recommender ``name`` fine-tunes its embedder (it needs a fine-tunable one)."""
    if name == EMBEDDING:
        return False
    return "fine_tunable_embedder" in _registry("recommender").info(name).needs


def fine_tunable_embedder(name: str) -> bool:
    """Whether embedder ``name`` declares ``fine_tunable=True`` (``community_model`` can use it)."""
    return _registry("embedder").info(name).fine_tunable


def fine_tunable(entries: Sequence[ComponentSpec]) -> list[ComponentSpec]:
    """The embedder entries that are fine-tunable."""
    return [e for e in entries if fine_tunable_embedder(e.name)]


def seed_param(kind: str, name: Any) -> str | None:
    """The parameter of a component that takes the run seed (declared or ``random_state``).

    ``None`` for a component that takes no seed, the ``embedding`` pseudo-recommender and
    names that are not registered (an old run's provenance).
    """
    registry = _registry(kind)
    if not isinstance(name, str) or name not in registry:
        return None
    return registry.info(name).seed_param


def injected(kind: str, name: str) -> tuple[str, ...]:
    """The parameters of a component the runner fills in from its needs (not set in a config).

    >>> injected("recommender", "community_blend")
    ('base', 'communities')
    """
    if kind == "recommender" and name == EMBEDDING:
        return ()
    return _registry(kind).info(name).injected


# ---------------------------------------------------------------------------- loading
def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any], *, output: str | None = None
) -> ExperimentConfig:
    """Read and validate an experiment config (a YAML file or a dict).

    Parameters
    ----------
    source : path or mapping
        A YAML file or the same structure as a dict.
    output : str, optional
        Overrides the config's ``output`` folder.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its field (``detectors[1].params``).
    FileNotFoundError
        When ``source`` is a path that does not exist.
    """
    origin = None
    if isinstance(source, Mapping):
        raw: Any = dict(source)
    else:
        origin = str(source)
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no config file at {path}")
        try:
            with open(path, encoding="utf-8") as stream:  # its marks name the file
                raw = yaml.load(stream, Loader=UniqueKeyLoader)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    from graphrec.experiment._parse import parse  # the checks build these dataclasses

    errors: list[str] = []
    cfg = parse(raw, errors, output)
    if errors or cfg is None:
        where = f" {origin}" if origin else ""
        lines = "\n".join(f"  - {e}" for e in errors)
        raise ConfigError(f"invalid experiment config{where}:\n{lines}")
    return cfg if origin is None else replace(cfg, source=origin)


class UniqueKeyLoader(yaml.SafeLoader):
    r"""YAML's safe loader, refusing a key that appears twice in one mapping.

    Plain YAML keeps the last value silently, so ``seeds: [0]`` written twice would
    hide the first; here it is an error naming the key and both lines.

    >>> yaml.load("a: 1\nb: 2\na: 3\n", Loader=UniqueKeyLoader)
    Traceback (most recent call last):
    ...
    yaml.constructor.ConstructorError: while constructing a mapping
    ...
    found the key 'a' a second time (first on line 1)
    ...
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the base class reports it
                break
            if first != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found the key {key!r} a second time (first on line {first})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def build(kind: str, name: str, params: Mapping[str, Any], **extra: Any) -> Any:
    """Instantiate a registered component, turning lists into tuples where the default is one.

    >>> build("recommender", "itemknn", {"n_neighbors": 5}).n_neighbors
    5
    """
    registry = _registry(kind)
    defaults = registry.parameters(name)
    values = {
        k: tuple(v) if isinstance(v, list) and isinstance(defaults.get(k), tuple) else v
        for k, v in params.items()
    }
    return registry.create(name, **values, **extra)


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively (YAML- and JSON-ready)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
