"""Every registered detector honours the shared contract."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

import graphrec as gr
from graphrec.community import quality
from graphrec.community.base import Communities
from graphrec.data.interactions import Interactions

EMBEDDING = {"kmeans", "gmm", "agglomerative", "spectral", "dbscan", "hdbscan"}
# the parameter that sets the number of communities, for methods that need or accept one
K_PARAM = {
    "kmeans": "n_clusters",
    "gmm": "n_components",
    "agglomerative": "n_clusters",
    "spectral": "n_clusters",
    "lda": "n_topics",
    "spectral_bipartite": "n_communities",
}
NAMES = gr.available("detector")


def _fit(name, data, embedder, **params):
    det = gr.create("detector", name, random_state=0, **params)
    return det.fit(data, embedder=embedder if name in EMBEDDING else None)


def test_every_family_is_registered():
    assert (
        set(NAMES)
        >= {
            "louvain",
            "leiden",
            "label_propagation",
            "bipartite_louvain",
            "spectral_bipartite",
            "lda",
        }
        | EMBEDDING
    )


@pytest.mark.parametrize("name", NAMES)
def test_contract(name, easy, easy_embedder):
    data = easy.data
    params = {K_PARAM[name]: 4} if name == "lda" else {}
    det = gr.create("detector", name, random_state=0, **params)
    assert clone(det).get_params() == det.get_params()
    fitted = det.fit(data, embedder=easy_embedder if name in EMBEDDING else None)
    assert fitted is det
    labels = det.labels_
    assert labels.shape == (data.n_users,) and labels.dtype == np.int64
    assert labels.min() >= -1
    c = det.communities_
    assert isinstance(c, Communities)
    assert c.method == name
    assert c.params == det.get_params() and c.params["random_state"] == 0
    assert c.seed == 0
    assert np.array_equal(c.user_labels, labels)
    # communities numbered 0..k-1 by decreasing size
    sizes = np.bincount(labels[labels >= 0])
    assert (sizes > 0).all() and (np.diff(sizes) <= 0).all()
    if det.item_labels_ is not None:
        assert det.item_labels_.shape == (data.n_items,)
        assert np.array_equal(c.item_labels, det.item_labels_)
    # same seed, same labels; fit_predict agrees
    again = clone(det).fit_predict(data, embedder=easy_embedder if name in EMBEDDING else None)
    assert np.array_equal(again, labels)


@pytest.mark.parametrize("name", NAMES)
def test_recovers_planted_communities(name, easy, easy_embedder):
    params = {K_PARAM[name]: 4} if name == "lda" else {}
    det = _fit(name, easy.data, easy_embedder, **params)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.9
    assert (det.labels_ >= 0).mean() > 0.6  # density methods may leave noise out


@pytest.mark.parametrize("name", NAMES)
def test_bad_input(name, easy, easy_embedder):
    data = easy.data
    det = gr.create("detector", name, random_state=0)
    embedder = easy_embedder if name in EMBEDDING else None
    empty = data.filter(np.zeros(data.nnz, bool))
    with pytest.raises(ValueError, match="empty data"):
        det.fit(empty, embedder=embedder)
    with pytest.raises(ValueError, match="Interactions"):
        det.fit(data.matrix, embedder=embedder)
    if name in K_PARAM:
        too_many = gr.create("detector", name, **{K_PARAM[name]: data.n_users + 1})
        with pytest.raises(ValueError, match="larger than the number of users"):
            too_many.fit(data, embedder=embedder)
    if name in EMBEDDING:
        with pytest.raises(ValueError, match=f"detector '{name}' clusters embeddings"):
            det.fit(data)
        with pytest.raises(gr.NotFittedError):
            det.fit(data, embedder=gr.create("embedder", "svd"))


@pytest.mark.parametrize("name", ["louvain", "leiden", "label_propagation"])
def test_edgeless_projection(name):
    # every item has a single user: interactions exist, but no two users share an item
    data = Interactions(sp.csr_array(np.eye(5, dtype=np.float32)), np.arange(5), np.arange(5))
    with pytest.raises(ValueError, match="projection has no edges"):
        gr.create("detector", name, random_state=0).fit(data)


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(ValueError, match="valid parameters: resolution"):
        gr.create("detector", "leiden", resolutoin=1.0)
