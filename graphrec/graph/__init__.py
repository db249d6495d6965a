"""Graphs built from interactions: the user-item bipartite graph and its projections."""

from graphrec.graph.bipartite import BipartiteGraph

__all__ = ["BipartiteGraph"]
