"""Say *how* a wrong derivative is wrong: the nearest simple relation to the truth.

The truth (JAX layout) is rearranged every simple way a hand derivation goes wrong: its input
(or output) transposed, its axes permuted, flattened row-major instead of column-major, numerator
instead of denominator. For each rearrangement that has the candidate's shape, the best scale
factor is fitted by least squares; a rearrangement that explains the candidate up to that factor
names the mistake: ``transposed``, ``layout``, ``negated``, ``scaled by c``, the Cookbook's
``structured-matrix convention`` (2.8) on a square input, or else ``unrelated``. Two mistakes are
not rearrangements: ``precision`` (a float64 check of a candidate computed in float32), named from
the candidate's values, and ``missing symmetrization`` (2Ax where (A + A^T)x is meant), which no
array comparison can name and ``diagnose_callable`` finds from the candidate's own Jacobian.

Every fit works on arrays divided by their largest entry: a gradient of 1e-162 has squares that
underflow to 0, and the fit would see "all zeros" or a wrong factor.
"""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.vocabulary.layout import Layout, expected_shape, flatten, from_jax, off_diagonal
from matcalc.checker.tolerance import DIAGNOSIS_FACTOR
from matcalc.references.problem import norm

Shape = tuple[int, ...]
MAX_PERMUTED_AXES = 4  # beyond this, only the transposes are tried (n! rearrangements)
# A float64 check of a candidate computed in float32 sees relative errors of a few float32 ulps,
# times the problem's conditioning: from about eps32 / 100 (few entries, some exact) to 100 eps32.
EPS32 = float(np.finfo(np.float32).eps)
PRECISION_WINDOW = (EPS32 / 100, 100 * EPS32)
TRANSPOSED_2D = "transposed (in x out, where the 'jax' layout is out x in)"
CONVENTION = "structured-matrix convention: independent entries (Cookbook 2.8) instead of sym(G)"


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
        elif truth.ndim == 2:  # a vector-by-vector Jacobian: its only rearrangement is the transpose
            transposed = (1, 0)
            yield TRANSPOSED_2D, truth.T
        if out_shape == () and len(in_shape) == 2 and in_shape[0] == in_shape[1] > 1:
            # The Cookbook's derivative by the independent entries of a symmetric X: G + G^T - G∘I.
            # On a symmetric domain the truth is sym(G), and the same formula of it is 2 sym(G) - G∘I.
            yield CONVENTION, truth + truth.T - np.diag(np.diag(truth))
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


def _unit(a: np.ndarray) -> tuple[np.ndarray, float]:
    """``a`` divided by its largest entry (in float64), and that entry: squares of the result
    neither underflow nor overflow."""
    a = np.asarray(a, np.complex128 if np.iscomplexobj(a) else np.float64)
    peak = float(np.max(np.abs(a))) if a.size else 0.0
    return (a / peak if peak > 0 else a), peak


def _fit(h: np.ndarray, raw: np.ndarray) -> tuple[float, float] | None:
    """The least-squares factor alpha with raw ~ alpha h, and ||raw - alpha h|| / ||raw||
    (None when h is zero)."""
    (hu, hp), (ru, rp) = _unit(h), _unit(raw)
    hh = float(np.vdot(hu, hu).real)
    if hh == 0.0 or rp == 0.0:
        return None
    alpha_unit = float(np.vdot(hu, ru).real) / hh
    residual = float(np.linalg.norm(ru - alpha_unit * hu)) / float(np.linalg.norm(ru))
    return alpha_unit * rp / hp, residual


def diagnose(raw: np.ndarray, truth: np.ndarray, layout: Layout, out_shape: Shape, in_shape: Shape, tol: float) -> str:
    """A sentence naming the nearest simple relation between ``raw`` and the (JAX-layout) truth.

    A rearranged truth explains the candidate when, after the best scale factor, it matches within
    ``DIAGNOSIS_FACTOR * tol`` (the mistake is exact, so the match is as good as the arithmetic);
    the factor counts as a mistake when it differs from 1 by more than ``tol``. A float64 truth
    (the check ran in float64) and a candidate off by float32 rounding, whose values are float32
    numbers, is a ``precision`` mistake.
    """
    threshold = DIAGNOSIS_FACTOR * tol
    raw, truth = np.asarray(raw), np.asarray(truth)
    if np.iscomplexobj(raw) and not np.iscomplexobj(truth):
        imaginary = norm(raw.imag) / max(norm(raw), 1e-300)
        real_part = diagnose(raw.real, truth, layout, out_shape, in_shape, tol)
        real_part = ("its real part matches the truth" if real_part.startswith("matches the truth")
                     else f"its real part: {real_part}")
        return (f"complex: the candidate has an imaginary part (relative size {imaginary:.2e}) where the "
                f"derivative of a real function at a real point is real; {real_part}")
    layout = Layout(layout)
    want = expected_shape(layout, out_shape, in_shape)
    prefix = ""
    if raw.shape != tuple(want):
        prefix = f"wrong shape {raw.shape}: layout {layout.value!r} expects {tuple(want)} (out {tuple(out_shape)}, in {tuple(in_shape)}); "
    if not np.all(np.isfinite(raw)):
        return prefix + "unrelated: the closed form returned non-finite values (NaN or inf)"
    raw_norm = norm(raw)
    if raw_norm == 0.0:
        return prefix + "unrelated: the closed form returned all zeros where the truth is not zero"
    if layout is Layout.DIAGONAL:
        off = norm(off_diagonal(truth, tuple(out_shape)))
        if off > threshold * norm(truth):
            return prefix + (
                "layout: the map is not elementwise (its Jacobian has off-diagonal entries of relative size "
                f"{off / norm(truth):.2e}), so layout 'diagonal' cannot represent it"
            )
    if not np.any(truth):
        return prefix + f"unrelated: the derivative is zero here, but the closed form is not (norm {raw_norm:.3g})"
    rel = _relative_distance(raw, truth, layout, out_shape, in_shape)
    precision = _precision(raw, truth, rel, tol)
    if precision:
        return prefix + precision
    for relation, h in _hypotheses(truth, layout, tuple(out_shape), tuple(in_shape)):
        h = np.asarray(h)
        fit = _fit(h, raw) if h.shape == raw.shape else None
        if fit is None or fit[1] > threshold:
            continue
        alpha = fit[0]
        scale = _scale_words(alpha, tol)
        if relation is None and scale is None:
            if rel is not None and rel > tol:
                return prefix + (f"close: relative error {rel:.2e}, over the tolerance {tol:.1e}, and no transpose, "
                                 "sign, scale or layout change of the truth explains it")
            return prefix + "matches the truth: the disagreement is with a reference (see errors)"
        words = " and ".join(w for w in (relation, scale) if w)
        if raw.size == 1:  # one number: any mismatch is a scale, so say the numbers too
            return prefix + f"{words}: the closed form gives {raw.item():.10g} where the truth is {h.item():.10g}"
        return prefix + f"{words}: the closed form is {_explain(relation, scale)}"
    hint = ""
    if rel is not None and truth.dtype == np.float64 and PRECISION_WINDOW[0] <= rel <= PRECISION_WINDOW[1]:
        hint = ", the size of float32 rounding: a float32 constant or input in the closed form?"
    return prefix + (
        "unrelated: no transpose, sign, scale or layout change of the truth matches it"
        + (f" (relative error {rel:.2e}{hint})" if rel is not None else "")
    )


def _precision(raw: np.ndarray, truth: np.ndarray, rel: float | None, tol: float) -> str | None:
    """A float64 check of a candidate right to float32 accuracy, with the evidence that it was
    computed in float32: it is float32, or every entry is a float32 number (one float64 value in
    2^29 is, by chance). Without that evidence the same error stays "unrelated", with a hint."""
    if rel is None or truth.dtype != np.float64 or not (max(tol, PRECISION_WINDOW[0]) < rel <= PRECISION_WINDOW[1]):
        return None
    if raw.dtype in (np.float32, np.float16):
        evidence = f"it returns {raw.dtype}"
    elif np.array_equal(raw.astype(np.float32).astype(raw.dtype), raw):
        evidence = "its entries are all float32 numbers"
    else:
        return None
    return f"precision: right to about float32 accuracy (relative error {rel:.1e}); computed in float32? ({evidence})"


def _explain(relation: str | None, scale: str | None) -> str:
    """What the candidate is, in terms of the truth: "the truth with the matrix transposed and negated"."""
    if relation == CONVENTION:
        text = ("G + G^T - G∘I, the derivative by the independent entries of a symmetric matrix (Cookbook 2.8), "
                "where the gradient G (compared as sym(G) on a symmetric domain) is meant")
        return text + (f"; {scale}" if scale else "")
    parts = []
    if relation == "transposed":
        parts.append("with the matrix transposed")
    elif relation == TRANSPOSED_2D:
        parts.append("transposed")
    elif relation:
        parts.append("in another layout")
    if scale:
        parts.append(scale)
    return "the truth " + " and ".join(parts)


def _relative_distance(raw, truth, layout, out_shape, in_shape) -> float | None:
    declared = np.asarray(from_jax(jnp.asarray(truth), layout, out_shape, in_shape))
    if declared.shape != raw.shape:
        return None
    wide = np.complex128 if np.iscomplexobj(raw) or np.iscomplexobj(declared) else np.float64
    return norm(np.asarray(raw, wide) - np.asarray(declared, wide)) / max(norm(declared), 1e-300)


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
    if norm(got) == 0.0:
        return "unrelated: the candidate maps every probe to zero where the truth does not (from probes)"
    for relation, h in hypotheses:
        fit = _fit(h, got)
        if fit is None or fit[1] > threshold:
            continue
        scale = _scale_words(fit[0], tol)
        if relation is None and scale is None:
            return "matches the truth on the probes: the disagreement is with a reference (see errors)"
        words = " and ".join(w for w in (relation, scale) if w)
        return f"{words}: the closed form acts on random tangents as {_explain(relation, scale)} (from probes)"
    return ("unrelated: no sign, scale or transpose of the truth matches its action on random tangents "
            "(from probes: the dense derivative is over the size budget, so layouts were not tried)")


def diagnose_callable(words: str, problem, closed_form, layout: Layout, tol: float) -> str:
    """``words`` (an array diagnosis), or a better one that needs the candidate as a function.

    A missing symmetrization (2Ax given for the gradient (A + A^T)x of x^T A x) is not a relation
    between two arrays: any vector is 2Ax for some A. But it leaves a mark no correct gradient can
    have. A gradient's Jacobian is f's Hessian, which is symmetric; the candidate's Jacobian (2A)
    is not, and its symmetric part is the Hessian. Both are measured on random tangents u, v as
    <u, J v>: the candidate is named only when its Jacobian is asymmetric by more than the
    diagnosis threshold and its symmetric part matches the Hessian within it. A correct gradient
    has no antisymmetric part, and a wrong symmetric term changes the symmetric part; a transpose
    or a scale was named before this runs. A wrong constant leaves the Jacobian alone, so the
    difference itself is compared with K x (K the antisymmetric part), what a linear term left
    unsymmetrized gives, and a remainder is reported as a further mistake.
    """
    if not words.startswith("unrelated") or not callable(closed_form) or layout is not Layout.JAX:
        return words
    out_shape, in_shape = problem.kind.layout_shapes(problem)
    if out_shape != () or math.prod(in_shape) < 2 or problem.tangents:
        return words
    try:
        candidate, hessian, error, rotated = _jacobian_forms(problem, closed_form)
    except Exception:  # a candidate JAX cannot differentiate (NumPy code): no more to say
        return words
    scale = max(norm(candidate), norm(hessian))
    threshold = DIAGNOSIS_FACTOR * tol
    symmetric, skew = (candidate + candidate.T) / 2, (candidate - candidate.T) / 2
    if scale == 0.0 or norm(skew) <= threshold * scale or norm(symmetric - hessian) > threshold * scale:
        return words
    words = ("missing symmetrization: the candidate's Jacobian is not symmetric (its antisymmetric part has "
             f"relative size {norm(skew) / scale:.2e}), so it is the gradient of no function, and its symmetric "
             "part is f's Hessian: a term like 2Ax (or 2AX) where (A + A^T)x is meant")
    # The difference from the truth is then K x, K the Jacobian's antisymmetric part, when the
    # unsymmetrized term is linear in x; say so when part of it is something else.
    rest = norm(error - rotated) / max(norm(error), 1e-300)
    if rest > threshold:
        words += (f"; a part of the difference (relative size {rest:.1e}) is not K x, K that antisymmetric part: "
                  "another mistake besides, or the unsymmetrized term is not linear in x")
    return words


def _jacobian_forms(problem, closed_form) -> tuple[np.ndarray, ...]:
    """On random domain tangents v: <v_i, J v_j> and <v_i, H v_j>, J the candidate's Jacobian and H
    f's Hessian (reverse over reverse, which a custom_vjp allows); and at x, the candidate's
    difference from the gradient and (J x - J^T x) / 2. Traced (see checker.program)."""
    i = problem.argnums[0]

    def forms(args, v):
        x = args[i]
        f = lambda y: problem.f(*args[:i], y, *args[i + 1:])  # noqa: E731
        candidate = lambda y: closed_form(*args[:i], y, *args[i + 1:])  # noqa: E731
        jv = jax.vmap(lambda d: jax.jvp(candidate, (x,), (d,))[1])(v)
        hv = jax.vmap(lambda d: jax.grad(lambda y: jnp.vdot(jax.grad(f)(y), d))(x))(v)
        flat = v.reshape(len(v), -1)
        value, pull = jax.vjp(candidate, x)
        rotated = (jax.jvp(candidate, (x,), (x,))[1] - pull(x)[0]) / 2
        project = lambda a: problem.domain.project(a, x)  # noqa: E731  (only the tangent part is compared)
        return (flat @ jv.reshape(len(v), -1).T, flat @ hv.reshape(len(v), -1).T,
                project(value - jax.grad(f)(x)), project(rotated))

    return tuple(np.asarray(a, np.float64) for a in jax.jit(forms)(problem.args, problem.directions("symmetrization")))
