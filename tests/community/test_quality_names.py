"""``internal_edge_fraction`` (was ``coverage``, a name the coverage@k metric also has)."""

import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.community import quality as Q

G = sp.csr_array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])


def test_internal_edge_fraction_by_hand():
    # 8 directed edge entries, 6 inside {0, 1, 2}; the edge 2-3 crosses
    assert Q.internal_edge_fraction(G, np.array([0, 0, 0, 1])) == pytest.approx(0.75)
    assert Q.internal_edge_fraction(G, np.zeros(4, int)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="without edges"):
        Q.internal_edge_fraction(sp.csr_array((3, 3)), np.zeros(3, int))


def test_coverage_names_only_the_recommendation_metric():
    assert not hasattr(Q, "coverage") and "internal_edge_fraction" in Q.__all__
