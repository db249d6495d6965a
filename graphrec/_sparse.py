"""Small helpers between scipy.sparse and torch sparse tensors."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["to_torch_csr"]


def to_torch_csr(x: sp.sparray | sp.spmatrix, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A scipy CSR matrix as a ``torch.sparse_csr_tensor`` (sharing no memory)."""
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
