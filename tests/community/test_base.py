import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec.community.base import (
    Communities,
    check_detector_input,
    check_n_communities,
    relabel_by_size,
    resolve_seed,
    user_vectors,
)
from graphrec.data.interactions import Interactions


def test_communities_conveniences():
    c = Communities(np.array([1, 0, 1, -1, 2]), np.array([0, 1]), "demo", {"a": 1}, seed=3)
    assert c.n_communities == 3
    assert c.sizes().tolist() == [1, 2, 1]
    assert c.members(1).tolist() == [0, 2]
    assert c.members(-1).tolist() == [3]
    assert c.item_members(1).tolist() == [1]
    assert c.user_labels.dtype == np.int64
    assert not c.user_labels.flags.writeable
    frame = c.to_frame(np.array(["a", "b", "c", "d", "e"]))
    assert frame["user"].tolist() == ["a", "b", "c", "d", "e"]
    assert frame["community"].tolist() == [1, 0, 1, -1, 2]
    assert "3 communities" in repr(c) and "1 unassigned" in repr(c)


def test_communities_validation():
    with pytest.raises(ValueError, match="one-dimensional"):
        Communities(np.zeros((2, 2), int))
    with pytest.raises(ValueError, match=">= -1"):
        Communities(np.array([0, -2]))
    with pytest.raises(ValueError, match="integer labels"):
        Communities(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="no item labels"):
        Communities(np.array([0])).item_members(0)
    with pytest.raises(ValueError, match="user_ids has 1 entries"):
        Communities(np.array([0, 1])).to_frame(["a"])


def test_relabel_by_size_is_deterministic():
    users, items = relabel_by_size(np.array([7, 3, 3, 9, 9, -5]), np.array([9, 7, 7, 4]))
    # sizes: 3 -> 2 users, 9 -> 2 users + 1 item, 7 -> 1 user + 2 items, 4 -> item only
    assert users.tolist() == [2, 1, 1, 0, 0, -1]
    assert items.tolist() == [0, 2, 2, 3]
    # ties in users and items go to the community whose first member comes first
    assert relabel_by_size(np.array([5, 4, 5, 4]))[0].tolist() == [0, 1, 0, 1]
    assert relabel_by_size(np.array([-1, -1]))[0].tolist() == [-1, -1]


def test_check_detector_input():
    with pytest.raises(ValueError, match="co-clusters a bipartite graph"):
        check_detector_input(sp.csr_array((2, 2)))
    with pytest.raises(ValueError, match="no interactions"):
        check_detector_input(Interactions(sp.csr_array((3, 2)), [0, 1, 2], [0, 1]))
    zero = Interactions(sp.csr_array(([0.0], ([0], [0])), shape=(2, 2)), [0, 1], [0, 1])
    with pytest.raises(ValueError, match="no interactions"):
        check_detector_input(zero)


def test_check_n_communities():
    assert check_n_communities(3, "k", 5) == 3
    with pytest.raises(ValueError, match="larger than the number of users"):
        check_n_communities(6, "k", 5)
    with pytest.raises(ValueError, match="positive integer"):
        check_n_communities(0, "k", 5)


def test_resolve_seed():
    assert resolve_seed(11) == 11
    assert resolve_seed(np.random.default_rng(0)) == resolve_seed(np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-negative"):
        resolve_seed(-1)


def test_user_vectors(easy, easy_embedder):
    data = easy.data
    assert user_vectors(easy_embedder, data, "kmeans").shape == (600, 8)
    assert user_vectors(np.ones((600, 3)), data, "kmeans").dtype == np.float64
    with pytest.raises(ValueError, match=r"pass a fitted embedder, e\.g\. fit\(train, embedder="):
        user_vectors(None, data, "kmeans")
    with pytest.raises(gr.NotFittedError, match="not fitted"):
        user_vectors(gr.create("embedder", "svd"), data, "kmeans")
    with pytest.raises(ValueError, match=r"shape \(600, d\)"):
        user_vectors(np.ones((10, 3)), data, "kmeans")
    with pytest.raises(ValueError, match="NaN"):
        user_vectors(np.full((600, 2), np.nan), data, "kmeans")
