"""Example: a top-k metric, checked with graphrec.testing.check_metric."""

import numpy as np


def first_hit_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    """1 / rank of the first relevant item within the top k, per user (0 if none)."""
    top = hits[:, :k]
    first = top.argmax(axis=1)
    return np.where(top.any(axis=1), 1.0 / (first + 1), 0.0)


if __name__ == "__main__":
    from graphrec.testing import check_metric

    check_metric(first_hit_at_k)
    print("first_hit_at_k passes the metric conformance checks")
