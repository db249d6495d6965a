"""The normalised item-item graph shared by GF-CF, the graph filters and the lowpass embedder.

``R~ = D_u^-1/2 R D_i^-1/2`` (Shen et al., CIKM 2021; a zero degree gives a zero
row/column) and its item-item gram ``P~ = R~^T R~``, whose eigenvectors are the
right singular vectors of ``R~``. Everything here is deterministic: the top
eigenvectors come from LAPACK on the dense gram when it is small, else from ARPACK
with a fixed start vector.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._ranking import check_user_items
from graphrec._sparse import degree_normalize, inverse_power
from graphrec.data.interactions import Interactions

__all__ = ["binary_rows", "degree_scalings", "normalized_matrix", "top_singular"]

logger = logging.getLogger(__name__)


def _degrees(x: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    du = np.asarray(x.sum(axis=1), dtype=np.float64).ravel()
    di = np.asarray(x.sum(axis=0), dtype=np.float64).ravel()
    return du, di


def degree_scalings(x: sp.csr_array, power: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """``d^-power`` of the user and item degrees of ``x`` (0 where a degree is 0)."""
    du, di = _degrees(x)
    return inverse_power(du, power), inverse_power(di, power)


def normalized_matrix(x: sp.csr_array, user_power: float = 0.5, item_power: float = 0.5):
    """``D_u^-user_power X D_i^-item_power`` (float32 CSR) and the item scaling used."""
    degrees = _degrees(x)
    out = degree_normalize(x, user_power, item_power, degrees=degrees, dtype=np.float32)
    return out, inverse_power(degrees[1], item_power)


def top_singular(
    r: sp.csr_array,
    k: int,
    gram: np.ndarray | None = None,
    n_iter: int = 8,
    *,
    param: str = "k",
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest singular values of ``r`` (descending) and right singular vectors.

    Returns ``(sigma, V)`` with ``V`` of shape (n_items, k). Uses ``eigh`` of ``gram``
    (``r^T r``) when given, else ARPACK ``svds`` with a fixed start vector. Raises a
    ``ValueError`` when ``k`` exceeds the numerical rank of ``r``, naming ``k`` by the
    caller's parameter ``param`` (``dim`` for an embedder).
    """
    n_users, n_items = r.shape
    limit = min(n_users, n_items) - 1
    if k > limit:
        raise ValueError(
            f"{param}={k} singular vectors requested, but the {n_users} x {n_items} matrix "
            f"allows at most {limit} (min(n_users, n_items) - 1); lower {param}"
        )
    t0 = time.perf_counter()
    if gram is not None:
        import scipy.linalg  # deferred: ~0.3 s at import time

        vals, vecs = scipy.linalg.eigh(
            gram.astype(np.float64), subset_by_index=[n_items - k, n_items - 1]
        )
        sigma = np.sqrt(np.clip(vals[::-1], 0, None))
        vecs = vecs[:, ::-1]
    else:
        sigma, vecs = _subspace_iteration(r, k, n_iter)
    tol = 1e-5 * (sigma[0] if sigma.size else 0.0)
    rank = int((sigma > tol).sum())
    if rank < k:
        raise ValueError(
            f"{param}={k} exceeds the rank of the normalised interaction matrix ({rank} "
            f"non-zero singular values); lower {param} to at most {rank}"
        )
    # a fixed sign per vector (largest |entry| positive), so results do not depend on the solver
    signs = np.sign(vecs[np.abs(vecs).argmax(axis=0), np.arange(k)])
    vecs = vecs * np.where(signs == 0, 1.0, signs)
    logger.info("top %d singular vectors of %s in %.2fs", k, r.shape, time.perf_counter() - t0)
    return sigma.astype(np.float64), np.ascontiguousarray(vecs, dtype=np.float32)


def _orthonormal(z: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the columns of ``z`` by Cholesky-QR (float64 gram)."""
    gram = z.T.astype(np.float64) @ z.astype(np.float64)
    gram[np.diag_indices_from(gram)] += 1e-10 * max(1.0, float(np.trace(gram)))
    factor = np.linalg.cholesky(gram)
    import scipy.linalg

    q = scipy.linalg.solve_triangular(factor, z.T.astype(np.float64), lower=True).T
    return np.ascontiguousarray(q, dtype=np.float32)


def _subspace_iteration(r: sp.csr_array, k: int, n_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` right singular pairs of ``r`` by block power iteration on ``r^T r``."""
    n_items = r.shape[1]
    q = min(n_items, min(r.shape) - 1, k + max(32, k // 4))
    rt = sp.csr_array(r.T)
    basis = np.random.default_rng(0).standard_normal((n_items, q)).astype(np.float32)
    basis = _orthonormal(basis)
    for _ in range(n_iter):
        basis = _orthonormal(rt @ (r @ basis))
    # the right singular vectors of r @ basis are the eigenvectors of its q x q gram, so
    # the tall (users x q) product is never copied to float64 nor decomposed
    low = r @ basis
    gram = np.zeros((q, q))
    step = max(1, 2**22 // q)
    for start in range(0, low.shape[0], step):
        part = low[start : start + step].astype(np.float64)
        gram += part.T @ part
    vals, vecs = np.linalg.eigh(gram)
    top = np.argsort(vals)[::-1][:k]
    sig = np.sqrt(np.clip(vals[top], 0, None))
    return sig, (basis.astype(np.float64) @ vecs[:, top]).astype(np.float32)


def binary_rows(matrix: Any, n_items: int, what: str) -> sp.csr_array:
    """``matrix`` as a binary float32 CSR array with ``n_items`` columns.

    Negative weights raise a ``ValueError``; other non-binary weights (ratings, play
    counts) are binarised with a ``UserWarning``, since the filters assume implicit
    feedback (an interaction is a 1).
    """
    if isinstance(matrix, Interactions):
        matrix = matrix.matrix
    out = check_user_items(matrix, n_items, what)  # numeric, n_items columns, finite, >= 0
    if out.nnz:
        if not np.all(out.data == 1.0):
            warnings.warn(
                f"{what} holds non-binary weights (e.g. {out.data[out.data != 1][0]:g}); "
                "binarising them (every stored interaction counts as 1); binarise the data "
                "first to choose the threshold yourself (graphrec.data.preprocess.binarize, "
                "or a config's dataset.preprocess.binarize)",
                UserWarning,
                stacklevel=3,
            )
            out.data[:] = 1.0
    return out
