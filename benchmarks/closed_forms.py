"""Closed forms vs autodiff, and matcalc's verification vs jax's check_grads, side by side.

For each gradient / Jacobian / Hessian record of the catalog, at a moderate size, time the jitted
closed form against the jitted autodiff transforms of the same f on the same inputs (float64,
after warm-up, best of several repeats) and report ratios. Diagonal-layout records show the cost
of the dense Jacobian that the structured one avoids. Then time a full ``matcalc.verify`` of a
record against ``jax.test_util.check_grads`` (JVP/VJP vs finite differences) on it.

    python benchmarks/closed_forms.py [--size N]

Benchmarks report; they assert nothing.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.test_util import check_grads

import matcalc
from matcalc import Kind
from matcalc.studies.timing import best_of

REPEATS, CALLS = 5, 20


def best_time(fn: Callable, *args) -> float:
    """Seconds per call of a jitted fn after warm-up: the best of up to REPEATS batches of up to
    CALLS calls, fewer for slow calls (a dense forward-mode gradient can take seconds)."""
    call = lambda: jax.block_until_ready(fn(*args))  # noqa: E731
    call()  # compile
    first = best_of(call, 1)
    calls = max(1, min(CALLS, int(0.05 / max(first, 1e-9))))
    batch = lambda: [call() for _ in range(calls)]  # noqa: E731
    return min(first, best_of(batch, REPEATS if first < 0.5 else 1) / calls)


def autodiff_transforms(kind: Kind) -> dict[str, Callable]:
    if kind is Kind.GRADIENT:
        return {"grad": jax.grad, "jacrev": jax.jacrev, "jacfwd": jax.jacfwd}
    if kind is Kind.HESSIAN:
        return {"hessian": jax.hessian, "rev(fwd)": lambda f, argnums: jax.jacrev(jax.jacfwd(f, argnums), argnums)}
    return {"jacrev": jax.jacrev, "jacfwd": jax.jacfwd}


def sizes(n: int) -> dict[str, int]:
    """Distinct sizes around n, so nothing is square that need not be."""
    return {"m": n, "n": n + 8, "p": n // 2, "q": n + 4, "k": n // 4 + 1, "r": n + 2, "s": n // 8 + 1}


def closed_vs_autodiff(n: int) -> list[str]:
    rows = ["| identity | kind | layout | closed form (µs) | " + "autodiff / closed |", "|---|---|---|---:|---|"]
    for record in matcalc.catalog():
        if record.kind not in (Kind.GRADIENT, Kind.JACOBIAN, Kind.HESSIAN) or record.dims:
            continue
        with jax.enable_x64(True):
            args = matcalc.sample_args(record, dtype="float64", dims=sizes(n))
            closed = best_time(jax.jit(record.closed_form), *args)
            ratios = []
            for name, transform in autodiff_transforms(record.kind).items():
                seconds = best_time(jax.jit(transform(record.f, argnums=record.argnum)), *args)
                ratios.append(f"{name} {seconds / closed:.1f}×")
        rows.append(f"| `{record.id}` | {record.kind.value} | {record.layout.value} | {closed * 1e6:.1f} | "
                    f"{', '.join(ratios)} |")
    return rows


def verification_vs_check_grads(ids: list[str]) -> list[str]:
    rows = ["| identity | matcalc.verify, new seed (ms) | check_grads order 1 (ms) | ratio |", "|---|---:|---:|---:|"]
    for identity in ids:
        record = matcalc.get(identity)
        matcalc.verify(record)  # warm-up: compilation
        seeds = iter(range(1, 1000))
        ours = best_of(lambda: matcalc.verify(record, seed=next(seeds)), 5)
        with jax.enable_x64(True):
            args = matcalc.sample_args(record)
            f_wrt = lambda x, args=args: record.f(*args[: record.argnum], x, *args[record.argnum + 1:])  # noqa: E731
            theirs = best_of(lambda: check_grads(f_wrt, (args[record.argnum],), order=1, modes=("fwd", "rev")), 5)
        rows.append(f"| `{identity}` | {ours * 1e3:.1f} | {theirs * 1e3:.1f} | {ours / theirs:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32)
    size = parser.parse_args().size
    print(f"# Closed forms vs autodiff (float64, base size {size}, jitted, warm, best of up to {REPEATS}×{CALLS} calls)")
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, {platform.machine()}, {platform.system()}\n")
    print("\n".join(closed_vs_autodiff(size)))
    print("\n# Verification throughput: matcalc.verify (all references) vs jax.test_util.check_grads\n")
    print("\n".join(verification_vs_check_grads(
        ["scalar_by_matrix.log_abs_det", "vector_by_matrix.AXb", "matrix_by_vector.P_diag_x_Q"])))


if __name__ == "__main__":
    main()
