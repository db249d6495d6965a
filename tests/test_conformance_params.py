"""Every registered component declares and checks its parameter values (one hook).

Parametrised over every registered name, so a new component is checked as soon as it
is registered: each ``__init__`` parameter has a declared constraint, the defaults pass,
and values each constraint rejects are refused by ``gr.create`` (and by ``fit`` for an
object built directly) with a message naming the parameter.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import graphrec as gr
from graphrec._params import constraints_of, invalid_values
from graphrec._registry import _REGISTRIES

# components built from parameters (metrics are plain functions of a ranking, with none)
ENTRIES = [
    (kind, name) for kind, reg in _REGISTRIES.items() if kind != "metric" for name in reg.names()
]
IDS = [f"{kind}:{name}" for kind, name in ENTRIES]


def _bad_cases(kinds: tuple[str, ...]) -> list[tuple[str, str, str, object]]:
    cases = []
    for kind, name in ENTRIES:
        if kind not in kinds:
            continue
        for param, constraint in _REGISTRIES[kind].constraints(name).items():
            for bad in invalid_values(constraint):
                cases.append((kind, name, param, bad))
    return cases


@pytest.mark.parametrize(("kind", "name"), ENTRIES, ids=IDS)
def test_every_parameter_declares_a_constraint(kind, name):
    reg = _REGISTRIES[kind]
    declared = constraints_of(reg.get(name))
    assert declared is not None, f"{kind} {name!r} declares no _param_constraints"
    params = set(reg.parameters(name))
    assert set(declared) == params, (
        f"{kind} {name!r}: undeclared {sorted(params - set(declared))}, "
        f"declared but not parameters {sorted(set(declared) - params)}"
    )


@pytest.mark.parametrize(("kind", "name"), ENTRIES, ids=IDS)
def test_defaults_pass_the_check(kind, name):
    reg = _REGISTRIES[kind]
    reg.check(name, {})  # no error
    for param, default in reg.parameters(name).items():
        if default is not inspect.Parameter.empty:
            assert reg.constraints(name)[param].accepts(default), (name, param, default)


@pytest.mark.parametrize(("kind", "name"), ENTRIES, ids=IDS)
def test_every_numeric_parameter_has_rejected_values(kind, name):
    # the generated bad values below exercise every constraint that can reject something
    for param, default in _REGISTRIES[kind].parameters(name).items():
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            assert invalid_values(_REGISTRIES[kind].constraints(name)[param]), (name, param)


@pytest.mark.parametrize(
    ("kind", "name", "param", "bad"),
    _bad_cases(("embedder", "detector", "recommender")),
    ids=lambda v: repr(v) if not isinstance(v, str) else v,
)
def test_create_rejects_bad_values(kind, name, param, bad):
    with pytest.raises(ValueError) as info:
        gr.create(kind, name, **{param: bad})
    message = str(info.value)
    assert message.startswith(f"{kind} {name!r}: "), message
    assert f"{param} must be" in message, message


@pytest.mark.parametrize(
    ("kind", "name", "param", "bad"),
    _bad_cases(("dataset",)),
    ids=lambda v: repr(v) if not isinstance(v, str) else v,
)
def test_dataset_check_rejects_bad_values(kind, name, param, bad):
    # Registry.check is what gr.create / load_dataset run before loading anything
    with pytest.raises(ValueError) as info:
        _REGISTRIES[kind].check(name, {param: bad})
    assert f"dataset {name!r}: {param} must be" in str(info.value)


@pytest.fixture(scope="module")
def tiny():
    return gr.load_dataset("synthetic", n_users=40, n_items=20, n_communities=2, seed=0)


@pytest.mark.parametrize(
    ("kind", "name"), [e for e in ENTRIES if e[0] != "dataset"], ids=lambda v: str(v)
)
def test_fit_runs_the_hook_before_any_work(kind, name, tiny):
    """An object built directly (bypassing gr.create) with a bad value fails at fit."""
    reg = _REGISTRIES[kind]
    vectors = np.random.default_rng(0).standard_normal((tiny.n_users, 3))
    for param, constraint in reg.constraints(name).items():
        bad = invalid_values(constraint)
        if not bad:
            continue
        obj = reg.get(name)(**{param: bad[0]})
        with pytest.raises(ValueError, match=f"{param} must be"):
            if kind == "detector":
                obj.fit(tiny, embedder=vectors)
            else:
                obj.fit(tiny)
