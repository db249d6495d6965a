"""graphrec: user communities in recommender data, and recommending with them.

>>> import graphrec as gr
>>> data = gr.load_dataset("synthetic", n_users=300, n_items=150, seed=0)
>>> split = gr.split(data, "random", ratios=(0.8, 0.1, 0.1), seed=0)
>>> model = gr.create("recommender", "itemknn").fit(split.train)
>>> result = gr.evaluate(model, split.test, k=[10], exclude=[split.train, split.valid])
>>> round(result.summary["recall@10"], 3), round(result.summary["coverage@10"], 3)
(0.628, 0.98)
"""

__version__ = "0.1.0"

# ``gr.evaluate`` is the function (bound below); the module stays importable by its full name

from graphrec import community, data, embed, graph, recommend
from graphrec._registry import available, create
from graphrec._validation import NotFittedError
from graphrec.data.interactions import Interactions
from graphrec.data.loaders import load_dataset
from graphrec.data.split import Split, split
from graphrec.data.synthetic import planted_communities
from graphrec.evaluate.protocol import EvalResult, evaluate
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.projection import item_projection, user_projection

__all__ = [
    "BipartiteGraph",
    "EvalResult",
    "Interactions",
    "NotFittedError",
    "Split",
    "__version__",
    "available",
    "community",
    "create",
    "data",
    "embed",
    "evaluate",
    "graph",
    "item_projection",
    "load_dataset",
    "planted_communities",
    "recommend",
    "split",
    "user_projection",
]
