"""Recommenders: the protocol, baselines and (later) community-aware models."""

from graphrec.recommend.base import BaseRecommender, Recommender
from graphrec.recommend.baselines import ItemKNN, Popularity, Random

__all__ = ["BaseRecommender", "ItemKNN", "Popularity", "Random", "Recommender"]
