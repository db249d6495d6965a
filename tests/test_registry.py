import ast
from pathlib import Path

import numpy as np
import pytest

import graphrec as gr
from graphrec._registry import _REGISTRIES, Registry, recommenders
from graphrec.experiment import ConfigError, load_config, make_plan, run_experiment
from graphrec.recommend.base import BaseRecommender


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


# ---------------------------------------------------------------------------- declarations


TOY_DATA = {
    "name": "synthetic",
    "params": {"n_users": 80, "n_items": 40, "n_communities": 2, "mean_degree": 10},
}


class _ToyBase(BaseRecommender):
    """Scores items by their popularity within the user's community (or overall)."""

    def __init__(self, communities=None, embedder=None, boost=1.0):
        self.communities = communities
        self.embedder = embedder
        self.boost = boost

    def fit(self, train):
        self.train_ = train
        counts = np.asarray(train.item_degrees(), dtype=np.float64)
        self.scores_ = self.boost * counts
        return self

    def score(self, users):
        users = self._check_users(users)
        return np.tile(self.scores_.astype(np.float32), (len(users), 1))


@pytest.fixture
def toy_recommenders():
    """``toy_needs_communities`` (declared) and ``toy_plain`` (declares nothing, though it
    has parameters named ``communities`` and ``embedder``), removed afterwards."""

    class NeedsCommunities(_ToyBase):
        def fit(self, train):
            if getattr(self.communities, "user_labels", None) is None:
                raise ValueError(f"expected the detected communities, got {self.communities!r}")
            return super().fit(train)

    class Plain(_ToyBase):
        pass

    recommenders.register("toy_needs_communities", needs=("communities",))(NeedsCommunities)
    recommenders.register("toy_plain")(Plain)
    yield NeedsCommunities, Plain
    recommenders.unregister("toy_needs_communities")
    recommenders.unregister("toy_plain")


def _toy_config(tmp_path, recs, **extra):
    cfg = {
        "name": "toy",
        "output": str(tmp_path / "out"),
        "dataset": TOY_DATA,
        "recommenders": [{"name": r} for r in recs],
        "seeds": [0],
    }
    cfg.update(extra)
    return cfg


def test_declared_needs_plan_a_detector_stage(toy_recommenders, tmp_path):
    cfg = _toy_config(
        tmp_path,
        ["toy_needs_communities", "toy_plain"],
        embedders=[{"name": "svd", "params": {"dim": 4}}],
        detectors=[{"name": "louvain"}, {"name": "kmeans", "params": {"n_communities": 2}}],
    )
    plan = make_plan(load_config(cfg), tmp_path / "cache")
    toy = [r for r in plan.runs if r.recommender == "toy_needs_communities"]
    plain = [r for r in plan.runs if r.recommender == "toy_plain"]
    # the two detectors and the single-community control added beside them
    assert sorted(r.detector for r in toy) == ["kmeans", "louvain", "single"]
    assert all("detect" in r.keys for r in toy)
    # declaring nothing: one run, no detector and no embedder, whatever its parameter names
    assert len(plain) == 1 and set(plain[0].keys) == {"evaluate"}
    assert plain[0].detector == "" and plain[0].embedder == ""


def test_declared_needs_are_validated_and_injected(toy_recommenders, tmp_path):
    with pytest.raises(ConfigError, match=r"'toy_needs_communities' needs communities"):
        load_config(_toy_config(tmp_path, ["toy_needs_communities"]))
    bad = _toy_config(tmp_path, [], detectors=[{"name": "louvain"}])
    bad["recommenders"] = [{"name": "toy_needs_communities", "params": {"communities": [0]}}]
    with pytest.raises(ConfigError, match=r"params.communities: set by the runner"):
        load_config(bad)
    # a declared-nothing component's same-named parameter is an ordinary one (default kept)
    cfg = load_config(_toy_config(tmp_path, ["toy_plain"]))
    assert cfg.recommenders[0].params == {"communities": None, "embedder": None, "boost": 1.0}
    # end to end: the runner passes the communities the declaration asks for
    result = run_experiment(
        _toy_config(tmp_path, ["toy_needs_communities"], detectors=[{"name": "louvain"}]),
        plots=False,
    )
    row = result.runs[result.runs["kind"] == "evaluate"]
    assert list(row["recommender"]) == ["toy_needs_communities"] * 2
    assert list(row["detector"]) == ["louvain", "single"]  # the control beside it


def test_fine_tunable_embedders_only_for_community_model(tmp_path):
    cfg = _toy_config(
        tmp_path,
        ["community_model", "community_blend"],
        embedders=[{"name": "svd", "params": {"dim": 4}}, {"name": "mf", "params": {"dim": 4}}],
        detectors=[{"name": "louvain"}],
    )
    plan = make_plan(load_config(cfg), tmp_path / "cache")
    paired = {(r.recommender, r.embedder) for r in plan.runs if r.kind == "evaluate"}
    assert paired == {
        ("community_model", "mf"),
        ("community_blend", "svd"),
        ("community_blend", "mf"),
    }
    cfg["embedders"] = cfg["embedders"][:1]
    with pytest.raises(ConfigError, match=r"'community_model' fine-tunes its embedder.*lightgcn"):
        load_config(cfg)


def test_dataset_declarations(tmp_path):
    from graphrec._registry import datasets

    assert (
        datasets.info("lightgcn").gives == "split" and datasets.info("csv").gives == "interactions"
    )
    assert datasets.info("synthetic").seed_param == "seed"
    with pytest.raises(ConfigError, match=r"dataset.path: dataset 'lightgcn' needs a path"):
        load_config({"name": "x", "dataset": {"name": "lightgcn"}, "recommenders": ["popularity"]})


def test_info_defaults_and_arbitrary_metadata():
    registry = Registry("metric")

    @registry.register("hits", direction="max", inputs=("test", "ranking"))
    def hits(ranking, test):  # pragma: no cover - never called
        return 0.0

    info = registry.info("hits")
    assert info.meta == {"direction": "max", "inputs": ("test", "ranking")}
    assert info.needs == () and not info.fine_tunable and not info.takes_seed
    assert hits._registered_name == "hits"
    with pytest.raises(ValueError, match=r"unknown metric 'hitz'.*Did you mean 'hits'"):
        registry.info("hitz")
    assert recommenders.info("popularity").needs == ()  # undeclared: needs nothing
    assert _REGISTRIES["detector"].info("dbscan").takes_seed is False
    assert _REGISTRIES["detector"].info("louvain").seed_param == "random_state"
    for name in _REGISTRIES["detector"].names():  # one fact: the class's and the registry's
        assert (
            _REGISTRIES["detector"].info(name).takes_seed == gr.create("detector", name).takes_seed
        )


def test_bad_declarations_raise():
    registry = Registry("recommender")

    class NoCommunitiesParam:
        def __init__(self, groups=None):
            self.groups = groups

    with pytest.raises(ValueError, match="needs communities but has no parameter communities"):
        registry.register("a", needs=("communities",))(NoCommunitiesParam)
    with pytest.raises(ValueError, match=r"unknown need\(s\) 'comunities'; a recommender may need"):
        registry.register("b", needs=("comunities",))
    with pytest.raises(ValueError, match="declares takes_seed=True but has no 'random_state'"):
        registry.register("c", takes_seed=True)(NoCommunitiesParam)

    class SaysSeeded(NoCommunitiesParam):
        takes_seed = True  # a detector's class attribute is its declaration

    with pytest.raises(ValueError, match="declares takes_seed=True but has no 'random_state'"):
        registry.register("e")(SaysSeeded)
    with pytest.raises(ValueError, match="gives must be one of 'interactions', 'split'"):
        Registry("dataset").register("d", gives="splits")
    assert "a" not in registry and "c" not in registry


def test_registered_name_is_given_once():
    """Each component's name lives only in its registration (no ``_method`` / ``_name``)."""
    for kind, registry in _REGISTRIES.items():
        for name in registry.names():
            obj = registry.get(name)
            # metrics are frozen records that carry their name as a field
            registered = obj.name if kind == "metric" else obj._registered_name
            assert registered == name, (kind, name)
    assert (
        gr.create("detector", "louvain")
        .fit(gr.create("dataset", "synthetic", **TOY_DATA["params"]))
        .communities_.method
        == "louvain"
    )
    names = {n for registry in _REGISTRIES.values() for n in registry.names()}
    classes = {  # the registered classes, by (module, class name)
        (obj.__module__, obj.__name__)
        for registry in _REGISTRIES.values()
        for obj in map(registry.get, registry.names())
        if isinstance(obj, type)
    }
    root = Path(gr.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        module = ".".join(("graphrec", *path.relative_to(root).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Attribute) and node.attr == "_method":
                found.append(where)
            elif isinstance(node, ast.Name) and node.id == "_method":
                found.append(where)
            elif isinstance(node, ast.ClassDef) and (module, node.name) in classes:
                # a registered class's attribute holding a registered name
                found += [
                    f"{where} ({node.name})"
                    for stmt in node.body
                    if isinstance(stmt, (ast.Assign, ast.AnnAssign))
                    and isinstance(stmt.value, ast.Constant)
                    and stmt.value.value in names
                ]
    assert not found, f"the registered name is repeated in the class at {found}"
