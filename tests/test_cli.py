import json

import numpy as np
import pandas as pd
import pytest
import yaml

import graphrec as gr
from graphrec.cli import main
from graphrec.experiment.compare import detect_communities


def test_demo_runs_the_chain_and_names_its_plots(capsys, tmp_path):
    args = ["demo", "--users", "300", "--items", "150", "--communities", "3", "--no-node2vec"]
    assert main([*args, "--out", str(tmp_path / "plots")]) == 0
    out = capsys.readouterr().out
    for part in (
        "1. Embeddings",
        "2. Communities",
        "3. Warm users",
        "4. New users",
        "5. The communities",
        "control: one community",
        "ease (base)",
        "Next:",
    ):
        assert part in out
    assert f"plots: {tmp_path / 'plots'}/" in out
    assert (tmp_path / "plots" / "new_users_ndcg.svg").exists()
    assert main([*args, "--no-plots"]) == 0
    assert "plots:" not in capsys.readouterr().out


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
    assert main(["compare", "synthetic", "--methods", "leiden", "--baselines", "eas"]) == 2
    err = capsys.readouterr().err
    assert "--baselines: unknown recommender 'eas'" in err and "Did you mean 'ease'?" in err


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
    # per seed: two detections (louvain, the control) and three evaluations
    assert "[1/10]" in text and "community_popularity" in text and "recall@10=" in text
    assert "Recommendation (mean ± standard deviation over seeds [0, 1]" in text
    assert "Communities" in text and "vs single" in text
    assert "best by ndcg@10 on the validation part (mean over seeds), reported on test" in text
    for name in ("results.csv", "summary.md", "communities.csv", "recommendations.csv"):
        assert (out / name).is_file()
    assert "plots" not in text and not (out / "plots").exists()  # --no-plots: none announced
    assert text.rstrip().endswith("(summary.md, results.csv)")
    assert main(["run", str(config), "--out", str(out), "--no-plots"]) == 0
    assert "10 of 10 runs were already in the cache" in capsys.readouterr().out
    assert main(["run", str(config), "--out", str(out), "--no-plots", "--seeds", "3"]) == 2
    assert "holds the results of a different config (seeds: [0, 1] -> [3])" in (
        capsys.readouterr().err
    )
    again = ["run", str(config), "--out", str(out), "--no-plots", "--overwrite"]
    assert main([*again, "--seeds", "3"]) == 0
    text = capsys.readouterr().out
    assert "seed 3" in text and "[95% bootstrap interval over the test users], seed 3" in text
    assert main([*again, "--no-control"]) == 0
    assert "vs single" not in capsys.readouterr().out


def test_run_shows_wide_breakdowns_compactly(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_YAML)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    full = pd.read_csv(out / "breakdown_community.csv")
    assert full.shape[1] > 30  # every metric with its interval: unreadable in a terminal
    block = text[text.index("per community") : text.index("(every metric")]
    header = block.splitlines()[1].split()
    assert header == ["users", "ndcg@10", "recall@10", "coverage@10"]
    assert max(len(line) for line in block.splitlines()) < 100
    assert "per activity band" in text and "breakdown_community.csv" in text
    assert "every K in summary.md" in text and "recall@5" not in text.split("jobs:")[1]
    assert text.rstrip().endswith("(summary.md, results.csv, plots/)")
    assert (out / "plots").is_dir()


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
    for word in ("modularity", "barber", "conductance", "nmi", "singletons", "largest"):
        assert word in text, word
    for word in ("community_blend", "single", "ndcg@10", "vs single", "p (Holm)"):
        assert word in text, word
    assert max(len(line) for line in text.splitlines() if str(tmp_path) not in line) <= 100
    wide = pd.read_csv(tmp_path / "compare.csv", index_col=0)
    assert {"ARI with leiden", "community_blend recall@10"} <= set(wide.index)
    assert (tmp_path / "compare_agreement.csv").is_file()
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


@pytest.fixture
def csv_with_genres(tmp_path):
    """Ratings of two planted taste groups and a genres file: group 0's items are
    'Noir|Mystery', group 1's 'Comedy' (ids are strings, as in a user's own export)."""
    data, _, item_truth = gr.planted_communities(240, 80, 2, mean_degree=15, mu=0.05, seed=0)
    coo = data.matrix.tocoo()
    ratings = tmp_path / "ratings.csv"
    lines = [f"u{u},m{i},{3 + (u + i) % 3}" for u, i in zip(coo.row, coo.col)]
    ratings.write_text("user,item,stars\n" + "\n".join(lines) + "\n")
    items = tmp_path / "movies.csv"
    genres = np.where(item_truth == 0, "Noir|Mystery", "Comedy")
    rows = [f"m{i},Film {i},{g},{1990 + i % 20}" for i, g in enumerate(genres)]
    items.write_text("movie_id,title,genres,year\n" + "\n".join(rows) + "\n")
    spec = {"path": str(items), "id": "movie_id", "genres": "genres", "sep": "|", "year": "year"}
    return ratings, spec


def test_profile_names_csv_communities_by_genre(csv_with_genres, capsys):
    ratings, spec = csv_with_genres
    args = ["profile", "csv", "--path", str(ratings), "--param", "rating_col=stars"]
    args += ["--param", f"item_features={json.dumps(spec)}"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Noir & Mystery" in text or "Mystery & Noir" in text
    assert "| Comedy " in text and "median_year" in text
    assert "Film " in text  # items are named by their title column


def test_profile_and_compare_find_the_run_communities(csv_with_genres, tmp_path, capsys):
    ratings, spec = csv_with_genres
    preprocess = {"binarize": 4, "k_core": [3, 2]}
    config = {
        "name": "csv-run",
        "dataset": {
            "name": "csv",
            "path": str(ratings),
            "params": {"rating_col": "stars", "item_features": spec},
            "preprocess": preprocess,
        },
        "detectors": [{"name": "louvain"}],
        "seeds": [3],
    }
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(config))
    assert (
        main(["run", str(tmp_path / "exp.yaml"), "--out", str(tmp_path / "run"), "--no-plots"]) == 0
    )
    ran = pd.read_csv(tmp_path / "run" / "communities.csv")
    train, comm = detect_communities(
        "csv",
        "louvain",
        path=ratings,
        seed=3,
        preprocess=preprocess,
        dataset_params={"rating_col": "stars", "item_features": spec},
    )
    assert train.user_ids.tolist() == ran["user_id"].tolist()  # the same users survive
    assert comm.user_labels.tolist() == ran["community"].tolist()
    args = ["compare", "csv", "--path", str(ratings), "--methods", "louvain", "--seed", "3"]
    args += ["--param", "rating_col=stars", "--param", f"item_features={json.dumps(spec)}"]
    args += ["--binarize", "4", "--k-core", "3,2", "--out", str(tmp_path / "cmp")]
    assert main(args) == 0
    compared = pd.read_csv(tmp_path / "cmp" / "communities.csv")
    assert compared.equals(ran)
    text = capsys.readouterr().out
    assert "popularity" in text and "base (svd)" in text


def test_data_options_are_checked(capsys):
    with pytest.raises(SystemExit):
        main(["profile", "synthetic", "--k-core", "3,x"])
    assert "MIN_USER,MIN_ITEM" in capsys.readouterr().err


def test_profile_reports_a_bad_features_file_in_one_line(csv_with_genres, capsys):
    ratings, spec = csv_with_genres
    bad = {**spec, "genres": "genre"}
    args = ["profile", "csv", "--path", str(ratings), "--param", f"item_features={json.dumps(bad)}"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "movies.csv: no column 'genre'" in err and "Traceback" not in err
