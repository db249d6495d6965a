"""Example plugin: a recommender scoring items by co-occurrence with the user's history."""

import numpy as np

from graphrec._params import Interval, param_constraints
from graphrec._registry import recommenders
from graphrec.recommend.base import BaseRecommender


@recommenders.register("example_cooccurrence")
class CooccurrenceRecommender(BaseRecommender):
    """score(u, i) = sum over the user's items j of co-occurrence(j, i) ** power."""

    _param_constraints = param_constraints(power=Interval(float, 0, None, closed="neither"))

    def __init__(self, power: float = 1.0):
        self.power = power

    def fit(self, train):
        x = train.matrix.astype(np.float32)
        self.cooc_ = (x.T @ x).power(self.power).tocsr()
        self.cooc_.setdiag(0)
        self.train_ = train
        return self

    def score(self, users):
        users = self._check_users(users)
        return np.asarray((self.train_.matrix[users] @ self.cooc_).todense())


if __name__ == "__main__":
    from graphrec.testing import check_recommender

    check_recommender(lambda train: CooccurrenceRecommender())
    print("example_cooccurrence passes the recommender conformance checks")
