import pytest

import graphrec as gr


def test_available_lists_names():
    assert {"popularity", "random", "itemknn"} <= set(gr.available("recommender"))
    assert "synthetic" in gr.available("dataset")


def test_create_passes_parameters():
    model = gr.create("recommender", "itemknn", n_neighbors=7, similarity="jaccard")
    assert model.get_params() == {"n_neighbors": 7, "similarity": "jaccard"}


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown parameter.*neighbours.*n_neighbors, similarity"):
        gr.create("recommender", "itemknn", neighbours=7)


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean 'itemknn'"):
        gr.create("recommender", "itemnn")
    with pytest.raises(ValueError, match="unknown kind"):
        gr.create("model", "x")


def test_dataset_kind_loads():
    data = gr.create("dataset", "synthetic", n_users=50, n_items=30, n_communities=2)
    assert data.shape == (50, 30)
