"""Every registered detector honours the shared contract."""

import numpy as np
import pytest
import scipy.sparse as sp

import graphrec as gr
from graphrec._registry import _registry
from graphrec.community import quality
from graphrec.data.interactions import Interactions
from graphrec.testing import check_detector

EMBEDDING = {"kmeans", "gmm", "agglomerative", "knn_spectral", "dbscan", "hdbscan"}
# the parameter that sets the number of communities, for methods that need or accept one
K_PARAM = {
    "kmeans": "n_communities",
    "gmm": "n_communities",
    "agglomerative": "n_communities",
    "knn_spectral": "n_communities",
    "lda": "n_communities",
    "spectral_bipartite": "n_communities",
}
NAMES = gr.available("detector")
SEEDED = [n for n in NAMES if _registry("detector").get(n).takes_seed]


def _create(name, seed=0, **params):
    """The detector with ``random_state=seed`` when it takes a seed (declared ``takes_seed``)."""
    cls = _registry("detector").get(name)
    return cls(**({"random_state": seed} if cls.takes_seed else {}), **params)


def _fit(name, data, embedder, **params):
    det = _create(name, **params)
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
    """The public check a plugin's tests use (graphrec.testing.check_detector), per name."""
    cls = _registry("detector").get(name)
    params = {K_PARAM[name]: 4} if name == "lda" else {}
    check_detector(
        lambda **kw: cls(**kw, **params),
        embedder=easy_embedder if name in EMBEDDING else None,
        name=name,
        min_nmi=None if name == "single" else 0.9,  # the control finds nothing, on purpose
    )


@pytest.mark.parametrize("name", NAMES)
def test_bad_input(name, easy, easy_embedder):
    data = easy.data
    det = _create(name)
    embedder = easy_embedder if name in EMBEDDING else None
    empty = data.filter(np.zeros(data.nnz, bool))
    with pytest.raises(ValueError, match="empty data"):
        det.fit(empty, embedder=embedder)
    with pytest.raises(ValueError, match="Interactions, a BipartiteGraph or a scipy sparse"):
        det.fit(data.matrix.toarray(), embedder=embedder)
    with pytest.raises(ValueError, match="Interactions, a BipartiteGraph or a scipy sparse"):
        det.fit("ratings.csv", embedder=embedder)
    if name in K_PARAM:
        too_many = gr.create("detector", name, **{K_PARAM[name]: data.n_users + 1})
        with pytest.raises(ValueError, match="larger than the number of users"):
            too_many.fit(data, embedder=embedder)
    if name in EMBEDDING:
        with pytest.raises(ValueError, match=f"detector '{name}' clusters embeddings"):
            det.fit(data)
        with pytest.raises(gr.NotFittedError):
            det.fit(data, embedder=gr.create("embedder", "svd"))


@pytest.mark.parametrize("name", NAMES)
def test_a_seed_is_taken_exactly_when_declared(name):
    cls = _registry("detector").get(name)
    assert isinstance(cls.takes_seed, bool)
    assert ("random_state" in cls().get_params()) == cls.takes_seed
    if not cls.takes_seed:
        with pytest.raises(TypeError, match="random_state"):
            cls(random_state=0)
        with pytest.raises(ValueError, match="does not depend on a seed"):
            quality.stability(cls(), None)


# settings under which the seed reaches a random step whose outcome it changes
SEED_PARAMS = {
    "agglomerative": {"silhouette_sample": 40},  # the seed draws the silhouette sample
    "lda": {"n_communities": 6},
    "spectral_bipartite": {"n_communities": 8},  # more than the data holds: inits matter
    "kmeans": {"n_communities": 8},
    "gmm": {"n_communities": 8},
    "knn_spectral": {"n_communities": 8},
}
# weak structure (mu 0.6) by default; these find one community there, so mu 0.3
BLURRED = {"label_propagation", "spectral_bipartite"}


@pytest.fixture(scope="module")
def weak():
    """Planted data at mu 0.6 and 0.3, with an SVD each: where node orders and inits matter."""
    out = {}
    for mu, degree in ((0.6, 8), (0.3, 15)):
        data, _, _ = gr.planted_communities(300, 150, 5, mean_degree=degree, mu=mu, seed=1)
        out[mu] = data, gr.create("embedder", "svd", dim=8, random_state=0).fit(data)
    return out


@pytest.mark.parametrize("name", SEEDED)
def test_seeded_detectors_use_the_seed(name, weak):
    """A detector that takes a seed gives a different partition for some other seed."""
    data, embedder = weak[0.3 if name in BLURRED else 0.6]
    params = SEED_PARAMS.get(name, {})
    emb = embedder if name in EMBEDDING else None
    first = _create(name, 0, **params).fit(data, embedder=emb).labels_
    assert np.array_equal(_create(name, 0, **params).fit(data, embedder=emb).labels_, first)
    others = (_create(name, s, **params).fit(data, embedder=emb).labels_ for s in range(1, 6))
    assert any(not np.array_equal(first, other) for other in others)


@pytest.mark.parametrize("name", ["louvain", "leiden", "label_propagation"])
def test_edgeless_projection(name):
    # every item has a single user: interactions exist, but no two users share an item
    data = Interactions(sp.csr_array(np.eye(5, dtype=np.float32)), np.arange(5), np.arange(5))
    with pytest.raises(ValueError, match="projection has no edges"):
        gr.create("detector", name, random_state=0).fit(data)


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(ValueError, match="valid parameters: resolution"):
        gr.create("detector", "leiden", resolutoin=1.0)
