"""Closed forms vs autodiff, and matcalc's verification vs jax's check_grads, side by side.

For each gradient / Jacobian / Hessian record of the catalog, at a moderate size, time the jitted
closed form against the jitted autodiff transforms of the same f on the same inputs (float64,
after warm-up, best of several repeats) and report ratios. Diagonal-layout records show the cost
of the dense Jacobian that the structured one avoids. Then time a full ``matcalc.verify`` of a
record against ``jax.test_util.check_grads`` (JVP/VJP vs finite differences) on it. Last, the
speed table: closed form / autodiff for every gradient and Jacobian record at n = 256 (one autodiff
transform each, the right mode for the shapes; median of several warm calls, closed form and
autodiff taking turns; a record whose dense Jacobian or intermediates would not fit in
``--budget-mb`` runs at the largest halved size that does).

    python benchmarks/closed_forms.py [--size N] [--speed-size N] [--speed-only] [--speed-ids ID ...]
                                      [--budget-mb MB]

Benchmarks report; they assert nothing.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.test_util import check_grads

import matcalc
from matcalc import Kind
from matcalc.studies.timing import best_of, taking_turns
from matcalc.vocabulary.catalog import select
from matcalc.vocabulary.records import resolve_shape
from matcalc.vocabulary.sampling import record_dims

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


# Why a closed form costs more than autodiff (closed / autodiff > SLOWER), per record. A ratio
# above SLOWER without an entry here is printed as unexplained: look at it, then say why here.
SLOWER = 1.1
# On XLA:CPU (JAX 0.10) a transposed matrix feeding a matrix-vector product is copied first: at
# n = 256, A.T @ v costs 4-5x A @ v (v @ A is the same product without the copy), and 2 * A @ v,
# parsed (2A) v, is a pass over A that 2 * (A @ v) avoids. Autodiff emits neither.
_TRANSPOSED_MATVEC = ("transposed matrix-vector products, for which XLA:CPU copies the transpose first "
                      "(A.T @ v costs 4-5x v @ A at n = 256)")
_SCALED_MATRIX = "c * W @ v parses as (cW) v: a pass over the n x n matrix that c * (W @ v) avoids"
_PRINTED_STRUCTURE = ("the printed chain rule materializes dU/dX_ij for every (i, j), an n^4 tensor "
                      "(32-64 GiB at n = 256), where autodiff pulls back one n x n cotangent")
_EXTRA_FACTORIZATIONS = "the printed form factorizes {}; autodiff factorizes {} once and reuses it"
_DENSE_CONSTANT = ("the Jacobian is a constant built in NumPy and embedded in the program: both sides "
                   "write the same dense output, and copying the constant is the slower way")
REASONS: dict[str, str] = {
    "gradients.quadratic_form": "(A + A^T) x forms A^T and the sum before one product: write A @ x + x @ A",
    "cookbook.forms.quadratic_affine_gradient": "(A + A^T) x + b forms A^T and the sum: A @ x + x @ A + b",
    "cookbook.forms.Xb_plus_c_quadratic": "(D + D^T)(Xb + c) forms D^T and the sum before one product",
    "cookbook.forms.bilinear_affine": f"three {_TRANSPOSED_MATVEC}",
    "cookbook.forms.btXtDXc": f"D^T (Xb): {_TRANSPOSED_MATVEC}; and two outer products summed",
    "cookbook.forms.ratio_of_norms": f"2 * A.T @ Ax and B.T @ Bx: {_TRANSPOSED_MATVEC}, and {_SCALED_MATRIX}",
    "cookbook.forms.weighted_residual_by_s": f"-2 * A.T @ (W r): {_TRANSPOSED_MATVEC}, and {_SCALED_MATRIX}",
    "cookbook.forms.weighted_residual_by_x": _SCALED_MATRIX,
    "cookbook.forms.weighted_distance_by_x": _SCALED_MATRIX,
    "cookbook.forms.weighted_distance_by_s": _SCALED_MATRIX,
    "cookbook.forms.product_rule_sAr": ("the printed product rule materializes both numerator-layout "
                                        "Jacobians ds/dx and dr/dx (m x n, p x n) and multiplies their "
                                        "transposes; autodiff scales vectors"),
    "cookbook.structured.chain_rule_trace": _PRINTED_STRUCTURE,
    "cookbook.structured.chain_rule_entrywise": _PRINTED_STRUCTURE,
    "cookbook.structured.chain_rule_toeplitz": ("the printed chain rule contracts with the structure tensor "
                                                "dT/dp (2n x n x n); autodiff sums the n x n cotangent "
                                                "along diagonals"),
    "cookbook.forms.power_by_entry": ("the printed sum over r of X^r J^ij X^(2-r) multiplies all n^2 "
                                      "single-entry matrices J^ij by dense powers, the identity included "
                                      "(6 batched products), then transposes the n^4 result into the jax "
                                      "layout; jacfwd's n^2 tangents take 4 batched products"),
    "cookbook.structured.structure_matrix_symmetric": _DENSE_CONSTANT,
    "cookbook.structured.structure_matrix_toeplitz": _DENSE_CONSTANT,
    "cookbook.determinant.det_XtAX_square": _EXTRA_FACTORIZATIONS.format("X^T A X (det) and X (explicit inverse)",
                                                                         "X^T A X"),
    "cookbook.determinant.det_XtAX_general": _EXTRA_FACTORIZATIONS.format(
        "X^T A X and X^T A^T X (det and two solves)", "X^T A X"),
    "cookbook.determinant.det_AXB": _EXTRA_FACTORIZATIONS.format("AXB (det) and X (explicit inverse)", "AXB"),
    "cookbook.structured.symmetric_det_sym": _EXTRA_FACTORIZATIONS.format("X twice (det, then inverse)", "X"),
    "cookbook.structured.symmetric_det_entries": _EXTRA_FACTORIZATIONS.format("X twice (det, then inverse)", "X"),
    "cookbook.determinant.det_XtAX_symmetric": _EXTRA_FACTORIZATIONS.format(
        "X^T A X twice (det, then a solve) and computes A X besides (X^T A) X", "X^T A X"),
    "cookbook.traces.trace_inv_A_XtCX_XtBX": ("the corrected general-A form makes four solves with P or P^T "
                                              "(P = A + X^T C X, m x m), each factorizing it; autodiff once"),
    "cookbook.structured.chain_rule_composite": ("G X C^T + G^T X C recomputes X C, which autodiff keeps from "
                                                 "the forward pass: six n^3 products against five"),
    "cookbook.forms.XtA_by_entry": ("the printed (J^nm A) multiplies each of the n^2 single-entry matrices by A, "
                                    "as jacfwd does, then transposes the n^4 result into the jax layout"),
    "cookbook.traces.trace_AXinvB_expanded": _EXTRA_FACTORIZATIONS.format("X twice (two solves)", "X"),
    "cookbook.traces.trace_BtXtCXXtCXB": ("the printed four-term form, each term a chain of six n^3 products "
                                          "evaluated left to right; autodiff's reverse pass shares them"),
}


def autodiff_for(record: matcalc.Identity, args) -> tuple[str, Callable]:
    """``jax.grad`` for a gradient. For a Jacobian, the mode with fewer passes: ``jacrev`` pulls
    back one cotangent per output entry, ``jacfwd`` pushes one tangent per input entry."""
    if record.kind is Kind.GRADIENT:
        return "grad", jax.grad(record.f, argnums=record.argnum)
    out_size = math.prod(jax.eval_shape(record.f, *args).shape)
    if out_size < math.prod(args[record.argnum].shape):
        return "jacrev", jax.jacrev(record.f, argnums=record.argnum)
    return "jacfwd", jax.jacfwd(record.f, argnums=record.argnum)


def dense(record: matcalc.Identity) -> Callable:
    """The closed form, materialized if it returns a structured operator (``as_dense``)."""
    def closed(*args):
        out = record.closed_form(*args)
        return out.as_dense(record.layout) if hasattr(out, "as_dense") else out
    return closed


def compiled(fn: Callable, args) -> tuple[Callable, int]:
    """fn jitted and compiled for args' shapes, and the bytes it needs (arguments, output, scratch)."""
    executable = jax.jit(fn).lower(*args).compile()
    memory = executable.memory_analysis()
    return executable, memory.argument_size_in_bytes + memory.output_size_in_bytes + memory.temp_size_in_bytes


def fitting(record: matcalc.Identity, n: int, budget: int):
    """The largest size n, n/2, n/4, ... (the record's own dims kept) at which both the closed form
    and autodiff fit in ``budget`` bytes: (size, dims, why it is smaller than n, the compiled closed
    form, (the transform's name, the compiled autodiff))."""
    note, size = "", n
    while True:
        dims = record_dims(record, {d: size for d in "mnpqkrs"} | dict(record.dims))
        shapes = [jax.ShapeDtypeStruct(resolve_shape(a.shape, dims), jnp.float64) for a in record.args.values()]
        # The dense Jacobian first: a closed form may build it in NumPy while tracing, unseen by XLA.
        jacobian = 8 * math.prod(jax.eval_shape(record.f, *shapes).shape) * math.prod(shapes[record.argnum].shape)
        if jacobian > budget and size > 2:
            note = note or f"the dense Jacobian is {jacobian / 2**30:.1f} GiB at {size}"
            size //= 2
            continue
        name, autodiff = autodiff_for(record, shapes)
        closed, closed_bytes = compiled(dense(record), shapes)
        auto, auto_bytes = compiled(autodiff, shapes)
        if max(closed_bytes, auto_bytes) <= budget or size <= 2:
            return size, dims, note, closed, (name, auto)
        if not note:
            which = "autodiff" if auto_bytes >= closed_bytes else "the closed form"
            note = f"{which} needs {max(closed_bytes, auto_bytes) / 2**30:.1f} GiB at {size}"
        size //= 2


def speed_rows(n: int, budget_mb: int, ids: list[str] | None = None) -> tuple[list[str], list[tuple]]:
    """The table's rows, and (id, ratio of the medians, ratio of the fastest calls) per record."""
    rows = ["| identity | kind | autodiff | size | closed form (µs) | autodiff (µs) | closed / autodiff "
            "| of the fastest calls |", "|---|---|---|---|---:|---:|---:|---:|"]
    ratios = []
    for record in select(ids) if ids else matcalc.catalog():
        if record.kind not in (Kind.GRADIENT, Kind.JACOBIAN):
            continue
        try:
            with jax.enable_x64(True):
                size, dims, note, closed, (name, auto) = fitting(record, n, budget_mb * 2**20)
                args = matcalc.sample_args(record, dtype="float64", dims=dims)
                times = taking_turns([lambda fn=fn: jax.block_until_ready(fn(*args)) for fn in (closed, auto)])
        except Exception as err:  # a benchmark reports: one record that cannot run is a row, not the end
            rows.append(f"| `{record.id}` | {record.kind.value} | | | failed: {type(err).__name__}: {err} | | | |")
            continue
        own = ", ".join(f"{d} = {v}" for d, v in record.dims.items())
        shown = str(size) + (f" ({note})" if note else "") + (f" (the record fixes {own})" if own else "")
        (closed_s, auto_s), least = map(statistics.median, times), min(times[0]) / min(times[1])
        ratio = closed_s / auto_s
        ratios.append((record.id, ratio, least))
        print(f"{record.id} {shown}: {ratio:.2f} (fastest calls {least:.2f})", file=sys.stderr, flush=True)
        rows.append(f"| `{record.id}` | {record.kind.value} | {name} | {shown} | {closed_s * 1e6:.1f} | "
                    f"{auto_s * 1e6:.1f} | {ratio:.3g} | {least:.3g} |")
    return rows, ratios


def speed_summary(ratios: list[tuple[str, float, float]]) -> list[str]:
    def geomean(values):
        return math.exp(sum(map(math.log, values)) / len(values))

    lines = [f"Geometric mean of closed / autodiff over {len(ratios)} records: "
             f"{geomean([r for _, r, _ in ratios]):.2f} (of the fastest calls: {geomean([q for *_, q in ratios]):.2f})",
             ""]
    slower = sorted(((i, r, q) for i, r, q in ratios if r > SLOWER), key=lambda item: -item[1])
    lines.append(f"Closed forms more than {SLOWER}× slower than autodiff: {len(slower)} "
                 "(ratio of the medians; of the fastest calls in parentheses)")
    lines += [f"- `{i}` {r:.2f} ({q:.2f}): {why_slower(i, q)}" for i, r, q in slower]
    return lines


def why_slower(identity: str, fastest_ratio: float) -> str:
    if fastest_ratio <= SLOWER:
        known = f" (where it shows: {REASONS[identity]})" if identity in REASONS else ""
        return f"load, not cost: the fastest calls are within {SLOWER}x of each other{known}"
    return REASONS.get(identity, "not yet explained")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--speed-size", type=int, default=256, help="n of the speed table (default 256)")
    parser.add_argument("--speed-only", action="store_true", help="only the speed table")
    parser.add_argument("--speed-ids", nargs="*", help="ids or family prefixes for the speed table (default: all)")
    parser.add_argument("--budget-mb", type=int, default=400, help="memory per function in the speed table")
    options = parser.parse_args()
    size = options.size
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, {platform.machine()}, {platform.system()}\n")
    if not options.speed_only:
        print(f"# Closed forms vs autodiff (float64, base size {size}, jitted, warm, "
              f"best of up to {REPEATS}×{CALLS} calls)\n")
        print("\n".join(closed_vs_autodiff(size)))
        print("\n# Verification throughput: matcalc.verify (all references) vs jax.test_util.check_grads\n")
        print("\n".join(verification_vs_check_grads(
            ["scalar_by_matrix.log_abs_det", "vector_by_matrix.AXb", "matrix_by_vector.P_diag_x_Q"])))
    n = options.speed_size
    print(f"\n# Closed form / autodiff at n = {n} (float64, jitted, warm, median of 5 to 25 calls, taking turns; "
          f"at most {options.budget_mb} MB per function)\n")
    rows, ratios = speed_rows(n, options.budget_mb, options.speed_ids)
    print("\n".join(rows))
    print()
    print("\n".join(speed_summary(ratios)))


if __name__ == "__main__":
    main()
