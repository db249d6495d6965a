"""graphrec: user communities in recommender data, and recommending with them.

A known answer: three users, four items. Popularity ranks item 0 (3 users), then
items 1 and 2 (1 each; ties go to the lower index), then item 3. With each user's
training items masked, user 0 gets item 1 first (a test hit), user 1 item 2 (a
miss: the test item is 3), user 2 item 1 (a hit): recall@1 = 2/3, and items 1 and
2 of the 4 are recommended: coverage@1 = 0.5.

>>> import numpy as np, scipy.sparse as sp
>>> import graphrec as gr
>>> def interactions(rows):
...     m = sp.csr_array(np.array(rows, dtype=np.float32))
...     return gr.Interactions(m, np.arange(m.shape[0]), np.arange(m.shape[1]))
>>> train = interactions([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0]])
>>> test = interactions([[0, 1, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
>>> model = gr.create("recommender", "popularity").fit(train)
>>> result = gr.evaluate(model, test, k=[1], train=train)
>>> round(result.summary["recall@1"], 4), result.summary["coverage@1"]
(0.6667, 0.5)

On real data: ``split = gr.split(data, "random", seed=0)``, fit on ``split.train``,
then ``gr.evaluate(model, split.test, exclude=[split.train, split.valid],
train=split.train)``. ``gr.evaluate`` is the package ``graphrec.evaluate``, callable
as its ``evaluate`` function, so ``gr.evaluate.metrics`` and ``gr.evaluate.stats``
resolve; ``gr.split`` is the function ``graphrec.data.split.split``.
"""

from graphrec import community, data, embed, evaluate, graph, recommend
from graphrec._registry import available, create
from graphrec._validation import NotFittedError
from graphrec._version import __version__
from graphrec.data.interactions import Interactions
from graphrec.data.loaders import load_dataset
from graphrec.data.split import Split, split
from graphrec.data.synthetic import planted_communities
from graphrec.evaluate.new_users import NewUserResult, evaluate_new_users
from graphrec.evaluate.protocol import EvalResult
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.projection import item_projection, user_projection

__all__ = [
    "BipartiteGraph",
    "EvalResult",
    "Interactions",
    "NewUserResult",
    "NotFittedError",
    "Split",
    "__version__",
    "available",
    "community",
    "create",
    "data",
    "embed",
    "evaluate",
    "evaluate_new_users",
    "graph",
    "item_projection",
    "load_dataset",
    "planted_communities",
    "recommend",
    "split",
    "user_projection",
]
