"""Embedders: user and item vectors from interactions."""

from graphrec.embed.base import BaseEmbedder, Embedder
from graphrec.embed.spectral import SVD

__all__ = ["SVD", "BaseEmbedder", "Embedder"]
