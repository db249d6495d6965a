"""The detector protocol, the ``Communities`` result and the shared detector machinery.

Every detector is a scikit-learn style estimator registered under a name in
:data:`graphrec._registry.detectors`: parameters are stored unchanged in ``__init__``
and validated in ``fit(train, embedder=None)``, which sets ``labels_`` (one label per
user index, ``-1`` = unassigned), ``item_labels_`` (bipartite methods, else ``None``)
and ``communities_`` (a :class:`Communities` recording method, parameters and seed).

>>> import graphrec as gr
>>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
>>> det = gr.create("detector", "leiden", random_state=0).fit(data)
>>> det.communities_.n_communities, det.communities_.method
(4, 'leiden')
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from graphrec._estimator import BaseEstimator
from graphrec._validation import RandomState, check_random_state, seed_from
from graphrec.community._inputs import check_detector_input, check_n_communities, user_vectors
from graphrec.data.interactions import Interactions

if TYPE_CHECKING:
    from graphrec.community._graph import ProjectionSpec

__all__ = [
    "REFERENCE_PROJECTION",
    "BaseDetector",
    "Communities",
    "CommunityDetector",
    "ProjectionDetector",
    "check_detector_input",
    "check_n_communities",
    "relabel_by_size",
    "resolve_seed",
    "user_vectors",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Communities:
    """A partition of users (and, for bipartite methods, of items) with its provenance.

    Parameters
    ----------
    user_labels : ndarray of int64, shape (n_users,)
        Community of each user index; ``-1`` means unassigned (e.g. DBSCAN noise or a
        user without interactions). Communities are numbered ``0 .. k-1`` by
        decreasing size when produced by a detector.
    item_labels : ndarray of int64, shape (n_items,), optional
        Community of each item index for methods that co-cluster items (same numbering
        as the users: item community ``c`` goes with user community ``c``).
    method : str
        Registered name of the detector.
    params : mapping
        The detector's parameters (``get_params()``), ``random_state`` included.
    seed : int or None
        The integer seed every random step was derived from (reproduces the run when
        passed as ``random_state``). None when the result does not depend on a seed:
        detectors that take none (``BaseDetector.takes_seed`` is False, e.g. DBSCAN)
        and settings without a random step (e.g. ``bipartite_louvain`` with
        ``n_init=1``).

    Examples
    --------
    >>> c = Communities(np.array([1, 0, 1, -1]), method="demo")
    >>> c.n_communities, c.sizes().tolist(), c.members(1).tolist()
    (2, [1, 2], [0, 2])
    """

    user_labels: np.ndarray
    item_labels: np.ndarray | None = None
    method: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_labels", _check_labels(self.user_labels, "user_labels"))
        if self.item_labels is not None:
            object.__setattr__(self, "item_labels", _check_labels(self.item_labels, "item_labels"))
        object.__setattr__(self, "params", dict(self.params))

    @property
    def n_communities(self) -> int:
        """Number of distinct user communities (``-1`` not counted)."""
        return int(np.unique(self.user_labels[self.user_labels >= 0]).size)

    def sizes(self) -> np.ndarray:
        """Number of users in each community ``0 .. max label`` (unassigned not counted)."""
        labels = self.user_labels[self.user_labels >= 0]
        return np.bincount(labels, minlength=int(labels.max(initial=-1)) + 1)

    def members(self, community: int) -> np.ndarray:
        """User indices in ``community`` (``-1`` gives the unassigned users)."""
        return np.flatnonzero(self.user_labels == community)

    def item_members(self, community: int) -> np.ndarray:
        """Item indices in ``community`` (``ValueError`` when items were not clustered)."""
        if self.item_labels is None:
            raise ValueError(f"{self.method or 'this partition'} has no item labels")
        return np.flatnonzero(self.item_labels == community)

    def to_frame(self, user_ids: Any = None) -> pd.DataFrame:
        """Table with columns ``user`` (original ids when given, else indices) and ``community``.

        >>> Communities(np.array([0, 1])).to_frame(["a", "b"]).to_dict("list")
        {'user': ['a', 'b'], 'community': [0, 1]}
        """
        n = len(self.user_labels)
        users = np.arange(n) if user_ids is None else np.asarray(user_ids)
        if len(users) != n:
            raise ValueError(f"user_ids has {len(users)} entries for {n} labels")
        return pd.DataFrame({"user": users, "community": self.user_labels})

    def __repr__(self) -> str:
        items = "" if self.item_labels is None else f", {len(self.item_labels)} items"
        unassigned = int((self.user_labels < 0).sum())
        extra = f", {unassigned} unassigned" if unassigned else ""
        return (
            f"Communities({self.method!r}: {self.n_communities} communities over "
            f"{len(self.user_labels)} users{items}{extra})"
        )


def _check_labels(labels: Any, name: str) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"{name} must be integer labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=True)
    if arr.size and arr.min() < -1:
        raise ValueError(f"{name} must be >= -1 (-1 = unassigned), got {int(arr.min())}")
    arr.flags.writeable = False
    return arr


@runtime_checkable
class CommunityDetector(Protocol):
    """Anything with ``fit(train, embedder=None)``, ``labels_`` and ``communities_``."""

    labels_: np.ndarray
    communities_: Communities

    def fit(self, train: Interactions, embedder: Any = None) -> Any: ...

    def fit_predict(self, train: Interactions, embedder: Any = None) -> np.ndarray: ...


def relabel_by_size(
    user_labels: np.ndarray, item_labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Renumber communities ``0 .. k-1`` by decreasing size, deterministically.

    Order: more users first, then more items, then the community whose first member
    (users before items) has the lower index. Negative labels become ``-1``.

    >>> relabel_by_size(np.array([5, 7, 7, -3]))[0].tolist()
    [1, 0, 0, -1]
    """
    users = np.asarray(user_labels, dtype=np.int64)
    items = None if item_labels is None else np.asarray(item_labels, dtype=np.int64)
    joint = users if items is None else np.concatenate([users, items])
    valid = joint >= 0
    if not valid.any():
        return np.full(len(users), -1, np.int64), (
            None if items is None else np.full(len(items), -1, np.int64)
        )
    uniq, first, inverse = np.unique(joint[valid], return_index=True, return_inverse=True)
    positions = np.flatnonzero(valid)
    n_users = len(users)
    is_user = positions < n_users
    user_count = np.bincount(inverse[is_user], minlength=len(uniq))
    item_count = np.bincount(inverse[~is_user], minlength=len(uniq))
    order = np.lexsort((positions[first], -item_count, -user_count))
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    out = np.full(len(joint), -1, np.int64)
    out[positions] = rank[inverse]
    return out[:n_users], (None if items is None else out[n_users:])


def resolve_seed(random_state: RandomState) -> int:
    """The integer seed of a run: ``random_state`` itself when it is an int, else drawn.

    Every random step of a detector derives from this seed, and it is recorded in
    :attr:`Communities.seed`, so passing it back as ``random_state`` reproduces the run.

    >>> resolve_seed(7)
    7
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        check_random_state(random_state)  # rejects negative seeds with a clear message
        return int(random_state)
    return seed_from(check_random_state(random_state)) % 2**32


class BaseDetector(BaseEstimator):
    """Base class of community detectors.

    Subclasses are registered with ``@detectors.register(name)`` (which records the
    name as ``_registered_name``, read by :class:`Communities`), implement
    ``fit(train, embedder=None)`` and end it with ``return self._finish(labels, ...)``.

    ``takes_seed`` declares whether the result can depend on a seed: a detector that
    sets it True has a ``random_state`` parameter and uses it; one that sets it False
    (a deterministic method such as DBSCAN) has no ``random_state`` and its
    :attr:`Communities.seed` is None. The conformance tests check both.

    ``quality_graph(train)`` returns the users x users graph on which the partition's
    modularity and conductance are measured, and its name; see :meth:`quality_graph`.
    """

    _registered_name: ClassVar[str] = ""  # set by detectors.register(name)
    takes_seed: ClassVar[bool] = True
    labels_: np.ndarray
    item_labels_: np.ndarray | None
    communities_: Communities
    seed_: int | None

    def fit(self, train: Interactions, embedder: Any = None) -> BaseDetector:  # pragma: no cover
        raise NotImplementedError

    def fit_predict(self, train: Interactions, embedder: Any = None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(train, embedder).labels_

    def quality_projection(self, train: Interactions) -> ProjectionSpec:
        """The :class:`~graphrec.community._graph.ProjectionSpec` (``kind``, ``top_k``,
        ``weighting``, ``n_walks``, ``seed``) of the user projection quality is measured on.

        A detector that partitions a user projection returns its own (see
        :class:`ProjectionDetector`); every other detector (bipartite, embedding
        clustering, topics) is measured on the *reference projection*
        :data:`REFERENCE_PROJECTION`: the cosine top-50 projection with the ``"auto"``
        weighting, the graph the default Louvain and Leiden partition. ``weighting`` is
        returned resolved (never ``"auto"``).
        """
        from graphrec.community._graph import ProjectionSpec, resolve_weighting

        kind, top_k, weighting = REFERENCE_PROJECTION
        return ProjectionSpec(kind, top_k, resolve_weighting(train, weighting))

    def quality_graph(self, train: Interactions) -> tuple[Any, str]:
        """The users x users graph the partition's modularity and conductance are measured
        on, rebuilt deterministically from ``train``, and its name for result tables.

        >>> import graphrec as gr
        >>> data, _, _ = gr.planted_communities(100, 50, 2, mean_degree=10, seed=0)
        >>> gr.create("detector", "kmeans").quality_graph(data)[1]
        'cosine top-50 projection, weights binary'
        """
        from graphrec.community._graph import describe_projection, spec_graph

        spec = self.quality_projection(train)
        return spec_graph(train, spec, self._registered_name), describe_projection(*spec)

    def _finish(
        self,
        labels: np.ndarray,
        item_labels: np.ndarray | None = None,
        seed: int | None = None,
        probs: np.ndarray | None = None,
    ) -> BaseDetector:
        """Relabel by size and set ``labels_``, ``item_labels_``, ``communities_``.

        ``probs`` (soft memberships, ``(n_users, K)``, column ``c`` = label ``c`` of
        ``labels``) is stored as ``probs_`` with its columns in the new numbering.
        """
        if seed is not None and not self.takes_seed:
            raise TypeError(f"{type(self).__name__} declares takes_seed=False but got a seed")
        users, items = relabel_by_size(labels, item_labels)
        self.labels_ = users
        self.item_labels_ = items
        self.seed_ = seed
        if probs is not None:
            self.probs_ = _relabel_probs(np.asarray(labels), users, probs)
        self.communities_ = Communities(
            users, items, self._registered_name or type(self).__name__, self.get_params(), seed
        )
        k = self.communities_.n_communities
        logger.info("%s: %d communities over %d users", self._registered_name, k, len(users))
        if k == 0:
            logger.warning("%s assigned no user to any community", self._registered_name)
        return self


def _relabel_probs(old: np.ndarray, new: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Soft memberships in the numbering of ``new`` (= ``relabel_by_size(old)``).

    Columns of communities left without members are dropped and the rows renormalised
    (the argmax, a kept column, does not change); unassigned users get a zero row.
    """
    probs = np.asarray(probs, dtype=np.float64)
    assigned = new >= 0
    k = int(new.max(initial=-1)) + 1
    out = np.zeros((len(new), k))
    pairs = np.unique(np.column_stack([old[assigned], new[assigned]]), axis=0)
    out[:, pairs[:, 1]] = probs[:, pairs[:, 0]]
    out[~assigned] = 0.0
    totals = out.sum(axis=1, keepdims=True)
    np.divide(out, totals, out=out, where=totals > 0)
    return out


REFERENCE_PROJECTION: tuple[str, int | None, str] = ("cosine", 50, "auto")


class ProjectionDetector(BaseDetector):
    """A detector that partitions a one-mode graph: the user projection of bipartite data
    (``projection``, ``top_k``, ``weighting``) or any square sparse adjacency.

    Its quality is measured on that projection, the one stored in ``graph_`` after fit.
    Fitted on an adjacency, ``labels_`` has one label per node of that graph.
    """

    projection: str
    top_k: int | None
    weighting: str
    n_walks: int | None
    random_state: RandomState

    def quality_projection(self, train: Interactions) -> ProjectionSpec:
        """This detector's projection, ``weighting`` resolved; a sampled one (``n_walks``)
        with the seed of the fit (``seed_``, else the one ``random_state`` gives)."""
        from graphrec.community._graph import ProjectionSpec, resolve_weighting

        weighting = resolve_weighting(train, self.weighting)
        if self.n_walks is None:
            return ProjectionSpec(self.projection, self.top_k, weighting)
        seed = getattr(self, "seed_", None)
        seed = resolve_seed(self.random_state) if seed is None else seed
        return ProjectionSpec(self.projection, self.top_k, weighting, self.n_walks, seed)

    def _input_graph(self, train: Any, seed: int) -> Any:
        """The one-mode graph to partition: the user projection of bipartite data
        (``Interactions``, ``BipartiteGraph``, rectangular sparse; a sampled one drawn
        with ``seed``), or a square sparse adjacency as given (the projection's
        parameters then unused)."""
        from graphrec.community._graph import projection_graph

        data = check_detector_input(train, adjacency=True)
        if not isinstance(data, Interactions):
            return data
        return projection_graph(
            data,
            self.projection,
            self.top_k,
            self.weighting,
            self._registered_name,
            self.n_walks,
            seed,
        )
