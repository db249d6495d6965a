"""Experiments: configs, the runner (caching, resume, executors), results and plots.

>>> import graphrec.experiment as ge
>>> cfg = ge.load_config({"name": "demo", "dataset": {"name": "synthetic"},
...                       "recommenders": [{"name": "popularity"}]})
>>> cfg.name, [r.name for r in cfg.recommenders]
('demo', ['popularity'])

``ge.run_experiment(cfg, output="runs/demo")`` runs it and returns an
:class:`ExperimentResult`; ``graphrec run CONFIG`` does the same from the shell.
"""

from graphrec.experiment import plots
from graphrec.experiment.config import (
    ComponentSpec,
    ConfigError,
    DatasetSpec,
    EvaluateSpec,
    ExperimentConfig,
    SplitSpec,
    load_config,
)
from graphrec.experiment.executors import make_executor
from graphrec.experiment.plan import Plan, Run, make_plan
from graphrec.experiment.results import ExperimentResult, summarize
from graphrec.experiment.runner import run_experiment

__all__ = [
    "ComponentSpec",
    "ConfigError",
    "DatasetSpec",
    "EvaluateSpec",
    "ExperimentConfig",
    "ExperimentResult",
    "Plan",
    "Run",
    "SplitSpec",
    "load_config",
    "make_executor",
    "make_plan",
    "plots",
    "run_experiment",
    "summarize",
]
