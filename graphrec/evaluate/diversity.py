"""The diversity space of :func:`~graphrec.evaluate.protocol.evaluate`: a plain
function of the data (genres) or of the training matrix (a seeded SVD)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec.data.interactions import Interactions

__all__ = ["default_item_vectors"]

_SVD_BASIS: dict[tuple[Any, ...], np.ndarray] = {}  # the last training matrix's basis


def default_item_vectors(test: Interactions, train: Interactions | None) -> Any:
    """The default diversity space: genres when the data has them, else an SVD of ``train``.

    Multi-hot genres of ``test.item_features["genres"]`` (lists or ``"a|b"``
    strings), else the item vectors of a 64-dimensional ``svd`` embedder (seed 0)
    of the binary training matrix, cached for the last training matrix; None
    when neither exists. One space for every recommender, so ``diversity@k``
    compares across models.

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
    m = train.matrix  # the pattern identifies the basis (weights are binarised below)
    key = (m.shape, m.nnz, hash(m.indptr.tobytes()), hash(m.indices.tobytes()))
    if key not in _SVD_BASIS:
        from graphrec.embed.spectral import SVD

        svd = SVD(dim=dim, normalize=False, random_state=0).fit(train.binary())
        _SVD_BASIS.clear()
        _SVD_BASIS[key] = svd.item_embeddings_
    return _SVD_BASIS[key]
