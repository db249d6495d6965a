"""Evaluation: metrics (plain functions) and the full-ranking protocol."""

from graphrec.evaluate import metrics
from graphrec.evaluate.protocol import EvalResult, evaluate

__all__ = ["EvalResult", "evaluate", "metrics"]
