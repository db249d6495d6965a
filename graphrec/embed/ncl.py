"""NCL's prototype loss: LightGCN whose embeddings are pulled toward community centroids.

Lin et al., "Improving Graph Collaborative Filtering with Neighborhood-enriched
Contrastive Learning" (WWW 2022) add to LightGCN's BPR loss a prototype
contrastive term: each batch user's (and positive item's) layer-0 embedding,
L2-normalised, is scored against every prototype (L2-normalised centroid) and the
InfoNCE loss with temperature ``t`` asks it to be nearest its own one. NCL finds
the prototypes by k-means on the current embeddings, re-run every epoch (its
E-step). Here the prototypes may instead be the centroids of given (detected)
communities, refreshed every epoch from the current embeddings. The model file
holds the loss only: the training engine is
:class:`graphrec.embed._trainer.BPREmbedder` (its hooks ``_start_epoch`` and
``_extra_loss``), the model and every other parameter are LightGCN's.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphrec._params import Interval, Satisfies, param_constraints
from graphrec._registry import embedders
from graphrec._validation import seed_from
from graphrec.data.interactions import Interactions
from graphrec.embed.lightgcn import LightGCN

if TYPE_CHECKING:  # torch is imported when a model is built
    import torch

__all__ = ["NCL", "prototype_loss"]


def _is_communities(value: Any) -> bool:
    if value is None or hasattr(value, "fit") or hasattr(value, "user_labels"):
        return True
    labels = np.asarray(value)
    return labels.ndim == 1 and labels.dtype.kind in "iu"


def prototype_loss(
    z: torch.Tensor, labels: torch.Tensor, centroids: torch.Tensor, temperature: float
) -> torch.Tensor:
    """Mean InfoNCE of rows ``z`` against prototypes: ``-log softmax(cos / t)[label]``.

    ``z`` (rows x dim) is L2-normalised here; ``centroids`` (prototypes x dim) are
    expected L2-normalised. Rows labelled ``-1`` are left out (0 when none is left).

    >>> import torch
    >>> z, c = torch.tensor([[2.0, 0.0]]), torch.eye(2)
    >>> round(float(prototype_loss(z, torch.tensor([0]), c, 1.0)), 4)  # log(1 + e^-1)
    0.3133
    """
    import torch

    keep = labels >= 0
    if not bool(keep.any()):
        return z.sum() * 0.0
    zn = torch.nn.functional.normalize(z[keep], dim=1)
    return torch.nn.functional.cross_entropy(zn @ centroids.T / temperature, labels[keep])


@embedders.register("ncl")
class NCL(LightGCN):
    """LightGCN with NCL's prototype contrastive loss (Lin et al., WWW 2022).

    After ``warmup_epochs``, each batch adds ``proto_weight * (L_user + L_item)`` to
    the BPR loss, where ``L_user`` is :func:`prototype_loss` of the batch users' layer-0 embeddings
    against the user prototypes and ``L_item`` the same for the positive items.
    The prototypes are refreshed before every epoch from the current embeddings:

    - ``communities=None`` (NCL): k-means (scikit-learn, ``n_communities``
      clusters, seeded from ``random_state``) of the user and of the item
      embeddings; a member's prototype is its cluster's normalised centre.
    - ``communities`` given (a detected partition): a user's prototype is the
      normalised mean embedding of its community's members; users labelled ``-1``
      get no prototype term. Items use the partition's ``item_labels`` when it has
      them (bipartite detectors), else k-means as above.

    NCL's loss is a sum over the batch with a weight of about ``1e-7``; here it is a
    mean, so ``proto_weight`` is on the scale of the BPR loss. NCL's
    structure-contrastive term (a node vs its even-layer neighbourhood) is not
    included.

    Parameters
    ----------
    proto_weight : float
        Weight of the prototype loss (0: exactly :class:`LightGCN`).
    temperature : float
        InfoNCE temperature (> 0).
    warmup_epochs : int
        Epochs of plain LightGCN before the prototype term starts (NCL's warm-up):
        k-means of the random initial embeddings would otherwise lock in a random
        partition.
    n_communities : int
        Number of k-means prototypes per side (at most the number of users /
        items); unused for the side given by ``communities``.
    communities : None, Communities, detector or array of int
        The user partition the prototypes come from: a ``Communities`` result, a
        detector (fitted on ``train`` when not fitted) or one label per training
        user (``-1``: none). None: k-means prototypes.
    **params
        LightGCN's parameters (``layers``, ``alpha``, ``beta``, ...) and the
        training parameters of :class:`~graphrec.embed._trainer.BPREmbedder`.

    Attributes
    ----------
    user_communities_, item_communities_ : ndarray or None
        The prototype assignments of the last epoch trained (``-1``: none); None
        with ``proto_weight=0`` or before the warm-up ended.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=200, n_items=100, seed=0)
    >>> m = NCL(dim=16, epochs=3, warmup_epochs=1, n_communities=4, random_state=0)
    >>> m = m.fit(data)
    >>> m.user_embeddings_.shape, int(m.user_communities_.max())
    ((200, 16), 3)
    """

    _param_constraints = param_constraints(
        **LightGCN._param_constraints,
        proto_weight=Interval(float, 0, None),
        temperature=Interval(float, 0, None, closed="neither"),
        warmup_epochs=Interval(int, 0, None),
        n_communities=Interval(int, 2, None),
        communities=Satisfies(
            _is_communities,
            "None, a Communities result, a detector or one integer label per user",
            invalid=["louvain", 3, [0.5, 1.5]],
        ),
    )

    def __init__(
        self,
        *,
        proto_weight: float = 0.05,
        temperature: float = 0.1,
        warmup_epochs: int = 10,
        n_communities: int = 100,
        communities: Any = None,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.proto_weight = proto_weight
        self.temperature = temperature
        self.warmup_epochs = warmup_epochs
        self.n_communities = n_communities
        self.communities = communities

    # ------------------------------------------------------------------ the given partition
    def _given(self, train: Interactions) -> tuple[np.ndarray | None, np.ndarray | None]:
        """User (and item) labels of ``communities``, numbered 0..k-1 (-1 kept)."""
        source = self.communities
        if source is None:
            return None, None
        if hasattr(source, "fit") and not hasattr(source, "labels_"):
            source = source.fit(train)
        source = getattr(source, "communities_", source)
        users = _labels(getattr(source, "user_labels", source), train.n_users, "users")
        items = getattr(source, "item_labels", None)
        return users, None if items is None else _labels(items, train.n_items, "items")

    def _build_model(
        self, train: Interactions, device: torch.device, generator: torch.Generator
    ) -> torch.nn.Module:
        self._user_given, self._item_given = self._given(train)
        h = hashlib.blake2b(digest_size=16)
        for part in (self._user_given, self._item_given):
            h.update(b"none" if part is None else part.tobytes())
        self._communities_key = None if self.communities is None else h.hexdigest()
        self._protos: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        self.user_communities_ = self.item_communities_ = None
        return super()._build_model(train, device, generator)

    def _config(self) -> dict[str, Any]:
        """The checkpoint's configuration: the given partition enters as a hash."""
        return super()._config() | {"communities": self._communities_key}

    # ------------------------------------------------------------------ the loss
    def _start_epoch(
        self, model: torch.nn.Module, train: Interactions, epoch: int, rng: np.random.Generator
    ) -> None:
        """NCL's E-step: prototypes and assignments from the current layer-0 table."""
        if self.proto_weight == 0 or epoch < self.warmup_epochs:
            return
        x0 = model.embedding.weight.detach()
        n = train.n_users
        sides = (("user", x0[:n], self._user_given), ("item", x0[n:], self._item_given))
        for side, z, given in sides:
            labels, centroids = self._prototypes(z, given, rng)
            self._protos[side] = (labels, centroids)
            setattr(self, f"{side}_communities_", labels.cpu().numpy())

    def _prototypes(
        self, z: torch.Tensor, given: np.ndarray | None, rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Labels and L2-normalised centroids of ``z``: of ``given``, else k-means."""
        import torch

        if given is None:
            from sklearn.cluster import KMeans

            k = min(self.n_communities, len(z))
            from threadpoolctl import threadpool_limits

            km = KMeans(n_clusters=k, n_init=1, random_state=seed_from(rng) % 2**32)
            with threadpool_limits(1):  # threaded sums differ in the last bits run to run
                km.fit(z.cpu().numpy().astype(np.float64))
            labels = torch.as_tensor(km.labels_, dtype=torch.int64, device=z.device)
            centroids = torch.as_tensor(km.cluster_centers_, dtype=z.dtype, device=z.device)
        else:
            labels = torch.as_tensor(given, device=z.device)
            keep = labels >= 0
            k = int(labels.max()) + 1 if bool(keep.any()) else 1
            centroids = torch.zeros(k, z.shape[1], dtype=z.dtype, device=z.device)
            centroids.index_add_(0, labels[keep], z[keep])
        return labels, torch.nn.functional.normalize(centroids, dim=1)

    def _extra_loss(
        self,
        model: torch.nn.Module,
        x: torch.Tensor,
        u: torch.Tensor,
        i: torch.Tensor,
        j: torch.Tensor,
    ) -> torch.Tensor | None:
        if not self._protos:  # proto_weight=0, or warming up
            return None
        x0 = model.embedding.weight
        (lu, cu), (li, ci) = self._protos["user"], self._protos["item"]
        n_users = len(lu)
        loss = prototype_loss(x0[u], lu[u], cu, self.temperature)
        loss = loss + prototype_loss(x0[i], li[i - n_users], ci, self.temperature)
        return self.proto_weight * loss

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """:meth:`BaseEmbedder.save`; ``communities`` given as an object or array is
        saved as its list of user labels (what the file's parameters hold)."""
        given = self.communities
        if given is None or isinstance(given, list) or not hasattr(self, "_user_given"):
            return super().save(path, overwrite=overwrite)
        self.communities = self._user_given.tolist()
        try:
            return super().save(path, overwrite=overwrite)
        finally:
            self.communities = given


def _labels(values: Any, n: int, what: str) -> np.ndarray:
    """One integer label >= -1 per row, renumbered 0..k-1 (``-1`` kept)."""
    labels = np.asarray(values)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"communities must give one label per training {what[:-1]} ({n} {what}), "
            f"got shape {labels.shape}"
        )
    if labels.dtype.kind not in "iu":
        raise ValueError(f"communities: {what[:-1]} labels must be integers, got {labels.dtype}")
    if (labels < -1).any():
        raise ValueError(f"communities: {what[:-1]} labels must be >= -1 (-1: none)")
    out = np.full(n, -1, np.int64)
    keep = labels >= 0
    out[keep] = np.unique(labels[keep], return_inverse=True)[1]
    return out
