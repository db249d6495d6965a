"""One module per dataset loader; importing this package registers them all."""

from graphrec.data.datasets import csv, lastfm, lightgcn, movielens  # noqa: F401
