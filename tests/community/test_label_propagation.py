import numpy as np
import pytest

from graphrec.community import quality
from graphrec.community.label_propagation import LabelPropagation


@pytest.mark.parametrize("variant", ["semi_synchronous", "asynchronous"])
def test_variants_recover_planted_communities(easy, variant):
    det = LabelPropagation(variant=variant, random_state=0).fit(easy.data)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.9
    again = LabelPropagation(variant=variant, random_state=0).fit(easy.data)
    assert np.array_equal(again.labels_, det.labels_)


def test_seed_sets_the_node_order(easy, monkeypatch):
    import networkx as nx

    orders = []
    original = nx.community.label_propagation_communities

    def spy(graph):
        orders.append(graph.degree[0])
        return original(graph)

    monkeypatch.setattr(nx.community, "label_propagation_communities", spy)
    for seed in (0, 1, 2):
        LabelPropagation(random_state=seed).fit(easy.data)
    assert len(set(orders)) > 1  # node 0 of the permuted graph is a different user


def test_bad_variant(easy):
    with pytest.raises(ValueError, match="variant must be one of"):
        LabelPropagation(variant="sync").fit(easy.data)
