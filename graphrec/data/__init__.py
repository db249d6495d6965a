"""Interaction data: the container, loaders, synthetic data, preprocessing and splits."""

from graphrec.data.interactions import Interactions

__all__ = ["Interactions"]
