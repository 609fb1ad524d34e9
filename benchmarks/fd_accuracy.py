"""Finite differences side by side: matcalc.references.numerical against numdifftools, on the same inputs.

Three problems with closed-form answers, in float64:

(a) the gradient of log|det X| for a well-conditioned 32 x 32 X (exact: X^-T);
(b) the gradient of tr(AXB) with A 20 x 30, X 30 x 40, B 40 x 20 (exact: A^T B^T);
(c) the Hessian of log-sum-exp at n = 20 (exact: diag(p) - p p^T, p = softmax(x)).

For each: the normwise relative error against the exact answer (computed in NumPy), the number of
function evaluations, and the wall time, for the closed form evaluated in JAX (analytical),
``jax.grad``/``jax.hessian`` (autodiff), ours and numdifftools. numdifftools calls a NumPy f
once per point, so its evaluations are counted by a counting wrapper; ours evaluates one vmapped
batch, so its count is ``Estimate.evaluations`` (calls per direction, error-estimate points
included) times the number of directions (x.size for a gradient, x.size**2 entries for a
Hessian). JAX runs inside ``jax.jit``: the first call traces and compiles, the warm time is the
best of ``--repeats`` later calls; numdifftools' time is the best of ``--repeats`` calls. The
complex step needs an f analytic in X: log|det X| is not (|.| is not holomorphic), so both tools
get 0.5 log(det(X)^2) there, equal to it on real X. A second table grows n for (a).

Run ``make bench`` (or ``python benchmarks/fd_accuracy.py``); it prints markdown tables. This is a
report, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numdifftools as nd
import numpy as np

from matcalc.references import numerical
from matcalc.studies.timing import best_of


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    x: np.ndarray
    exact: np.ndarray
    f_jax: Callable  # of x shaped like self.x
    f_np: Callable  # of the flattened x: numdifftools differentiates vectors
    closed_form: Callable  # the analytical derivative, in JAX
    analytic: tuple[Callable, Callable] | None = None  # (jax, numpy) f for the complex step
    hessian: bool = False


@dataclasses.dataclass(frozen=True)
class Row:
    problem: str
    tool: str
    evaluations: int
    error: float
    first: float
    warm: float


def _well_conditioned(rng: np.random.Generator, n: int) -> np.ndarray:
    """U diag(s) V^T with s in [1, 3]: condition number at most 3."""
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (u * rng.uniform(1.0, 3.0, n)) @ v.T


def log_abs_det(seed: int, n: int) -> Problem:
    X = _well_conditioned(np.random.default_rng(seed), n)
    return Problem(
        f"grad log|det X|, X {n}x{n}",
        X,
        np.linalg.inv(X).T,
        lambda X: jnp.linalg.slogdet(X)[1],
        lambda x: np.linalg.slogdet(x.reshape(n, n))[1],
        lambda X: jnp.linalg.inv(X).T,
        analytic=(lambda X: 0.5 * jnp.log(jnp.linalg.det(X) ** 2),
                  lambda x: 0.5 * np.log(np.linalg.det(x.reshape(n, n)) ** 2)),
    )


def problems(seed: int) -> list[Problem]:
    rng = np.random.default_rng(seed)
    A, Y, B = rng.standard_normal((20, 30)), rng.standard_normal((30, 40)), rng.standard_normal((40, 20))
    trace = Problem(
        "grad tr(AXB), X 30x40",
        Y,
        A.T @ B.T,
        lambda X: jnp.trace(A @ X @ B),
        lambda x: np.trace(A @ x.reshape(30, 40) @ B),
        lambda X: A.T @ B.T,
        analytic=(lambda X: jnp.trace(A @ X @ B), lambda x: np.trace(A @ x.reshape(30, 40) @ B)),
    )
    z = rng.standard_normal(20)
    p = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
    logsumexp = Problem(
        "hessian logsumexp, n=20",
        z,
        np.diag(p) - np.outer(p, p),
        jax.nn.logsumexp,
        lambda x: x.max() + np.log(np.sum(np.exp(x - x.max()))),
        lambda x: jnp.diag(jax.nn.softmax(x)) - jnp.outer(jax.nn.softmax(x), jax.nn.softmax(x)),
        hessian=True,
    )
    return [log_abs_det(seed, 32), trace, logsumexp]


def _relative_error(estimate: np.ndarray, exact: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(estimate).reshape(exact.shape) - exact) / np.linalg.norm(exact))


def _jitted(fn: Callable, x: np.ndarray, repeats: int) -> tuple[object, float, float]:
    """fn(x) under jax.jit in float64: (result, first call incl. compilation, best warm call)."""
    with jax.enable_x64(True):
        run, xj = jax.jit(fn), jnp.asarray(x)
        start = time.perf_counter()
        result = jax.block_until_ready(run(xj))
        first = time.perf_counter() - start
        return result, first, best_of(lambda: jax.block_until_ready(run(xj)), repeats)


def analytical(problem: Problem, repeats: int) -> Row:
    value, first, warm = _jitted(problem.closed_form, problem.x, repeats)
    return Row(problem.name, "closed form (analytical)", 0, _relative_error(value, problem.exact), first, warm)


def autodiff(problem: Problem, repeats: int) -> Row:
    transform = jax.hessian if problem.hessian else jax.grad
    value, first, warm = _jitted(transform(problem.f_jax), problem.x, repeats)
    return Row(problem.name, f"jax.{transform.__name__} (autodiff)", 0, _relative_error(value, problem.exact),
               first, warm)


def ours(problem: Problem, method: str, repeats: int) -> Row:
    f = problem.analytic[0] if method == "complex_step" else problem.f_jax
    derivative = numerical.hessian if problem.hessian else numerical.gradient
    directions = problem.x.size**2 if problem.hessian else problem.x.size
    estimate, first, warm = _jitted(lambda x: derivative(f, x, method=method), problem.x, repeats)
    return Row(problem.name, f"matcalc {method}", estimate.evaluations * directions,
               _relative_error(estimate.value, problem.exact), first, warm)


def theirs(problem: Problem, method: str, repeats: int) -> Row:
    calls = 0
    f = problem.analytic[1] if method == "complex" else problem.f_np

    def counted(x: np.ndarray) -> float:
        nonlocal calls
        calls += 1
        return f(x)

    tool = nd.Hessian(counted) if problem.hessian else nd.Gradient(counted, method=method)
    flat = problem.x.ravel()
    start = time.perf_counter()
    estimate = tool(flat)
    first = time.perf_counter() - start
    evaluations = calls
    warm = best_of(lambda: tool(flat), repeats)
    if problem.hessian:
        label = "numdifftools Hessian (default)"
    elif method == "central":
        label = "numdifftools Gradient (default: central + Richardson)"
    else:
        label = f"numdifftools Gradient(method={method!r})"
    return Row(problem.name, label, evaluations, _relative_error(estimate, problem.exact), first, warm)


def comparison(seed: int, repeats: int) -> list[Row]:
    rows = []
    for problem in problems(seed):
        rows += [analytical(problem, repeats), autodiff(problem, repeats)]
        if problem.hessian:
            rows += [ours(problem, m, repeats) for m in ("central", "central4")] + [theirs(problem, "central", repeats)]
        else:
            rows += [ours(problem, m, repeats) for m in ("richardson", "complex_step")]
            rows += [theirs(problem, m, repeats) for m in ("central", "complex")]
    return rows


def growth(seed: int, sizes: tuple[int, ...], repeats: int) -> list[Row]:
    """grad log|det X| as n grows: FD needs n^2 directions, autodiff one backward pass."""
    rows = []
    for n in sizes:
        problem = log_abs_det(seed, n)
        rows += [analytical(problem, repeats), autodiff(problem, repeats), ours(problem, "richardson", repeats),
                 theirs(problem, "central", repeats)]
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| problem | tool / method | f evaluations | rel. error | first call (ms) | warm (ms) |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        evaluations = f"{r.evaluations:,}" if r.evaluations else "-"
        problem = r.problem.replace("|", "\\|")  # a bare | would end the markdown cell
        lines.append(f"| {problem} | {r.tool} | {evaluations} | {r.error:.1e} | {r.first * 1e3:.3g} "
                     f"| {r.warm * 1e3:.3g} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timing runs; the best is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes", type=int, nargs="*", default=[8, 16, 32, 64], help="n for the growth table")
    args = parser.parse_args()
    print(f"fd accuracy benchmark, {datetime.date.today()}: {platform.machine()} with {os.cpu_count()} CPUs, "
          f"{platform.python_implementation()} {platform.python_version()}, jax {jax.__version__} "
          f"({jax.default_backend()}), numdifftools {nd.__version__}, numpy {np.__version__}; float64; "
          f"warm times best of {args.repeats}; jax runs jitted: its first call traces and compiles.\n")
    print(table(comparison(args.seed, args.repeats)))
    if args.sizes:
        print("\nGrowth with size: grad log|det X|, X n x n\n")
        print(table(growth(args.seed, tuple(args.sizes), args.repeats)))


if __name__ == "__main__":
    main()
