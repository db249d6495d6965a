"""Canonical CSR matrices, timestamps kept with their entries, and id lookups for
:class:`~graphrec.data.interactions.Interactions`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp


def _as_csr(matrix: Any) -> sp.csr_array:
    out = sp.csr_array(matrix, dtype=np.float32)
    out.sum_duplicates()
    out.sort_indices()
    return out


def _as_csr_with_times(matrix: Any, timestamps: Any) -> tuple[sp.csr_array, np.ndarray]:
    """Canonical CSR and the timestamps moved along with their entries.

    For a sparse ``matrix`` (CSR, CSC or COO) ``timestamps[k]`` belongs to
    ``matrix.data[k]``; for a dense one, to the k-th nonzero in row-major order. Entries
    are sorted by (row, column) with their timestamps; a repeated (row, column) pair is
    an error, since neither its weight nor its time can be combined without a rule.
    """
    if sp.issparse(matrix):
        if matrix.format not in ("csr", "csc", "coo"):
            raise ValueError(
                f"timestamps follow the stored entries of a CSR, CSC or COO matrix; got a "
                f"{matrix.format.upper()} matrix, whose entries have no fixed order (convert "
                "it with .tocsr() and give the timestamps in that order)"
            )
        coo = matrix.tocoo()
    else:
        coo = sp.coo_array(sp.csr_array(matrix))
    rows, cols = np.asarray(coo.row, np.int64), np.asarray(coo.col, np.int64)
    ts = np.asarray(timestamps)
    if ts.shape != (len(rows),):
        raise ValueError(
            f"timestamps must have one value per interaction ({len(rows)}), got shape {ts.shape}"
        )
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    dup = (rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise ValueError(
            f"matrix stores (user index {rows[k]}, item index {cols[k]}) more than once "
            f"({int(dup.sum())} repeated entries in all), each with its own timestamp; "
            "combine them first, e.g. Interactions.from_frame(df, ..., duplicates='last')"
        )
    n_rows = coo.shape[0]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    data = np.asarray(coo.data, np.float32)[order]
    return sp.csr_array((data, cols, indptr), shape=coo.shape), ts[order]


def _as_index(sel: np.ndarray, n: int) -> np.ndarray:
    sel = np.asarray(sel)
    if sel.dtype == bool:
        if sel.shape != (n,):
            raise ValueError(f"boolean selection must have length {n}, got {sel.shape}")
        return np.flatnonzero(sel)
    return sel.astype(np.int64)


def _lookup(vocab: np.ndarray, ids: Any, what: str) -> np.ndarray:
    ids_arr = np.atleast_1d(np.asarray(ids))
    pos = pd.Index(vocab).get_indexer(ids_arr)
    if (pos < 0).any():
        bad = ids_arr[pos < 0][:5].tolist()
        raise ValueError(f"unknown {what} id(s) {bad} ({int((pos < 0).sum())} in all)")
    return pos.astype(np.int64)
