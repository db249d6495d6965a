"""One module per dataset loader; importing this package registers them all."""

from graphrec.data.datasets import ciaodvd, csv, lastfm, lightgcn, movielens  # noqa: F401
