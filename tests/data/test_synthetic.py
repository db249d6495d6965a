import numpy as np
import pytest

from graphrec.data.synthetic import load_synthetic, planted_communities


def inside_share(mu, seed=0):
    data, users, items = planted_communities(2000, 1000, 8, 25, mu, seed=seed)
    u, i, _, _ = data.coo()
    return (users[u] == items[i]).mean()


@pytest.mark.parametrize("mu", [0.1, 0.4, 0.8])
def test_mixing_parameter_is_respected(mu):
    assert inside_share(mu) == pytest.approx(1 - mu, abs=0.02)


def test_same_seed_same_data():
    a = planted_communities(300, 200, 3, seed=5).data
    b = planted_communities(300, 200, 3, seed=5).data
    c = planted_communities(300, 200, 3, seed=6).data
    assert (a.matrix != b.matrix).nnz == 0
    assert np.array_equal(a.timestamps, b.timestamps)
    assert (a.matrix != c.matrix).nnz > 0


def test_heavy_tails_and_degree():
    data = planted_communities(3000, 2000, 10, mean_degree=30, mu=0.3, seed=0).data
    deg = data.user_degrees()
    assert deg.min() >= 3
    assert 25 <= deg.mean() <= 32
    assert deg.max() > 4 * np.median(deg)  # heavy-tailed activity
    pop = np.sort(data.item_degrees())[::-1]
    assert pop[0] > 10 * np.median(pop)  # power-law popularity


def test_ground_truth_in_features():
    result = planted_communities(100, 60, 4, seed=1)
    assert result.data.user_features["community"].tolist() == result.user_labels.tolist()
    assert np.bincount(result.user_labels).tolist() == [25, 25, 25, 25]


def test_bad_parameters():
    with pytest.raises(ValueError, match="mu must be in"):
        planted_communities(mu=1.5)
    with pytest.raises(ValueError, match="n_communities=20 exceeds"):
        planted_communities(10, 10, 20)
    with pytest.raises(ValueError, match="n_users must be an integer"):
        planted_communities(0)
    with pytest.raises(ValueError, match="leave path=None"):
        load_synthetic(path="somewhere")


def test_matrix_is_canonical_and_times_follow_their_entries():
    from graphrec.data.interactions import Interactions

    data = planted_communities(500, 80, 4, mean_degree=25, seed=3).data
    m = data.matrix
    assert m.has_canonical_format and m.nnz == len(data.timestamps)
    assert np.all(m.data == 1.0) and (m.toarray() <= 1).all()  # repeated draws dropped
    users, items, _, times = data.coo()
    rebuilt = Interactions.from_coo(
        users[::-1], items[::-1], None, times[::-1], user_ids=data.user_ids, item_ids=data.item_ids
    )  # the general constructor sorts the entries, moving their timestamps along
    assert (rebuilt.matrix != m).nnz == 0
    np.testing.assert_array_equal(rebuilt.timestamps, data.timestamps)
