"""Last.fm HetRec 2011 loader (plays, tags, friends)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pandas as pd

from graphrec._params import (
    Interval,
    Options,
    check_params,
    declare_params,
)
from graphrec._registry import datasets
from graphrec.data._readers import (
    read_numeric,
    read_records,
    require_nonempty,
)
from graphrec.data.datasets._common import (
    _PATH,
    PathLike,
    _build,
    _dataset_dir,
    _merge_report,
    _optional,
    _require,
    _tags_by_item,
    user_graph_from_pairs,
)
from graphrec.data.download import register_archive
from graphrec.data.interactions import Interactions
from graphrec.data.preprocess import _DUPLICATE_MODES

logger = logging.getLogger(__name__)


register_archive(
    "lastfm-hetrec",
    "https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip",
    None,
    "user_artists.dat",
)


@datasets.register("lastfm-hetrec")
@declare_params(path=_PATH, duplicates=Options(_DUPLICATE_MODES), max_tags=Interval(int, 0, None))
def load_lastfm_hetrec(
    path: PathLike | None = None, *, duplicates: str = "sum", max_tags: int = 10
) -> Interactions:
    """Last.fm hetrec-2011: user-artist play counts, friendships, artist names and tags.

    Parameters
    ----------
    path : path, optional
        Folder with ``user_artists.dat`` (and ``user_friends.dat``, ``artists.dat``,
        ``tags.dat``, ``user_taggedartists.dat``); ``None`` downloads the archive.
    duplicates : str
        How repeated (user, artist) rows are combined (default: play counts summed).
    max_tags : int
        How many of the most used tags to keep per artist. When a tag file is missing
        a warning is logged, unless ``max_tags=0``.

    Returns
    -------
    Interactions
        Weights are play counts. ``user_graph``: the symmetric friendship graph over the
        user index (friends without listening data are left out and counted in
        ``meta["report"]["friend_links_ignored"]``). ``item_features``: ``name``, ``url``,
        ``picture_url`` and, when ``tags.dat`` and ``user_taggedartists.dat`` are there,
        ``tags`` (most used first).

    >>> data = load_lastfm_hetrec("../shared/datasets/lastfm-hetrec")  # doctest: +SKIP
    >>> data.shape, data.user_graph.nnz // 2  # doctest: +SKIP
    ((1892, 17632), 12717)
    """
    check_params(
        load_lastfm_hetrec,
        {"path": path, "duplicates": duplicates, "max_tags": max_tags},
        name="dataset 'lastfm-hetrec'",
    )
    name = "lastfm-hetrec"
    folder = _dataset_dir(name, path)
    cols = {"user": "int", "item": "int", "weight": "float"}
    plays = read_numeric(_require(name, folder, "user_artists.dat"), cols, sep="\t", header=True)
    items = None
    if (f := _optional(name, folder, "artists.dat")) is not None:
        items = _read_artists(f)
        tag_file = _optional(name, folder, "tags.dat", warn=False)
        tagged = _optional(name, folder, "user_taggedartists.dat", warn=False)
        absent = [
            f for f, p in (("tags.dat", tag_file), ("user_taggedartists.dat", tagged)) if p is None
        ]
        if absent and max_tags:
            logger.warning(
                "%s: %s not found in %s; artists get no 'tags' column, so tag profiles "
                "will be absent (pass max_tags=0 if no tags are wanted)",
                name,
                " and ".join(absent),
                folder,
            )
        if tag_file is not None and tagged is not None:
            tag_names = read_records(
                tag_file,
                {"tag_id": "int", "tag": "str"},
                sep="\t",
                header=True,
                encoding="latin-1",
            )
            cols = {
                "user": "int",
                "item": "int",
                "tag_id": "int",
                "day": "int",
                "month": "int",
                "year": "int",
            }
            uta = read_numeric(tagged, cols, sep="\t", header=True)
            uta = uta.merge(tag_names, on="tag_id", how="inner")
            tag_lists = _tags_by_item(uta, limit=max_tags)
            items["tags"] = [tag_lists.get(i, []) for i in items["item"]]
    data = _build(name, folder, plays, "weight", None, duplicates, None, items)
    if (f := _optional(name, folder, "user_friends.dat")) is not None:
        cols = {"user": "int", "friend": "int"}
        pairs = read_numeric(f, cols, sep="\t", header=True)
        graph, facts = user_graph_from_pairs(pairs["user"], pairs["friend"], data.user_ids)
        data = replace(data, user_graph=graph, meta=_merge_report(data.meta, facts))
    return data


def _read_artists(path: Path) -> pd.DataFrame:
    """``artists.dat`` parsed leniently: lines without an integer id are skipped (logged)."""
    require_nonempty(path)
    rows, bad = [], []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\r\n").split("\t")
            if lineno == 1 or not line.strip():
                continue
            if len(parts) < 2 or not parts[0].strip().isdigit():
                bad.append(lineno)
                continue
            if len(parts) > 4:  # tabs inside the name: the last two fields are the URLs
                parts = [parts[0], "\t".join(parts[1:-2]), parts[-2], parts[-1]]
            parts += [""] * (4 - len(parts))
            rows.append((int(parts[0]), parts[1], parts[2], parts[3]))
    if bad:
        logger.warning("%s: skipped %d malformed line(s), first: line %d", path, len(bad), bad[0])
    table = pd.DataFrame(rows, columns=["item", "name", "url", "picture_url"])
    return table.drop_duplicates("item")
