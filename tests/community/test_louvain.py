import numpy as np
import pytest

import graphrec as gr
from graphrec.community import quality
from graphrec.community.louvain import Louvain


def test_seed_reaches_python_louvain(easy, monkeypatch):
    import community as community_louvain

    seen = {}
    original = community_louvain.best_partition

    def spy(graph, **kwargs):
        seen.update(kwargs)
        return original(graph, **kwargs)

    monkeypatch.setattr(community_louvain, "best_partition", spy)
    Louvain(resolution=0.8, random_state=5).fit(easy.data)
    assert seen["random_state"] == 5
    assert seen["resolution"] == 0.8
    assert "randomize" not in seen


def test_resolution_is_the_usual_gamma(easy):
    # larger gives more communities (python-louvain weighs the null model by it when
    # moving nodes; at gamma < 1 its stopping rule, which weighs the other term, can
    # stop early, so only the direction above 1 is checked)
    base = Louvain(random_state=0).fit(easy.data).communities_.n_communities
    fine = Louvain(resolution=5.0, random_state=0).fit(easy.data).communities_.n_communities
    assert base == 4 < fine


@pytest.mark.parametrize("projection", ["count", "cosine", "jaccard"])
def test_projections(easy, projection):
    det = Louvain(projection=projection, top_k=None, random_state=0).fit(easy.data)
    assert quality.nmi(easy.user_labels, det.labels_) > 0.9
    assert det.graph_.shape == (600, 600)
    assert quality.modularity(det.graph_, det.labels_) > 0.3


def test_isolated_users_are_unassigned():
    data, _, _ = gr.planted_communities(100, 60, 2, mean_degree=10, mu=0.05, seed=0)
    lonely = data.filter(data.coo()[0] != 0)  # user 0 loses every interaction
    det = Louvain(random_state=0).fit(lonely)
    assert det.labels_[0] == -1 and (det.labels_[1:] >= 0).all()


def test_bad_parameters(easy):
    with pytest.raises(ValueError, match="resolution must be a number > 0"):
        Louvain(resolution=0).fit(easy.data)
    with pytest.raises(ValueError, match="projection must be one of"):
        Louvain(projection="dot").fit(easy.data)
    with pytest.raises(ValueError, match="weighting must be one of"):
        Louvain(weighting="sqrt").fit(easy.data)
    with pytest.raises(ValueError, match="top_k must be an integer >= 1"):
        Louvain(top_k=0).fit(easy.data)


def test_random_seeds_vary_but_agree_on_easy_data(easy):
    out = quality.stability(Louvain(), easy.data, seeds=[0, 1, 2])
    assert out["mean_ari"] > 0.95
    assert np.isfinite(out["std_ari"])
