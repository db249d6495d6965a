import numpy as np
import pytest

import graphrec as gr
from graphrec.embed.spectral import SVD


@pytest.fixture(scope="module")
def fitted():
    data = gr.load_dataset("synthetic", n_users=120, n_items=60, n_communities=3, seed=0)
    split = gr.split(data, "random", seed=0)
    return SVD(dim=4, random_state=0).fit(split.train), split


def test_save_load_round_trip(fitted, tmp_path):
    model, _ = fitted
    path = model.save(tmp_path / "svd.npz")
    again = SVD.load(path)
    assert again.get_params() == model.get_params()
    np.testing.assert_array_equal(again.user_embeddings_, model.user_embeddings_)
    assert np.array_equal(
        again.recommend(np.arange(5), k=3)[0], model.recommend(np.arange(5), k=3)[0]
    )
    assert not list(tmp_path.glob("*.tmp"))  # atomic: no temporary file left


def test_save_never_overwrites_silently(fitted, tmp_path):
    model, _ = fitted
    path = model.save(tmp_path / "m.npz")
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path)
    assert path.read_bytes() == before
    model.save(path, overwrite=True)


def test_load_checks_class_and_file(fitted, tmp_path):
    model, _ = fitted
    path = model.save(tmp_path / "m.npz")

    class Other(SVD):
        pass

    with pytest.raises(ValueError, match="holds a SVD, not a Other"):
        Other.load(path)
    with pytest.raises(FileNotFoundError):
        SVD.load(tmp_path / "missing.npz")


def test_valid_with_unknown_users_is_rejected(fitted):
    _, split = fitted
    train = split.train.filter(split.train.coo()[0] != 0)  # user 0 has no training data
    with pytest.raises(ValueError, match="valid holds 1 users with no training"):
        SVD(dim=4).fit(train, valid=split.valid)


def test_unfitted_embedder():
    with pytest.raises(gr.NotFittedError):
        SVD().score(np.array([0]))
