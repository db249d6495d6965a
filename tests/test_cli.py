from graphrec.cli import main


def test_demo_prints_table(capsys):
    assert main(["demo", "--users", "200", "--items", "100"]) == 0
    out = capsys.readouterr().out
    for name in ("random", "popularity", "itemknn", "recall@20", "Next:"):
        assert name in out


def test_list_and_datasets(capsys):
    assert main(["list", "recommender"]) == 0
    assert "itemknn" in capsys.readouterr().out
    assert main(["datasets"]) == 0
    assert "movielens-100k" in capsys.readouterr().out


def test_list_accepts_plural_kinds(capsys):
    assert main(["list", "detectors", "datasets"]) == 0
    out = capsys.readouterr().out
    assert "detectors:" in out and "leiden" in out and "datasets:" in out
    assert main(["list", "embedders", "recommenders"]) == 0
    assert "svd" in capsys.readouterr().out


def test_compare_names_only_what_was_typed(capsys):
    assert main(["compare", "synthetic", "--methods", "leidn"]) == 2
    err = capsys.readouterr().err
    assert "--methods: unknown detector 'leidn'" in err and "Did you mean 'leiden'?" in err
    assert "needs communities" not in err and "recommenders[" not in err
    assert main(["compare", "synthetic", "--methods", "kmeans", "--embedder", "svdd"]) == 2
    err = capsys.readouterr().err
    assert "--embedder: unknown embedder 'svdd'" in err and "needs an embedder" not in err
    assert main(["compare", "synthetic", "--methods", "leiden", "--k", "0"]) == 2
    err = capsys.readouterr().err
    assert "--k must be a positive integer, got 0" in err and "primary" not in err


def test_compare_offline_download_is_one_error_line(tmp_path, monkeypatch, capsys):
    from graphrec.data import download as download_mod

    url = (tmp_path / "nowhere" / "ml-100k.zip").as_uri()
    archive = download_mod.Archive(url, None, "u.data")
    monkeypatch.setitem(download_mod.ARCHIVES, "movielens-100k", archive)
    monkeypatch.setenv("GRAPHREC_DATA", str(tmp_path / "cache"))
    assert main(["compare", "movielens-100k", "--methods", "leiden"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graphrec: error: ") and "Traceback" not in err
    assert "could not download movielens-100k" in err and "--path" in err
    assert not (tmp_path / "cache").exists()


def test_errors_are_messages_not_tracebacks(capsys):
    assert main(["list", "models"]) == 2
    assert "unknown kind 'models'" in capsys.readouterr().err
    assert main(["demo", "--mu", "2"]) == 2
    assert "mu must be a number in [0, 1]" in capsys.readouterr().err


TINY_YAML = """
name: cli-tiny
dataset:
  name: synthetic
  params: {n_users: 100, n_items: 50, n_communities: 3, mean_degree: 10}
detectors:
  - name: bipartite_louvain
recommenders:
  - name: popularity
  - name: community_popularity
evaluate: {k: [5, 10]}
seeds: [0, 1]
"""


def test_run_prints_summary_and_writes_outputs(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_YAML)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "[1/6]" in text and "community_popularity" in text and "recall@10=" in text
    assert "Recommendation (mean ± std over seeds [0, 1])" in text and "Communities" in text
    assert "best by ndcg@10" in text
    for name in ("results.csv", "summary.md", "communities.csv", "recommendations.csv"):
        assert (out / name).is_file()
    assert main(["run", str(config), "--out", str(out), "--no-plots"]) == 0
    assert "6 of 6 runs were already in the cache" in capsys.readouterr().out


def test_run_config_errors_exit_2(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text(TINY_YAML.replace("bipartite_louvain", "bipartite_luovain"))
    assert main(["run", str(config), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graphrec: error: invalid experiment config")
    assert "detectors[0].name: unknown detector 'bipartite_luovain'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()  # validated before any work
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert "no config file" in capsys.readouterr().err


def test_compare_on_synthetic(tmp_path, capsys):
    args = ["compare", "synthetic", "--methods", "bipartite_louvain", "leiden"]
    args += ["--param", "n_users=150", "--param", "n_items=80", "--k", "10", "--out", str(tmp_path)]
    assert main(args) == 0
    text = capsys.readouterr().out
    for row in (
        "modularity",
        "barber_modularity",
        "conductance",
        "nmi (truth)",
        "ARI with leiden",
        "community_blend recall@10",
        "community_popularity coverage@10",
    ):
        assert row in text, row
    assert (tmp_path / "compare.csv").is_file()
    assert main(["compare", "synthetic", "--methods", "lovain"]) == 2
    assert "unknown detector 'lovain'" in capsys.readouterr().err


def test_profile_movielens(shared_datasets, capsys):
    path = shared_datasets / "ml-100k"
    assert main(["profile", "movielens-100k", "--path", str(path), "--top", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## movielens-100k:")
    assert "| community | size | share |" in text and "top_gender" in text and "Drama" in text


def test_profile_seeds_only_detectors_that_take_a_seed(capsys):
    # dbscan declares takes_seed=False: it must not be given random_state
    args = ["profile", "synthetic", "--method", "dbscan", "--param", "n_users=200"]
    assert main([*args, "--param", "n_items=80"]) == 0
    assert "communities (dbscan, seed" in capsys.readouterr().out
