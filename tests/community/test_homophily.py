import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.community import homophily as H
from graphrec.community import quality
from graphrec.community.quality import modularity


def _graph(edges, n):
    rows, cols = zip(*edges)
    upper = sp.coo_array((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    return sp.csr_array(upper + upper.T)


def test_reexported_by_quality():
    assert quality.friend_lift is H.friend_lift
    assert quality.attribute_agreement is H.attribute_agreement


def test_friend_lift_hand_computed():
    # friends: 0-1, 2-3 (inside), 1-2 (across)
    g = _graph([(0, 1), (2, 3), (1, 2)], n=6)
    labels = np.array([0, 0, 1, 1, 2, 2])
    out = H.friend_lift(g, labels, n_permutations=200, random_state=0)
    assert out["n_pairs"] == 3
    assert out["share_inside"] == pytest.approx(2 / 3)
    # same sizes shuffled: P(two given users share a community) = 3 * 2 / (6 * 5) = 0.2
    assert out["baseline_share"] == pytest.approx(0.2, abs=0.05)
    assert out["lift"] == pytest.approx(out["share_inside"] / out["baseline_share"])
    assert out["friend_modularity"] == pytest.approx(modularity(g, labels))
    assert out["baseline_modularity"] < out["friend_modularity"]
    again = H.friend_lift(g, labels, n_permutations=200, random_state=0)
    assert again == out


def test_friend_lift_takes_interactions(easy):
    with pytest.raises(ValueError, match="no user_graph"):
        H.friend_lift(easy.data, easy.user_labels)


def test_attribute_agreement():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 50)
    attribute = np.where(rng.random(150) < 0.8, np.repeat(["a", "b", "c"], 50), "d").astype(object)
    attribute[:5] = None  # missing values are dropped
    out = H.attribute_agreement(labels, attribute, n_permutations=50, random_state=0)
    assert out["n_users"] == 145
    assert out["purity"] > 0.7 and out["purity_lift"] > 2
    assert out["nmi"] > 0.4 and out["nmi_lift"] > 10
    unrelated = H.attribute_agreement(labels, rng.permutation(attribute), random_state=0)
    assert 0.5 < unrelated["nmi_lift"] < 2.5
