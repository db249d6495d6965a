"""2-D projections of embeddings for the maps: UMAP when installed, else t-SNE."""

from __future__ import annotations

import numpy as np

__all__ = ["project"]


def project(x: np.ndarray, method: str, random_state: int) -> tuple[np.ndarray, str]:
    """``(points, name)``: ``x`` in 2-D by ``method`` (``auto``, ``tsne``, ``umap``) and the
    name of the projection used (``"UMAP"`` or ``"t-SNE"``)."""
    if method not in ("auto", "tsne", "umap"):
        raise ValueError(f"method must be 'auto', 'tsne' or 'umap', got {method!r}")
    if method in ("auto", "umap"):
        try:
            import umap

            reducer = umap.UMAP(n_components=2, random_state=random_state)
            return reducer.fit_transform(x), "UMAP"
        except ImportError:
            if method == "umap":
                raise ValueError("method='umap' needs umap-learn: pip install umap-learn") from None
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    perplexity = float(min(30, max(2, (len(x) - 1) / 3)))
    tsne = TSNE(2, perplexity=perplexity, init="pca", random_state=random_state)
    # one OpenMP thread: on a busy machine, t-SNE's OpenMP threads spin and slow it badly
    with threadpool_limits(limits=1, user_api="openmp"):
        return tsne.fit_transform(x), "t-SNE"
