"""Evaluation: metrics (plain functions), the full-ranking protocol and statistics."""

from graphrec.evaluate import metrics, stats
from graphrec.evaluate.protocol import EvalResult, evaluate
from graphrec.evaluate.stats import compare, paired_comparison

__all__ = ["EvalResult", "compare", "evaluate", "metrics", "paired_comparison", "stats"]
