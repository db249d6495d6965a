import numpy as np
import pandas as pd
import pytest

import graphrec as gr
from graphrec.evaluate.stats import (
    activity_bands,
    bootstrap_ci,
    compare_to_baseline,
    group_table,
    holm,
    paired_comparison,
)


def test_activity_bands_thresholds():
    deg = np.array([0, 5, 6, 7, 8, 9, 10, 11, 12, 100])
    bands = activity_bands(deg, cold=5, hot_quantile=0.9)
    assert bands.tolist() == ["cold"] * 2 + ["warm"] * 7 + ["hot"]
    with pytest.raises(ValueError, match="hot_quantile"):
        activity_bands(deg, hot_quantile=1.5)


def test_bootstrap_ci_covers_mean_and_is_seeded():
    values = np.random.default_rng(0).normal(1.0, 1.0, 400)
    lo, hi = bootstrap_ci(values, random_state=3)
    assert lo < values.mean() < hi
    assert hi - lo == pytest.approx(2 * 1.96 / 20, rel=0.25)  # about 2 standard errors
    assert bootstrap_ci(values, random_state=3) == (lo, hi)


def test_group_table():
    frame = pd.DataFrame({"g": ["a", "a", "b"], "recall@5": [1.0, 0.0, 0.5]})
    out = group_table(frame, "g", ci=False)
    assert out["users"].tolist() == [2, 1]
    assert out["recall@5"].tolist() == [0.5, 0.5]


@pytest.fixture(scope="module")
def results():
    data = gr.load_dataset("synthetic", n_users=400, n_items=200, seed=0)
    s = gr.split(data, "random", seed=0)
    out = {}
    for name in ("popularity", "itemknn"):
        model = gr.create("recommender", name).fit(s.train)
        out[name] = gr.evaluate(
            model,
            s.test,
            k=[10],
            exclude=[s.train, s.valid],
            train=s.train,
            communities=data.user_features["community"].to_numpy(),
            item_communities=data.item_features["community"].to_numpy(),
        )
    return out


def test_per_user_breakdown_columns(results):
    res = results["itemknn"]
    for col in ("activity", "community", "n_train", "head_hits@10", "tail_hits@10", "outside@10"):
        assert col in res.per_user
    assert 0 < res.summary["communities_reached@10"] <= 5
    table = res.by("activity")
    assert set(table.index) <= {"cold", "warm", "hot"}
    assert (table["recall@10 lo"] <= table["recall@10"]).all()
    # the per-user hits split into head and tail
    assert np.allclose(
        res.per_user["head_hits@10"] + res.per_user["tail_hits@10"],
        res.per_user["recall@10"] * res.per_user["n_test"],
    )


def test_paired_comparison_finds_real_difference(results):
    cmp = paired_comparison(results["popularity"], results["itemknn"], "recall@10")
    assert cmp["diff"] > 0 and cmp["diff lo"] > 0 and cmp["p_wilcoxon"] < 0.01
    same = paired_comparison(results["itemknn"], results["itemknn"], "recall@10")
    assert same["diff"] == 0 and same["p_wilcoxon"] == 1.0
    table = compare_to_baseline(results, "recall@10")
    assert table.loc["itemknn", "diff"] == pytest.approx(cmp["diff"])


def test_holm_against_a_hand_computed_case():
    # sorted 0.01, 0.02, 0.03, 0.2 -> x4, x3, x2, x1 = 0.04, 0.06, 0.06, 0.2
    # running max keeps order; back in the input order:
    p = [0.03, 0.01, 0.2, 0.02]
    assert holm(p).tolist() == pytest.approx([0.06, 0.04, 0.2, 0.06])
    assert holm([0.5, 0.6]).tolist() == [1.0, 1.0]  # capped at 1
    assert holm([0.04]).tolist() == [0.04]  # one comparison: unchanged
    out = holm([0.01, np.nan, 0.04])  # NaN kept, not counted
    assert out[0] == pytest.approx(0.02) and np.isnan(out[1]) and out[2] == pytest.approx(0.04)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([1.5])


def test_compare_corrects_for_the_number_of_comparisons(results):
    three = dict(results, again=results["itemknn"])
    table = compare_to_baseline(three, "recall@10")
    raw = table["p_wilcoxon"].dropna().to_numpy()
    assert table["p_holm"].dropna().tolist() == pytest.approx(holm(raw).tolist())
    assert (table["p_holm"].dropna() >= raw).all()
    assert table.loc["itemknn", "p_holm"] == pytest.approx(min(1.0, 2 * raw[0]))
