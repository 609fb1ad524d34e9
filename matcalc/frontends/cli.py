"""Command line: ``matcalc list | show | verify | check | docs | swell | fd-study``.

Exit status, for CI: 0 passed; 1 a check failed; 2 a usage or input error (a bad option, shape or
id, a module that cannot be imported, an ``InputError``); 3 an unexpected exception, raised by the
user's function or derivative (its traceback is shown from the user's code) or by matcalc (a bug:
the full traceback is shown). A closed pipe (``matcalc list | head``) ends quietly with 141, as
Unix tools killed by SIGPIPE do.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import inspect
import json
import os
import re
import sys
import traceback

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matcalc.checker.errors import InputError
from matcalc.frontends.cache import enable_compilation_cache
from matcalc.frontends.tracebacks import user_traceback
from matcalc.vocabulary.catalog import catalog, get, select
from matcalc.vocabulary.domains import DOMAINS
from matcalc.vocabulary.records import Identity
from matcalc.checker.result import CheckResult


# The recorded verification run, beside the package in a source checkout (what `make docs` writes).
RECORDED_RUN = Path(__file__).resolve().parents[2] / "docs" / "verification.json"

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process killed by SIGPIPE


class UsageError(Exception):
    """A bad command line or input, reported in one line (and ``details``, such as the traceback of a
    module that failed to import): exit 2."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def _found(lookup, *args):
    """A catalog lookup (``get``, ``select``, ``displays``) whose unknown name is a usage error."""
    try:
        return lookup(*args)
    except KeyError as err:
        raise UsageError(err.args[0] if err.args else str(err)) from None


SHAPE_FORM = "sizes joined by 'x' such as 3x4, one size such as 5 for a vector, or 'scalar'"


def parse_shape(text: str) -> tuple[int, ...]:
    """``3x4`` -> (3, 4); ``5`` -> (5,); ``scalar`` -> (). Sizes are at least 1."""
    spec = text.strip().lower()
    if spec == "scalar":
        return ()
    parts = [part.strip() for part in spec.split("x")]
    if not all(re.fullmatch(r"[0-9]+", part) for part in parts):
        raise argparse.ArgumentTypeError(f"bad shape {text!r}: expected {SHAPE_FORM}")
    if any(int(part) < 1 for part in parts):
        raise argparse.ArgumentTypeError(f"bad shape {text!r}: every size must be at least 1 ({SHAPE_FORM})")
    return tuple(int(part) for part in parts)


DIMS_FORM = "NAME=SIZE pairs joined by commas, such as n=1024,m=512 (sizes at least 1)"


def parse_dims(text: str) -> dict[str, int]:
    """``n=1024,m=512`` -> {"n": 1024, "m": 512}: sizes of symbolic dimensions."""
    dims = {}
    for item in text.split(","):
        name, eq, size = (part.strip() for part in item.partition("="))
        if not (eq and re.fullmatch(r"[A-Za-z]\w*", name) and re.fullmatch(r"[0-9]+", size) and int(size) >= 1):
            raise argparse.ArgumentTypeError(f"bad dims {text!r} at {item.strip()!r}: expected {DIMS_FORM}")
        dims[name] = int(size)
    return dims


def parse_size(text: str) -> int:
    if not re.fullmatch(r"\s*[0-9]+\s*", text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"bad size {text!r}: expected a whole number at least 1, such as 512")
    return int(text)


def parse_max_dense(text: str) -> float:
    """Elements: a whole number (``0``: probes only; ``1e8`` is accepted) or ``inf`` (every reference)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or (value != float("inf") and value != int(value)):
        raise argparse.ArgumentTypeError(f"bad max-dense {text!r}: expected a number of elements at least 0, "
                                         "such as 0 (probes only), 33554432 or 1e8, or inf (every reference)")
    return value


def _verify_dims(records: Sequence[Identity], size: int | None, dims: dict[str, int] | None) -> dict[str, int] | None:
    """Sizes for the records' symbolic dimensions: ``--size`` for all of them, then ``--dims``."""
    if size is None and not dims:
        return None
    used = {d for r in records for spec in [r.out, *(a.shape for a in r.args.values())]
            for d in spec.split() if not d.isdigit()}
    unknown = sorted(set(dims or {}) - used)
    if unknown:
        raise UsageError(f"--dims names {', '.join(unknown)}, which the selected identities do not use; "
                         f"they use: {', '.join(sorted(used))}")
    return {**({d: size for d in used} if size is not None else {}), **(dims or {})}


def _shapes(record: Identity) -> str:
    return ", ".join(f"{name}: [{arg.shape}]" + ("" if arg.domain.name == "general" else f" {arg.domain.name}")
                     for name, arg in record.args.items())


def cmd_list(args: argparse.Namespace) -> int:
    records = _found(select, args.ids)
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

    record = _found(get, args.id)
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

    chosen = _found(displays, args.eq)
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
    from matcalc.frontends.reports import status
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
            if not r.errors:  # not run at these sizes (the failure's report says why)
                cells += f" {'not run':>18}"
                continue
            worst = max(r.errors, key=lambda n: r.errors[n] / r.tolerances[n])
            cells += f" {r.errors[worst]:>8.1e}/{r.tolerances[worst]:<8.0e} "
        lines.append(f"{ident:<{width}}  {first.kind:<12} {first.layout:<11}{cells}  "
                     f"{status(per_dtype.values(), 'PASS', 'FAIL')}")
    return "\n".join(lines)


def _check_output(path: str | None) -> None:
    """Refuse an output file that cannot be written before the run, not after it."""
    if path and path != "-" and (Path(path).is_dir() or not Path(path).parent.is_dir()):
        raise UsageError(f"cannot write {path!r}: " + ("it is a folder" if Path(path).is_dir()
                                                       else f"no folder {str(Path(path).parent)!r}"))


def _write_output(path: str | None, text: str) -> None:
    """Write ``text`` to the file ``path``, to stdout for ``-``, nowhere for None."""
    if not path:
        return
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write {path!r}: {err.strerror or err}") from None


def cmd_verify(args: argparse.Namespace) -> int:
    from matcalc.checker.verify import verify_all
    from matcalc.frontends.reports import junit_xml, markdown_summary
    from matcalc.vocabulary.context import MATMUL_PRECISION, RunContext

    outputs = {"--json": args.json, "--junit": args.junit, "--markdown": args.markdown}
    to_stdout = [option for option, path in outputs.items() if path == "-"]
    if len(to_stdout) > 1:
        raise UsageError(f"only one of {', '.join(to_stdout)} can write to stdout ('-')")
    for path in outputs.values():
        _check_output(path)
    records = catalog() if args.all or not args.ids else _found(select, args.ids)
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    try:
        platform = RunContext(device=args.device).platform  # fails early, and clearly, without that device
    except RuntimeError as err:
        raise UsageError(str(err)) from None
    dims = _verify_dims(records, args.size, args.dims)
    # One process per core on a CPU; one on an accelerator, which each process would claim whole.
    jobs = args.jobs or (1 if dims or platform != "cpu" else min(4, os.cpu_count() or 1))
    report = verify_all(records, dtypes=dtypes, seed=args.seed, device=args.device,
                        progress=_progress(len(records) * len(dtypes)), dims=dims, max_dense=args.max_dense,
                        jobs=jobs, worker_setup=functools.partial(enable_compilation_cache, disabled=args.no_cache))
    # With an output on stdout ('-'), stdout carries it alone and the table goes to stderr.
    text = functools.partial(print, file=sys.stderr if to_stdout else sys.stdout)
    text(_summary_table(report.results, dtypes))
    for failure in report.failed:
        text()
        text(failure)
    for skipped in report.not_run:
        text(f"not run: {skipped.label} [{skipped.dtype}]: {skipped.not_run}")
    not_run = f", {len(report.not_run)} not run at these sizes" if report.not_run else ""
    text(f"\n{len(report.passed)} passed, {len(report.failed)} failed{not_run} "
         f"({len(records)} identities x {len(dtypes)} dtypes) "
         f"in {report.seconds:.1f}s on {platform}; matmul precision {MATMUL_PRECISION}; seed {args.seed}"
         + (f"; sizes {', '.join(f'{d}={n}' for d, n in sorted(dims.items()))}" if dims else "")
         + (f"; max_dense {args.max_dense:.3g}" if args.max_dense is not None else ""))
    run = dict(platform=platform, seed=args.seed, matmul_precision=MATMUL_PRECISION)
    _write_output(args.json, json.dumps(report.to_json(), indent=2) + "\n")
    _write_output(args.junit, junit_xml(report, **run))
    _write_output(args.markdown, markdown_summary(report, dtypes, **run))
    return EXIT_PASSED if report.ok else EXIT_FAILED


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


@contextlib.contextmanager
def _importable_cwd():
    """The current directory first on sys.path, for the block only: `matcalc check mygrads:f ...`
    imports ./mygrads.py, as `python -m` would (the console script's sys.path[0] is its bin folder)."""
    cwd = os.getcwd()
    sys.path.insert(0, cwd)
    importlib.invalidate_caches()  # a module written since startup (a test's tmp_path) is found
    try:
        yield
    finally:
        if sys.path and sys.path[0] == cwd:
            del sys.path[0]
        elif cwd in sys.path:
            sys.path.remove(cwd)


def _load(spec: str):
    """``package.module:name`` (or ``module:Class.attr``) -> the object: a function or its derivative."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise UsageError(f"expected MODULE:NAME, such as mygrads:f, got {spec!r}")
    try:
        with _importable_cwd():
            module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and (module_name == err.name or module_name.startswith(err.name + ".")):
            raise UsageError(f"cannot import {module_name!r}: {err.msg} (looked in the current directory "
                             f"{os.getcwd()!r}, then sys.path)") from None
        raise UsageError(f"cannot import {module_name!r}: it raised {type(err).__name__}: {err}",
                         _user_traceback_text(err)) from None
    except Exception as err:  # the module's own code failed: show where, from the user's code
        raise UsageError(f"cannot import {module_name!r}: it raised {type(err).__name__}: {err}",
                         _user_traceback_text(err)) from None
    try:
        return functools.reduce(getattr, name.split("."), module)
    except AttributeError:
        raise UsageError(f"module {module_name!r} ({getattr(module, '__file__', '?')}) has no {name!r}") from None


def _user_traceback_text(err: BaseException) -> str:
    return "".join(traceback.format_exception(type(err), err, user_traceback(err.__traceback__)))


def _check_arity(spec: str, function, n_args: int) -> None:
    """A function called with the wrong number of arguments fails deep in JAX; say it here."""
    try:
        inspect.signature(function).bind(*range(n_args))
    except TypeError as err:
        raise UsageError(f"{spec} cannot be called with {n_args} argument(s) (one per --shape): {err}") from None
    except ValueError:  # no signature to read (some builtins): let the call decide
        pass


def cmd_check(args: argparse.Namespace) -> int:
    from matcalc.checker import check as checks
    from matcalc.vocabulary.context import RunContext
    from matcalc.vocabulary.domains import resolve_domain
    from matcalc.vocabulary.sampling import draw_point

    f, derivative = _load(args.function), _load(args.derivative)
    shapes = args.shape
    _check_arity(args.function, f, len(shapes))
    if callable(derivative):  # a differential takes the arguments, then one tangent each
        _check_arity(args.derivative, derivative, len(shapes) * (2 if args.kind == "differential" else 1))
    names = [f"arg{i}" for i in range(len(shapes))]
    domains = [resolve_domain(args.domain if i == args.argnum else "general") for i in range(len(shapes))]
    context = RunContext(args.dtype, args.seed)
    try:
        with context.scope():
            points = tuple(np.asarray(p) for p in draw_point(names, shapes, domains, context))
    except ValueError as err:  # a shape the domain cannot have (a non-square invertible matrix)
        raise UsageError(f"--shape and --domain disagree: {err}") from None
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
    return EXIT_PASSED if result.ok else EXIT_FAILED


def cmd_fd_study(args: argparse.Namespace) -> int:
    from matcalc.studies.fd_study import fd_study, format_study, plot_study

    result = fd_study(_found(get, args.id).id, dtype=args.dtype, seed=args.seed)
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
    p.add_argument("--size", type=parse_size, metavar="N",
                   help="every symbolic dimension = N (fixed sizes in a record's shapes, such as the 4 of '4 m', stay)")
    p.add_argument("--dims", type=parse_dims, metavar="NAME=SIZE,...",
                   help="sizes of named symbolic dimensions, such as n=1024,m=512 (over --size)")
    p.add_argument("--max-dense", type=parse_max_dense, default=None, metavar="N",
                   help="size budget of the full references (jacrev, jacfwd, ...), in elements: over it they are "
                        "skipped and the probes check alone; 0: probes only; inf: every reference "
                        "(default 2^25)")
    p.add_argument("--jobs", type=parse_size, default=None, metavar="N",
                   help="worker processes (default: one per core, at most 4; 1 on a GPU, and with --size or "
                        "--dims, where each worker would hold the large arrays)")
    p.add_argument("--json", metavar="FILE", help="write results and a summary as JSON ('-': stdout)")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML, one testcase per identity x dtype ('-': stdout)")
    p.add_argument("--markdown", metavar="FILE", help="write a markdown summary, e.g. for a CI job summary ('-': stdout)")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("check", parents=[common], help="check your own derivative: matcalc check mod:f mod:grad --shape 3x4")
    p.add_argument("function", help="MODULE:NAME of f")
    p.add_argument("derivative", help="MODULE:NAME of your closed form (same arguments as f)")
    p.add_argument("--kind", choices=("gradient", "jacobian", "hessian", "differential"), default="gradient")
    p.add_argument("--shape", action="append", required=True, type=parse_shape,
                   help="shape of each argument, in order (repeat): 3x4, 5 or scalar")
    p.add_argument("--argnum", type=int, default=0)
    p.add_argument("--layout", default="jax", choices=("jax", "numerator", "denominator", "vec", "diagonal"))
    p.add_argument("--domain", default="general", choices=sorted(DOMAINS), metavar="DOMAIN",
                   help=f"domain of the differentiated argument: {', '.join(sorted(DOMAINS))}")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("docs", parents=[common], help="verify the catalog and write docs/catalog.md from the records")
    p.add_argument("--out", default="docs", help="folder for catalog.md and verification.json")
    p.add_argument("--no-verify", action="store_true", help="re-render from the recorded verification run")
    p.add_argument("--force", action="store_true", help="re-verify every record, not only the changed ones")
    p.set_defaults(run=cmd_docs)

    p = sub.add_parser("swell", parents=[common], help="expression swell: symbolic derivative size vs jax.grad's jaxpr, by depth")
    p.add_argument("--family", action="append", choices=("product", "composition", "chain"), help="repeatable")
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
    """Run one command; return the exit status (argparse exits 2 by itself on a bad command line)."""
    args = build_parser().parse_args(argv)
    enable_compilation_cache(disabled=args.no_cache)  # before anything compiles
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        _mute_stdout()
        return EXIT_BROKEN_PIPE
    except (UsageError, InputError) as err:
        print(f"matcalc: error: {err}", file=sys.stderr)
        if getattr(err, "details", ""):
            print(err.details, end="", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        _report_crash(err, user_code=args.command == "check")
        return EXIT_ERROR


def _report_crash(err: Exception, *, user_code: bool) -> None:
    """A short message, then the traceback: from the user's code when it raised there."""
    first_line = (str(err).splitlines() or [""])[0]
    tb = user_traceback(err.__traceback__) if user_code else None
    if tb is not None:
        print(f"matcalc: error: your code raised {type(err).__name__}: {first_line}", file=sys.stderr)
    else:
        tb = err.__traceback__
        print(f"matcalc: internal error: {type(err).__name__}: {first_line}\n"
              "(a bug in matcalc, or an input it should have refused: please report it with this traceback)",
              file=sys.stderr)
    print("".join(traceback.format_exception(type(err), err, tb)), end="", file=sys.stderr)


def _mute_stdout() -> None:
    """The reader went away (`matcalc list | head`): say nothing more. Python would still complain
    when it flushes stdout at exit, so point stdout at /dev/null, as Python's documentation advises."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (captured, as under pytest)
        pass


__all__ = ["main", "build_parser", "parse_dims", "parse_max_dense", "parse_shape", "UsageError"]
