"""Command line interface: ``graphrec demo | run | compare | profile | datasets | list``."""

from __future__ import annotations

import argparse
import errno
import inspect
import logging
import os
import sys
import time
from collections.abc import Sequence

__all__ = ["main"]

KINDS = ("dataset", "embedder", "detector", "recommender", "metric")
_PLURALS = {f"{kind}s": kind for kind in KINDS}  # `graphrec list detectors` works too
EXECUTORS = ("local", "process", "ray")  # graphrec.experiment.executors (imported lazily)


def _demo(args: argparse.Namespace) -> int:
    from graphrec.experiment.demo import run_demo

    sizes = {"n_users": args.users, "n_items": args.items, "n_communities": args.communities}
    plots_dir = None if args.no_plots else args.out
    report = run_demo(
        **sizes, mu=args.mu, seed=args.seed, plots_dir=plots_dir, node2vec=not args.no_node2vec
    )
    print(report.to_text())
    return 0


def _datasets(args: argparse.Namespace) -> int:
    from graphrec._registry import datasets

    for name in datasets.names():
        doc = inspect.getdoc(datasets.get(name)) or ""
        print(f"{name:18s} {doc.splitlines()[0] if doc else ''}")
    return 0


def _list(args: argparse.Namespace) -> int:
    import graphrec as gr
    from graphrec._registry import _registry

    for kind in [_PLURALS.get(k, k) for k in args.kinds] or KINDS:
        names = gr.available(kind)  # raises ValueError naming the valid kinds
        print(f"{kind}s:" if names else f"{kind}s: (none registered yet)")
        if kind == "metric":
            _list_metrics()
            continue
        for name in names:
            params = _registry(kind).parameters(name)
            shown = ", ".join(
                p if d is inspect.Parameter.empty else f"{p}={d!r}" for p, d in params.items()
            )
            print(f"  {name:20s} {shown}")
            declared = _registry(kind).info(name).describe()  # needs, gives, fine-tunable
            if declared:
                print(f"  {'':20s} [{declared}]")
        if kind == "recommender":
            print(
                "  (experiment configs also take 'embedding': an embedder's own dot-product scores)"
            )
    return 0


def _list_metrics() -> None:
    """The metric registry, in registration order: direction, level, needs, when computed."""
    from graphrec.evaluate.registry import metric, metric_names

    for name in metric_names():
        m = metric(name)
        better = f"{m.direction} is better" if m.direction else "descriptive"
        when = "default" if m.default else ("always" if m.always else "on request")
        level = "per user" if m.per_user else "per list set"
        print(f"  {name:20s} {better:17s} {level:13s} {when:10s} needs {', '.join(m.needs)}")


def _run(args: argparse.Namespace) -> int:
    from graphrec.experiment import load_config, run_experiment
    from graphrec.experiment._console import main_metrics, override, print_best_run

    config = load_config(args.config, output=args.out)  # validated before any work
    if args.seeds or args.no_control:
        config = override(config, args)
    print(f"experiment {config.name!r} -> {config.output}")
    result = run_experiment(
        config,
        executor=args.executor,
        jobs=args.jobs,
        address=args.address,
        progress=not args.no_progress and sys.stderr.isatty(),
        report=print,
        plots=not args.no_plots,
        resume=args.resume,
        overwrite=args.overwrite,
    )
    stats = ", ".join(
        f"{s} {v['computed']} computed / {v['cached']} cached" for s, v in result.stats.items()
    )
    print(f"\njobs: {stats}")
    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_columns", 50):
        for kind, title in (("evaluate", "Recommendation"), ("detect", "Communities")):
            table = result.summary(main_metrics(result) if kind == "evaluate" else None, kind=kind)
            if not table.empty:
                where = "; the main K, every K in summary.md" if kind == "evaluate" else ""
                print(f"\n{title} ({result.cell_legend()}{where}):")
                print(table.to_string(index=False))
    chosen = result.selection_lines()[3:]  # without the section title
    if chosen:
        print("\nselection on validation:", *chosen, sep="\n  ")
    print_best_run(result)
    shown = "summary.md, results.csv" + ("" if args.no_plots else ", plots/")
    print(f"results in {result.output} ({shown})")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from graphrec.experiment.compare import compare_methods

    params = _key_values(args.param)
    _check_compare_args(args)
    t0 = time.perf_counter()
    compared = compare_methods(
        args.dataset,
        path=args.path,
        methods=args.methods,
        k=args.k,
        seed=args.seed,
        seeds=args.seeds,
        embedder=args.embedder,
        dataset_params=params or None,
        output=args.out,
        preprocess=_preprocess(args),
        split=args.split,
        baselines=args.baselines,
        executor=args.executor,
        jobs=args.jobs,
        resume=args.resume,
        overwrite=args.overwrite,
    )
    print(
        f"{args.dataset}: {len(compared.communities)} methods, "
        f"{'seeds ' + str(args.seeds) if args.seeds else 'seed ' + str(args.seed)} "
        f"({time.perf_counter() - t0:.1f}s)\n"
    )
    print(compared.to_text())
    if args.out:
        import textwrap

        files = ", ".join([*compared.FILES.values(), "summary.md", "plots/"])
        print(f"\ntables and experiment in {args.out}:")
        print(textwrap.fill(files, 98, initial_indent="  ", subsequent_indent="  "))
    return 0


def _check_compare_args(args: argparse.Namespace) -> None:
    """Check the options typed before the config is built, so an error names the option
    (``--methods``), not the config entry built from it (``detectors[0].name``)."""
    import graphrec  # noqa: F401  (fills the registries)
    from graphrec._registry import _registry

    errors = []
    if getattr(args, "k", 1) < 1:
        errors.append(f"--k must be a positive integer, got {args.k}")
    if hasattr(args, "methods"):
        typed = [("--methods", "detector", m) for m in args.methods or []]
        typed.append(("--embedder", "embedder", args.embedder))
        typed += [("--baselines", "recommender", b) for b in args.baselines if b != "embedding"]
    else:  # graphrec profile
        typed = [("--method", "detector", args.method)]
    for option, kind, name in typed:
        try:
            _registry(kind).get(name)
        except ValueError as exc:  # the registry's message, with "Did you mean"
            errors.append(f"{option}: {exc}")
    if errors:
        lines = "".join(f"\n  - {e}" for e in errors)
        raise ValueError(errors[0] if len(errors) == 1 else f"invalid arguments:{lines}")


def _profile(args: argparse.Namespace) -> int:
    from graphrec.community.profile import profile, to_markdown
    from graphrec.experiment.compare import detect_communities
    from graphrec.experiment.config import dataset_is_split

    _check_compare_args(args)
    data, communities = detect_communities(
        args.dataset,
        args.method,
        path=args.path,
        seed=args.seed,
        dataset_params=_key_values(args.param) or None,
        preprocess=_preprocess(args),
        split=args.split,
    )
    table = profile(data, communities, top_n=args.top)
    columns = [c for c in table.columns if c not in ("mean_activity",)]
    split = "the given" if dataset_is_split(args.dataset) else f"a {args.split}"
    print(
        f"## {args.dataset}: {communities.n_communities} communities ({args.method}, seed "
        f"{args.seed}; training part of {split} split, as graphrec run finds them)\n"
    )
    print(to_markdown(table, columns))
    return 0


def _preprocess(args: argparse.Namespace) -> dict[str, object] | None:
    """``--binarize`` / ``--k-core`` as a config's ``dataset.preprocess`` section."""
    out: dict[str, object] = {}
    if args.binarize is not None:
        out["binarize"] = args.binarize
    if args.k_core is not None:
        out["k_core"] = args.k_core
    return out or None


def _threshold(text: str) -> float | bool:
    if text.lower() in ("true", "any"):
        return True
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number (or 'any'), got {text!r}") from None


def _k_core(text: str) -> int | list[int]:
    parts = text.split(",")
    if len(parts) in (1, 2) and all(p.strip().isdigit() for p in parts):
        values = [int(p) for p in parts]
        return values[0] if len(values) == 1 else values
    raise argparse.ArgumentTypeError(f"expected N or MIN_USER,MIN_ITEM (integers), got {text!r}")


def _add_folder_options(parser: argparse.ArgumentParser) -> None:
    """``--resume`` / ``--overwrite``: what a run does with a folder that holds results."""
    group = parser.add_mutually_exclusive_group()
    resume = "continue the run of this same config in --out (an error if there is none)"
    group.add_argument("--resume", action="store_true", help=resume)
    overwrite = "replace the results in --out, even of another config (the cache is kept)"
    group.add_argument("--overwrite", action="store_true", help=overwrite)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    """Preprocessing and split options, as a config's ``dataset`` section says them."""
    parser.add_argument(
        "--binarize",
        type=_threshold,
        metavar="T",
        help="keep interactions with weight >= T as 1s ('any': every one), like "
        "dataset.preprocess.binarize",
    )
    parser.add_argument(
        "--k-core",
        type=_k_core,
        metavar="N[,M]",
        help="keep users with >= N and items with >= M interactions, like "
        "dataset.preprocess.k_core",
    )
    parser.add_argument(
        "--split",
        choices=("random", "temporal", "leave_one_out"),
        default="random",
        help="split method, seeded by --seed (communities are found on its training part)",
    )


def _key_values(pairs: Sequence[str] | None) -> dict[str, object]:
    """``["n_users=500", "mu=0.3"]`` -> ``{"n_users": 500, "mu": 0.3}`` (YAML scalars)."""
    import yaml

    out: dict[str, object] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects KEY=VALUE, got {pair!r}")
        out[key] = yaml.safe_load(value)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphrec",
        description="User communities in recommender data, and recommending with them.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="run the built-in example end to end")
    demo.add_argument("--users", type=int, default=2000)
    demo.add_argument("--items", type=int, default=1000)
    demo.add_argument("--communities", type=int, default=6)
    demo.add_argument("--mu", type=float, default=0.2, help="share of out-of-community picks")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="graphrec-demo", help="folder for the plots")
    demo.add_argument("--no-plots", action="store_true", help="write no plots")
    demo.add_argument("--no-node2vec", action="store_true", help="skip Node2Vec (faster)")
    demo.set_defaults(func=_demo)

    run = sub.add_parser("run", help="run an experiment config (YAML) and print its summary")
    run.add_argument("config", help="experiment YAML (relative paths: from the current folder)")
    run.add_argument("--out", help="output folder (default: the config's 'output')")
    run.add_argument("--executor", choices=EXECUTORS, default="local", help="where jobs run")
    run.add_argument("--jobs", type=int, help="workers (process / ray); default: CPU count")
    run.add_argument("--address", help="Ray cluster address (default: $RAY_ADDRESS or local)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument("--no-plots", action="store_true", help="skip the figures")
    _add_folder_options(run)
    run.add_argument(
        "--seeds", nargs="+", type=int, metavar="SEED", help="run seeds (replace the config's)"
    )
    run.add_argument(
        "--no-control",
        action="store_true",
        help="leave out the single-community control (config 'control: false')",
    )
    run.set_defaults(func=_run)

    cmp_ = sub.add_parser(
        "compare", help="compare community detection methods on one dataset, in one table"
    )
    cmp_.add_argument("dataset", help="a registered dataset name (graphrec datasets)")
    cmp_.add_argument("--path", help="folder of the dataset files")
    cmp_.add_argument("--methods", nargs="+", metavar="DETECTOR", help="detector names")
    cmp_.add_argument("--k", type=int, default=20, help="cut-off of the downstream metrics")
    cmp_.add_argument("--seed", type=int, default=0, help="split and method seed")
    cmp_.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        metavar="SEED",
        help="several seeds (each its own split): cells become mean ± sd over them",
    )
    cmp_.add_argument("--embedder", default="svd", help="for embedding-clustering methods")
    cmp_.add_argument(
        "--baselines",
        nargs="*",
        metavar="RECOMMENDER",
        default=["popularity", "embedding"],
        help="recommenders shown without communities, a row each (default: popularity "
        "and embedding, the embedder's own scores); add a strong base, e.g. ease or "
        "graph_filter",
    )
    cmp_.add_argument("--param", action="append", metavar="KEY=VALUE", help="dataset parameter")
    cmp_.add_argument("--out", help="keep the experiment (cache, results, plots) here")
    cmp_.add_argument("--executor", choices=EXECUTORS, default="local")
    cmp_.add_argument("--jobs", type=int)
    _add_folder_options(cmp_)
    _add_data_options(cmp_)
    cmp_.set_defaults(func=_compare)

    prof = sub.add_parser("profile", help="describe the communities of a dataset (Markdown)")
    prof.add_argument("dataset", help="a registered dataset name")
    prof.add_argument("--path", help="folder of the dataset files")
    prof.add_argument("--method", default="bipartite_louvain", help="detector name")
    prof.add_argument("--top", type=int, default=5, help="items and genres per community")
    prof.add_argument("--seed", type=int, default=0)
    prof.add_argument("--param", action="append", metavar="KEY=VALUE", help="dataset parameter")
    _add_data_options(prof)
    prof.set_defaults(func=_profile)

    ds = sub.add_parser("datasets", help="list the datasets graphrec can load")
    ds.set_defaults(func=_datasets)

    ls = sub.add_parser("list", help="list registered components and their parameters")
    ls.add_argument(
        "kinds", nargs="*", metavar="KIND", help="any of: " + ", ".join(KINDS) + " (or plurals)"
    )
    ls.set_defaults(func=_list)
    return parser


def _os_error(exc: OSError) -> int:
    """One line for an OS error (a read-only folder, a full disk, a path through a file)."""
    where = f"{exc.filename}: " if exc.filename else ""
    full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    why = " (no room to write: a full disk, a quota or a size limit; nothing was published)"
    print(f"graphrec: error: {where}{exc.strerror or exc}{why if full else ''}", file=sys.stderr)
    hook = sys.__unraisablehook__  # a half-written archive's ZipFile.__del__ fails again
    sys.unraisablehook = lambda u: None if "ZipFile.__del__" in repr(u.object) else hook(u)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.version:
        import graphrec

        print(graphrec.__version__)
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (`graphrec compare ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 141  # what a shell reports for a process ended by SIGPIPE
    except (ValueError, FileNotFoundError) as exc:
        print(f"graphrec: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return _os_error(exc)
    except KeyboardInterrupt:
        print("graphrec: interrupted; finished jobs are cached, rerun to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
