"""One degree normalisation ``D^-a X D^-b`` (graphrec._sparse.degree_normalize).

Its four callers (the LightGCN adjacency, the GF-CF item graph, the normalised SVD
embedder and the spectral co-clustering) each had their own copy; these tests compute
the old formula of each, verbatim, and require bit-identical arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from sklearn.utils.extmath import randomized_svd

from graphrec._sparse import degree_normalize, inverse_power
from graphrec._validation import check_random_state, seed_from
from graphrec.community.spectral import SpectralBipartite
from graphrec.data import Interactions
from graphrec.embed.spectral import SVD
from graphrec.graph import BipartiteGraph
from graphrec.graph._lowpass import degree_scalings, normalized_matrix


def _random_biadjacency(seed: int, shape=(60, 45), density=0.15, weighted=True) -> sp.csr_array:
    rng = np.random.default_rng(seed)
    m = sp.random_array(shape, density=density, rng=rng, format="csr", dtype=np.float64)
    m.data = rng.uniform(0.1, 5.0, m.nnz) if weighted else np.ones(m.nnz)
    m = sp.csr_array(m, dtype=np.float32)
    m.sort_indices()
    return m


def _assert_same_csr(new: sp.csr_array, old: sp.csr_array) -> None:
    assert new.dtype == old.dtype and new.shape == old.shape
    np.testing.assert_array_equal(new.indptr, old.indptr)
    np.testing.assert_array_equal(new.indices, old.indices)
    assert np.array_equal(new.data, old.data)  # bit for bit, not allclose


def test_known_answer_and_zero_degrees() -> None:
    x = sp.csr_array(np.array([[1.0, 1.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]))
    out = degree_normalize(x, 0.5, 0.5).toarray()
    # degrees: rows 2, 4, 0; columns 1, 5, 0
    expected = np.array([[1 / np.sqrt(2), 1 / np.sqrt(10), 0], [0, 4 / np.sqrt(20), 0], [0, 0, 0]])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(degree_normalize(x, 1.0, 0.0).toarray().sum(axis=1), [1, 1, 0])
    assert degree_normalize(x).nnz == x.nnz  # the pattern of X, no entries added
    x_before = x.toarray().copy()
    degree_normalize(x, 0.3, 0.7)
    np.testing.assert_array_equal(x.toarray(), x_before)  # X is not modified


def test_inverse_power_sqrt_path_and_shift() -> None:
    d = np.random.default_rng(0).uniform(0.5, 100.0, 10_000)
    np.testing.assert_array_equal(inverse_power(d, 0.5, via_sqrt=True), 1.0 / np.sqrt(d))
    np.testing.assert_array_equal(inverse_power(d, 0.5), np.power(d, -0.5))
    assert not np.array_equal(1.0 / np.sqrt(d), np.power(d, -0.5))  # why the flag exists
    np.testing.assert_array_equal(
        inverse_power(d, 0.5, shift=2.0, via_sqrt=True), 1 / np.sqrt(d + 2)
    )
    np.testing.assert_array_equal(inverse_power(np.array([0.0, -1.0, 4.0]), 1.0), [0, 0, 0.25])


@pytest.mark.parametrize("self_loops", [False, True])
@pytest.mark.parametrize("alpha, beta", [(0.5, 0.5), (1.0, 0.0), (0.0, 1.0), (0.6, 0.4)])
def test_bipartite_normalized_adjacency_is_bit_identical(alpha, beta, self_loops) -> None:
    g = BipartiteGraph(_random_biadjacency(0))
    adj = g.adjacency(self_loops=self_loops)

    def old_inv_power(deg: np.ndarray, power: float) -> np.ndarray:
        out = np.zeros_like(deg)
        pos = deg > 0
        out[pos] = deg[pos] ** -power
        return out

    deg = adj.sum(axis=1, dtype=np.float64)
    rows = np.repeat(np.arange(adj.shape[0]), np.diff(adj.indptr))
    data = adj.data * old_inv_power(deg, alpha)[rows] * old_inv_power(deg, beta)[adj.indices]
    old = sp.csr_array((data.astype(np.float32), adj.indices, adj.indptr), shape=adj.shape)
    _assert_same_csr(g.normalized_adjacency(alpha, beta, self_loops=self_loops), old)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("user_power, item_power", [(0.5, 0.5), (0.5, 0.3), (0.4, 0.6)])
def test_lowpass_normalized_matrix_is_bit_identical(user_power, item_power, weighted) -> None:
    x = _random_biadjacency(1, weighted=weighted)
    keep = np.ones(x.shape[0], np.float32)
    keep[3] = 0.0  # an empty user row
    x = sp.csr_array(sp.diags_array(keep) @ x)
    x.eliminate_zeros()
    x.sort_indices()
    assert x.indptr[3] == x.indptr[4]

    def old_scalings(power: float) -> tuple[np.ndarray, np.ndarray]:
        du = np.asarray(x.sum(axis=1), dtype=np.float64).ravel()
        di = np.asarray(x.sum(axis=0), dtype=np.float64).ravel()
        su, si = np.zeros_like(du), np.zeros_like(di)
        np.power(du, -power, out=su, where=du > 0)
        np.power(di, -power, out=si, where=di > 0)
        return su, si

    su, _ = old_scalings(user_power)
    _, si = old_scalings(item_power)
    old = sp.csr_array(x, dtype=np.float32, copy=True)
    old.data *= np.repeat(su, np.diff(old.indptr)).astype(np.float32)
    old.data *= si[old.indices].astype(np.float32)
    new, new_si = normalized_matrix(x, user_power, item_power)
    _assert_same_csr(new, old)
    assert np.array_equal(new_si, si)
    for got, want in zip(degree_scalings(x, item_power), old_scalings(item_power)):
        assert np.array_equal(got, want)


def _old_svd_normalisation(x: sp.csr_array, di: np.ndarray | None = None) -> sp.csr_array:
    """The SVD embedder's own copy, verbatim (fit: ``di`` of ``x``; fold-in: of train)."""
    du = np.asarray(x.sum(axis=1)).ravel()
    di = np.asarray(x.sum(axis=0)).ravel() if di is None else di
    su = np.divide(1.0, np.sqrt(du), out=np.zeros_like(du), where=du > 0)
    si = np.divide(1.0, np.sqrt(di), out=np.zeros_like(di), where=di > 0)
    return sp.csr_array(sp.diags_array(su) @ x @ sp.diags_array(si))


@pytest.mark.parametrize("weighted", [False, True])
def test_svd_embedder_normalisation_is_bit_identical(weighted) -> None:
    m = _random_biadjacency(2, shape=(80, 50), weighted=weighted)
    train = Interactions(m, np.arange(80), np.arange(50))
    new = SVD(dim=8, normalize=True, random_state=3).fit(train)
    r = _old_svd_normalisation(train.matrix.astype(np.float64))  # the old SVD.fit
    seed = seed_from(check_random_state(3)) % 2**32
    _, s, vt = randomized_svd(r, 8, n_iter=7, random_state=seed)
    assert np.array_equal(new.item_embeddings_, (vt.T * np.sqrt(s)).astype(np.float32))
    # fold-in rows (the training users' vectors are their fold-in): the old formula
    rows = _random_biadjacency(4, shape=(7, 50), weighted=weighted)
    di = np.asarray(train.matrix.sum(axis=0), dtype=np.float64).ravel()
    x = _old_svd_normalisation(sp.csr_array(rows, dtype=np.float64), di)
    proj = new.item_embeddings_ / new.singular_values_.astype(np.float64)
    assert np.array_equal(new._fold_in_vectors(rows), np.asarray(x @ proj, dtype=np.float32))
    x = _old_svd_normalisation(sp.csr_array(train.matrix, dtype=np.float64), di)
    assert np.array_equal(new.user_embeddings_, np.asarray(x @ proj, dtype=np.float32))


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("regularization", [0.0, 0.25])
def test_spectral_coclustering_embedding_is_bit_identical(dense, regularization, monkeypatch):
    import graphrec.community.spectral as module

    if not dense:  # force the ARPACK path, which reads the sparse entries in their order
        monkeypatch.setattr(module, "_DENSE_ENTRIES", 10)
    b = sp.csr_array(_random_biadjacency(3, shape=(70, 40)), dtype=np.float64)
    k = 4
    det = SpectralBipartite(n_communities=k, regularization=regularization)
    u, s, v = det._embed(b, k, np.random.default_rng(5))
    # the old SpectralBipartite._embed, verbatim
    du = np.asarray(b.sum(axis=1)).ravel()
    di = np.asarray(b.sum(axis=0)).ravel()
    tau_u, tau_i = regularization * du.mean(), regularization * di.mean()
    m = sp.csr_array(
        sp.diags_array(1.0 / np.sqrt(du + tau_u)) @ b @ sp.diags_array(1.0 / np.sqrt(di + tau_i))
    )
    if dense:
        ou, os_, ovt = np.linalg.svd(m.toarray(), full_matrices=False)
    else:
        v0 = np.random.default_rng(5).standard_normal(min(m.shape))
        ou, os_, ovt = sla.svds(m, k=k, v0=v0, tol=1e-8)
    order = np.argsort(-os_)[:k]
    assert np.array_equal(u, ou[:, order])
    assert np.array_equal(s, os_[order])
    assert np.array_equal(v, ovt[order].T)
