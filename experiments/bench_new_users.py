"""New users (cold start): every method from n revealed items, community-aware or not.

Each dataset is split by user (``gr.split(data, "user_holdout", test_users=0.1,
valid_users=0.1, seed=0)``: held-out users have empty training rows; the ml-1m and
gowalla LightGCN splits are merged, train + valid + test, and re-split). Every method
is fitted once on train and serves the held-out users from their revealed items
alone (fold-in, :func:`graphrec.evaluate.new_users.evaluate_new_users`: the earliest
``n`` items when the data has timestamps, else a seeded random ``n``; ``--reveal
random`` reveals a seeded random ``n`` always; ``--split-seed`` picks another user split).

Methods come from :data:`METHODS`, a table of (name, factory, grid). A community-aware
method runs once per detected partition of the train graph (:data:`DETECTORS`) and
once with a single community holding every user: the control, where community
popularity is global popularity. Its base (``base=``, when it takes one) is the named
plain method with the grid point best on validation (mean NDCG@20 over ``n``).
Hyper-parameters, and the partition, are chosen per ``n`` on the validation users
(mean NDCG@20); the chosen ones are then evaluated once on the test users: NDCG@20
and coverage@20 with 95% CIs (NDCG: bootstrap over users; coverage: jackknife over
users, since a bootstrap of a distinct-item count is biased downwards), and the paired test of the
best community-aware method against the best method without communities (control
included; both chosen on validation), Wilcoxon, Holm-corrected over the ``n``.

    python experiments/bench_new_users.py                          # all four datasets
    python experiments/bench_new_users.py --datasets ml-100k --quick --out /tmp/nu

A name not registered (yet), a parameter a component does not take, or a model that
cannot fold in is skipped with a printed note. Targets: for ``n <= 3`` the
best community-aware method beats the best method without communities by >= 5%
NDCG@20 with Holm p < 0.01 (ml-1m and Last.fm); for ``n >= 10`` it loses < 1% NDCG@20
to its base with coverage@20 at least the base's. The verdict line says which hold.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import graphrec as gr
from graphrec._io import atomic_write_bytes
from graphrec.evaluate.new_users import NewUserResult

sys.path.insert(0, str(Path(__file__).resolve().parent))  # experiments/: the report module
from _new_users_report import (
    coverage_ci,
    plot,
    print_table,
    verdict_line,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets"
K = 20
PRIMARY = f"ndcg@{K}"
COVERAGE = f"coverage@{K}"
N_REVEALED = (1, 2, 3, 5, 10)
SINGLE = "single"  # the control partition: every user in community 0


@dataclass
class Context:
    """What a factory may read: the training data, the tuned bases, the partition."""

    train: gr.Interactions
    bases: dict[str, Any]
    communities: np.ndarray | None = None


Factory = Callable[[Context, dict[str, Any]], Any]


def registered(name: str, kind: str = "recommender", base: str | None = None) -> Factory:
    """A factory for the registry's ``name``: ``gr.create(kind, name, **params)``, with
    ``base=`` the tuned plain method ``base`` and ``communities=`` the partition."""

    def make(ctx: Context, params: dict[str, Any]) -> Any:
        extra: dict[str, Any] = {}
        if base is not None:
            extra["base"] = ctx.bases[base]
        if ctx.communities is not None:
            extra["communities"] = ctx.communities
        return gr.create(kind, name, **extra, **params)

    make.component = name  # type: ignore[attr-defined]
    make.kind = kind  # type: ignore[attr-defined]
    make.base = base  # type: ignore[attr-defined]
    return make


@dataclass(frozen=True)
class Method:
    """One row of the method table; ``communities``: run per partition and the control."""

    name: str
    factory: Factory
    grid: tuple[dict[str, Any], ...] = ({},)
    quick_grid: tuple[dict[str, Any], ...] | None = None
    communities: bool = False
    max_items: int | None = None  # skipped on larger catalogues (fit cost), with a note


def grid_of(values: dict[str, tuple[Any, ...]]) -> tuple[dict[str, Any], ...]:
    """The cartesian grid of ``{param: values}``."""
    keys = list(values)
    return tuple(dict(zip(keys, combo)) for combo in itertools.product(*values.values()))


# name, factory, grid: one line per method (plain methods first: they are the bases)
METHODS: list[Method] = [
    Method("popularity", registered("popularity")),
    Method("itemknn", registered("itemknn"), grid_of({"n_neighbors": (50, 200, 1000)})),
    Method(
        "ease",
        registered("ease"),
        grid_of({"l2": (100.0, 300.0, 1000.0, 3000.0, 10000.0)}),
        grid_of({"l2": (300.0, 3000.0)}),
    ),
    Method("gfcf", registered("gfcf"), grid_of({"alpha": (0.0, 0.3, 1.0, 3.0)}), ({},)),
    Method(
        "graph_filter",
        registered("graph_filter"),
        ({}, {"degree_norm": 0.0, "ideal_norm": 0.5}),
        ({},),
    ),
    # community-aware: each with every detected partition and the single-community control
    Method("community_popularity", registered("community_popularity"), communities=True),
    Method(
        "community_backoff+ease",
        registered("community_backoff", base="ease"),
        grid_of({"lambda0": (0.3, 1.0, 3.0, 10.0), "n0": (1.0, 3.0, 10.0)}),
        grid_of({"lambda0": (0.3, 1.0), "n0": (3.0,)}),
        communities=True,
    ),
    Method(
        "community_backoff+gfcf",
        registered("community_backoff", base="gfcf"),
        grid_of({"lambda0": (0.3, 1.0, 3.0, 10.0), "n0": (1.0, 3.0, 10.0)}),
        grid_of({"lambda0": (0.3, 1.0), "n0": (3.0,)}),
        communities=True,
    ),
    Method(
        "community_blend+ease",
        registered("community_blend", base="ease"),
        grid_of({"alpha": (0.1, 0.3, 0.5)}),
        ({"alpha": 0.3},),
        communities=True,
    ),
    Method(
        "community_local+ease",
        registered("community_local", base="ease"),
        grid_of({"weight": (0.3, 0.6)}),
        ({"weight": 0.5},),
        communities=True,
        max_items=5000,  # an EASE per community: a 17k-item catalogue takes minutes each
    ),
    Method(
        "community_restricted+ease",
        registered("community_restricted", base="ease"),
        grid_of({"min_support": (1, 3)}),
        ({},),
        communities=True,
    ),
    # the posterior of a community given the revealed items (size prior, smoothed
    # multinomials), its popularity mixture added to the base; weight 0 is the base
    Method(
        "community_posterior+gfcf",
        registered("community_posterior", base="gfcf"),
        grid_of({"weight": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0), "hard": (False, True)}),
        grid_of({"weight": (0.25, 1.0)}),
        communities=True,
    ),
    Method(
        "community_posterior+ease",
        registered("community_posterior", base="ease"),
        grid_of({"weight": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0), "hard": (False, True)}),
        grid_of({"weight": (0.25, 1.0)}),
        communities=True,
    ),
    Method(
        "community_posterior+gfcf+gate",
        registered("community_posterior", base="gfcf"),
        grid_of({"weight": (0.5, 1.0, 2.0, 4.0), "certainty_power": (0.5, 2.0), "n0": (None, 3.0)}),
        grid_of({"weight": (1.0,), "certainty_power": (1.0,), "n0": (3.0,)}),
        communities=True,
    ),
    # side information: assignment through the friend graph (data with a user_graph)
    Method(
        "community_posterior+ease+friends",
        registered("community_posterior", base="ease"),
        grid_of(
            {
                "weight": (0.25, 0.5, 1.0, 2.0),
                "assign_by": ("friends+items",),
                "friend_weight": (0.5, 1.0, 2.0),
            }
        ),
        grid_of({"weight": (1.0,), "assign_by": ("friends+items",)}),
        communities=True,
    ),
    Method(
        "community_backoff+ease+friends",
        registered("community_backoff", base="ease"),
        grid_of(
            {
                "lambda0": (0.3, 1.0, 3.0, 10.0),
                "n0": (1.0, 3.0, 10.0),
                "assign_by": ("friends", "friends+items"),
            }
        ),
        grid_of({"lambda0": (0.3, 1.0), "n0": (3.0,), "assign_by": ("friends+items",)}),
        communities=True,
    ),
]

# partitions of the train graph for the community-aware methods
DETECTORS: dict[str, tuple[str, dict[str, Any]]] = {
    "louvain": ("louvain", {"random_state": 0}),
    "bipartite_louvain": ("bipartite_louvain", {"random_state": 0}),
    "leiden": ("leiden", {"random_state": 0}),
    # several resolutions: coarser and finer partitions, the one to use chosen per n
    "bipartite_louvain r=0.5": ("bipartite_louvain", {"random_state": 0, "resolution": 0.5}),
    "bipartite_louvain r=2": ("bipartite_louvain", {"random_state": 0, "resolution": 2.0}),
}


def load(name: str, data_dir: Path) -> gr.Interactions:
    """The whole dataset (binary), to be re-split by user."""
    if name == "ml-100k":
        return gr.load_dataset("movielens-100k", path=data_dir / "ml-100k").binary()
    if name in ("lastfm", "lastfm-hetrec"):
        return gr.load_dataset("lastfm-hetrec", path=data_dir / "lastfm-hetrec").binary()
    if name == "ciaodvd":
        return gr.load_dataset("ciaodvd", path=data_dir / "ciaodvd")
    if name in ("ml-1m", "gowalla"):
        s = gr.load_dataset("lightgcn", path=data_dir / "lightgcn-splits" / name)
        merged = s.train + s.test if s.valid is None else s.train + s.valid + s.test
        return merged.binary()
    raise ValueError(
        f"unknown dataset {name!r}; expected ml-100k, lastfm, ciaodvd, ml-1m or gowalla"
    )


def partitions(train: gr.Interactions, quick: bool) -> dict[str, np.ndarray]:
    """Detected partitions of the train graph, and the single-community control."""
    out = {SINGLE: np.zeros(train.n_users, dtype=np.int64)}
    for label, (name, params) in list(DETECTORS.items())[: 1 if quick else None]:
        t = time.perf_counter()
        try:
            labels = gr.create("detector", name, **params).fit_predict(train)
        except (ValueError, ImportError) as exc:
            print(f"  note: detector {name} skipped: {exc}")
            continue
        n_comm = len(np.unique(labels[labels >= 0]))
        print(f"  {label}: {n_comm} communities in {time.perf_counter() - t:.1f} s")
        out[label] = np.asarray(labels, dtype=np.int64)
    return out


def candidates(
    method: Method, ctx: Context, parts: dict[str, np.ndarray], quick: bool
) -> list[tuple[str, str, dict[str, Any], Any]]:
    """Fitted ``(label, partition, params, model)`` of one method over its grid.

    Components that are not registered, reject a parameter or cannot fold in are
    skipped with a note.
    """
    component = getattr(method.factory, "component", None)
    if component is not None and component not in gr.available(method.factory.kind):
        print(f"  note: {method.name}: {component!r} is not registered (yet); skipped")
        return []
    base = getattr(method.factory, "base", None)
    if base is not None and base not in ctx.bases:
        print(f"  note: {method.name}: its base {base!r} was not fitted; skipped")
        return []
    if method.max_items is not None and ctx.train.n_items > method.max_items:
        print(
            f"  note: {method.name}: skipped on {ctx.train.n_items} items (above its "
            f"max_items={method.max_items}: one fit per community is too slow here)"
        )
        return []
    grid = method.quick_grid if (quick and method.quick_grid is not None) else method.grid
    variants = list(parts) if method.communities else [""]
    out: list[tuple[str, str, dict[str, Any], Any]] = []
    failed: set[str] = set()
    for part in variants:
        ctx.communities = parts[part] if method.communities else None
        label = f"{method.name}[{part}]" if method.communities else method.name
        for params in grid:
            try:
                model = method.factory(ctx, dict(params))
            except (ValueError, TypeError) as exc:  # e.g. a parameter it does not take
                print(f"  note: {method.name} {params}: skipped ({_first_line(exc)})")
                return out
            try:
                model.fit(ctx.train)
            except (ValueError, MemoryError) as exc:  # e.g. above its memory budget
                note = _first_line(exc)
                if note not in failed:  # one note per reason, not per grid point
                    print(f"  note: {label} {params}: fit skipped ({note})")
                failed.add(note)
                continue
            if not getattr(model, "supports_fold_in", False):
                print(
                    f"  note: {label}: cannot fold in new users (supports_fold_in False); skipped"
                )
                return out
            out.append((label, part, params, model))
    ctx.communities = None
    return out


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def choose(valid_rows: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The row with the best validation NDCG@20 per ``key`` (ties: first in grid order)."""
    best = valid_rows.loc[valid_rows.groupby(key, sort=False)[PRIMARY].idxmax()]
    return best.reset_index(drop=True)


def run(
    name: str,
    data_dir: Path,
    quick: bool,
    ns: tuple[int, ...],
    reveal: str = "earliest",
    seed: int = 0,
) -> dict[str, Any]:
    t_start = time.perf_counter()
    data = load(name, data_dir)
    split = gr.split(data, "user_holdout", test_users=0.1, valid_users=0.1, seed=seed)
    train, valid, test = split.train, split.valid, split.test
    print(
        f"\n=== {name}: {split}; {split.report['test_users']} test users, "
        f"{split.report['valid_users']} valid users; timestamps: {data.timestamps is not None}"
    )
    longest = int(min(valid.user_degrees().max(), test.user_degrees().max()))
    ns = tuple(n for n in ns if n < longest)
    parts = partitions(train, quick)
    ctx = Context(train, {})
    models: dict[tuple[str, int], Any] = {}
    meta: dict[str, dict[str, Any]] = {}
    rows = []
    for method in METHODS:
        for label, part, params, model in candidates(method, ctx, parts, quick):
            gi = sum(1 for key in models if key[0] == label)
            models[(label, gi)] = model
            meta[label] = {
                "community": method.communities and part != SINGLE,
                "control": part == SINGLE,
                "method": method.name,
                "base": getattr(method.factory, "base", None),
            }
            res = gr.evaluate_new_users(
                model,
                valid,
                train=train,
                n_revealed=ns,
                k=[K],
                n_bootstrap=0,
                reveal_order=reveal,
                seed=seed,
            )
            for _, r in res.table.iterrows():
                rows.append(
                    {
                        "label": label,
                        "method": method.name,
                        "grid": gi,
                        "params": params,
                        "n_revealed": r["n_revealed"],
                        PRIMARY: r[PRIMARY],
                        "ms_per_user": r["ms_per_user"],
                    }
                )
        tuned = [r for r in rows if r["label"] == method.name]
        if tuned and not method.communities:  # the base other methods build on
            mean = pd.DataFrame(tuned).groupby("grid")[PRIMARY].mean()
            ctx.bases[method.name] = models[(method.name, int(mean.idxmax()))]
    if not rows:
        print("no method could be evaluated")
        return {}
    val = pd.DataFrame(rows)
    # a community method's partition is part of its grid: chosen per n on valid
    val["family"] = [
        lab if not meta[lab]["community"] else f"{meta[lab]['method']}[detected]"
        for lab in val["label"]
    ]
    chosen = choose(val, ["family", "n_revealed"])
    # test, once, with the chosen model per family and n
    table_rows, per_user, recs_all = [], {}, {}
    revealed = None
    for _, c in chosen.iterrows():
        n = int(c["n_revealed"])
        res = gr.evaluate_new_users(
            {c["family"]: models[(c["label"], c["grid"])]},
            test,
            train=train,
            n_revealed=[n],
            k=[K],
            reveal_order=reveal,
            seed=seed,
        )
        revealed = revealed or {}
        revealed[n] = res.revealed[n]
        row = res.table.iloc[0].to_dict()
        row["chosen"] = c["label"] + (f" {c['params']}" if c["params"] else "")
        recs = res.recommendations[(c["family"], n)]
        row[f"{COVERAGE} lo"], row[f"{COVERAGE} hi"] = coverage_ci(recs, train.n_items)
        table_rows.append(row)
        per_user[(c["family"], n)] = res.per_user[(c["family"], n)]
        recs_all[(c["family"], n)] = recs
    table = pd.DataFrame(table_rows)
    result = NewUserResult(
        table, per_user, dict(sorted(revealed.items())), [K], recommendations=recs_all
    )
    print_table(table)
    is_comm = {f: f.endswith("[detected]") for f in table["method"]}
    verdict = verdict_line(name, result, chosen, is_comm, meta)
    print(verdict)
    print(f"({time.perf_counter() - t_start:.0f} s for {name})")
    return {"table": table, "verdict": verdict, "valid": val}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--datasets", nargs="+", default=["ml-100k", "lastfm", "ml-1m", "gowalla"])
    parser.add_argument("--n-revealed", type=int, nargs="+", default=list(N_REVEALED))
    parser.add_argument("--quick", action="store_true", help="small grids, one detector")
    parser.add_argument(
        "--reveal",
        choices=("earliest", "random"),
        default="earliest",
        help="reveal the earliest items (timestamps) or a seeded random n",
    )
    parser.add_argument("--split-seed", type=int, default=0, help="seed of the user split")
    parser.add_argument("--out", type=Path, default=Path("bench_new_users_out"))
    parser.add_argument("--overwrite", action="store_true", help="replace files in --out")
    args = parser.parse_args(argv)
    results = {
        name: run(name, args.data, args.quick, tuple(args.n_revealed), args.reveal, args.split_seed)
        for name in args.datasets
    }
    for name, res in results.items():
        if res:
            atomic_write_bytes(
                args.out / f"{name}_test.csv",
                res["table"].to_csv(index=False).encode(),
                overwrite=args.overwrite,
            )
            atomic_write_bytes(
                args.out / f"{name}_valid.csv",
                res["valid"].to_csv(index=False).encode(),
                overwrite=args.overwrite,
            )
    for path in plot(results, args.out, args.overwrite):
        print(f"wrote {path}")
    print("\n" + "\n".join(r["verdict"] for r in results.values() if r))


if __name__ == "__main__":
    main()
