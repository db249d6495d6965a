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

from typing import TYPE_CHECKING, Any

from graphrec._version import __version__

# The public names load on first use (PEP 562), so `import graphrec` and `graphrec --help`
# load no stage, no pandas and no scipy until something asks for them.
_LAZY = {
    "community": ("graphrec.community", None),
    "data": ("graphrec.data", None),
    "embed": ("graphrec.embed", None),
    "evaluate": ("graphrec.evaluate", None),
    "graph": ("graphrec.graph", None),
    "recommend": ("graphrec.recommend", None),
    "available": ("graphrec._registry", "available"),
    "create": ("graphrec._registry", "create"),
    "NotFittedError": ("graphrec._validation", "NotFittedError"),
    "Interactions": ("graphrec.data.interactions", "Interactions"),
    "load_dataset": ("graphrec.data.loaders", "load_dataset"),
    "Split": ("graphrec.data.split", "Split"),
    "split": ("graphrec.data.split", "split"),
    "planted_communities": ("graphrec.data.synthetic", "planted_communities"),
    "NewUserResult": ("graphrec.evaluate.new_users", "NewUserResult"),
    "evaluate_new_users": ("graphrec.evaluate.new_users", "evaluate_new_users"),
    "EvalResult": ("graphrec.evaluate.protocol", "EvalResult"),
    "BipartiteGraph": ("graphrec.graph.bipartite", "BipartiteGraph"),
    "item_projection": ("graphrec.graph.projection", "item_projection"),
    "user_projection": ("graphrec.graph.projection", "user_projection"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'graphrec' has no attribute {name!r}")
    from importlib import import_module

    module, attr = _LAZY[name]
    value = import_module(module) if attr is None else getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # what the names are, for type checkers and IDEs
    from graphrec import community, data, embed, evaluate, graph, recommend
    from graphrec._registry import available, create
    from graphrec._validation import NotFittedError
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
