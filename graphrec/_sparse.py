"""Small sparse-matrix helpers: degree normalisation ``D^-a X D^-b`` and scipy -> torch."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # torch is imported when a tensor is made, not with graphrec
    import torch

__all__ = ["degree_normalize", "inverse_power", "to_torch_csr"]


def to_torch_csr(x: sp.sparray | sp.spmatrix, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A scipy CSR matrix as a ``torch.sparse_csr_tensor`` (sharing no memory);
    ``dtype`` defaults to ``torch.float32``."""
    import torch

    dtype = torch.float32 if dtype is None else dtype
    x = sp.csr_array(x)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(
            torch.from_numpy(x.indptr.astype(np.int64)),
            torch.from_numpy(x.indices.astype(np.int64)),
            torch.from_numpy(np.asarray(x.data)).to(dtype),
            size=x.shape,
            check_invariants=False,
        )


def inverse_power(
    degrees: np.ndarray, power: float, *, shift: float = 0.0, via_sqrt: bool = False
) -> np.ndarray:
    """``(degrees + shift) ** -power`` as float64, 0 where ``degrees + shift`` is not positive.

    ``via_sqrt=True`` computes ``1 / sqrt(d)`` at ``power == 0.5`` instead of ``pow``; the
    two differ in the last bit for about a third of the values, and each caller keeps
    the one it has always used so that its results stay bit-identical.

    >>> inverse_power(np.array([4.0, 0.0, 1.0]), 0.5).tolist()
    [0.5, 0.0, 1.0]
    >>> inverse_power(np.array([3.0, 0.0]), 1.0, shift=1.0).tolist()
    [0.25, 1.0]
    """
    d = np.asarray(degrees, dtype=np.float64).ravel() + shift
    out = np.zeros_like(d)
    pos = d > 0
    if via_sqrt and power == 0.5:
        np.divide(1.0, np.sqrt(d, where=pos, out=np.ones_like(d)), out=out, where=pos)
    else:
        np.power(d, -power, out=out, where=pos)
    return out


def degree_normalize(
    matrix: sp.sparray | sp.spmatrix,
    row_power: float = 0.5,
    col_power: float = 0.5,
    *,
    degrees: tuple[np.ndarray, np.ndarray] | None = None,
    shift: tuple[float, float] = (0.0, 0.0),
    via_sqrt: bool = False,
    dtype: type = np.float64,
) -> sp.csr_array:
    """``D_r^-row_power X D_c^-col_power`` as a CSR array with the sparsity pattern of ``X``.

    ``D_r`` and ``D_c`` are the row and column sums of ``X`` (float64), or ``degrees``
    when the caller already has them (a symmetric adjacency's column degrees are its
    row degrees), each plus its ``shift`` (a degree regulariser). Rows and columns whose
    (shifted) degree is 0 become 0. The scalings are cast to ``dtype``, which is also
    the dtype of the product and of the result: ``data * row scale * column scale``,
    rounded after each product. ``via_sqrt``: see :func:`inverse_power`.

    ``X`` is graphrec's one degree normalisation: the symmetric ``D^-1/2 A D^-1/2`` of
    LightGCN (``row_power = col_power = 0.5`` on a square adjacency), the random walk
    ``D^-1 A`` (``1, 0``) and GF-CF's ``D_u^-1/2 R D_i^-1/2`` of a biadjacency.

    >>> x = sp.csr_array(np.array([[1.0, 1.0], [0.0, 1.0]]))
    >>> degree_normalize(x).toarray().round(3).tolist()
    [[0.707, 0.5], [0.0, 0.707]]
    >>> degree_normalize(x, 1.0, 0.0).toarray().tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    x = sp.csr_array(matrix)
    if degrees is None:
        degrees = (x.sum(axis=1, dtype=np.float64), x.sum(axis=0, dtype=np.float64))
    rows = inverse_power(degrees[0], row_power, shift=shift[0], via_sqrt=via_sqrt)
    cols = inverse_power(degrees[1], col_power, shift=shift[1], via_sqrt=via_sqrt)
    data = np.array(x.data, dtype=dtype)  # a copy: X is never modified
    data *= np.repeat(rows, np.diff(x.indptr)).astype(dtype)
    data *= cols[x.indices].astype(dtype)
    return sp.csr_array((data, x.indices.copy(), x.indptr.copy()), shape=x.shape)
