"""Community-aware recommenders, one module each, over any base recommender.

- :class:`CommunityPopularity`: the most popular items of the user's community;
- :class:`CommunityBlend`: a base's scores blended with community popularity;
- :class:`CommunityBackoff`: a base plus community popularity weighted by
  ``lambda(n)``, shrinking with the user's history length ``n``;
- :class:`CommunityPosterior`: a base plus the posterior mixture of community
  popularities given the user's items (and friends), gated by the posterior's
  certainty and the history length;
- :class:`CommunityRestricted`: a base's ranking over the community's items, with a
  long-tail option;
- :class:`CommunityLocal`: a base refitted per community, blended with the global one;
- :class:`CommunityModel`: an embedder fine-tuned per community.

The shared machinery (community statistics, assignment of new users from their items
or friends, fold-in) is :class:`~graphrec.recommend.community._base.CommunityRecommender`.
Every one of them accepts ``communities="single"`` (all users in one community:
global popularity in place of community popularity), the control a community gain
must beat (:func:`graphrec.community.single_community`).
"""

from graphrec.recommend.community._base import CommunityRecommender
from graphrec.recommend.community.backoff import CommunityBackoff
from graphrec.recommend.community.blend import CommunityBlend
from graphrec.recommend.community.local import CommunityLocal
from graphrec.recommend.community.model import CommunityModel
from graphrec.recommend.community.popularity import CommunityPopularity
from graphrec.recommend.community.posterior import CommunityPosterior
from graphrec.recommend.community.restricted import CommunityRestricted

__all__ = [
    "CommunityBackoff",
    "CommunityBlend",
    "CommunityLocal",
    "CommunityModel",
    "CommunityPopularity",
    "CommunityPosterior",
    "CommunityRecommender",
    "CommunityRestricted",
]
