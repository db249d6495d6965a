"""Conformance checks for graphrec components, importable by a plugin's own tests.

Each ``check_*`` function raises ``AssertionError`` (or the component's own error)
when a component breaks the shared contract, and returns None otherwise. They use
no pytest, so importing this module costs nothing; a plugin's test is one line::

    from graphrec.testing import check_detector
    def test_my_detector():
        check_detector(MyDetector)

>>> import graphrec as gr
>>> from graphrec.testing import check_recommender
>>> check_recommender(lambda train: gr.create("recommender", "itemknn"))
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "block_data",
    "check_dataset",
    "check_detector",
    "check_embedder",
    "check_fold_in",
    "check_metric",
    "check_recommender",
]


def block_data(n_blocks: int = 4, size: int = 8) -> tuple[Any, Any, np.ndarray]:
    """The known-answer case: ``n_blocks`` diagonal blocks of ``size`` users x items.

    Every user has interacted with every item of its block but one, withheld on the
    block's diagonal. Returns ``(train, withheld, blocks)``: the training
    Interactions, the withheld item of each user, and each user's block.
    """
    from graphrec.data.interactions import Interactions

    n = n_blocks * size
    blocks = np.repeat(np.arange(n_blocks), size)
    full = (blocks[:, None] == blocks[None, :]).astype(np.float32)
    withheld = np.arange(n)  # the diagonal of each block
    full[withheld, withheld] = 0
    train = Interactions(sp.csr_array(full), np.arange(n), np.arange(n))
    return train, withheld, blocks


def _seeded(model: Any, seed: int = 0) -> Any:
    if "random_state" in model.get_params(deep=False):
        model.set_params(random_state=seed)
    return model


def _same_params(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys(), f"get_params keys differ: {sorted(a)} vs {sorted(b)}"
    for key, value in a.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(b[key], value), f"parameter {key} changed"
        elif hasattr(value, "get_params"):
            assert repr(b[key]) == repr(value), f"parameter {key} changed"
        else:
            assert b[key] == value, f"parameter {key}: {value!r} -> {b[key]!r}"


def check_recommender(
    factory: Callable[[Any], Any], train: Any = None, *, personalised: bool = True, k: int = 5
) -> None:
    """Check a recommender: ``factory(train)`` returns a new unfitted one.

    Checks that ``fit`` returns self, ``score`` is users x items, ``recommend``
    returns (users, k) items and scores best first with seen items excluded, the
    same seed gives the same lists, and ``get_params`` survives ``clone``. With
    ``personalised=True`` (every recommender that uses the user's own history, i.e.
    all but popularity / random) the known-answer case of :func:`block_data` must
    rank each user's withheld item first.
    """
    from sklearn.base import clone

    if train is None:
        from graphrec.data.synthetic import planted_communities

        train = planted_communities(200, 80, 4, mean_degree=12, mu=0.1, seed=0).data
    model = _seeded(factory(train))
    assert model.fit(train) is model, "fit must return self"
    users = np.arange(min(10, train.n_users))
    scores = np.asarray(model.score(users))
    assert scores.shape == (len(users), train.n_items), f"score shape {scores.shape}"
    items, vals = model.recommend(users, k=k)
    assert items.shape == vals.shape == (len(users), k), f"recommend shapes {items.shape}"
    assert (np.diff(vals, axis=1) <= 0).all(), "recommend must list the best first"
    seen = train.matrix[users].toarray().astype(bool)
    listed = items >= 0  # -1: an empty slot (fewer recommendable items than k)
    rows = np.broadcast_to(np.arange(len(users))[:, None], items.shape)
    assert not seen[rows[listed], items[listed]].any(), "seen items recommended"
    again = clone(model).fit(train)
    assert np.array_equal(again.recommend(users, k=k)[0], items), "same seed, other lists"
    _same_params(model.get_params(deep=False), clone(model).get_params(deep=False))
    if personalised:
        blocks_train, withheld, _ = block_data()
        m = _seeded(factory(blocks_train)).fit(blocks_train)
        all_users = np.arange(blocks_train.n_users)
        top = m.recommend(all_users, k=1)[0][:, 0]
        wrong = np.flatnonzero(top != withheld)
        assert len(wrong) == 0, (
            f"known-answer case: {len(wrong)} of {len(all_users)} users do not get their "
            f"withheld item first (e.g. user {wrong[:1]})"
        )


def check_embedder(
    factory: Callable[[], Any], train: Any = None, *, dim: int | None = None
) -> None:
    """Check an embedder: ``factory()`` returns a new unfitted one.

    Checks float numpy embeddings of shape (n_users, d) and (n_items, d) with the
    same d, the same seed the same embeddings, ``score`` equal to their dot
    product, and a ``save`` / ``load`` round trip.
    """
    if train is None:
        from graphrec.data.synthetic import planted_communities

        train = planted_communities(120, 60, 3, mean_degree=10, mu=0.1, seed=0).data
    model = _seeded(factory())
    assert model.fit(train) is model, "fit must return self"
    u, v = model.user_embeddings_, model.item_embeddings_
    for name, arr, n in (("user", u, train.n_users), ("item", v, train.n_items)):
        assert isinstance(arr, np.ndarray), f"{name}_embeddings_ must be a numpy array"
        assert np.issubdtype(arr.dtype, np.floating), f"{name}_embeddings_ must be float"
        assert arr.ndim == 2 and arr.shape[0] == n, f"{name}_embeddings_ shape {arr.shape}"
        assert np.isfinite(arr).all(), f"{name}_embeddings_ not finite"
    assert u.shape[1] == v.shape[1], "user and item embeddings differ in dimension"
    if dim is not None:
        assert u.shape[1] == dim, f"dimension {u.shape[1]}, expected {dim}"
    again = _seeded(factory()).fit(train)
    assert np.array_equal(again.user_embeddings_, u), "same seed, other embeddings"
    users = np.arange(min(10, train.n_users))
    np.testing.assert_allclose(model.score(users), u[users] @ v.T, rtol=1e-5, atol=1e-6)
    if hasattr(model, "save"):
        with tempfile.TemporaryDirectory() as tmp:
            path = model.save(Path(tmp) / "model.npz")
            loaded = type(model).load(path)
        assert np.array_equal(loaded.user_embeddings_, u), "save/load changed the embeddings"
        assert np.array_equal(loaded.item_embeddings_, v), "save/load changed the embeddings"


def check_fold_in(
    factory: Callable[[Any], Any],
    *,
    exact: bool = False,
    personalised: bool = True,
    k: int = 5,
    n_revealed: int = 4,
) -> None:
    """Check fold-in (``score`` / ``recommend`` with ``user_items=``) of a recommender.

    ``factory(train)`` returns a new unfitted recommender or embedder that declares
    ``supports_fold_in``. On a planted-community graph (4 communities) it is fitted
    once, then fed rows of users unseen in training, each holding ``n_revealed``
    items of one community. Checks: scores of shape (rows, items), finite, the same
    on a second call, for a refit with the same seed, and for each row scored alone;
    ``recommend`` lists best first without the rows' own items; ``users`` given
    beside the rows is accepted and a mismatch or a wrong column count is a
    ``ValueError``; with ``personalised`` the known answer (each row's top-``k``
    items all lie in its community); with ``exact`` (models whose score depends on
    the user's row alone) a training user's own row scores and ranks as that user.
    """
    from sklearn.base import clone

    from graphrec.data.synthetic import planted_communities

    planted = planted_communities(200, 80, 4, mean_degree=12, mu=0.1, seed=0)
    train, labels = planted.data, planted.item_labels
    model = _seeded(factory(train))
    assert getattr(model, "supports_fold_in", False), "supports_fold_in must be True"
    model.fit(train)
    rng = np.random.default_rng(0)
    communities = np.unique(labels)
    rows = sp.lil_array((len(communities), train.n_items), dtype=np.float32)
    for r, c in enumerate(communities):
        rows[r, rng.choice(np.flatnonzero(labels == c), n_revealed, replace=False)] = 1.0
    rows = sp.csr_array(rows)
    n = rows.shape[0]
    scores = np.asarray(model.score(user_items=rows))
    assert scores.shape == (n, train.n_items), f"fold-in score shape {scores.shape}"
    assert np.isfinite(scores).all(), "fold-in scores not finite"
    assert np.array_equal(np.asarray(model.score(user_items=rows)), scores), "fold-in changed"
    again = clone(model).fit(train)
    assert np.array_equal(np.asarray(again.score(user_items=rows)), scores), "same seed, other"
    tol = 1e-4 * max(1.0, float(np.abs(scores).max()))
    for r in range(n):
        alone = np.asarray(model.score(user_items=rows[[r]]))[0]
        np.testing.assert_allclose(alone, scores[r], rtol=1e-4, atol=tol, err_msg="row alone")
    items, vals = model.recommend(k=k, user_items=rows)
    assert items.shape == vals.shape == (n, k), f"fold-in recommend shapes {items.shape}"
    assert (np.diff(vals, axis=1) <= 0).all(), "fold-in recommend must list the best first"
    revealed = rows.toarray() > 0
    assert not revealed[np.arange(n)[:, None], items].any(), "revealed items recommended"
    named = model.recommend(np.arange(n), k=k, user_items=rows)[0]
    assert named.shape == (n, k), "users given beside user_items: wrong shape"
    for bad in ({"users": np.arange(n + 1)}, {"user_items": np.ones((n, train.n_items + 1))}):
        kwargs = {"users": None, "user_items": rows, **bad}
        try:
            model.recommend(kwargs["users"], k=k, user_items=kwargs["user_items"])
        except ValueError:
            pass
        else:
            raise AssertionError(f"no ValueError for a bad fold-in argument {sorted(bad)}")
    if personalised:
        inside = labels[items] == communities[:, None]
        assert inside.all(), (
            f"planted-community case: {int((~inside).sum())} of {inside.size} top-{k} items "
            "of users revealing one community's items lie outside it"
        )
    if exact:
        users = np.arange(min(10, train.n_users))
        own = np.asarray(model.score(user_items=train.matrix[users]))
        trained = np.asarray(model.score(users))
        tol = 1e-5 * max(1.0, float(np.abs(trained).max()))
        np.testing.assert_allclose(own, trained, rtol=1e-4, atol=tol, err_msg="own row")
        fold_items = model.recommend(k=k, user_items=train.matrix[users])[0]
        assert np.array_equal(fold_items, model.recommend(users, k=k)[0]), "own row, other list"


def check_detector(
    factory: Callable[..., Any],
    data: Any = None,
    *,
    embedder: Any = None,
    name: str | None = None,
    min_nmi: float | None = 0.9,
) -> None:
    """Check a community detector: ``factory(**params)`` returns a new unfitted one.

    Checks that ``fit`` returns self, ``labels_`` are int64 per user (``-1`` for
    noise) numbered by decreasing size, ``communities_`` agrees and records the
    method, parameters and seed (a seed exactly when ``takes_seed``), the same seed
    gives the same labels, and (``min_nmi``; None skips it) planted communities
    are recovered from the default data.
    ``embedder`` is a fitted embedder for detectors that cluster embeddings.
    """
    from sklearn.base import clone

    from graphrec.community import quality
    from graphrec.community.base import Communities

    truth = None
    if data is None:
        from graphrec.data.synthetic import planted_communities

        planted = planted_communities(600, 300, 4, mean_degree=25, mu=0.1, seed=0)
        data, truth = planted.data, planted.user_labels
    det = factory()
    if "random_state" in det.get_params():
        det.set_params(random_state=0)
    assert ("random_state" in det.get_params()) == bool(det.takes_seed), (
        "takes_seed must say whether the detector has a random_state parameter"
    )
    assert clone(det).get_params() == det.get_params(), "get_params does not survive clone"
    assert det.fit(data, embedder=embedder) is det, "fit must return self"
    labels = det.labels_
    assert labels.shape == (data.n_users,) and labels.dtype == np.int64, "labels_ per user, int64"
    assert labels.min() >= -1, "labels are >= -1"
    sizes = np.bincount(labels[labels >= 0])
    assert (sizes > 0).all() and (np.diff(sizes) <= 0).all(), "numbered 0..k-1 by size"
    c = det.communities_
    assert isinstance(c, Communities)
    if name is not None:
        assert c.method == name, f"communities_.method {c.method!r}, expected {name!r}"
    assert c.params == det.get_params()
    if det.takes_seed:
        assert c.params["random_state"] == 0 and c.seed == 0
    else:
        assert "random_state" not in c.params and c.seed is None
    assert np.array_equal(c.user_labels, labels)
    if det.item_labels_ is not None:
        assert det.item_labels_.shape == (data.n_items,)
        assert np.array_equal(c.item_labels, det.item_labels_)
    again = clone(det).fit_predict(data, embedder=embedder)
    assert np.array_equal(again, labels), "same seed, other labels"
    if truth is not None and min_nmi is not None:
        nmi = quality.nmi(truth, labels)
        assert nmi > min_nmi, f"planted communities recovered with NMI {nmi:.3f} <= {min_nmi}"


def check_dataset(loader: Callable[..., Any], path: str | os.PathLike[str] | None = None) -> None:
    """Check a dataset loader: ``loader(path=...)`` returns Interactions or a Split.

    With ``path`` given the data is loaded and checked (non-empty, ids aligned with
    the matrix); a path that does not exist must raise ``FileNotFoundError`` or
    ``ValueError`` naming it.
    """
    from graphrec.data.interactions import Interactions
    from graphrec.data.split import Split

    if path is not None:
        out = loader(path=path)
        assert isinstance(out, (Interactions, Split)), f"loader returned {type(out).__name__}"
        parts = [out] if isinstance(out, Interactions) else [out.train, out.test]
        for part in parts:
            assert part.nnz > 0, "loaded data is empty"
            assert len(part.user_ids) == part.n_users and len(part.item_ids) == part.n_items
    if "path" in inspect.signature(loader).parameters:
        with tempfile.TemporaryDirectory() as tmp:
            missing = Path(tmp) / "no-such-file"
            try:
                loader(path=missing)
            except (FileNotFoundError, ValueError) as exc:
                assert str(missing) in str(exc), f"error does not name the path: {exc}"
            else:
                raise AssertionError(f"loader accepted a missing path {missing}")


def check_metric(metric: Callable[..., Any], *, lower: float = 0.0, upper: float = 1.0) -> None:
    """Check a top-k metric ``metric(hits, [n_relevant,] k)`` on hand cases.

    ``hits`` is a users x list boolean matrix. A list of only hits scores
    ``upper``, a list with no hit ``lower``, every value lies in the bounds, and a
    hit moved to the front never lowers the score.
    """
    params = inspect.signature(metric).parameters

    def call(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
        kw = {"hits": hits, "n_relevant": n_relevant, "k": k}
        return np.asarray(metric(**{p: kw[p] for p in params if p in kw}), dtype=float)

    hits = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=bool)
    n_relevant = np.array([3, 2, 1, 1, 2])
    values = call(hits, n_relevant, 3)
    assert values.shape == (5,), f"one value per user expected, got shape {values.shape}"
    assert np.isclose(values[0], upper), f"all hits scored {values[0]}, expected {upper}"
    assert np.isclose(values[1], lower), f"no hit scored {values[1]}, expected {lower}"
    assert ((values >= lower - 1e-12) & (values <= upper + 1e-12)).all(), f"out of bounds {values}"
    assert values[3] >= values[2], "a hit moved to the front lowered the score"
