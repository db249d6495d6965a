"""Recommenders: the protocol, baselines and community-aware models."""

from graphrec.recommend.base import BaseRecommender, Recommender
from graphrec.recommend.baselines import ItemKNN, Popularity, Random
from graphrec.recommend.community import (
    CommunityBlend,
    CommunityModel,
    CommunityPopularity,
    CommunityRestricted,
)

__all__ = [
    "BaseRecommender",
    "CommunityBlend",
    "CommunityModel",
    "CommunityPopularity",
    "CommunityRestricted",
    "ItemKNN",
    "Popularity",
    "Random",
    "Recommender",
]
