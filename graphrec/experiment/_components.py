"""Validation of the component entries of a config: embedders, detectors, recommenders.

Each entry is checked against its registry (name, parameters, what it needs); a
recommender that needs a ``base`` may give it as a recommender entry in its params
(``base: {name: ease, params: {l2: 100}}``), else it uses the run's embedder.
Part of :mod:`graphrec.experiment._parse`: problems are appended to ``errors``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from graphrec._registry import _registry, available
from graphrec.experiment.config import (
    EMBEDDING,
    ComponentSpec,
    build,
    detector_needs_embedder,
    expand_grid,
    fine_tunable,
    fine_tunable_embedder,
    injected,
    needs_fine_tunable,
    recommender_needs,
)

__all__ = ["check_keys", "dependencies", "entries"]

ENTRY_KEYS = {
    "embedder": ("name", "label", "params"),
    "detector": ("name", "label", "params", "embedder"),
    "recommender": ("name", "label", "params"),
}
_BASE_KEYS = ("name", "params")


def check_keys(raw: Mapping[str, Any], valid: Sequence[str], where: str, errors: list[str]) -> None:
    unknown = [k for k in raw if k not in valid]
    for key in unknown:
        errors.append(f"{where}: unknown key {key!r}; valid keys: {', '.join(valid)}")


def entries(
    raw: Any, kind: str, errors: list[str], embedders: Sequence[ComponentSpec] = ()
) -> list[ComponentSpec]:
    where = f"{kind}s"
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{where}: expected a list of entries like {{name: ..., params: {{...}}}}")
        return []
    out = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping) or "name" not in item:
            errors.append(f"{here}: expected a mapping with 'name' (and optional 'params')")
            continue
        check_keys(item, ENTRY_KEYS[kind], here, errors)
        spec = _entry(item, kind, i, here, errors, embedders)
        if spec is not None:
            out.append(spec)
    return out


def _entry(
    item: Mapping[str, Any],
    kind: str,
    index: int,
    here: str,
    errors: list[str],
    embedders: Sequence[ComponentSpec],
) -> ComponentSpec | None:
    n_errors = len(errors)
    name = item["name"]
    params = item.get("params") or {}
    label = item.get("label")
    if label is not None and not isinstance(label, str):
        errors.append(f"{here}.label: expected a string, got {label!r}")
        label = None
    if not isinstance(params, Mapping):
        errors.append(f"{here}.params: expected a mapping, got {params!r}")
        return None
    if kind == "recommender" and name == EMBEDDING:
        if params:
            errors.append(f"{here}.params: the '{EMBEDDING}' recommender takes no parameters")
        return ComponentSpec(kind, name, {}, label, index)
    registry = _registry(kind)
    try:
        defaults = registry.parameters(name)
    except ValueError as exc:
        extra = f" (or '{EMBEDDING}': the embedder itself)" if kind == "recommender" else ""
        errors.append(f"{here}.name: {exc}{extra}")
        return None
    info = registry.info(name)
    filled = injected(kind, name)  # from the declared needs: set by the runner
    base = None  # a base recommender given in the config, built for the checks
    takes_base = kind == "recommender" and "base" in info.needs
    if takes_base and "base" in params:
        base = _base_entry(params["base"], f"{here}.params.base", errors)
    takes_single = kind == "recommender" and "communities" in info.needs
    if takes_single and params.get("communities", "single") != "single":
        errors.append(
            f"{here}.params.communities: set by the runner (from the detectors); only "
            "'single' (the single-community control) may be given here"
        )
    for p in params:
        if p == "communities" and takes_single:
            continue
        if p in filled and not (p == "base" and takes_base):
            hint = "; give a base recommender as params.base: {name: ..., params: ...}"
            errors.append(
                f"{here}.params.{p}: set by the runner (from the embedders / detectors)"
                + (hint if takes_base else "")
            )
    given = {
        k: v
        for k, v in params.items()
        if k not in filled or (k == "base" and takes_base) or (k == "communities" and takes_single)
    }
    for key, value in given.items():
        if isinstance(value, list) and not value:
            errors.append(f"{here}.params.{key}: an empty list (a grid needs at least one value)")
    # defaults filled in; a list or tuple default is one value, so it is wrapped as a grid
    # of one ([[2, 20]]) and the resolved config reads back the same
    resolved = {
        p: [list(d)] if isinstance(d, (list, tuple)) else d
        for p, d in defaults.items()
        if p not in filled and p != info.seed_param and d is not inspect.Parameter.empty
    }
    resolved.update(given)
    for variant in expand_grid(resolved) if len(errors) == n_errors else []:
        try:
            # Registry.create: the component's parameter check (a given base, built)
            build(kind, name, variant if base is None else {**variant, "base": base})
        except (ValueError, TypeError) as exc:
            errors.append(f"{here}.params: {exc}")
            break
    emb = _embedder_ref(item.get("embedder"), name, here, errors, embedders, kind)
    return ComponentSpec(kind, name, resolved, label, index, emb)


def _base_entry(raw: Any, here: str, errors: list[str]) -> Any:
    """A base recommender given as ``{name: ..., params: {...}}``, built (None when invalid)."""
    if not isinstance(raw, Mapping) or "name" not in raw:
        errors.append(
            f"{here}: expected a recommender entry {{name: ..., params: {{...}}}} (e.g. "
            "{name: ease, params: {l2: 100}}), or leave it out to use the run's embedder"
        )
        return None
    check_keys(raw, _BASE_KEYS, here, errors)
    name, params = raw["name"], raw.get("params") or {}
    registry = _registry("recommender")
    if name not in registry:
        errors.append(
            f"{here}.name: unknown recommender {name!r}; available: "
            f"{', '.join(available('recommender'))}"
        )
        return None
    if registry.info(name).needs:
        errors.append(
            f"{here}.name: {name!r} needs {', '.join(registry.info(name).needs)}; a base must be "
            "a recommender that needs nothing (ease, gfcf, graph_filter, chebycf, itemknn, "
            "popularity)"
        )
        return None
    if not isinstance(params, Mapping) or any(isinstance(v, list) for v in params.values()):
        errors.append(f"{here}.params: a mapping of single values (no grids inside a base)")
        return None
    try:
        return build("recommender", name, params)
    except (ValueError, TypeError) as exc:
        errors.append(f"{here}.params: {exc}")
        return None


def _embedder_ref(
    ref: Any,
    name: str,
    here: str,
    errors: list[str],
    embedders: Sequence[ComponentSpec],
    kind: str,
) -> tuple[int, ...] | None:
    if kind != "detector":
        return None
    try:
        needs = detector_needs_embedder(name)
    except ValueError:
        return None
    if ref is None:
        return tuple(range(len(embedders))) if needs else None
    if not needs:
        errors.append(f"{here}.embedder: detector {name!r} does not use an embedder")
        return None
    refs = ref if isinstance(ref, list) else [ref]
    names = [e.label or e.name for e in embedders]
    out = []
    for r in refs:
        if isinstance(r, int) and not isinstance(r, bool) and 0 <= r < len(embedders):
            out.append(r)
        elif isinstance(r, str) and r in names:
            out.extend(i for i, n in enumerate(names) if n == r)
        else:
            errors.append(
                f"{here}.embedder: {r!r} is not an embedder entry; give an index "
                f"0..{len(embedders) - 1} or one of: {', '.join(names) or '(no embedders)'}"
            )
    return tuple(dict.fromkeys(out))


def dependencies(
    embedders: Sequence[ComponentSpec],
    detectors: Sequence[ComponentSpec],
    recommenders: Sequence[ComponentSpec],
    errors: list[str],
    given: Mapping[str, bool],
) -> None:
    """Components that need an embedder or communities, when the config gives none."""
    no_embedders = not embedders and not given["embedders"]
    no_detectors = not detectors and not given["detectors"]
    for det in detectors:
        if det.embedder is not None and not det.embedder and no_embedders:
            errors.append(
                f"detectors[{det.index}]: detector {det.name!r} clusters embeddings; "
                "add an entry to 'embedders'"
            )
    for rec in recommenders:
        try:
            needs_emb, needs_comm = recommender_needs(rec.name, rec.params)
        except ValueError:
            continue
        if needs_emb and no_embedders:
            errors.append(
                f"recommenders[{rec.index}]: {rec.name!r} needs an embedder; add one to 'embedders'"
            )
        if needs_comm and no_detectors:
            errors.append(
                f"recommenders[{rec.index}]: {rec.name!r} needs communities; add one to 'detectors'"
            )
        if embedders and needs_fine_tunable(rec.name) and not fine_tunable(embedders):
            names = ", ".join(n for n in available("embedder") if fine_tunable_embedder(n))
            errors.append(
                f"recommenders[{rec.index}]: {rec.name!r} fine-tunes its embedder; add a "
                f"fine-tunable one to 'embedders' ({names})"
            )
