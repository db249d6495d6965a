"""Every registered recommender and embedder honours the shared contract.

The checks are the public ones in :mod:`graphrec.testing`, the same a plugin's tests use.
"""

import numpy as np
import pytest

import graphrec as gr
from graphrec._registry import recommenders
from graphrec.evaluate import metrics
from graphrec.testing import check_dataset, check_embedder, check_metric, check_recommender

# recommenders that ignore the user's own history: exempt from the known-answer case
NOT_PERSONALISED = {"popularity", "random", "community_popularity"}
# community_model fine-tunes an MF trained for a few epochs here (training it to
# convergence on the block case would take minutes): known-answer case not asserted
NOT_PERSONALISED |= {"community_model"}
FAST_EMBEDDER = {
    "mf": {"dim": 8, "epochs": 2},
    "lightgcn": {"dim": 8, "epochs": 2},
    "lightgcn++": {"dim": 8, "epochs": 2},
    "ncl": {"dim": 8, "epochs": 2, "warmup_epochs": 0},
    "node2vec": {"dim": 8, "walk_length": 10, "walks_per_node": 2, "epochs": 1},
    "deepwalk": {"dim": 8, "walk_length": 10, "walks_per_node": 2, "epochs": 1},
    "svd": {"dim": 4},
    "lowpass": {"dim": 4},
}


def factory(name):
    """``factory(train)``: the recommender with what it needs beyond its defaults."""

    def make(train):
        needs = recommenders.info(name).needs  # what the registration declares
        params = gr.create("recommender", name).get_params()
        out = {}
        if "communities" in needs:
            det = gr.create("detector", "louvain", random_state=0).fit(train)
            out["communities"] = det.labels_
        if "embedder" in needs or "fine_tunable_embedder" in needs:
            # a fine-tunable embedder is a trained torch model; the others take any
            kind = (
                ("mf", {"dim": 8, "epochs": 5})
                if "fine_tunable_embedder" in needs
                else ("svd", {"dim": 4})
            )
            out["embedder"] = gr.create("embedder", kind[0], random_state=0, **kind[1])
        if "base" in needs or "fine_tunable_embedder" in needs:  # the parameter is base
            out["base"] = out.pop("embedder", None) or gr.create("recommender", "ease", l2=10.0)
        if "min_size" in params:
            out["min_size"] = 2
        if name in ("gfcf", "graph_filter", "chebycf"):
            out["k"] = 4  # the defaults exceed the rank of the small known-answer graph
        return gr.create("recommender", name, **out)

    return make


@pytest.mark.parametrize("name", gr.available("recommender"))
def test_recommender_contract(name):
    check_recommender(factory(name), personalised=name not in NOT_PERSONALISED)


@pytest.mark.parametrize("name", gr.available("embedder"))
def test_embedder_contract(name):
    params = {
        k: v
        for k, v in FAST_EMBEDDER.get(name, {}).items()
        if k in gr.create("embedder", name).get_params()
    }
    check_embedder(lambda: gr.create("embedder", name, **params), dim=params.get("dim"))


def test_svd_passes_the_known_answer_case():
    check_recommender(lambda train: gr.create("embedder", "svd", dim=4, random_state=0))


def test_known_answer_fails_for_a_recommender_that_ignores_the_user():
    with pytest.raises(AssertionError, match="known-answer"):
        check_recommender(lambda train: gr.create("recommender", "popularity"))


def test_datasets():
    check_dataset(gr.data.loaders.load_csv)
    for name in gr.available("dataset"):
        if name != "synthetic" and "path" in gr._registry.datasets.parameters(name):
            check_dataset(gr._registry.datasets.get(name))


@pytest.mark.parametrize(
    "metric",
    [
        metrics.recall_at_k,
        metrics.precision_at_k,
        metrics.hit_rate_at_k,
        metrics.ndcg_at_k,
        metrics.average_precision_at_k,
        metrics.reciprocal_rank_at_k,
    ],
)
def test_metric_contract(metric):
    check_metric(metric)


def test_check_metric_catches_a_wrong_metric():
    with pytest.raises(AssertionError):
        check_metric(lambda hits, k: np.full(len(hits), 0.5))
