"""Command line: ``matcalc list | show | verify | check | docs | swell | fd-study``."""

from __future__ import annotations

import argparse
import json
import sys

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matcalc.frontends.cache import enable_compilation_cache
from matcalc.vocabulary.catalog import catalog, get, select
from matcalc.vocabulary.records import Identity
from matcalc.checker.result import CheckResult


# The recorded verification run, beside the package in a source checkout (what `make docs` writes).
RECORDED_RUN = Path(__file__).resolve().parents[2] / "docs" / "verification.json"


def _shapes(record: Identity) -> str:
    return ", ".join(f"{name}: [{arg.shape}]" + ("" if arg.domain.name == "general" else f" {arg.domain.name}")
                     for name, arg in record.args.items())


def cmd_list(args: argparse.Namespace) -> int:
    records = select(args.ids)
    if args.json:
        json.dump([r.to_json() for r in records], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    width = max(len(r.id) for r in records)
    for r in records:
        print(f"{r.id:<{width}}  {r.kind.value:<12} {r.layout.value:<11} {_shapes(r)}  out [{r.out}]")
        print(f"{'':<{width}}  {'; '.join(map(str, r.sources))}")
    print(f"{len(records)} identities")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from matcalc.frontends.docs import format_errors, load_run, record_hash, verify_record
    from matcalc.frontends.explain import describe, worked_example

    record = get(args.id)
    print(describe(record))
    if args.verify:
        print(f"  verified: {format_errors(record, verify_record(record))} (now)")
    else:
        entry = load_run(RECORDED_RUN).get("results", {}).get(record.id)
        if entry is None or entry.get("hash") != record_hash(record):
            print("  verified: no recorded verification of this definition; run with --verify")
        else:
            print(f"  verified: {format_errors(record, entry)} (recorded, {entry['environment']})")
    print()
    print(worked_example(record, seed=args.seed, dtype=args.dtype))
    return 0


def cmd_cookbook(args: argparse.Namespace) -> int:
    from matcalc.frontends.cookbook import format_listing, to_json
    from matcalc.vocabulary.catalog import displays

    chosen = displays(args.eq)
    if args.json:
        json.dump(to_json(chosen), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(format_listing(chosen))
    return 0


def _progress(total: int):
    count = 0

    def report(result: CheckResult) -> None:
        nonlocal count
        count += 1
        worst = max(result.errors.values(), default=0.0)
        status = "pass" if result.ok else "FAIL"
        print(f"[{count:>4}/{total}] {status} {result.label} {result.dtype} max error {worst:.1e} "
              f"({result.seconds:.2f}s)", file=sys.stderr, flush=True)

    return report


def _summary_table(results: Sequence[CheckResult], dtypes: Sequence[str]) -> str:
    by_id: dict[str, dict[str, CheckResult]] = {}
    for r in results:
        by_id.setdefault(r.label, {})[r.dtype] = r
    width = max(len(i) for i in by_id)
    head = f"{'identity':<{width}}  {'kind':<12} {'layout':<11}" + "".join(f" {d + ' err/tol':>18}" for d in dtypes)
    lines = [head + "  status", "-" * (len(head) + 8)]
    for ident, per_dtype in by_id.items():
        first = next(iter(per_dtype.values()))
        cells = ""
        for d in dtypes:
            r = per_dtype.get(d)
            if r is None:
                cells += f" {'-':>18}"
                continue
            worst = max(r.errors, key=lambda n: r.errors[n] / r.tolerances[n])
            cells += f" {r.errors[worst]:>8.1e}/{r.tolerances[worst]:<8.0e} "
        ok = all(per_dtype.values())
        lines.append(f"{ident:<{width}}  {first.kind:<12} {first.layout:<11}{cells}  {'PASS' if ok else 'FAIL'}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    from matcalc.checker.verify import verify_all
    from matcalc.vocabulary.context import MATMUL_PRECISION, RunContext

    records = catalog() if args.all or not args.ids else select(args.ids)
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    platform = RunContext(device=args.device).platform  # fails early, and clearly, without that device
    report = verify_all(records, dtypes=dtypes, seed=args.seed, device=args.device,
                        progress=_progress(len(records) * len(dtypes)))
    print(_summary_table(report.results, dtypes))
    for failure in report.failed:
        print()
        print(failure)
    passed = len(report.results) - len(report.failed)
    print(f"\n{passed} passed, {len(report.failed)} failed ({len(records)} identities x {len(dtypes)} dtypes) "
          f"in {report.seconds:.1f}s on {platform}; matmul precision {MATMUL_PRECISION}; seed {args.seed}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report.to_json(), fh, indent=2)
    return 0 if report.ok else 1


def cmd_docs(args: argparse.Namespace) -> int:
    from matcalc.frontends.docs import write_docs

    records = catalog()
    run = write_docs(records, Path(args.out), verify_now=not args.no_verify, force=args.force,
                     progress=_progress(len(records) * 2))
    failed = [i for i, entry in run.get("results", {}).items()
              if not all(entry.get(d, {}).get("ok") for d in ("float64", "float32"))]
    print(f"wrote {args.out}/catalog.md: {len(records)} identities" + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


def cmd_swell(args: argparse.Namespace) -> int:
    from matcalc.studies.swell import format_table, plot_swell, swell_table

    rows = swell_table(families=tuple(args.family or ("product", "composition")), depths=range(1, args.depth + 1))
    print(format_table(rows))
    if args.plot:
        plot_swell(rows, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _load(spec: str):
    """``package.module:name`` -> the object (a function to check, or its derivative)."""
    import importlib

    module, _, name = spec.partition(":")
    if not name:
        raise ValueError(f"expected MODULE:NAME, got {spec!r}")
    return getattr(importlib.import_module(module), name)


def cmd_check(args: argparse.Namespace) -> int:
    from matcalc.checker import check as checks
    from matcalc.vocabulary.context import RunContext
    from matcalc.vocabulary.domains import resolve_domain
    from matcalc.vocabulary.sampling import draw_point

    f, derivative = _load(args.function), _load(args.derivative)
    shapes = [tuple(int(d) for d in s.lower().split("x") if d) for s in args.shape]
    names = [f"arg{i}" for i in range(len(shapes))]
    domains = [resolve_domain(args.domain if i == args.argnum else "general") for i in range(len(shapes))]
    context = RunContext(args.dtype, args.seed)
    with context.scope():
        points = tuple(np.asarray(p) for p in draw_point(names, shapes, domains, context))
    options = dict(argnum=args.argnum, domain=args.domain, seed=args.seed)
    if args.kind == "gradient":
        result = checks.check_gradient(f, derivative, *points, **options)
    elif args.kind == "jacobian":
        result = checks.check_jacobian(f, derivative, *points, layout=args.layout, **options)
    elif args.kind == "hessian":
        result = checks.check_hessian(f, derivative, *points, layout=args.layout, **options)
    else:
        result = checks.check_differential(f, derivative, points, domain=args.domain, seed=args.seed)
    print(result)
    return 0 if result.ok else 1


def cmd_fd_study(args: argparse.Namespace) -> int:
    from matcalc.studies.fd_study import fd_study, format_study, plot_study

    result = fd_study(args.id, dtype=args.dtype, seed=args.seed)
    print(format_study(result))
    if args.plot:
        plot_study(result, args.plot)
        print(f"wrote {args.plot}")
    return 0


NO_CACHE_HELP = "do not use matcalc's persistent JAX compilation cache (also: MATCALC_NO_CACHE=1)"


def build_parser() -> argparse.ArgumentParser:
    # --no-cache is global, and accepted after the command too (there, SUPPRESS keeps the global value).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS, help=NO_CACHE_HELP)
    parser = argparse.ArgumentParser(prog="matcalc", description="A verified matrix-calculus reference for JAX.")
    parser.add_argument("--no-cache", action="store_true", default=False, help=NO_CACHE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", parents=[common], help="list identities: id, kind, layout, shapes, sources")
    p.add_argument("ids", nargs="*", help="ids or family prefixes (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("show", parents=[common], help="one identity: formula, layout, shapes, conditions, sources, example")
    p.add_argument("id")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--verify", action="store_true", help="verify now instead of showing the recorded run")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("cookbook", help="the Matrix Cookbook's Section 2, display by display: status and records")
    p.add_argument("eq", nargs="*", help="equation labels such as 92 or 'after 32' (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON array of {eq, status, records, note}")
    p.set_defaults(run=cmd_cookbook)

    p = sub.add_parser("verify", parents=[common], help="verify identities against jacrev, jacfwd, jvp/vjp, hessian, FD")
    p.add_argument("ids", nargs="*", help="ids or family prefixes (default: all)")
    p.add_argument("--all", action="store_true", help="the whole catalog")
    p.add_argument("--dtype", choices=("float32", "float64", "both"), default="float64")
    p.add_argument("--device", choices=("cpu", "gpu"), default=None, help="default: JAX's default device")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="FILE", help="write results and a summary as JSON")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("check", parents=[common], help="check your own derivative: matcalc check mod:f mod:grad --shape 3x4")
    p.add_argument("function", help="MODULE:NAME of f")
    p.add_argument("derivative", help="MODULE:NAME of your closed form (same arguments as f)")
    p.add_argument("--kind", choices=("gradient", "jacobian", "hessian", "differential"), default="gradient")
    p.add_argument("--shape", action="append", required=True, help="shape of each argument, e.g. 3x4 (repeat)")
    p.add_argument("--argnum", type=int, default=0)
    p.add_argument("--layout", default="jax", choices=("jax", "numerator", "denominator", "vec", "diagonal"))
    p.add_argument("--domain", default="general", help="domain of the differentiated argument")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("docs", parents=[common], help="verify the catalog and write docs/catalog.md from the records")
    p.add_argument("--out", default="docs", help="folder for catalog.md and verification.json")
    p.add_argument("--no-verify", action="store_true", help="re-render from the recorded verification run")
    p.add_argument("--force", action="store_true", help="re-verify every record, not only the changed ones")
    p.set_defaults(run=cmd_docs)

    p = sub.add_parser("swell", parents=[common], help="expression swell: symbolic derivative size vs jax.grad's jaxpr, by depth")
    p.add_argument("--family", action="append", help="product, composition or chain (repeatable)")
    p.add_argument("--depth", type=int, default=8, help="largest nesting depth (default 8)")
    p.add_argument("--plot", metavar="PNG", help="write a log-scale plot of the sizes")
    p.set_defaults(run=cmd_swell)

    p = sub.add_parser("fd-study", parents=[common], help="finite-difference error against the step h, per method, on one identity")
    p.add_argument("id")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--plot", metavar="PNG", help="write a log-log plot of the error curves")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=cmd_fd_study)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    enable_compilation_cache(disabled=args.no_cache)  # before anything compiles
    try:
        return args.run(args)
    except (KeyError, ValueError, RuntimeError, ImportError, AttributeError) as err:
        print(f"matcalc: error: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2


__all__ = ["main", "build_parser"]
