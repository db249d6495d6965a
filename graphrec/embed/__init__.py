"""Embedders: user and item vectors from interactions."""

from graphrec.embed.base import BaseEmbedder, Embedder
from graphrec.embed.lightgcn import MF, LightGCN, LightGCNPlusPlus
from graphrec.embed.lowpass import LowPass
from graphrec.embed.ncl import NCL
from graphrec.embed.random_walk import DeepWalk, Node2Vec
from graphrec.embed.spectral import SVD

__all__ = [
    "MF",
    "NCL",
    "SVD",
    "BaseEmbedder",
    "DeepWalk",
    "Embedder",
    "LightGCN",
    "LightGCNPlusPlus",
    "LowPass",
    "Node2Vec",
]
