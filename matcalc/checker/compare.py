"""Compare a candidate derivative with the references: the engine under verify and check_*.

``compare`` validates the candidate's shape against its layout, converts it to JAX layout, runs
each reference the problem's kind names, applies the tolerances and, when something fails, asks
``diagnosis`` how the candidate is wrong. It runs inside the caller's ``RunContext.scope()``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np

from matcalc.checker.diagnosis import diagnose
from matcalc.checker.result import CheckResult
from matcalc.checker.tolerance import default_rtol, reference_rtol
from matcalc.references.problem import Comparison, Problem, norm
from matcalc.vocabulary.context import RunContext, dtype_name
from matcalc.vocabulary.layout import Layout, expected_shape, resolve_layout, to_jax


def compare(
    problem: Problem,
    candidate,
    context: RunContext,
    *,
    layout: Layout | str = Layout.JAX,
    references: Sequence[str] | None = None,
    rtol: float | None = None,
    atol: float = 0.0,
    label: str = "closed form",
    arg_names: Sequence[str] | None = None,
    real_analytic: bool = False,
    sources: tuple[str, ...] = (),
) -> CheckResult:
    """Check ``candidate`` (the closed form's value, in ``layout``) against the problem's references.

    By default all references of the kind; ``real_analytic`` adds the complex-step reference.
    """
    start = time.perf_counter()
    kind, layout = problem.kind, resolve_layout(layout)
    dtype = dtype_name(problem.x.dtype)
    out_shape, in_shape = kind.layout_shapes(problem)
    want = expected_shape(layout, out_shape, in_shape)
    raw = np.asarray(candidate)
    conditioning = max((d.conditioning(a) for d, a in zip(problem.domains, problem.args)), default=1.0)
    tol = default_rtol(dtype, conditioning) if rtol is None else float(rtol)
    names = list(references or kind.reference_names(real_analytic))
    comparators = {name: kind.reference(name) for name in names}

    errors = {name: float("inf") for name in names}
    tolerances = {name: tol for name in names}
    worst = None
    well_formed = raw.shape == tuple(want) and bool(np.all(np.isfinite(raw)))
    if well_formed:
        cand = to_jax(jnp.asarray(raw, problem.x.dtype), layout, out_shape, in_shape)
        magnitude = kind.magnitude(problem)
        for name in names:
            comparison = comparators[name](problem, cand)
            scale = max(norm(comparison.reference), comparison.scale, magnitude)
            errors[name] = _relative_error(comparison, atol, scale)
            tolerances[name] = reference_rtol(tol, comparison.error_estimate / scale if scale > 0 else 0.0)
    ok = all(errors[n] <= tolerances[n] for n in names)
    diagnosis = None
    if not ok:
        truth = kind.truth(problem)
        truth = np.asarray(problem.project(truth) if kind.projectable else truth)
        # Compare like with like: on a structured domain only the projected part is meaningful.
        shown = raw
        if kind.projectable and layout is Layout.JAX and well_formed:
            shown = np.asarray(problem.project(jnp.asarray(raw, problem.x.dtype)))
        diagnosis = diagnose(shown, truth, layout, out_shape, in_shape, tol)
        if raw.shape == tuple(want):
            worst = _worst_entry(np.asarray(to_jax(raw, layout, out_shape, in_shape)), truth)
    names_ = list(arg_names) if arg_names else [f"arg{i}" for i in range(len(problem.args))]
    return CheckResult(
        ok=ok,
        errors=errors,
        tolerances=tolerances,
        diagnosis=diagnosis,
        label=label,
        kind=kind.value,
        layout=layout.value,
        expected_shape=tuple(want),
        shape=raw.shape,
        dtype=dtype,
        seed=context.seed,
        domain=", ".join(f"{n}: {d.name}" for n, d in zip(names_, problem.domains)),
        args={n: tuple(a.shape) for n, a in zip(names_, problem.args)},
        worst=worst,
        sources=sources,
        seconds=time.perf_counter() - start,
        device=context.platform,
        matmul_precision=context.matmul_precision,
    )


def _relative_error(c: Comparison, atol: float, scale: float) -> float:
    # In NumPy float64: the reference may be float64 (finite differences) while x64 is off.
    diff = norm(np.asarray(c.candidate, np.float64) - np.asarray(c.reference, np.float64))
    if diff <= atol:
        return 0.0
    return diff / scale if scale > 0 else float("inf")


def _worst_entry(cand: np.ndarray, truth: np.ndarray):
    if cand.shape != truth.shape:
        return None
    index = np.unravel_index(int(np.argmax(np.abs(cand - truth))), cand.shape) if cand.ndim else ()
    return tuple(int(i) for i in index), float(cand[index]), float(truth[index])

