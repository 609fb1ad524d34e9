"""Structured vs dense: the Kronecker Jacobian of X -> A X B applied as an operator, against
the dense ``jax.jacrev`` Jacobian (n^4 entries) where that still fits.

The operator applies itself as two n x n matrix products (O(n^3)); the dense Jacobian costs
O(n^4) memory to build and to apply. Times are jitted, warm, the median of several calls.

    python benchmarks/operators.py [--dtype float32]

Benchmarks report; they assert nothing.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp

from matcalc.vocabulary.operators import Kronecker

DENSE_SIZES = (32, 48)  # n^4 entries: 1.0e6 and 5.3e6, a few tens of MB at most
OPERATOR_SIZES = (32, 48, 64, 256, 1024)


def median_seconds(fn: Callable, *args, budget: float = 1.0, most: int = 25) -> float:
    """Median seconds per call of a jitted fn after warm-up, over as many calls (3 to ``most``)
    as fit in about ``budget`` seconds."""
    call = lambda: jax.block_until_ready(fn(*args))  # noqa: E731
    call()  # compile
    times = []
    while len(times) < 3 or (len(times) < most and sum(times) < budget):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _inputs(n: int, dtype: str):
    ka, kb, kx = jax.random.split(jax.random.PRNGKey(n), 3)
    return (jax.random.normal(k, (n, n), dtype) for k in (ka, kb, kx))


def rows(dtype: str) -> list[str]:
    mv = jax.jit(lambda op, t: op.mv(t))
    apply_dense = jax.jit(lambda j, t: jnp.tensordot(j, t, axes=2))
    out = ["| n | Jacobian entries (n^4) | operator mv (µs) | dense jacrev build (ms) | dense apply (µs) "
           "| jacrev build / operator mv |", "|---:|---:|---:|---:|---:|---:|"]
    largest_dense = None
    for n in OPERATOR_SIZES:
        a, b, x = _inputs(n, dtype)
        t_mv = median_seconds(mv, Kronecker.of_product(a, b), x)
        if n in DENSE_SIZES:
            jacrev = jax.jit(jax.jacrev(lambda x, a, b: a @ x @ b))
            t_build = median_seconds(jacrev, x, a, b)
            t_apply = median_seconds(apply_dense, jacrev(x, a, b), x)
            largest_dense = (n, t_build)
            dense = f"{t_build * 1e3:.2f} | {t_apply * 1e6:.0f} | {t_build / t_mv:.0f}×"
        else:
            n_dense, t_dense = largest_dense
            dense = f"— | — | {t_dense / t_mv:.1f}× (vs the n = {n_dense} build)"
        out.append(f"| {n} | {float(n) ** 4:.1e} | {t_mv * 1e6:.0f} | {dense} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    dtype = parser.parse_args().dtype
    print(f"# Kronecker Jacobian of X -> A X B: operator mv vs dense jacrev ({dtype}, jitted, warm, median)")
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, {platform.machine()}, {platform.system()}\n")
    with jax.enable_x64(dtype == "float64"):
        print("\n".join(rows(dtype)))


if __name__ == "__main__":
    main()
