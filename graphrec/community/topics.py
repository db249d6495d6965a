"""Topic groups: latent Dirichlet allocation on the user x item counts (argmax topic)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, Options, Seed, check_params, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._graph import WEIGHTINGS, weighted_matrix
from graphrec.community.base import (
    BaseDetector,
    check_detector_input,
    check_n_communities,
    resolve_seed,
)

__all__ = ["LDATopics"]


@detectors.register("lda")
class LDATopics(BaseDetector):
    """User groups from latent Dirichlet allocation (scikit-learn), a classic baseline.

    Users are documents and items are words: each user's topic mixture is fitted by
    variational Bayes and the user joins its most probable topic; each item joins the
    topic whose word distribution gives it the largest share of its weight
    (``argmax`` over ``components_``). Topic models were among the first tools used to
    find groups of users with shared taste in collaborative filtering data.

    Parameters
    ----------
    n_communities : int
        Number of topics (communities).
    weighting : {"binary", "raw", "log"}
        Counts given to LDA: one per interaction (default), the weights as given (play
        counts, ratings), or ``log1p`` of them.
    doc_topic_prior, topic_word_prior : float or None
        Dirichlet priors (None: ``1 / n_communities``, as in scikit-learn).
    max_iter : int
        Passes over the data.
    learning_method : {"batch", "online"}
    random_state : int, Generator or None

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_users,)
        Users without interactions are unassigned (``-1``).
    item_labels_ : ndarray of int64, shape (n_items,)
    user_topics_ : ndarray, shape (n_users, n_communities)
        Each user's topic mixture (rows sum to one), columns in the order of
        ``model_.components_``.
    probs_ : ndarray, shape (n_users, n_communities)
        The same mixtures with columns in the numbering of ``labels_`` (its argmax),
        topics that no user joined dropped and rows renormalised; zero rows for users
        without interactions.
    model_ : sklearn.decomposition.LatentDirichletAllocation

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(300, 150, 3, mean_degree=20, mu=0.1, seed=0)
    >>> det = gr.create("detector", "lda", n_communities=3, random_state=0).fit(data)
    >>> det.probs_.shape, bool((det.probs_.argmax(axis=1) == det.labels_).all())
    ((300, 3), True)
    """

    _param_constraints = param_constraints(
        n_communities=Interval(int, 1, None),
        weighting=Options(WEIGHTINGS),
        doc_topic_prior=[Interval(float, 0, None), None],
        topic_word_prior=[Interval(float, 0, None), None],
        max_iter=Interval(int, 1, None),
        learning_method=Options("batch", "online"),
        random_state=Seed(),
    )

    def __init__(
        self,
        n_communities: int = 10,
        weighting: str = "binary",
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        max_iter: int = 20,
        learning_method: str = "batch",
        random_state: RandomState = None,
    ) -> None:
        self.n_communities = n_communities
        self.weighting = weighting
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.max_iter = max_iter
        self.learning_method = learning_method
        self.random_state = random_state

    def fit(self, train: Any, embedder: Any = None) -> LDATopics:
        """Fit LDA on the counts of ``train`` (``Interactions``, ``BipartiteGraph`` or a
        rectangular sparse matrix; ``embedder`` is ignored)."""
        from sklearn.decomposition import LatentDirichletAllocation

        check_params(self)
        train = check_detector_input(train)
        k = check_n_communities(self.n_communities, "n_communities", train.n_users)
        max_iter = int(self.max_iter)
        seed = resolve_seed(self.random_state)
        counts = weighted_matrix(train, self.weighting).astype(np.float64)
        model = LatentDirichletAllocation(
            n_components=k,
            doc_topic_prior=self.doc_topic_prior,
            topic_word_prior=self.topic_word_prior,
            max_iter=max_iter,
            learning_method=self.learning_method,
            random_state=int(np.random.default_rng(seed).integers(2**31)),
        )
        topics = model.fit_transform(sp.csr_matrix(counts))
        labels = topics.argmax(axis=1).astype(np.int64)
        labels[np.diff(counts.indptr) == 0] = -1
        items = model.components_.argmax(axis=0).astype(np.int64)
        items[np.bincount(counts.indices, minlength=train.n_items) == 0] = -1
        self.user_topics_ = topics
        self.model_ = model
        return self._finish(labels, items, seed=seed, probs=topics)
