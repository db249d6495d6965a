"""The shared base of the embedding detectors: vectors in, one label per user out.

A subclass implements ``_cluster(x, rng, n_users)`` on the (normalised) vectors of the
users whose vector is non-zero; :class:`_EmbeddingDetector` gets the vectors from a
fitted embedder or an array, normalises them, and writes the labels back (``-1`` for
users with a zero vector). ``_k_candidates`` and ``_best_by_silhouette`` choose k;
``_attach_noise`` gives the noise users of the density methods a community.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from graphrec._params import check_params
from graphrec._validation import RandomState
from graphrec.community.base import (
    BaseDetector,
    check_detector_input,
    check_n_communities,
    resolve_seed,
    user_vectors,
)
from graphrec.data.interactions import Interactions

logger = logging.getLogger(__name__)


class _EmbeddingDetector(BaseDetector):
    """Shared steps: get and normalise the vectors, pick k, write the labels back."""

    normalize: bool
    random_state: RandomState  # only when takes_seed (DBSCAN and HDBSCAN take none)

    def fit(self, train: Interactions, embedder: Any = None) -> _EmbeddingDetector:
        """Cluster the user vectors of ``embedder`` (fitted on ``train``)."""
        check_params(self)
        train = check_detector_input(train)
        vectors = user_vectors(embedder, train, self._registered_name)
        norms = np.linalg.norm(vectors, axis=1)
        active = norms > 0
        if active.sum() < 2:
            raise ValueError(
                f"detector {self._registered_name!r}: fewer than 2 users have a non-zero vector"
            )
        x = vectors[active]
        if self.normalize:
            x = x / norms[active, None]
        seed = resolve_seed(self.random_state) if self.takes_seed else None
        self._soft = None
        part = self._cluster(x, np.random.default_rng(seed), train.n_users)
        labels = np.full(train.n_users, -1, np.int64)
        labels[active] = part
        probs = None
        if self._soft is not None:  # soft memberships of the active users (GMM)
            probs = np.zeros((train.n_users, self._soft.shape[1]))
            probs[active] = self._soft
        del self._soft
        return self._finish(labels, seed=seed, probs=probs)

    def _cluster(self, x: np.ndarray, rng: np.random.Generator, n_users: int) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover


def _k_candidates(
    k: int | None, k_range: tuple[int, int], n_users: int, n: int, name: str = "n_communities"
) -> list[int]:
    """The given k (checked), or the candidates in ``k_range`` that fit ``n`` vectors."""
    if k is not None:
        k = check_n_communities(k, name, n_users)
        if k > n:
            raise ValueError(f"{name}={k} is larger than the number of users with vectors ({n})")
        return [k]
    high = min(int(k_range[1]), n - 1)
    if high < k_range[0]:
        raise ValueError(f"k_range={tuple(k_range)} does not fit {n} users with vectors")
    return list(range(int(k_range[0]), high + 1))


def _best_by_silhouette(
    x: np.ndarray,
    candidates: list[int],
    labels_for: Callable[[int], np.ndarray],
    rng: np.random.Generator,
    sample_size: int,
) -> tuple[np.ndarray, dict[int, float]]:
    """Labels of the candidate k with the highest silhouette (on one seeded sample)."""
    if len(candidates) == 1:
        return labels_for(candidates[0]), {}
    from sklearn.metrics import silhouette_score

    sample = rng.choice(len(x), size=min(sample_size, len(x)), replace=False)
    best, best_score, scores = None, -np.inf, {}
    for k in candidates:
        labels = labels_for(k)
        n_labels = len(np.unique(labels[sample]))
        score = silhouette_score(x[sample], labels[sample]) if 1 < n_labels < len(sample) else -1.0
        scores[k] = float(score)
        if score > best_score:
            best, best_score = labels, score
    logger.info("silhouette by k: %s", {k: round(v, 4) for k, v in scores.items()})
    assert best is not None
    return best, scores


def _attach_noise(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Give each noise point (-1) the label of its nearest clustered point."""
    from sklearn.neighbors import NearestNeighbors

    noise = labels < 0
    if not noise.any() or noise.all():
        if noise.all():
            logger.warning("every user is noise; nothing to attach to")
        return labels
    nn = NearestNeighbors(n_neighbors=1).fit(x[~noise])
    _, idx = nn.kneighbors(x[noise])
    out = labels.copy()
    out[noise] = labels[~noise][idx[:, 0]]
    return out
