"""Community detection on the real datasets in ../shared/datasets (skipped when absent)."""

import numpy as np
import pytest

import graphrec as gr
from graphrec.community import quality

pytestmark = pytest.mark.realdata


def test_lastfm_friends_share_bipartite_louvain_communities(lastfm):
    det = gr.create("detector", "bipartite_louvain", weighting="log", random_state=0).fit(lastfm)
    out = quality.friend_lift(lastfm, det.communities_, n_permutations=50, random_state=0)
    assert out["n_pairs"] == lastfm.user_graph.nnz // 2
    assert out["lift"] > 2.0 and out["p_value"] < 0.05
    assert out["friend_modularity"] > 0.25 > abs(out["baseline_modularity"])


def test_lastfm_log_weights_help_friend_modularity(lastfm):
    q = {}
    for weighting in ("binary", "log"):  # mean over 3 seeds (restarts in seeded orders)
        q[weighting] = np.mean(
            [
                quality.modularity(
                    lastfm.user_graph,
                    gr.create("detector", "bipartite_louvain", weighting=weighting, random_state=s)
                    .fit(lastfm)
                    .labels_,
                )
                for s in range(3)
            ]
        )
    assert q["log"] > q["binary"]


def test_movielens_communities_against_demographics(ml100k):
    det = gr.create("detector", "leiden", random_state=0).fit(ml100k)
    features = ml100k.user_features
    for column in ("age_band", "gender", "occupation"):
        out = quality.attribute_agreement(
            det.labels_, features[column], n_permutations=20, random_state=0
        )
        assert out["n_users"] == ml100k.n_users
        assert out["nmi"] > out["baseline_nmi"]  # taste groups differ in age, gender, work
        assert np.isfinite(out["purity_lift"])
