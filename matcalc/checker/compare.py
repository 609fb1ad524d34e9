"""Compare a candidate derivative with the references: the engine under verify and check_*.

``compare`` validates the candidate's shape against its layout, converts it to JAX layout, runs
each reference the problem's kind names, applies the tolerances and, when something fails, asks
``diagnosis`` how the candidate is wrong. It runs inside the caller's ``RunContext.scope()``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.checker.cost import too_large_references
from matcalc.checker.diagnosis import diagnose, diagnose_callable, diagnose_probes
from matcalc.checker.errors import InputError
from matcalc.checker.program import probe_normals, run_program
from matcalc.checker.result import CheckResult
from matcalc.checker.tolerance import default_rtol, rounding_noise
from matcalc.checker.verdict import TOL_CAP, Measured, decide, measure, rule_suspect
from matcalc.references.finite import independent_comparisons
from matcalc.references.problem import Comparison, Problem, is_operator, norm
from matcalc.vocabulary.context import RunContext, dtype_name
from matcalc.vocabulary.layout import Layout, expected_shape, resolve_layout, to_jax


OUT_OF_MEMORY = "out of memory"  # how an InputError for memory begins: verify reports it as not run
# Full references run while what they materialize stays under this many elements (256 MiB in float64).
DEFAULT_MAX_DENSE = 2**25


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
    max_dense: float | None = None,
) -> CheckResult:
    """Check ``candidate`` against the problem's references.

    ``candidate`` is the closed form (a callable with the problem's arguments, then its tangents),
    traced into one program with the autodiff references, or its value in ``layout``. By default
    all references of the kind; ``real_analytic`` adds the complex-step reference. A reference
    that would materialize more than ``max_dense`` elements (default ``DEFAULT_MAX_DENSE``; 0 for
    probes only, ``math.inf`` for every reference) is skipped and listed as such: the probes (jvp,
    vjp, fd along random tangents) cost a few evaluations of f at any size.
    """
    start = time.perf_counter()
    kind, layout = problem.kind, resolve_layout(layout)
    dtype = dtype_name(problem.x.dtype)
    out_shape, in_shape = kind.layout_shapes(problem)
    want = expected_shape(layout, out_shape, in_shape)
    conditioning = max((d.conditioning(a) for d, a in zip(problem.domains, problem.args)), default=1.0)
    tol = default_rtol(dtype, conditioning) if rtol is None else float(rtol)
    out_size, in_size = math.prod(out_shape), math.prod(in_shape)
    budget = DEFAULT_MAX_DENSE if max_dense is None else max_dense
    requested = list(references or kind.reference_names(real_analytic))
    skipped = {}
    for name in requested:
        elements = getattr(kind.reference(name), "dense_elements", None)
        if elements is not None and elements(out_size, in_size) > budget:
            skipped[name] = (f"size: it materializes {elements(out_size, in_size):.1e} elements, over "
                             f"max_dense={budget:.1e}; the probes below check the same derivative")
    skipped.update(too_large_references(problem, [n for n in requested if n not in skipped]))
    forward = kind.supports_forward(problem)  # traces f once: the skip and the diagnosis both need it
    if not forward:
        for name in requested:
            if getattr(kind.reference(name), "forward_mode", False):
                skipped.setdefault(name, "forward mode: f has a custom_vjp rule, which JAX cannot push tangents "
                                         "through; the reverse-mode references check it")
    names = [n for n in requested if n not in skipped]
    separate = [n for n in names if getattr(kind.reference(n), "independent_of_autodiff", False)]
    fused = [n for n in names if n not in separate]

    closed_form = candidate if callable(candidate) else None
    given = None if closed_form else candidate if is_operator(candidate) else jnp.asarray(candidate)
    with _memory_guard(names, out_shape, in_shape, budget):
        drawn = probe_normals(problem, fused)
        outputs = run_program(problem, closed_form, given, layout, fused, drawn)
    if not np.all(np.isfinite(np.asarray(outputs["value"]))):
        raise InputError(f"f is not finite at the point (its value has NaN or inf; inputs of shapes "
                         f"{[tuple(a.shape) for a in problem.args]}): a derivative there is meaningless")
    operator = is_operator(outputs["raw"])
    raw = outputs["raw"] if operator else np.asarray(outputs["raw"])
    measured = Measured({n: float("inf") for n in names}, {n: tol for n in names}, {})
    worst = None
    well_formed = "comparisons" in outputs and (operator or bool(np.all(np.isfinite(raw))))
    if well_formed:
        cand = raw if operator else to_jax(jnp.asarray(raw, problem.x.dtype), layout, out_shape, in_shape)
        comparisons = {name: Comparison(*outputs["comparisons"][name]) for name in fused}
        with _memory_guard(separate, out_shape, in_shape, budget):
            comparisons.update(zip(separate, independent_comparisons(problem, cand, [kind.reference(n) for n in separate])))
        measured = measure(comparisons, tol=tol, atol=atol, eps=float(np.finfo(dtype).eps),
                           terms=norm(outputs["magnitude"]), zero_scale=norm(outputs["zero_scale"]),
                           independent=separate,
                           noise=lambda: _noise(problem, closed_form, given, layout, fused, drawn, comparisons))
    if rtol is None and tol > TOL_CAP:
        why = (f"conditioning: the inputs' condition number {conditioning:.1e} makes the {dtype} tolerance "
               f"{tol:.1e}, too loose to reject a 1% error")
        measured = dataclasses.replace(measured, inconclusive={n: why for n in names})
    independent = [n for n in requested if getattr(kind.reference(n), "independent_of_autodiff", False)]
    ok, why_not = decide(names, measured, independent, requested)
    diagnosis = why_not or (rule_suspect(names, measured, separate) if not ok else None)
    if diagnosis is not None or ok:
        pass  # inconclusive, or f's own rule is the suspect: nothing to say about the candidate's shape
    elif operator and (tuple(raw.out_shape), tuple(raw.in_shape)) != (tuple(out_shape), tuple(in_shape)):
        diagnosis = (f"wrong shape: the operator maps in {tuple(raw.in_shape)} to out {tuple(raw.out_shape)}, "
                     f"but the derivative maps in {tuple(in_shape)} to out {tuple(out_shape)}")
    elif (kind.truth_elements(out_size, in_size) > budget or out_size * in_size > budget):
        diagnosis = diagnose_probes(problem, raw if operator else cand, tol) if well_formed else (
            f"wrong shape {raw.shape}: layout {layout.value!r} expects {tuple(want)}")
    elif kind.truth_needs_forward and not forward:
        diagnosis = "no diagnosis: the exact derivative of this kind needs forward mode, which f's custom_vjp prevents"
    else:
        if operator:
            raw = np.asarray(raw.as_dense(layout))
        truth = _traced(lambda p: p.project(kind.truth(p)) if kind.projectable else kind.truth(p), problem)
        # Compare like with like: on a structured domain only the projected part is meaningful.
        shown = raw
        if kind.projectable and layout is Layout.JAX and well_formed:
            shown = np.asarray(_traced(lambda p: p.project(jnp.asarray(raw, p.x.dtype)), problem))
        diagnosis = diagnose(shown, truth, layout, out_shape, in_shape, tol)
        diagnosis = diagnose_callable(diagnosis, problem, closed_form, layout, tol)
        if raw.shape == tuple(want) and not np.iscomplexobj(raw):
            worst = _worst_entry(np.asarray(to_jax(raw, layout, out_shape, in_shape)), truth)
    names_ = list(arg_names) if arg_names else [f"arg{i}" for i in range(len(problem.args))]
    return CheckResult(
        ok=ok,
        errors=measured.errors,
        tolerances=measured.tolerances,
        diagnosis=diagnosis,
        label=label,
        kind=kind.value,
        layout=layout.value,
        expected_shape=tuple(want),
        shape=(tuple(raw.out_shape) + tuple(raw.in_shape)) if is_operator(raw) else raw.shape,
        dtype=dtype,
        seed=context.seed,
        domain=", ".join(f"{n}: {d.name}" for n, d in zip(names_, problem.domains)),
        args={n: tuple(a.shape) for n, a in zip(names_, problem.args)},
        worst=worst,
        sources=sources,
        seconds=time.perf_counter() - start,
        device=context.platform,
        matmul_precision=context.matmul_precision,
        skipped=skipped,
        inconclusive=measured.inconclusive,
    )


def _noise(problem: Problem, closed_form, given, layout: Layout, fused: Sequence[str], drawn: dict,
           comparisons) -> dict:
    """The autodiff references' rounding noise at the point (``tolerance.rounding_noise``), from
    the same compiled program run a few ulps away."""
    def run(moved: Problem) -> dict:
        outputs = run_program(moved, closed_form, given, layout, fused, drawn)
        return {n: c[0] for n, c in outputs["comparisons"].items()}

    return rounding_noise(problem, run, {n: comparisons[n].reference for n in fused})


def _traced(fn, problem: Problem) -> np.ndarray:
    """``fn(problem)`` traced and compiled, never op by op (see ``checker.program``)."""
    return np.asarray(jax.jit(lambda args, tangents: fn(problem.in_place(args, tangents)))(problem.args,
                                                                                            problem.tangents))


@contextlib.contextmanager
def _memory_guard(names, out_shape, in_shape, budget):
    """Running out of memory is the user's size, not matcalc's crash: say which references and size."""
    try:
        yield
    except jax.errors.JaxRuntimeError as err:
        if "RESOURCE_EXHAUSTED" not in str(err):
            raise
        raise InputError(
            f"{OUT_OF_MEMORY} in the references {list(names)} for a derivative of out {tuple(out_shape)} by "
            f"in {tuple(in_shape)}: pass a smaller max_dense (now {budget:.1e} elements) so that only "
            "matrix-free probes run, or use smaller inputs") from None


def _worst_entry(cand: np.ndarray, truth: np.ndarray):
    if cand.shape != truth.shape:
        return None
    index = np.unravel_index(int(np.argmax(np.abs(cand - truth))), cand.shape) if cand.ndim else ()
    return tuple(int(i) for i in index), float(cand[index]), float(truth[index])

