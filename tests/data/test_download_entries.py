"""Each dataset's archive entry (URL, checksum, marker file) is declared beside its loader."""

import inspect

import pytest

from graphrec._registry import datasets
from graphrec.data import download as download_mod
from graphrec.data.download import ARCHIVES, register_archive


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_archive_entry_lives_in_its_loaders_module(name):
    assert name in datasets, f"archive {name!r} has no registered loader"
    module = inspect.getmodule(datasets.get(name))
    assert module is not None and module.__name__.startswith("graphrec.data.datasets.")
    source = inspect.getsource(module)
    assert f'register_archive(\n    "{name}",' in source
    assert ARCHIVES[name].url in source


def test_the_download_module_keeps_only_the_mechanism():
    source = inspect.getsource(download_mod)
    assert "grouplens.org" not in source  # no dataset's URL is hard-wired here


def test_register_archive_rejects_a_malformed_checksum_at_declaration():
    with pytest.raises(ValueError, match="checksum must look like 'sha256:<hexdigest>'"):
        register_archive("bad-entry", "file:///tmp/x.zip", "crc32:1234", "x.csv")
    assert "bad-entry" not in ARCHIVES


def test_known_names_are_the_four_public_archives():
    assert set(ARCHIVES) >= {"movielens-100k", "movielens-1m", "movielens-latest", "lastfm-hetrec"}
