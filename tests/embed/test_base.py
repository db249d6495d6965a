import json
import re

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


def broken_copies(path):
    """Damaged versions of a saved embedder file, each with the error it must give."""
    good = path.read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0xFF  # inside a stored array: its CRC no longer matches
    return {
        "truncated": (good[: len(good) // 2], "is truncated or corrupted"),
        "flipped": (bytes(flipped), "is truncated or corrupted"),
        "empty": (b"", "the file is empty"),
        "text": (b"user,item\n1,2\n", "expected a .npz archive written by Embedder.save"),
    }


def test_load_names_a_damaged_file(fitted, tmp_path):
    model, _ = fitted
    good = model.save(tmp_path / "m.npz")
    for name, (content, message) in broken_copies(good).items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(content)
        with pytest.raises(ValueError, match=re.escape(str(path))) as err:
            SVD.load(path)
        assert message in str(err.value), name


def test_load_names_missing_arrays_and_other_formats(fitted, tmp_path):
    model, _ = fitted
    good = dict(np.load(model.save(tmp_path / "m.npz")))
    partial = tmp_path / "partial.npz"
    np.savez(partial, **{k: v for k, v in good.items() if k != "item_ids"})
    with pytest.raises(ValueError, match=r"incomplete: the arrays \['item_ids'\] are missing"):
        SVD.load(partial)
    config = json.loads(str(good["config"])) | {"format": 99}
    future = tmp_path / "future.npz"
    np.savez(future, **(good | {"config": np.array(json.dumps(config))}))
    with pytest.raises(ValueError, match="has format 99; this graphrec reads format 1"):
        SVD.load(future)
    shapes = tmp_path / "shapes.npz"
    np.savez(shapes, **(good | {"user_embeddings": good["user_embeddings"][:-1]}))
    with pytest.raises(ValueError, match="inconsistent: embeddings"):
        SVD.load(shapes)
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as fh:  # a .npy written under an .npz name
        np.save(fh, np.arange(3))
    with pytest.raises(ValueError, match="not a graphrec embedder file"):
        SVD.load(npy)
