"""Say *how* a wrong derivative is wrong: the nearest simple relation to the truth.

The truth (JAX layout) is rearranged every simple way a hand derivation goes wrong: its input
(or output) transposed, its axes permuted, flattened row-major instead of column-major, numerator
instead of denominator. For each rearrangement that has the candidate's shape, the best scale
factor is fitted by least squares; a rearrangement that explains the candidate up to that factor
names the mistake: ``transposed``, ``layout``, ``negated``, ``scaled by c``, or else ``unrelated``.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.vocabulary.layout import Layout, expected_shape, flatten, from_jax, off_diagonal
from matcalc.checker.tolerance import DIAGNOSIS_FACTOR

Shape = tuple[int, ...]
MAX_PERMUTED_AXES = 4  # beyond this, only the transposes are tried (n! rearrangements)


def _transposed_perm(out_shape: Shape, in_shape: Shape) -> tuple[int, ...] | None:
    """Axis order of 'the same derivative of the transposed matrix': X^T for a matrix input, else F^T."""
    n_out, n = len(out_shape), len(out_shape) + len(in_shape)
    perm = list(range(n))
    if len(in_shape) >= 2:
        perm[-2], perm[-1] = perm[-1], perm[-2]
    elif n_out >= 2:
        perm[n_out - 2], perm[n_out - 1] = perm[n_out - 1], perm[n_out - 2]
    else:
        return None
    return tuple(perm)


def _hypotheses(truth: np.ndarray, layout: Layout, out_shape: Shape, in_shape: Shape):
    """Yield (relation, array in the raw layout); relation None is the truth itself."""
    n_out = len(out_shape)
    transposed = _transposed_perm(out_shape, in_shape)
    if layout is Layout.DIAGONAL:
        yield None, np.asarray(from_jax(truth, layout, out_shape, in_shape))
        yield "layout: the dense Jacobian where layout 'diagonal' (its diagonal only) was declared", truth
        return
    if layout is Layout.JAX:
        yield None, truth
        if transposed:
            yield "transposed", np.transpose(truth, transposed)
        if truth.ndim <= MAX_PERMUTED_AXES:
            for perm in itertools.permutations(range(truth.ndim)):
                if perm not in (tuple(range(truth.ndim)), transposed):
                    yield f"layout: axes in the order {perm} of the 'jax' layout (out + in)", np.transpose(truth, perm)
        return
    column_major = layout is Layout.VEC
    declared = np.asarray(from_jax(truth, layout, out_shape, in_shape))
    yield None, declared
    if transposed:
        t = np.transpose(truth, transposed)
        yield "transposed", flatten(t, n_out, column_major).T if layout is Layout.DENOMINATOR else flatten(t, n_out, column_major)
    row_major = flatten(truth, n_out, False)
    if layout is Layout.VEC:
        col_major = flatten(truth, n_out, True)
        renderings = {"row-major vec": row_major, "transposed vec (in x out)": col_major.T, "row-major vec, transposed": row_major.T}
    else:
        renderings = {"numerator (out x in)": row_major, "denominator (in x out)": row_major.T}
    for name, array in renderings.items():
        if array.shape != declared.shape or not np.array_equal(array, declared):
            yield f"layout: {name} where layout {layout.value!r} was declared", array


def _scale_words(alpha: float, tol: float) -> str | None:
    if abs(alpha - 1) <= tol:
        return None
    if abs(alpha + 1) <= tol:
        return "negated"
    return f"scaled by {alpha:.10g}"


def diagnose(raw: np.ndarray, truth: np.ndarray, layout: Layout, out_shape: Shape, in_shape: Shape, tol: float) -> str:
    """A sentence naming the nearest simple relation between ``raw`` and the (JAX-layout) truth.

    A rearranged truth explains the candidate when, after the best scale factor, it matches within
    ``DIAGNOSIS_FACTOR * tol`` (the mistake is exact, so the match is as good as the arithmetic);
    the factor counts as a mistake when it differs from 1 by more than ``tol``.
    """
    threshold = DIAGNOSIS_FACTOR * tol
    raw, truth = np.asarray(raw), np.asarray(truth)
    if np.iscomplexobj(raw) and not np.iscomplexobj(truth):
        imaginary = float(np.linalg.norm(raw.imag)) / max(float(np.linalg.norm(raw)), 1e-300)
        real_part = diagnose(raw.real, truth, layout, out_shape, in_shape, tol)
        return (f"complex: the candidate has an imaginary part (relative size {imaginary:.2e}) where the "
                f"derivative of a real function at a real point is real; its real part: {real_part}")
    layout = Layout(layout)
    want = expected_shape(layout, out_shape, in_shape)
    prefix = ""
    if raw.shape != tuple(want):
        prefix = f"wrong shape {raw.shape}: layout {layout.value!r} expects {tuple(want)} (out {tuple(out_shape)}, in {tuple(in_shape)}); "
    if not np.all(np.isfinite(raw)):
        return prefix + "unrelated: the closed form returned non-finite values (NaN or inf)"
    raw_norm = float(np.linalg.norm(raw))
    if raw_norm == 0.0:
        return prefix + "unrelated: the closed form returned all zeros where the truth is not zero"
    if layout is Layout.DIAGONAL:
        off = float(np.linalg.norm(off_diagonal(truth, tuple(out_shape))))
        if off > threshold * float(np.linalg.norm(truth)):
            return prefix + (
                "layout: the map is not elementwise (its Jacobian has off-diagonal entries of relative size "
                f"{off / np.linalg.norm(truth):.2e}), so layout 'diagonal' cannot represent it"
            )
    if not np.any(truth):
        return prefix + f"unrelated: the derivative is zero here, but the closed form is not (norm {raw_norm:.3g})"
    for relation, h in _hypotheses(truth, layout, tuple(out_shape), tuple(in_shape)):
        h = np.asarray(h)
        hh = float(np.vdot(h, h))
        if h.shape != raw.shape or hh == 0.0:
            continue
        alpha = float(np.vdot(h, raw)) / hh
        if np.linalg.norm(raw - alpha * h) > threshold * raw_norm:
            continue
        scale = _scale_words(alpha, tol)
        if relation is None and scale is None:
            return prefix + "matches the truth: the disagreement is with a reference (see errors)"
        words = " and ".join(w for w in (relation, scale) if w)
        if raw.size == 1:  # one number: any mismatch is a scale, so say the numbers too
            return prefix + f"{words}: the closed form gives {raw.item():.10g} where the truth is {h.item():.10g}"
        return prefix + f"{words}: the closed form is the truth {_explain(relation, scale)}"
    rel = _relative_distance(raw, truth, layout, out_shape, in_shape)
    return prefix + (
        "unrelated: no transpose, sign, scale or layout change of the truth matches it"
        + (f" (relative error {rel:.2e})" if rel is not None else "")
    )


def _explain(relation: str | None, scale: str | None) -> str:
    parts = []
    if relation == "transposed":
        parts.append("with the matrix transposed")
    elif relation:
        parts.append("in another layout")
    if scale:
        parts.append(scale)
    return " and ".join(parts)


def _relative_distance(raw, truth, layout, out_shape, in_shape) -> float | None:
    declared = np.asarray(from_jax(jnp.asarray(truth), layout, out_shape, in_shape))
    if declared.shape != raw.shape:
        return None
    return float(np.linalg.norm(raw - declared) / max(np.linalg.norm(declared), 1e-300))


def diagnose_probes(problem, candidate, tol: float) -> str:
    """How a candidate is wrong, from probes alone, when the dense truth is over the size budget.

    The candidate's action on random tangents is compared with the truth's action on the same
    tangents (a JVP each) and, for a square matrix input, on their transposes; the best scale factor
    is fitted as for the dense diagnosis.
    """
    from matcalc.references.problem import apply  # the probes' arithmetic, shared with the references

    g, x, _ = problem.kind.fd_line(problem.f, problem.argnums[0], problem.args, problem.tangents, None)
    v = problem.directions("diagnosis")
    # Traced, never op by op (see checker.program).
    pushed = jax.jit(lambda x, directions: jax.vmap(lambda vk: jax.jvp(g, (x,), (vk,))[1])(directions))
    push = lambda directions: np.asarray(pushed(x, directions))  # noqa: E731
    got = np.asarray(apply(candidate, v))
    hypotheses = [(None, push(v))]
    if x.ndim == 2 and x.shape[0] == x.shape[1]:
        hypotheses.append(("transposed", push(jnp.swapaxes(v, -1, -2))))
    threshold = DIAGNOSIS_FACTOR * tol
    got_norm = float(np.linalg.norm(got))
    if got_norm == 0.0:
        return "unrelated: the candidate maps every probe to zero where the truth does not (from probes)"
    for relation, h in hypotheses:
        hh = float(np.vdot(h, h))
        if hh == 0.0:
            continue
        alpha = float(np.vdot(h, got)) / hh
        if np.linalg.norm(got - alpha * h) > threshold * got_norm:
            continue
        scale = _scale_words(alpha, tol)
        if relation is None and scale is None:
            return "matches the truth on the probes: the disagreement is with a reference (see errors)"
        words = " and ".join(w for w in (relation, scale) if w)
        return f"{words}: the closed form acts on random tangents as the truth {_explain(relation, scale)} (from probes)"
    return ("unrelated: no sign, scale or transpose of the truth matches its action on random tangents "
            "(from probes: the dense derivative is over the size budget, so layouts were not tried)")
