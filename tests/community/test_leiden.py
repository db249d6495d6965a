import random

import numpy as np
import pytest

from graphrec.community import quality
from graphrec.community.leiden import Leiden
from graphrec.community.louvain import Louvain


@pytest.mark.parametrize("backend", ["igraph", "leidenalg"])
def test_backends_recover_planted_communities(easy, backend):
    det = Leiden(backend=backend, random_state=0).fit(easy.data)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.9
    assert det.quality_ == pytest.approx(quality.modularity(det.graph_, det.labels_), abs=1e-6)
    again = Leiden(backend=backend, random_state=0).fit(easy.data)
    assert np.array_equal(again.labels_, det.labels_)


def test_modularity_at_least_louvain(easy):
    leiden = Leiden(random_state=0).fit(easy.data)
    louvain = Louvain(random_state=0).fit(easy.data)
    assert np.allclose(leiden.graph_.toarray(), louvain.graph_.toarray())
    q_leiden = quality.modularity(leiden.graph_, leiden.labels_)
    assert q_leiden >= quality.modularity(louvain.graph_, louvain.labels_) - 1e-3


@pytest.mark.parametrize("backend", ["igraph", "leidenalg"])
def test_cpm(easy, backend):
    coarse = Leiden(quality="cpm", resolution=0.01, backend=backend, random_state=0)
    fine = Leiden(quality="cpm", resolution=0.5, backend=backend, random_state=0)
    n_coarse = coarse.fit(easy.data).communities_.n_communities
    assert n_coarse < fine.fit(easy.data).communities_.n_communities


def test_global_random_state_untouched(easy):
    random.seed(123)
    expected = random.random()
    random.seed(123)
    Leiden(random_state=0).fit(easy.data)
    assert random.random() == expected


def test_communities_are_connected(easy):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    det = Leiden(resolution=2.0, random_state=0).fit(easy.data)
    for c in range(det.communities_.n_communities):
        members = det.communities_.members(c)
        sub = sp.csr_array(det.graph_[members][:, members])
        assert connected_components(sub, directed=False)[0] == 1


def test_bad_parameters(easy):
    with pytest.raises(ValueError, match="quality must be one of"):
        Leiden(quality="surprise").fit(easy.data)
    with pytest.raises(ValueError, match="backend must be one of"):
        Leiden(backend="cdlib").fit(easy.data)
    with pytest.raises(ValueError, match="n_iterations must be an integer"):
        Leiden(n_iterations=1.5).fit(easy.data)
