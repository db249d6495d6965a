"""The embedder protocol and the shared base: fit, dot-product scores, save / load."""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from graphrec._io import atomic_write
from graphrec._ranking import BaseRecommender
from graphrec._validation import check_is_fitted
from graphrec.data.interactions import Interactions

__all__ = ["BaseEmbedder", "Embedder", "check_fit_data"]

FORMAT_VERSION = 1


@runtime_checkable
class Embedder(Protocol):
    """Learns user and item vectors (CPU numpy arrays) from interactions."""

    user_embeddings_: np.ndarray
    item_embeddings_: np.ndarray

    def fit(self, train: Interactions, valid: Interactions | None = None) -> Any: ...


def check_fit_data(train: Any, valid: Any = None) -> tuple[Interactions, Interactions | None]:
    """Validate the arguments of ``Embedder.fit`` and return them."""
    if not isinstance(train, Interactions):
        raise ValueError(f"fit expects an Interactions object, got {type(train).__name__}")
    if train.nnz == 0:
        raise ValueError("cannot fit an embedder on empty training data (0 interactions)")
    if valid is not None:
        if not isinstance(valid, Interactions):
            raise ValueError(f"valid must be Interactions or None, got {type(valid).__name__}")
        if not valid.same_space(train):
            raise ValueError(
                "valid must use the training data's user and item index space "
                f"(shapes {valid.shape} vs {train.shape}); split both from one dataset"
            )
        unknown = (valid.user_degrees() > 0) & (train.user_degrees() == 0)
        if unknown.any():
            raise ValueError(
                f"valid holds {int(unknown.sum())} users with no training interactions "
                f"(e.g. user index {int(np.flatnonzero(unknown)[0])}); they cannot be embedded"
            )
    return train, valid


class BaseEmbedder(BaseRecommender):
    """Base class of embedders. A fitted embedder is also a dot-product recommender.

    Subclasses implement ``fit`` (setting ``train_``, ``user_embeddings_`` and
    ``item_embeddings_``) and may override ``_state`` / ``_set_state`` to save more
    than the two embedding tables.
    """

    user_embeddings_: np.ndarray
    item_embeddings_: np.ndarray

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        check_is_fitted(self, ("user_embeddings_", "item_embeddings_"))
        return self.user_embeddings_[users] @ self.item_embeddings_.T

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        """Extra arrays to save (e.g. model weights); keys must be identifiers."""
        return {}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``_state`` returned."""

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the fitted embedder to one ``.npz`` file (atomically).

        The file holds the parameters (as JSON), both embedding tables, the
        training interactions (so ``recommend`` can mask seen items after ``load``)
        and subclass state. Nothing is pickled. An existing file is only replaced
        with ``overwrite=True``.
        """
        check_is_fitted(self, ("user_embeddings_", "item_embeddings_", "train_"))
        path = Path(path)
        if path.suffix != ".npz":
            path = (
                path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
            )
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        params = self.get_params(deep=False)
        try:
            config = json.dumps(
                {"class": type(self).__name__, "format": FORMAT_VERSION, "params": params}
            )
        except TypeError as exc:
            raise ValueError(
                f"cannot save {type(self).__name__}: parameters must be JSON values "
                f"(int seeds, strings, numbers), got {params}"
            ) from exc
        train = self.train_
        arrays: dict[str, np.ndarray] = {
            "config": np.array(config),
            "user_embeddings": self.user_embeddings_,
            "item_embeddings": self.item_embeddings_,
            "train_indptr": train.matrix.indptr,
            "train_indices": train.matrix.indices,
            "train_data": train.matrix.data,
            "user_ids": _plain(train.user_ids),
            "item_ids": _plain(train.item_ids),
        }
        for key, value in self._state().items():
            arrays[f"state__{key}"] = np.asarray(value)
        atomic_write(path, lambda fh: np.savez(fh, **arrays), overwrite=True)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BaseEmbedder:
        """Read an embedder written by :meth:`save` (``allow_pickle=False``).

        A file that is not such an archive (truncated, corrupted, another format,
        arrays missing or of inconsistent shapes) raises a ``ValueError`` naming it.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no saved embedder at {path}")
        expected = "a .npz archive written by Embedder.save"
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic != b"PK\x03\x04":
            raise ValueError(
                f"{path} is not a graphrec embedder file: expected {expected} "
                f"(a zip archive), but it starts with {magic!r}"
                + (" (the file is empty)" if not magic else "")
            )
        try:
            with np.load(path, allow_pickle=False) as f:
                files = dict(f.items())
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise ValueError(
                f"{path} is truncated or corrupted: expected {expected} "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        if "config" not in files:
            raise ValueError(
                f"{path} is not a graphrec embedder file: expected {expected} "
                "(it has no 'config' entry)"
            )
        try:
            config = json.loads(str(files.pop("config")))
            params = config["params"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: its 'config' entry is not valid ({exc})") from exc
        if config.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"{path} has format {config.get('format')!r}; this graphrec reads format "
                f"{FORMAT_VERSION}"
            )
        if config.get("class") != cls.__name__:
            raise ValueError(
                f"{path} holds a {config.get('class')}, not a {cls.__name__}; "
                f"load it with that class"
            )
        missing = sorted(_SAVED_ARRAYS - files.keys())
        if missing:
            raise ValueError(f"{path} is incomplete: the arrays {missing} are missing")
        user_ids, item_ids = files["user_ids"], files["item_ids"]
        users, items = files["user_embeddings"], files["item_embeddings"]
        if (
            users.ndim != 2
            or items.ndim != 2
            or users.shape[1] != items.shape[1]
            or len(users) != len(user_ids)
            or len(items) != len(item_ids)
        ):
            raise ValueError(
                f"{path} is inconsistent: embeddings {users.shape} / {items.shape} for "
                f"{len(user_ids)} users and {len(item_ids)} items"
            )
        model = cls(**params)
        try:
            matrix = sp.csr_array(
                (files["train_data"], files["train_indices"], files["train_indptr"]),
                shape=(len(user_ids), len(item_ids)),
            )
            model.train_ = Interactions(matrix, user_ids, item_ids)
        except ValueError as exc:
            raise ValueError(f"{path}: its training interactions are invalid ({exc})") from exc
        model.user_embeddings_ = users
        model.item_embeddings_ = items
        model._set_state(
            {k[len("state__") :]: v for k, v in files.items() if k.startswith("state__")}
        )
        return model


_SAVED_ARRAYS = frozenset(
    {"user_embeddings", "item_embeddings", "train_indptr", "train_indices", "train_data",
     "user_ids", "item_ids"}
)  # fmt: skip


def _plain(ids: np.ndarray) -> np.ndarray:
    """Ids as a non-object array, so they save without pickling."""
    ids = np.asarray(ids)
    return ids.astype(str) if ids.dtype == object else ids
