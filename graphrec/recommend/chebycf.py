"""ChebyCF: a full-spectrum Chebyshev polynomial filter of the normalised item-item graph.

It shares the operator of GF-CF and ``graph_filter`` (``filters``): ``P~ = R~^T R~``,
applied from a dense gram under the memory budget or matrix-free.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, Options, Rule, param_constraints
from graphrec._registry import recommenders
from graphrec.recommend._rowscoring import SCORING_CONSTRAINTS
from graphrec.recommend.filters import _ItemGraphFilter

__all__ = ["ChebyCF", "plateau_coefficients"]


def plateau_coefficients(order: int, flatness: float, sampling: str = "chebyshev") -> np.ndarray:
    """Chebyshev coefficients of ChebyCF's plateau response, interpolated at ``order + 1`` nodes.

    The response is a function of ``x = 1 - 2 lambda`` in [-1, 1] (``lambda``: an
    eigenvalue of ``P~``): ``h(x) = (1 - sign(x) |x|^flatness) / 2``, a smooth step from
    1 (``lambda = 1``, the smoothest signals) to 0 (``lambda = 0``) that is flatter at
    both ends as ``flatness`` grows.

    ``sampling="chebyshev"``: the textbook interpolant (numpy's), ``h`` sampled at the
    Chebyshev points of the first kind. ``"reference"``: what ChebyCF's code computes:
    ``h`` sampled at the ``order + 1`` Chebyshev extreme points ``cos(j pi / order)``
    (rounded to three decimals, as are the values), and the values placed at the
    first-kind points, in the same ascending order, for the interpolation. The two
    differ visibly (order 8, flatness 1.5: the linear coefficient is -0.458 and -0.493);
    ``"reference"`` needs ``order >= 1``.

    >>> c = plateau_coefficients(8, 1.5)
    >>> round(float(np.polynomial.chebyshev.chebval(-1.0, c)), 2)  # lambda = 1: passes
    1.0
    >>> round(float(np.polynomial.chebyshev.chebval(0.0, c)), 2)  # lambda = 1/2: halves
    0.5
    >>> plateau_coefficients(8, 1.5, "reference")[:2].round(4).tolist()
    [0.5, -0.4927]
    """

    def response(x: np.ndarray) -> np.ndarray:
        return 0.5 - 0.5 * np.sign(x) * np.abs(x) ** flatness

    if sampling == "chebyshev":
        return np.polynomial.chebyshev.chebinterpolate(response, order)
    if sampling != "reference":
        raise ValueError(f"sampling must be 'chebyshev' or 'reference', got {sampling!r}")
    if order < 1:
        raise ValueError(f"sampling='reference' needs order >= 1, got order={order}")
    extrema = np.round(np.cos(np.arange(order, -1, -1) * np.pi / order), 3)  # ascending
    values = np.round(response(extrema), 3)
    nodes = np.polynomial.chebyshev.chebpts1(order + 1)  # ascending first-kind points
    return np.polynomial.chebyshev.chebfit(nodes, values, order)


@recommenders.register("chebycf")
class ChebyCF(_ItemGraphFilter):
    """ChebyCF (Kim et al., "Graph Spectral Filtering with Chebyshev Interpolation for
    Recommendation", SIGIR 2025): a full-spectrum polynomial filter of the item graph.

    A user row ``r`` is scored as

        ( p(L) (r D^-b)  +  alpha (r D^-b) V V^T ) D^b

    with ``L = I - 2 P~`` (the item graph's normalised Laplacian rescaled to [-1, 1]),
    ``p`` the degree-``order`` Chebyshev interpolant of the plateau response
    (:func:`plateau_coefficients`), ``V`` the top-``k`` eigenvectors of ``P~`` (an ideal
    low-pass part of weight ``alpha``) and ``D^b`` the item degrees to the power
    ``b = degree_norm`` (ChebyCF's degree normalisation). Unlike GF-CF and
    ``graph_filter``, whose responses beyond the linear term live on the top-``k``
    eigenspace, ``p`` acts on the whole spectrum: ``p(L) s`` is evaluated by the
    Chebyshev recurrence ``T_{j+1} = 2 L T_j - T_{j-1}``, ``order`` products with
    ``P~`` per user batch (a dense gram when it fits ``max_memory_gb``, else two sparse
    products ``(s R~^T) R~`` in torch), so scoring costs about ``order`` times GF-CF's.
    Defaults are the paper's gowalla settings (its repository's configuration: order
    8, flatness 1.5, 512 vectors, alpha 0.2, degree power 0.4). Training-free and
    deterministic (no seed); any item row can be scored.

    Parameters
    ----------
    order : int
        Degree of the Chebyshev interpolant (products with ``P~`` per scoring batch).
    flatness : float
        Flatness of the plateau response (> 0; 1 is a linear ramp in ``x``).
    sampling : {"chebyshev", "reference"}
        How the response is interpolated (:func:`plateau_coefficients`): the textbook
        Chebyshev interpolant, or the one ChebyCF's code computes.
    k : int
        Eigenvectors of the ideal low-pass part (< min(n_users, n_items), at most the
        rank of ``R~``); not computed when ``alpha`` is 0.
    alpha : float
        Weight of the ideal low-pass part (0: the polynomial filter alone).
    degree_norm : float
        Exponent ``b`` in [0, 1] of the degree normalisation (0: none).
    n_iter : int
        Passes of the block subspace iteration for large catalogues (> 6000 items).
    max_memory_gb : float or None
        Budget for a dense items x items gram (else ``P~`` is applied matrix-free).
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    batch_size : int or None
        Users per scoring batch.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=40, seed=0)
    >>> model = gr.create("recommender", "chebycf", k=8).fit(data)
    >>> model.score([0, 1]).shape
    (2, 40)
    """

    _param_constraints = param_constraints(
        order=Interval(int, 0, None),
        flatness=Interval(float, 0, None, closed="neither"),
        sampling=Options("chebyshev", "reference"),
        k=Interval(int, 1, None),
        alpha=Interval(float, 0, None),
        degree_norm=Interval(float, 0, 1, closed="both"),
        n_iter=Interval(int, 1, None),
        **SCORING_CONSTRAINTS,
    )
    _param_rules = (
        Rule(
            lambda p: p["sampling"] != "reference" or p["order"] >= 1,
            "sampling='reference' needs order >= 1",
        ),
    )

    def __init__(
        self,
        order: int = 8,
        flatness: float = 1.5,
        sampling: str = "chebyshev",
        k: int = 512,
        alpha: float = 0.2,
        degree_norm: float = 0.4,
        n_iter: int = 6,
        max_memory_gb: float | None = 1.0,
        device: str = "auto",
        batch_size: int | None = None,
    ) -> None:
        self.order = order
        self.flatness = flatness
        self.sampling = sampling
        self.k = k
        self.alpha = alpha
        self.degree_norm = degree_norm
        self.n_iter = n_iter
        self.max_memory_gb = max_memory_gb
        self.device = device
        self.batch_size = batch_size

    def _fit_rows(self, x: sp.csr_array) -> None:
        import torch

        from graphrec._sparse import to_torch_csr

        # p(L) conjugated by the degree scalings is p of the conjugated operator
        # D^-b P~ D^b, which _fit_graph folds into the gram or the two sparse factors
        k = self.k if self.alpha else 0
        sigma, vecs = self._fit_graph(x, k, self.n_iter, self.degree_norm)
        pre, post = self.degree_pre_, self.degree_post_
        self.singular_values_ = sigma
        self.coefficients_ = plateau_coefficients(self.order, self.flatness, self.sampling)
        if k:
            self._set_spectral(pre[:, None] * vecs, self.alpha * vecs.T * post[None, :])
        device = torch.device(self.device_)
        if self.linear_mode_ == "dense":  # transposed: signals are items x users
            self.gram_ = torch.as_tensor(self.gram_).to(device).T.contiguous()
        else:  # R~ and R~^T as torch CSR: sparse @ dense runs on all cores
            self.norm_in_ = to_torch_csr(self.norm_in_).to(device)
            self.norm_out_ = to_torch_csr(self.norm_out_).to(device)
        self.torch_device_ = device

    def _gram_product(self, s: Any) -> Any:
        """``(s^T D^-b P~ D^b)^T`` for a dense torch batch ``s`` held as items x users."""
        if self.linear_mode_ == "dense":
            return self.gram_ @ s
        return self.norm_out_ @ (self.norm_in_ @ s)

    def _score_rows(self, rows: sp.csr_array) -> np.ndarray:
        import torch

        c = self.coefficients_
        with torch.no_grad():  # signals as items x users: every product is CSR @ C-ordered
            s = torch.from_numpy(np.ascontiguousarray(rows.T.toarray())).to(self.torch_device_)
            # T_0 s = s, T_1 s = L s = s - 2 P~ s, T_j+1 s = 2 T_j s - 4 P~ T_j s - T_j-1 s
            prev, cur = s, self._gram_product(s).mul_(-2.0).add_(s)
            out = s * float(c[0])
            if self.order:
                out.add_(cur, alpha=float(c[1]))
            for j in range(2, self.order + 1):
                nxt = self._gram_product(cur).mul_(-4.0).add_(cur, alpha=2.0).sub_(prev)
                prev, cur = cur, nxt
                out.add_(cur, alpha=float(c[j]))
            scores = np.ascontiguousarray(out.T.cpu().numpy())
        if self.alpha:
            scores += self._spectral(rows)
        return scores
