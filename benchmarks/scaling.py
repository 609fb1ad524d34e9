"""Checks against n: the time and peak memory of checking a derivative as its matrices grow.

Three derivatives of n x n matrices, in float64:

- ``logdet``: the gradient of ln|det X| (closed form X^-T);
- ``AXb``: the Jacobian of y = A X b by X (n x n x n, dense: J[i, j, k] = A_ij b_k);
- ``kron``: the Jacobian of X -> A X B (n^2 x n^2 in the vec layout: B^T kron A).

Series:

- ``dense``: ``matcalc.check_*`` with ``max_dense=inf``: every reference, jacrev and jacfwd included;
- ``matrix-free``: ``max_dense=X.size``: nothing bigger than X is materialized, so the full
  Jacobians are skipped and the probes (jvp, vjp, finite differences along random tangents)
  check; a gradient keeps ``grad`` (one reverse pass, shaped like X), its only autodiff
  reference besides the full ones;
- ``check_grads``: ``jax.test_util.check_grads(f, (X,), order=1)`` on the same f (JVP and VJP
  against one finite difference each; no candidate is checked);
- ``operator`` (kron only): the closed form as a Kronecker operator, matrix-free, beside
  ``matrix-free`` with the same closed form as its dense (n^2 x n^2) array.

Each point runs in its own process: the check once (tracing and compiling), then again with
other seeds (other probe directions, the same compiled programs), up to 5 times while they take
under 2 s in all; the fastest warm call's wall time is reported (the least disturbed by the other
processes of a loaded machine). Peak memory is the child's ``ru_maxrss``, read
with ``os.wait4`` for that child alone (``getrusage(RUSAGE_CHILDREN)`` would give the largest of
all children so far); it includes about 0.3 GB of Python, NumPy and JAX. A point whose estimated
memory is over ``--max-gb`` is not run and is marked so. The exponent of time against n is a
least-squares fit of log t on log n over the points with n >= ``--fit-from``.

    python benchmarks/scaling.py [--quick] [--sizes 8 16 ...] [--max-gb 4] [--write]

``--write`` puts the table into docs/benchmarks.md (between the scaling markers) and the plot
into docs/scaling.png. Benchmarks report; they assert nothing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ("logdet", "AXb", "kron")
SERIES = ("dense", "matrix-free", "check_grads", "operator")
SIZES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)
QUICK_SIZES = (8, 16, 32, 64)
BEGIN, END = "<!-- scaling:begin -->", "<!-- scaling:end -->"
# Arrays in flight per element the estimate counts: the candidate, its copy in the program, and
# the references' basis and result.
COPIES = 2


def estimated_bytes(problem: str, series: str, n: int) -> float:
    """Rough peak bytes of a point (float64): the dense candidate and what the references materialize."""
    candidate = {"logdet": n**2, "AXb": n**3, "kron": n**4}[problem]
    if series == "check_grads" or series == "operator":
        return 8.0 * COPIES * n**2
    references = 0
    if series == "dense":  # jacfwd pushes an in x in basis; jacrev pulls an out x out one
        references = {"logdet": n**4, "AXb": n**3 + n**4, "kron": 2 * n**4}[problem]
    return 8.0 * COPIES * (candidate + references)


# -- one point (in the child process) --------------------------------------------------------------


def _problem(problem: str, n: int, seed: int):
    """(check, f, candidate, x, options) for a problem at size n."""
    import jax.numpy as jnp

    import matcalc
    from matcalc.vocabulary.operators import Kronecker

    rng = np.random.default_rng(seed)
    if problem == "logdet":
        u, v = (np.linalg.qr(rng.normal(size=(n, n)))[0] for _ in range(2))
        x = (u * np.linspace(1.0, 2.0, n)) @ v.T
        return matcalc.check_gradient, (lambda X: jnp.linalg.slogdet(X)[1]), (lambda X: jnp.linalg.inv(X).T), x, {}
    a, b, x = rng.normal(size=(n, n)), rng.normal(size=(n, n)), rng.normal(size=(n, n))
    if problem == "AXb":
        c = b[:, 0]
        return matcalc.check_jacobian, (lambda X: a @ X @ c), (lambda X: jnp.einsum("ij,k->ijk", a, c)), x, {}
    f = lambda X: a @ X @ b  # noqa: E731
    # Built when called, inside the check's float64 scope (outside it, jnp would make a and b float32).
    operator = lambda X: Kronecker.of_product(a, b)  # noqa: E731
    return matcalc.check_jacobian, f, (lambda X: jnp.kron(b.T, a)), x, {"layout": "vec"}, operator


def run_point(problem: str, series: str, n: int) -> dict:
    import jax

    # The same f and candidate both times (their compiled programs are reused); the seed of the
    # check (its probes' directions) changes.
    check, f, candidate, x, options, *operator = _problem(problem, n, 0)
    if series == "operator":
        candidate, options = operator[0], {}

    def once(seed: int) -> tuple[float, bool]:
        start = time.perf_counter()
        if series == "check_grads":
            from jax.test_util import check_grads

            with jax.enable_x64(True):
                check_grads(f, (x,), order=1, modes=("fwd", "rev"))
            ok = True
        else:
            budget = math.inf if series == "dense" else x.size
            ok = bool(check(f, candidate, x, max_dense=budget, seed=seed, **options))
        return time.perf_counter() - start, ok

    first, ok = once(0)
    warm = []  # warm calls on new seeds while they take under 2 s in all (at most 5): the fastest
    while not warm or (len(warm) < 5 and sum(warm) < 2.0):
        seconds, ok_now = once(len(warm) + 1)
        warm.append(seconds)
        ok = ok and ok_now
    return {"first": first, "seconds": min(warm), "warm_calls": len(warm), "ok": ok}


# -- the sweep (in the parent) ---------------------------------------------------------------------


def measure(problem: str, series: str, n: int, timeout: float) -> dict:
    """Run one point in a child process; its own peak RSS from os.wait4."""
    command = [sys.executable, __file__, "--point", problem, series, str(n)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu")})
    start = time.monotonic()
    out = err = ""
    try:
        out, err = _read(child, timeout)
    except TimeoutError:
        child.kill()
        out, err = "", f"timed out after {timeout:.0f}s"
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    point = {"problem": problem, "series": series, "n": n, "wall": time.monotonic() - start,
             "peak_mb": usage.ru_maxrss / 1024}
    if child.returncode == 0 and out.strip():
        point.update(json.loads(out.strip().splitlines()[-1]))
    else:
        point["error"] = (err.strip().splitlines() or [f"exit {child.returncode}"])[-1][:200]
    return point


def _read(child: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """The child's stdout and stderr, without reaping it (so that os.wait4 gets its rusage)."""
    import selectors

    chunks = {child.stdout: [], child.stderr: []}
    selector = selectors.DefaultSelector()
    for stream in chunks:
        selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while selector.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        for key, _ in selector.select(timeout=left):
            data = key.fileobj.readline()
            if data:
                chunks[key.fileobj].append(data)
            else:
                selector.unregister(key.fileobj)
    return "".join(chunks[child.stdout]), "".join(chunks[child.stderr])


def sweep(sizes, max_gb: float, timeout: float, log=print) -> list[dict]:
    points = []
    for problem in PROBLEMS:
        for series in SERIES:
            if series == "operator" and problem != "kron":
                continue
            for n in sizes:
                need = estimated_bytes(problem, series, n) / 1e9
                if need > max_gb:
                    points.append({"problem": problem, "series": series, "n": n, "capped": need})
                    log(f"{problem:<7} {series:<12} n={n:<5} not run: needs about {need:.1f} GB > {max_gb:g} GB")
                    continue
                point = measure(problem, series, n, timeout)
                points.append(point)
                if "error" in point:
                    log(f"{problem:<7} {series:<12} n={n:<5} FAILED: {point['error']}")
                else:
                    log(f"{problem:<7} {series:<12} n={n:<5} {point['seconds']:9.3f}s warm "
                        f"({point['first']:.2f}s first)  peak {point['peak_mb']:7.0f} MB  ok={point['ok']}")
    return points


def fit_exponent(points: list[dict], fit_from: int) -> tuple[float, int] | None:
    """Slope of log t against log n over the measured points with n >= fit_from: (exponent, count)."""
    done = [(p["n"], p["seconds"]) for p in points if "seconds" in p and p["n"] >= fit_from]
    if len(done) < 2:
        return None
    ns, ts = np.log([d[0] for d in done]), np.log([d[1] for d in done])
    return float(np.polyfit(ns, ts, 1)[0]), len(done)


def table(points: list[dict], sizes, fit_from: int) -> str:
    lines = []
    for problem in PROBLEMS:
        mine = [p for p in points if p["problem"] == problem]
        series = [s for s in SERIES if any(p["series"] == s for p in mine)]
        lines += [f"**{problem}** — warm seconds / peak MB per n; exponent: fit of log t on log n, "
                  f"n ≥ {fit_from}", "",
                  "| series | " + " | ".join(f"n = {n}" for n in sizes) + " | exponent |",
                  "|---|" + "---:|" * (len(sizes) + 1)]
        for s in series:
            cells = []
            for n in sizes:
                p = next((p for p in mine if p["series"] == s and p["n"] == n), None)
                if p is None:
                    cells.append("")
                elif "capped" in p:
                    cells.append(f"not run (~{p['capped']:.0f} GB)")
                elif "error" in p:
                    cells.append("failed")
                else:
                    cells.append(f"{p['seconds']:.3g} s / {p['peak_mb']:.0f} MB" + ("" if p["ok"] else " (FAIL)"))
            fit = fit_exponent([p for p in mine if p["series"] == s], fit_from)
            cells.append("—" if fit is None else f"{fit[0]:.2f} ({fit[1]} pts)")
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(points: list[dict], path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from matcalc.studies.plotting import new_figure

    fig = new_figure(figsize=(13, 7), layout="constrained")
    axes = fig.subplots(2, len(PROBLEMS), squeeze=False)
    markers = dict(zip(SERIES, "osv^"))
    for col, problem in enumerate(PROBLEMS):
        for row, (key, label) in enumerate((("seconds", "warm seconds"), ("peak_mb", "peak RSS (MB)"))):
            ax = axes[row][col]
            for s in SERIES:
                mine = sorted((p for p in points if p["problem"] == problem and p["series"] == s and "seconds" in p),
                              key=lambda p: p["n"])
                if mine:
                    ax.plot([p["n"] for p in mine], [p[key] for p in mine], markers[s] + "-", label=s)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("n")
            ax.set_ylabel(label)
            ax.grid(True, which="both", alpha=0.3)
            if row == 0:
                ax.set_title(problem)
                ax.legend(fontsize="small")
    fig.savefig(path, format="png")


def write_docs(text: str) -> None:
    """Replace the scaling section of docs/benchmarks.md (between the markers), or append it."""
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text(encoding="utf-8")
    section = f"{BEGIN}\n{text.rstrip()}\n{END}"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        current = head + section + rest.split(END, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + section + "\n"
    path.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"n in {QUICK_SIZES} only")
    parser.add_argument("--sizes", type=int, nargs="*", help=f"the n to run (default {SIZES})")
    parser.add_argument("--max-gb", type=float, default=4.0, help="skip points estimated to need more (default 4)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per point (default 900)")
    parser.add_argument("--fit-from", type=int, default=None, help="fit exponents over n >= this (default: 64, "
                        "or the second-largest n with --quick)")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md and docs/scaling.png")
    parser.add_argument("--point", nargs=3, metavar=("PROBLEM", "SERIES", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.point:
        problem, series, n = args.point
        print(json.dumps(run_point(problem, series, int(n))))
        return
    sizes = tuple(args.sizes or (QUICK_SIZES if args.quick else SIZES))
    fit_from = args.fit_from or (sorted(sizes)[-2] if args.quick and len(sizes) > 1 else 64)
    import jax

    header = (f"Run on {datetime.date.today()}: {platform.machine()}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at the start, JAX {jax.__version__} on "
              f"{os.environ.get('JAX_PLATFORMS', 'cpu')}, float64. Warm wall time of one check (the fastest "
              f"of up to 5 calls on new seeds, after the first, which traces and compiles) and the child "
              f"process's peak RSS (about 0.3 GB of it is Python and JAX). Points estimated over "
              f"{args.max_gb:g} GB are not run. Reproduce: `python benchmarks/scaling.py "
              f"{'--sizes ' + ' '.join(map(str, sizes)) if args.sizes else '--quick' if args.quick else ''}`.")
    print(header, flush=True)
    start = time.perf_counter()
    points = sweep(sizes, args.max_gb, args.timeout, log=lambda line: print(line, flush=True))
    text = table(points, sizes, fit_from)
    print(f"\n{text}\n({time.perf_counter() - start:.0f}s in all)")
    if args.write:
        plot(points, ROOT / "docs" / "scaling.png")
        write_docs("## Scaling: checks against n\n\n" + header + "\n\n![time and memory against n](scaling.png)\n\n"
                   + text)
        (ROOT / "docs" / "scaling.json").write_text(json.dumps(points, indent=1) + "\n", encoding="utf-8")
        print("wrote docs/benchmarks.md (scaling section), docs/scaling.png, docs/scaling.json")


if __name__ == "__main__":
    main()
