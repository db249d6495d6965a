"""Loader for the pre-split LightGCN text format (``train.txt`` / ``test.txt``)."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from graphrec._params import (
    Text,
    declare_params,
)
from graphrec._registry import datasets
from graphrec.data._token_lines import read_token_lines
from graphrec.data.datasets._common import (
    _PATH,
    PathLike,
    _dataset_dir,
    _require,
)
from graphrec.data.interactions import Interactions
from graphrec.data.split import Split

logger = logging.getLogger(__name__)


@datasets.register("lightgcn", needs=("path",), gives="split")
@declare_params(path=_PATH, train_file=Text(), valid_file=[Text(), None], test_file=Text())
def load_lightgcn(
    path: PathLike | None = None,
    *,
    train_file: str = "train.txt",
    valid_file: str | None = "valid.txt",
    test_file: str = "test.txt",
) -> Split:
    """A pre-split implicit-feedback benchmark in the LightGCN text format.

    Each line is ``user item item ...`` with 0-based integer ids (a line may hold only
    the user id; blank lines are skipped). ``train_file`` and ``test_file`` are required,
    ``valid_file`` is read when it exists (``None`` ignores it).

    Returns
    -------
    Split
        Train, valid (or ``None``) and test over one index space: users
        ``0..max user id`` and items ``0..max item id`` over all files, ids kept as they
        are. The split is kept exactly as in the files: test (valid) interactions with
        items never seen in training stay and are counted in the report
        (``test_items_unseen_in_train``, ``test_items_unseen_in_train_valid``,
        ``valid_items_unseen_in_train``). Repeated pairs within a file are kept once.

    >>> split = load_lightgcn("../shared/datasets/lightgcn-splits/ml-1m")  # doctest: +SKIP
    >>> split.train.shape, split.report["test_items_unseen_in_train_valid"]  # doctest: +SKIP
    ((6039, 3628), 29)
    """
    if path is None:
        raise ValueError(
            "lightgcn: pass path=, the folder with train.txt / valid.txt / test.txt "
            "(this format has no download)"
        )
    t0 = time.perf_counter()
    folder = _dataset_dir("lightgcn", path)
    files = {"train": _require("lightgcn", folder, train_file)}
    if valid_file is not None and (folder / valid_file).is_file():
        files["valid"] = folder / valid_file
    files["test"] = _require("lightgcn", folder, test_file)
    parsed = {part: read_token_lines(f) for part, f in files.items()}
    n_users = 1 + max(int(p[2].max(initial=-1)) for p in parsed.values())
    n_items = 1 + max(int(p[1].max(initial=-1)) for p in parsed.values())
    if len(parsed["train"][1]) == 0:
        raise ValueError(f"{files['train']}: no interactions (every line holds only a user id)")
    keys, dups = {}, {}
    for part, (users, items, _) in parsed.items():
        keys[part] = np.unique(users * n_items + items)
        dups[part] = len(users) - len(keys[part])
    seen = np.zeros(n_items, dtype=bool)
    seen[keys["train"] % n_items] = True
    report: dict[str, Any] = {"users": n_users, "items": n_items}
    report.update({part: len(k) for part, k in keys.items()})
    report["duplicates_merged"] = dups
    report["test_items_unseen_in_train"] = int((~seen[keys["test"] % n_items]).sum())
    if "valid" in keys:
        report["valid_items_unseen_in_train"] = int((~seen[keys["valid"] % n_items]).sum())
        seen[keys["valid"] % n_items] = True
        report["test_items_unseen_in_train_valid"] = int((~seen[keys["test"] % n_items]).sum())
    report["test_pairs_in_train"] = int(np.isin(keys["test"], keys["train"]).sum())
    out = {}
    for part, k in keys.items():
        meta = {
            "name": "lightgcn",
            "dataset": folder.name,
            "part": part,
            "source": str(files[part]),
            "report": report,
        }
        out[part] = Interactions.from_coo(
            k // n_items,
            k % n_items,
            user_ids=np.arange(n_users),
            item_ids=np.arange(n_items),
            meta=meta,
        )
    logger.info("lightgcn %s: %s (%.2fs)", folder, report, time.perf_counter() - t0)
    return Split(out["train"], out.get("valid"), out["test"], report)
