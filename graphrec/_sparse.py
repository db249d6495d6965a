"""Small helpers between scipy.sparse and torch sparse tensors."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # torch is imported when a tensor is made, not with graphrec
    import torch

__all__ = ["to_torch_csr"]


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
