"""The diversity space of :func:`~graphrec.evaluate.protocol.evaluate`: a plain
function of the data (genres) or of the training matrix (a seeded truncated SVD).

``evaluate(..., item_vectors=...)`` takes the space explicitly; its ``"auto"``
default is :func:`default_item_vectors`, which fits no model: the SVD basis is
:func:`svd_item_vectors`, a function of the binary training matrix alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._cache import BoundedCache
from graphrec._fingerprint import content_digest
from graphrec._validation import check_random_state, seed_from
from graphrec.data.interactions import Interactions

__all__ = ["default_item_vectors", "svd_item_vectors"]

_SVD_BASIS: BoundedCache[np.ndarray] = BoundedCache(1, "diversity SVD basis")  # the last one


def default_item_vectors(test: Interactions, train: Interactions | None) -> Any:
    """The default diversity space: genres when the data has them, else an SVD of ``train``.

    Multi-hot genres of ``test.item_features["genres"]`` (lists or ``"a|b"``
    strings), else :func:`svd_item_vectors` of the training matrix (64 dimensions,
    fewer for a small matrix); None when neither exists. One space for every
    recommender, so ``diversity@k`` compares across models.

    >>> import numpy as np, pandas as pd, scipy.sparse as sp
    >>> import graphrec as gr
    >>> m = sp.csr_array(np.eye(2, 3, dtype=np.float32))
    >>> data = gr.Interactions(m, np.arange(2), np.arange(3),
    ...                        item_features=pd.DataFrame({"genres": ["a|b", "b", None]}))
    >>> default_item_vectors(data, data).tolist()
    [[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    """
    feats = test.item_features
    if feats is not None and "genres" in feats.columns:
        genres = feats["genres"].map(
            lambda g: (
                list(g)
                if isinstance(g, (list, tuple))
                else ([] if pd.isna(g) else str(g).split("|"))
            )
        )
        exploded = genres.explode().dropna()
        codes, names = pd.factorize(exploded)
        if len(names):
            return sp.csr_array(
                (np.ones(len(codes), np.float32), (exploded.index.to_numpy(), codes)),
                shape=(len(feats), len(names)),
            ).toarray()
    dim = 0 if train is None or train.nnz == 0 else min(64, min(train.shape) - 1)
    if dim < 1:
        return None
    return svd_item_vectors(train.matrix, dim)


def svd_item_vectors(matrix: Any, dim: int = 64) -> np.ndarray:
    """Item vectors ``V sqrt(S)`` of a rank-``dim`` truncated SVD of the binary ``matrix``.

    A plain, seeded function of the sparsity pattern of ``matrix`` (users x items;
    weights are ignored): scikit-learn's ``randomized_svd`` with 7 power iterations and
    a fixed seed, the same vectors as the item embeddings of the ``svd`` embedder
    (``normalize=False``, ``random_state=0``) fitted on the binarised matrix. The last
    basis is memoised, keyed by the pattern's content digest and ``dim``.

    >>> import scipy.sparse as sp
    >>> m = sp.random_array((30, 20), density=0.3, rng=0, format="csr")
    >>> svd_item_vectors(m, 4).shape
    (20, 4)
    """
    m = sp.csr_array(matrix)
    dim = int(dim)
    if not 1 <= dim < min(m.shape):
        raise ValueError(f"dim must be in [1, min(n_users, n_items) - 1 = {min(m.shape) - 1}]")
    key = (content_digest((m.shape, m.indptr, m.indices)), dim)

    def compute() -> np.ndarray:
        from sklearn.utils.extmath import randomized_svd

        r = sp.csr_array((np.ones(m.nnz), m.indices, m.indptr), shape=m.shape)
        seed = seed_from(check_random_state(0)) % 2**32
        _, s, vt = randomized_svd(r, dim, n_iter=7, random_state=seed)
        return (vt.T * np.sqrt(s)).astype(np.float32)

    return _SVD_BASIS.get_or_compute(key, compute)
