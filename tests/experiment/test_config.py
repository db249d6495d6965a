"""Config loading and validation: every problem named with its field and the valid choices."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graphrec.experiment import ConfigError, load_config
from graphrec.experiment.config import expand_grid


def test_minimal_config_gets_defaults(make_config):
    cfg = load_config(
        {"name": "m", "dataset": {"name": "synthetic"}, "recommenders": ["popularity"]}
    )
    assert cfg.seeds == (0,)
    assert cfg.evaluate.k == (10, 20)
    assert cfg.evaluate.primary == "ndcg@20"
    assert cfg.dataset.split.method == "random"
    assert cfg.output.is_absolute() and cfg.output.name == "m"


def test_defaults_filled_in_and_resolved_yaml_round_trips(make_config, tmp_path):
    cfg = load_config(make_config(tmp_path))
    kmeans = cfg.detectors[1]
    assert kmeans.params["n_communities"] == 3
    assert kmeans.params["k_range"] == [[2, 20]]  # a tuple default: one value, not a grid
    assert "random_state" not in kmeans.params  # the run seed is used
    path = tmp_path / "resolved.yaml"
    path.write_text(cfg.to_yaml())
    again = load_config(path)
    assert again.to_dict() == cfg.to_dict()
    assert again.source == str(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"dataset": {"name": "synthetik"}},
            ["dataset.name", "unknown dataset", "Did you mean 'synthetic'"],
        ),
        (
            {"embedders": [{"name": "svd", "params": {"dimm": 8}}]},
            ["embedders[0].params", "unknown parameter(s) dimm", "valid parameters: dim"],
        ),
        (
            {"detectors": [{"name": "louvian"}]},
            ["detectors[0].name", "unknown detector 'louvian'", "leiden", "Did you mean 'louvain'"],
        ),
        (
            {"recommenders": [{"name": "community_blend", "params": {"alhpa": 0.1}}]},
            ["recommenders[0].params", "alhpa", "valid parameters: base, communities, alpha"],
        ),
        ({"recommenders": ["populr"]}, ["recommenders[0].name", "popularity", "'embedding'"]),
        ({"evaluate": {"k": [0, 10]}}, ["evaluate.k", "positive integers"]),
        ({"evaluate": {"metrics": ["recal"]}}, ["evaluate.metrics", "available: recall"]),
        ({"evaluate": {"k": [10], "primary": "ndcg@7"}}, ["evaluate.primary", "k in [10]"]),
        ({"evaluate": {"sample_users": 0}}, ["evaluate.sample_users", "a positive integer"]),
        ({"seeds": [1, 1]}, ["seeds", "distinct"]),
        ({"colour": "red"}, ["unknown key 'colour'", "valid keys: name, output"]),
        (
            {"embedders": [{"name": "lightgcn", "params": {"dim": -1}}]},
            ["embedders[0].params", "dim must be an integer >= 1"],
        ),
    ],
)
def test_errors_name_the_field_and_the_choices(make_config, change, expected):
    with pytest.raises(ConfigError) as info:
        load_config(make_config(**change))
    message = str(info.value)
    for part in expected:
        assert part in message, message


def test_all_problems_reported_at_once(make_config):
    bad = make_config(
        dataset={"name": "synthetic", "params": {"n_user": 5}, "split": {"method": "randm"}},
        detectors=[{"name": "kmeans", "embedder": "lightgcn"}],
        recommenders=[{"name": "community_blend", "params": {"embedder": "svd"}}],
    )
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    message = str(info.value)
    assert "dataset.params" in message and "n_users" in message
    assert "dataset.split.method" in message and "leave_one_out" in message
    assert "detectors[0].embedder" in message and "one of: svd" in message
    unknown = "recommender 'community_blend' got unknown parameter(s) embedder"
    assert f"recommenders[0].params: {unknown}" in message


def test_a_misspelt_component_is_one_error_not_follow_ons():
    base = {"name": "x", "dataset": {"name": "synthetic"}}
    cfg = {
        **base,
        "embedders": ["svdd"],
        "detectors": ["leidn", {"name": "kmeans"}],
        "recommenders": ["community_popularity", "embedding"],
        "evaluate": {"k": [0], "primary": "ndcg@0"},
    }
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    message = str(info.value)
    assert "embedders[0].name: unknown embedder 'svdd'" in message
    assert "detectors[0].name: unknown detector 'leidn'" in message
    assert "evaluate.k: positive integers" in message
    # the lists were given: no "add one to ..." and no second error about the same k
    assert "add one to" not in message and "clusters embeddings" not in message
    assert "evaluate.primary" not in message


def test_missing_components_and_paths(tmp_path):
    base = {"name": "x", "dataset": {"name": "synthetic"}}
    with pytest.raises(ConfigError, match="needs communities; add one to 'detectors'"):
        load_config({**base, "recommenders": ["community_popularity"]})
    with pytest.raises(ConfigError, match="needs an embedder"):
        load_config({**base, "recommenders": ["embedding"]})
    with pytest.raises(ConfigError, match="clusters embeddings"):
        load_config({**base, "detectors": ["kmeans"]})
    with pytest.raises(ConfigError, match="at least one detector or recommender"):
        load_config(base)
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match=r"dataset.path: .*nowhere does not exist"):
        load_config(
            {
                "name": "x",
                "dataset": {"name": "movielens-100k", "path": str(missing)},
                "recommenders": ["popularity"],
            }
        )
    with pytest.raises(ConfigError, match="'given' needs a dataset that comes split"):
        load_config(
            {
                **base,
                "dataset": {"name": "synthetic", "split": "given"},
                "recommenders": ["popularity"],
            }
        )
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "none.yaml")


def test_yaml_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(path)


def test_grid_expansion_counts(make_config):
    cfg = load_config(
        make_config(
            embedders=[{"name": "svd", "params": {"dim": [4, 8], "n_iter": [2, 3, 4]}}],
            recommenders=[{"name": "community_blend", "params": {"alpha": [0.1, 0.2]}}],
        )
    )
    assert len(cfg.embedders[0].variants()) == 6
    assert len(cfg.recommenders[0].variants()) == 2
    assert expand_grid({"a": [1, 2], "b": [[1, 2]]}) == [
        {"a": 1, "b": [1, 2]},
        {"a": 2, "b": [1, 2]},
    ]


def test_detector_embedder_reference(make_config):
    cfg = load_config(
        make_config(
            embedders=[
                {"name": "svd", "params": {"dim": 4}},
                {"name": "svd", "label": "svd16", "params": {"dim": 16}},
            ],
            detectors=[
                {"name": "kmeans", "embedder": "svd16"},
                {"name": "louvain"},
                {"name": "gmm", "embedder": 0},
                {"name": "knn_spectral"},
            ],
            recommenders=["popularity"],
        )
    )
    assert [d.embedder for d in cfg.detectors] == [(1,), None, (0,), (0, 1)]
    with pytest.raises(ConfigError, match="does not use an embedder"):
        load_config(make_config(detectors=[{"name": "louvain", "embedder": 0}]))


def test_lightgcn_split_is_given(shared_datasets):
    path = shared_datasets / "lightgcn-splits" / "lastfm"
    cfg = load_config(
        {
            "name": "x",
            "dataset": {"name": "lightgcn", "path": str(path)},
            "recommenders": ["popularity"],
        }
    )
    assert cfg.dataset.split.method == "given"
    with pytest.raises(ConfigError, match="already split"):
        load_config(
            {
                "name": "x",
                "dataset": {"name": "lightgcn", "path": str(path), "split": "random"},
                "recommenders": ["popularity"],
            }
        )


REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIGS = sorted((REPO / "experiments" / "configs").glob("*.yaml"))


def test_there_are_example_configs():
    assert len(EXAMPLE_CONFIGS) >= 5


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: p.name)
def test_example_configs_are_valid(path, monkeypatch):
    # the configs' relative paths are meant from the repository root (as the README runs them)
    monkeypatch.chdir(REPO)
    raw = yaml.safe_load(path.read_text())
    data_path = raw["dataset"].get("path")
    if data_path and not (REPO / data_path).exists():
        pytest.skip(f"{path.name}: dataset folder {(REPO / data_path).resolve()} is absent")
    cfg = load_config(path)
    assert cfg.name == raw["name"] and cfg.recommenders
    if data_path:
        assert Path(cfg.dataset.path) == (REPO / data_path).absolute()
