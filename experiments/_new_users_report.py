"""Reporting of experiments/bench_new_users.py: CIs, the verdict lines, the plot.

import _new_users_report   # from experiments/, as bench_new_users.py does
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphrec._io import atomic_write_bytes
from graphrec.evaluate.new_users import NewUserResult

K = 20
PRIMARY = f"ndcg@{K}"
COVERAGE = f"coverage@{K}"


def coverage_ci(recs: np.ndarray, n_items: int) -> tuple[float, float]:
    """95% interval of coverage@K from the jackknife over users (estimate +- 1.96 SE).

    Coverage counts distinct items, so a users-resampling bootstrap is biased downwards
    (a resample repeats users and drops others: fewer distinct items); leaving one user
    out changes it only by the items no other list holds, which the jackknife reads.
    """
    listed = recs >= 0
    rows = np.repeat(np.arange(len(recs)), listed.sum(axis=1))
    counts = np.bincount(recs[listed], minlength=n_items)
    cov = (counts > 0).sum()
    only_here = np.bincount(rows[counts[recs[listed]] == 1], minlength=len(recs))
    loo = (cov - only_here) / n_items
    n = len(recs)
    se = float(np.sqrt((n - 1) / n * ((loo - loo.mean()) ** 2).sum())) if n > 1 else 0.0
    est = cov / n_items
    return est - 1.96 * se, est + 1.96 * se


def best_on_valid(chosen: pd.DataFrame, families: list[str], n: int) -> str | None:
    rows = chosen[(chosen["n_revealed"] == n) & chosen["family"].isin(families)]
    return None if rows.empty else rows.loc[rows[PRIMARY].idxmax(), "family"]


def _best(result: NewUserResult, chosen: pd.DataFrame, families: list[str], n: int) -> str:
    best = best_on_valid(chosen, families, n)
    t = result.table.set_index(["method", "n_revealed"])
    return f"{best} {t.loc[(best, n), PRIMARY]:.4f}"


def verdict_line(
    name: str,
    result: NewUserResult,
    chosen: pd.DataFrame,
    is_comm: dict[str, bool],
    meta: dict[str, dict[str, Any]],
) -> str:
    """The paired test of the best community method vs the best without, per n, and
    one line against the targets."""
    comm = [f for f, c in is_comm.items() if c]
    plain = [f for f, c in is_comm.items() if not c]
    if not comm:
        return (
            f"VERDICT {name}: targets not testable: no community-aware method could fold "
            "in (none registered with fold-in yet); best per n on valid (its test NDCG@20): "
            + ", ".join(f"n={n} {_best(result, chosen, plain, n)}" for n in result.revealed)
        )
    # one pair per n, renamed so that .compare pairs them and Holm counts every n
    per_user, tables = {}, []
    for n in result.revealed:
        bc, bp = best_on_valid(chosen, comm, n), best_on_valid(chosen, plain, n)
        per_user[("best community", n)] = result.per_user[(bc, n)]
        per_user[("best without", n)] = result.per_user[(bp, n)]
        tables.append((n, bc, bp))
    paired = NewUserResult(pd.DataFrame(), per_user, result.revealed, [K]).compare(
        "best without", PRIMARY
    )
    print(
        "\n-- best community-aware (on valid) vs best without communities (on valid), "
        f"test users, Holm over {len(paired)} n"
    )
    parts, ok_low = [], True
    for (n, bc, bp), (_, r) in zip(tables, paired.iterrows()):
        print(
            f"n={n:2d}: {bc} {r[PRIMARY]:.4f} vs {bp} {r[f'baseline {PRIMARY}']:.4f}: "
            f"ratio {r['ratio']:.3f}, diff {r['diff']:+.4f} [{r['diff lo']:+.4f}, "
            f"{r['diff hi']:+.4f}], p_holm {r['p_holm']:.2g}"
        )
        best = bc if r["ratio"] > 1 else bp
        parts.append(f"n={n}: best {best} ({r['ratio']:.3f}x, p_holm {r['p_holm']:.2g})")
        if n <= 3:
            ok_low &= bool(r["ratio"] >= 1.05 and r["p_holm"] < 0.01)
    high = high_n_check(result, chosen, comm, meta)
    low = "MET" if ok_low else "NOT MET"
    friends = friends_check(result)
    return (
        f"VERDICT {name}: n<=3 target (>=5%, p<0.01) {low}; n>=10: {high}; "
        + (f"friends: {friends}; " if friends else "")
        + "; ".join(parts)
    )


def friends_check(result: NewUserResult) -> str:
    """Each ``X+friends`` method against its item-only ``X`` at the smallest n (paired)."""
    n = min(result.revealed)
    out = []
    for fam in result.methods:
        if "+friends" not in fam or not fam.endswith("[detected]"):
            continue
        items_only = fam.replace("+friends", "")
        if (items_only, n) not in result.per_user:
            continue
        pair = {
            (label, n): result.per_user[(src, n)]
            for label, src in (("friends", fam), ("items", items_only))
        }
        cmp = NewUserResult(pd.DataFrame(), pair, {n: result.revealed[n]}, [K]).compare(
            "items", PRIMARY
        )
        r = cmp.iloc[0]
        ok = r["ratio"] > 1 and r["p_wilcoxon"] < 0.05
        out.append(
            f"{'MET' if ok else 'NOT MET'} at n={n} ({fam} {r[PRIMARY]:.4f} vs items only "
            f"{r[f'baseline {PRIMARY}']:.4f}, ratio {r['ratio']:.3f}, p {r['p_wilcoxon']:.2g})"
        )
    return "; ".join(out)


def high_n_check(
    result: NewUserResult, chosen: pd.DataFrame, comm: list[str], meta: dict[str, dict[str, Any]]
) -> str:
    """At the largest n >= 10: the best community method vs its own base."""
    big = [n for n in result.revealed if n >= 10]
    if not big:
        return "no n >= 10 evaluated"
    n = big[-1]
    bc = best_on_valid(chosen, comm, n)
    base = meta[chosen[(chosen["family"] == bc) & (chosen["n_revealed"] == n)]["label"].iloc[0]]
    if base["base"] is None or (base["base"], n) not in result.per_user:
        return f"{bc} has no base to compare with"
    t = result.table.set_index(["method", "n_revealed"])
    mine, ref = t.loc[(bc, n)], t.loc[(base["base"], n)]
    loss = 1 - mine[PRIMARY] / ref[PRIMARY]
    ok = loss < 0.01 and mine[COVERAGE] >= ref[COVERAGE]
    return (
        f"{'MET' if ok else 'NOT MET'} ({bc} vs {base['base']} at n={n}: NDCG loss "
        f"{loss:+.1%}, coverage {mine[COVERAGE]:.3f} vs {ref[COVERAGE]:.3f})"
    )


def print_table(table: pd.DataFrame) -> None:
    for n, rows in table.groupby("n_revealed"):
        print(
            f"\n-- test, n = {n} revealed ({int(rows['n_users'].iloc[0])} users); chosen on valid"
        )
        for _, r in rows.sort_values(PRIMARY, ascending=False).iterrows():
            print(
                f"{r['method']:38} {r[PRIMARY]:.4f} [{r[f'{PRIMARY} lo']:.4f}, "
                f"{r[f'{PRIMARY} hi']:.4f}]  cov {r[COVERAGE]:.3f} [{r[f'{COVERAGE} lo']:.3f}, "
                f"{r[f'{COVERAGE} hi']:.3f}]  {r['ms_per_user']:7.2f} ms/user  {r['chosen']}"
            )


def plot(results: dict[str, dict[str, Any]], out: Path, overwrite: bool) -> list[Path]:
    """NDCG@20 against n per method, one panel per dataset (PNG and SVG, atomic)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, r in results.items() if r]
    if not names:
        return []
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        t = results[name]["table"]
        for method, rows in t.groupby("method", sort=False):
            rows = rows.sort_values("n_revealed")
            err = [rows[PRIMARY] - rows[f"{PRIMARY} lo"], rows[f"{PRIMARY} hi"] - rows[PRIMARY]]
            style = "-" if method.endswith("[detected]") else "--"
            ax.errorbar(
                rows["n_revealed"],
                rows[PRIMARY],
                yerr=err,
                ls=style,
                marker="o",
                ms=3,
                capsize=2,
                label=method,
            )
        ax.set_xscale("log")
        ax.set_xticks(
            sorted(t["n_revealed"].unique()), [str(v) for v in sorted(t["n_revealed"].unique())]
        )
        ax.set_xlabel("revealed items per new user (n)")
        ax.set_ylabel(f"NDCG@{K} (test users, 95% CI)")
        ax.set_title(name)
    axes[0][-1].legend(fontsize=7, loc="best")
    written = []
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=120, bbox_inches="tight")
        written.append(
            atomic_write_bytes(out / f"ndcg_vs_n.{fmt}", buf.getvalue(), overwrite=overwrite)
        )
    plt.close(fig)
    return written
