"""Example plugin: a detector putting users with the same most-used item block together."""

import numpy as np

from graphrec._params import Interval, param_constraints
from graphrec._registry import detectors
from graphrec.community.base import BaseDetector, check_detector_input


@detectors.register("example_blocks")
class BlockDetector(BaseDetector):
    """Items are cut into ``n_communities`` index blocks; each user joins its most-used block."""

    takes_seed = False  # deterministic: no random_state parameter
    _param_constraints = param_constraints(n_communities=Interval(int, 1, None))

    def __init__(self, n_communities: int = 4):
        self.n_communities = n_communities

    def fit(self, train, embedder=None):
        train = check_detector_input(train)
        k = self.n_communities
        blocks = np.arange(train.n_items) * k // train.n_items
        counts = np.stack([train.matrix[:, blocks == b].sum(axis=1) for b in range(k)], axis=1)
        return self._finish(np.asarray(counts).argmax(axis=1))


if __name__ == "__main__":
    from graphrec.testing import check_detector

    check_detector(BlockDetector, name="example_blocks", min_nmi=None)
    print("example_blocks passes the detector conformance checks")
