"""Recommenders: the protocol, baselines and community-aware models."""

from graphrec.recommend.base import BaseRecommender, Recommender
from graphrec.recommend.baselines import ItemKNN, Popularity, Random, RP3beta
from graphrec.recommend.chebycf import ChebyCF
from graphrec.recommend.community import (
    CommunityBackoff,
    CommunityBlend,
    CommunityLocal,
    CommunityModel,
    CommunityPopularity,
    CommunityRestricted,
)
from graphrec.recommend.filters import GFCF, GraphFilter
from graphrec.recommend.linear import EASE

__all__ = [
    "EASE",
    "GFCF",
    "BaseRecommender",
    "ChebyCF",
    "CommunityBackoff",
    "CommunityBlend",
    "CommunityLocal",
    "CommunityModel",
    "CommunityPopularity",
    "CommunityRestricted",
    "GraphFilter",
    "ItemKNN",
    "Popularity",
    "RP3beta",
    "Random",
    "Recommender",
]
