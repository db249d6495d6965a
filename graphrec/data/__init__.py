"""Interaction data: the container, loaders, synthetic data, preprocessing and splits."""

from graphrec.data import download, loaders, preprocess, split, synthetic
from graphrec.data.interactions import Interactions

__all__ = ["Interactions", "download", "loaders", "preprocess", "split", "synthetic"]
