import numpy as np
import pytest

from graphrec.community import quality
from graphrec.community.topics import LDATopics


def test_topics_recover_users_and_items(easy):
    det = LDATopics(n_communities=4, random_state=0).fit(easy.data)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.95
    assert quality.nmi(easy.item_labels, det.item_labels_) > 0.8
    assert np.allclose(det.user_topics_.sum(axis=1), 1.0)
    assert det.communities_.params["n_communities"] == 4


def test_weightings(easy):
    for weighting in ("raw", "log"):
        det = LDATopics(n_communities=4, weighting=weighting, max_iter=5, random_state=0)
        assert det.fit(easy.data).communities_.n_communities >= 2


def test_bad_parameters(easy):
    with pytest.raises(ValueError, match="learning_method"):
        LDATopics(learning_method="gibbs").fit(easy.data)
    with pytest.raises(ValueError, match="n_communities must be an integer >= 1"):
        LDATopics(n_communities=0).fit(easy.data)
