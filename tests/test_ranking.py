"""The bottom layer's validation score equals graphrec.evaluate's numbers."""

import inspect

import numpy as np
import pytest

import graphrec as gr
from graphrec._ranking import ranking_validation
from graphrec.embed.lightgcn import MF


@pytest.fixture(scope="module")
def split():
    data = gr.load_dataset("synthetic", n_users=250, n_items=120, n_communities=4, seed=2)
    return gr.split(data, "random", seed=0)


def evaluated(model, valid, train, metric, k):
    kw = {"train": train} if "train" in inspect.signature(gr.evaluate).parameters else {}
    res = gr.evaluate(
        model, valid, k=[k], exclude=[train], metrics=[metric], item_vectors=None, **kw
    )
    return res.summary[f"{metric}@{k}"]


@pytest.mark.parametrize("monitor", ["ndcg@20", "recall@20", "map@5", "mrr@10", "precision@3"])
def test_default_validation_equals_evaluate(split, monitor):
    mf = MF(dim=8, epochs=3, batch_size=512, device="cpu", random_state=0).fit(split.train)
    pop = gr.create("recommender", "popularity").fit(split.train)
    metric, k = monitor.split("@")
    for model in (mf, pop):
        value = ranking_validation(split.train, split.valid, monitor)(model)
        assert value == evaluated(model, split.valid, split.train, metric, int(k))
        assert 0 < value <= 1


def test_validation_above_the_catalogue_size(split):
    # k larger than the catalogue: evaluate ranks every item; so does the validation
    pop = gr.create("recommender", "popularity").fit(split.train)
    value = ranking_validation(split.train, split.valid, "recall@500")(pop)
    assert value == evaluated(pop, split.valid, split.train, "recall", 500) == pytest.approx(1.0)


def test_validation_rejects_bad_monitors_and_scores(split):
    with pytest.raises(ValueError, match="monitor must be a ranking metric"):
        ranking_validation(split.train, split.valid, "auc@20")

    class Wrong(gr.recommend.BaseRecommender):
        def score(self, users):
            return np.zeros((len(users), 3))

    model = Wrong()
    model.train_ = split.train
    with pytest.raises(ValueError, match=r"Wrong.score returned shape \(\d+, 3\)"):
        ranking_validation(split.train, split.valid)(model)


@pytest.mark.parametrize("fold_in", [False, True])
def test_recommend_beyond_the_recommendable_items_never_pads_with_seen_items(split, fold_in):
    # k above the catalogue: the lists hold only unseen items, then empty slots (-1, -inf)
    train = split.train
    pop = gr.create("recommender", "popularity").fit(train)
    users = np.arange(20)
    k = train.n_items + 50
    if fold_in:
        items, scores = pop.recommend(users, k=k, user_items=train.matrix[users])
    else:
        items, scores = pop.recommend(users, k=k)
    assert items.shape == scores.shape == (len(users), train.n_items)
    seen = train.matrix[users].toarray() > 0
    n_seen = seen.sum(axis=1)
    for row in range(len(users)):
        listed = items[row][items[row] >= 0]
        assert len(listed) == train.n_items - n_seen[row]
        assert not seen[row, listed].any()
        assert (items[row, len(listed) :] == -1).all()
        assert np.isneginf(scores[row, len(listed) :]).all()
