"""The user hold-out split (new users): which users are held out, as a part per entry.

:func:`graphrec.data.split.split` with ``method="user_holdout"`` calls
:func:`user_holdout_parts`; the split assembles the parts (and drops held-out
interactions of items no training user has).

>>> import numpy as np
>>> holdout_count(0.25, 8, "test_users"), holdout_count(3, 8, "test_users")
(2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec.data.interactions import Interactions

__all__ = ["holdout_count", "user_holdout_parts"]


def holdout_count(value: Any, n_users: int, name: str, *, allow_zero: bool = False) -> int:
    """The number of users that ``value`` asks for: a float is a fraction in (0, 1) of
    the ``n_users`` eligible users (rounded to the nearest count), an int a count.

    A fraction that rounds to no user is a ``ValueError`` (too few users); ``0`` is
    accepted only with ``allow_zero`` (no validation users).
    """
    what = f"{name} must be a fraction in (0, 1) (float) or a number of users (int)"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"{what}, got {value!r} ({type(value).__name__})")
    if allow_zero and value == 0:
        return 0
    if isinstance(value, (float, np.floating)):
        if not 0 < value < 1:
            raise ValueError(f"{what}, got {value!r}")
        count = round(float(value) * n_users)
        if count == 0:
            raise ValueError(
                f"{name}={value} of {n_users} users with interactions rounds to no user; "
                "give a larger fraction or a number of users"
            )
        return count
    if value < 1:
        raise ValueError(f"{what}, at least {0 if allow_zero else 1}; got {value!r}")
    return int(value)


def user_holdout_parts(
    data: Interactions,
    test_users: Any,
    valid_users: Any,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, Any]]:
    """One part per stored entry (0 train, 1 valid, 2 test) and a report.

    The held-out users are drawn (seeded, without replacement) among the users with
    at least one interaction; every interaction of a held-out user goes to its part,
    so held-out users' training rows are empty. At least one user with interactions
    stays in train.
    """
    active = np.flatnonzero(data.user_degrees() > 0)
    n_active = len(active)
    n_test = holdout_count(test_users, n_active, "test_users")
    n_valid = holdout_count(valid_users, n_active, "valid_users", allow_zero=True)
    fractions = [v for v in (test_users, valid_users) if isinstance(v, (float, np.floating))]
    if len(fractions) == 2 and sum(fractions) >= 1:
        raise ValueError(
            f"test_users + valid_users must be below 1 (some users must train), "
            f"got {test_users} + {valid_users}"
        )
    if n_test + n_valid >= n_active:
        raise ValueError(
            f"test_users={test_users!r} and valid_users={valid_users!r} ask for "
            f"{n_test} + {n_valid} held-out users, but the data has only {n_active} users "
            "with interactions and at least one must stay in train"
        )
    order = rng.permutation(active)
    role = np.zeros(data.n_users, dtype=np.int8)
    role[order[:n_test]] = 2
    role[order[n_test : n_test + n_valid]] = 1
    users = np.repeat(np.arange(data.n_users), data.user_degrees())
    report = {
        "train_users": int(n_active - n_test - n_valid),
        "valid_users": int(n_valid),
        "test_users": int(n_test),
    }
    return role[users], report
