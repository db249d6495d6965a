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


def test_errors_are_messages_not_tracebacks(capsys):
    assert main(["list", "models"]) == 2
    assert "unknown kind 'models'" in capsys.readouterr().err
    assert main(["demo", "--mu", "2"]) == 2
    assert "mu must be in [0, 1]" in capsys.readouterr().err
