"""Finite-difference derivatives: an independent reference for JAX autodiff.

Everything here is built from evaluations of ``f`` only -- no ``jax.grad``,
``jvp``, ``vjp``, ``jacfwd``/``jacrev`` or ``hessian`` -- so that comparing
against autodiff checks two unrelated computations against each other.

Every rule is a fixed linear combination of ``f`` at points
``x + h * (a_1 d_1 + a_2 d_2)`` along one or two directions ``d``, paired with
an *error rule* over the same points that estimates its truncation error: for
a plain stencil of order p, the difference from the same stencil at ``2h``,
extrapolated to the error of that coarser stencil (about ``2**p`` times ours);
for Richardson extrapolation, the gap between the last two levels. A round-off
term ``eps * max|f| * sum|w| / h**d`` (times a safety factor, see ``_ULPS``)
covers the cancellation in the weighted sum. Their sum is the ``error`` of an
:class:`Estimate`: a conservative bound rather than a sharp prediction.

Where f is smooth only near x (a matrix close to singular, a log near 0), a default step can
reach past a singularity and the estimate is garbage. Two remedies, both opt-in: ``radius`` (per
direction, the distance ``|t|`` that ``x + t d`` may move and stay where f is smooth, which the
caller's domain knows) caps the step so that the farthest point stays within ``RADIUS_FRACTION``
of it; ``adaptive=True`` then lets the error estimate choose: the step is divided by
``SHRINK_RATIO`` while the estimate stays above ``sqrt(eps)`` of the value (at most
``MAX_STEPS`` steps, and never once round-off alone exceeds the best error so far), and the step
with the smallest estimate is kept, per direction. ``adaptive`` also measures f's own rounding at
x (``_rounding_of``: 4 more evaluations of f) and puts it in the round-off term where it exceeds
the model's: a function that amplifies its rounding makes difference quotients of noise that the
model would take for a slope. (Both the step search and the measurement are only as good as the
estimate: a step so large that f looks flat across it can fool it; the radius is the remedy.)

Shapes: ``x`` has any shape ``in`` (0-d included) and ``f(x)`` any shape
``out``. A direction has shape ``in`` or, batched, ``(k,) + in``; the estimate
then has shape ``out`` or ``(k,) + out``. Array-level derivatives use the JAX
layout ``out + in``. Computation stays in ``x``'s dtype, so run float64 under
``jax.enable_x64(True)``. All functions are jit-compatible when ``f`` is, with
``h``, ``accuracy``, ``levels``, ``ratio`` and ``method`` static. ``f`` must
be traceable by JAX: it is vmapped over the stencil points and the directions.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

Function = Callable[[jax.Array], jax.Array]
Rule = dict[tuple[float, ...], float]  # offsets (multiples of h along each direction) -> weight
T = TypeVar("T")

# Round-off model: f is assumed accurate to about this many units in the last place of
# max|f| (its own rounding plus that of the points x + h v). Measured: log|det X| for a
# well-conditioned 32x32 X is off by ~4 ulps of |f|; with 1 ulp a third of the estimates
# fell below the true error, with 10 none did.
_ULPS = 10.0

# Steps near singularities (see the module docstring). Along three random directions through
# diag(1, 1, 1, 1e-3), with the farthest point at 1/8 of sigma_min / |V|_2, tr(X^-1 A) had relative
# errors 1e-13 to 2e-9 and estimates 5e-10 to 4e-7; at 1/2, estimates up to 1e-4. Head-on at a pole
# 1/(a + t) the error at a/8 is 6e-8.
RADIUS_FRACTION = 1 / 8
SHRINK_RATIO = 4.0  # one shrink cuts Richardson's truncation error 4**6 = 4096 times, raises round-off 4 times
MAX_STEPS = 20  # steps tried at most by ``adaptive``: down to 4**-19 = 3.6e-12 of the first
# ``adaptive`` also measures f's rounding (``_rounding_of``): at this many points, each entry of x
# moved by this many ulps of itself (one draws the rounding errors anew), trusted to this factor.
_NOISE_DRAWS, _NOISE_ULPS, _NOISE_SAFETY = 3, 4.0, 2.0


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=["value", "error", "step"],
    meta_fields=["evaluations"],
)
@dataclasses.dataclass(frozen=True)
class Estimate:
    """A finite-difference estimate with an estimate of its own absolute error.

    A pytree (``evaluations`` is static), so it can be returned from ``jax.jit``.
    """

    value: jax.Array  # the estimate, shape out or (k,) + out
    error: jax.Array  # estimated absolute error, same shape as value, >= 0
    evaluations: int  # calls of f per direction and step tried (``adaptive`` may try several)
    step: float | jax.Array  # the step h (richardson: its largest; the others are h / ratio**i), per direction


def _compiled(derivative: Callable[..., Estimate]) -> Callable[..., Estimate]:
    """Trace a whole derivative into one XLA computation.

    Op-by-op dispatch compiles every small op anew for each shape, which
    measured ~5x slower than one ``jax.jit`` on first use. Positional arguments
    (x and the directions) are traced; keywords (h, accuracy, levels, ratio,
    method) stay static. f is closed over, so it may itself close over tracers
    of an enclosing jit.

    Called with traced arguments (inside a jit, a vmap), the derivative is traced in place. A
    nested ``jax.jit`` of a new lambda is traced anew at every call and lowered as a function of
    its own; in place, a warm catalog run traces and lowers its finite-difference programs in less
    time (82 records, both dtypes, one process: 32.0 -> 26.5 s).
    """

    @functools.wraps(derivative)
    def compiled(f: Function, x: jax.typing.ArrayLike, *directions: jax.typing.ArrayLike | None, **static) -> Estimate:
        if any(isinstance(a, jax.core.Tracer) for a in (x, *directions)):
            return derivative(f, x, *directions, **static)
        return jax.jit(lambda x, *directions: derivative(f, x, *directions, **static))(x, *directions)

    return compiled


def relative_step(
    x: jax.typing.ArrayLike, dtype: jax.typing.DTypeLike, *, order: int, derivative: int = 1
) -> jax.Array:
    """Step balancing truncation error ~h**order against round-off ~eps/h**derivative.

    Minimising ``h**order + eps / h**derivative`` gives
    ``h ~ eps**(1/(order+derivative))``. Scaling by ``max(1, max|x|)`` keeps
    the step relative to ``x``: a step far below ``eps * |x|`` would vanish in
    ``x + h``.
    """
    info = jnp.finfo(dtype)
    base = float(info.eps) ** (1.0 / (order + derivative))
    return base * _scale(jnp.asarray(x)).astype(info.dtype)


@_compiled
def forward_difference(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None,
    radius: jax.typing.ArrayLike | None = None, adaptive: bool = False,
) -> Estimate:
    """``(f(x + h v) - f(x)) / h``: first order, for when only one side of x is valid.

    The error estimate compares with the same rule at ``2h`` (so f is also
    evaluated at ``x + 2h v``: 3 evaluations per direction).
    """
    return _first_derivative(f, x, v, h, {(0.0,): -1.0, (1.0,): 1.0}, order=1, radius=radius, adaptive=adaptive)


@_compiled
def backward_difference(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None,
    radius: jax.typing.ArrayLike | None = None, adaptive: bool = False,
) -> Estimate:
    """``(f(x) - f(x - h v)) / h``: the mirror image of :func:`forward_difference` (3 evaluations)."""
    return _first_derivative(f, x, v, h, {(-1.0,): -1.0, (0.0,): 1.0}, order=1, radius=radius, adaptive=adaptive)


_CENTRAL: dict[int, Rule] = {  # antisymmetric first-derivative stencils, by order
    2: {(1.0,): 1 / 2},
    4: {(1.0,): 2 / 3, (2.0,): -1 / 12},
    6: {(1.0,): 3 / 4, (2.0,): -3 / 20, (3.0,): 1 / 60},
}


@_compiled
def central_difference(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None, accuracy: int = 2,
    radius: jax.typing.ArrayLike | None = None, adaptive: bool = False,
) -> Estimate:
    """Symmetric stencil of order ``accuracy`` (2, 4 or 6) for the directional derivative.

    Symmetry cancels the even Taylor terms, hence the even orders. The error
    estimate compares with the same stencil at ``2h``; with the shared points
    that makes 4, 6 or 10 evaluations per direction.
    """
    half = _lookup(_CENTRAL, accuracy, "accuracy")
    rule = {**half, **{(-o[0],): -w for o, w in half.items()}}
    return _first_derivative(f, x, v, h, rule, order=accuracy, radius=radius, adaptive=adaptive)


_SECOND: dict[int, Rule] = {  # symmetric second-derivative stencils, by order
    2: {(0.0,): -2.0, (1.0,): 1.0, (-1.0,): 1.0},
    4: {(0.0,): -5 / 2, (1.0,): 4 / 3, (-1.0,): 4 / 3, (2.0,): -1 / 12, (-2.0,): -1 / 12},
}


@_compiled
def second_difference(
    f: Function,
    x: jax.typing.ArrayLike,
    u: jax.typing.ArrayLike,
    v: jax.typing.ArrayLike | None = None,
    *,
    h: float | None = None,
    accuracy: int = 2,
) -> Estimate:
    """``d^2/ds dt f(x + s u + t v)`` at 0, of order ``accuracy`` (2 or 4); ``v=None`` means ``v=u``.

    For ``u != v`` the mixed derivative comes from polarisation,
    ``(D_{u+v}^2 - D_{u-v}^2) / 4``, which reuses the pure second-derivative
    stencils (their centre terms cancel). The error estimate compares with the
    same rule at ``2h``. Directions are taken as O(1): h is the step along them.
    """
    line = _lookup(_SECOND, accuracy, "accuracy")
    x = _checked_input(x)
    if v is None:
        rule, directions = line, (u,)
    else:
        along_sum = {(o[0], o[0]): w for o, w in line.items()}  # u + v
        along_difference = {(o[0], -o[0]): w for o, w in line.items()}  # u - v
        rule = _combine(along_sum, along_difference, 0.25, -0.25)
        directions = (u, v)
    error_rule = _halving_error(rule, order=accuracy, power=2)
    return _apply(f, x, directions, rule, error_rule, power=2, h=_step(h, x, order=accuracy, derivative=2))


@_compiled
def richardson(
    f: Function,
    x: jax.typing.ArrayLike,
    v: jax.typing.ArrayLike,
    *,
    h: float | None = None,
    levels: int = 3,
    ratio: float = 2.0,
    radius: jax.typing.ArrayLike | None = None,
    adaptive: bool = False,
) -> Estimate:
    """Central differences at ``h, h/ratio, ..., h/ratio**(levels-1)``, Richardson-extrapolated.

    Each level of the table cancels one more even power of h, so ``levels``
    central differences (``2 * levels`` evaluations) give order ``2 * levels``
    while every individual step stays large enough to avoid cancellation. The
    error estimate is the gap between the last two extrapolation levels at the
    finest step (the previous order's error, conservative in the asymptotic
    regime) plus round-off amplified by the extrapolation weights.
    """
    if not isinstance(levels, int) or levels < 2:
        raise ValueError(f"levels must be an int >= 2 (two levels give the error estimate), got {levels!r}")
    if not ratio > 1:
        raise ValueError(f"ratio must be > 1, got {ratio!r}")
    table: list[list[Rule]] = []
    for i in range(levels):
        c = ratio**-i
        row = [{(c,): 0.5 / c, (-c,): -0.5 / c}]
        for k in range(1, i + 1):
            gain = 1.0 / (ratio ** (2 * k) - 1.0)
            row.append(_combine(row[k - 1], table[i - 1][k - 1], 1.0 + gain, -gain))
        table.append(row)
    finest = table[-1]
    gap = _combine(finest[-1], finest[-2], 1.0, -1.0)
    return _first_derivative(f, x, v, h, finest[-1], order=2 * levels, error_rule=gap, radius=radius,
                             adaptive=adaptive)


@_compiled
def complex_step(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None,
    radius: jax.typing.ArrayLike | None = None,
) -> Estimate:
    """``Im f(x + i h v) / h`` for real-analytic ``f`` (which must accept complex input).

    No difference is taken, so there is no cancellation and h can be tiny
    (default ``1e-20 * max(1, max|x|)``); the truncation error ``h^2 |f'''| / 6``
    is then negligible and the result is accurate to round-off. The error
    estimate is ``_ULPS * eps`` relative to the derivative's scale, taken as the
    larger of ``max|value|`` and ``max|f| / max(1, max|x|)`` (round-off in the
    imaginary part follows the magnitudes inside f, not only the result), plus
    the truncation term with ``|f'''|`` estimated as ``|value| / max(1, max|x|)**2``. A ``radius``
    caps the step like the differences' (it matters only below 1e-20: the complex step leaves the
    real line, and a singularity off it is as near as one on it).
    """
    x = _checked_input(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise ValueError(f"complex_step needs real x (it adds an imaginary step), got dtype {x.dtype}")
    directions, batched = _batched((v,), x)
    scale = _scale(x)
    first = 1e-20 * scale if h is None else _checked_step(h)
    steps = _capped_steps(first, radius, reach=1.0, k=directions[0].shape[0], dtype=jnp.finfo(x.dtype).dtype)
    z = x.astype(jnp.result_type(x.dtype, jnp.complex64))

    def along(d: jax.Array, step: jax.Array) -> tuple[jax.Array, jax.Array]:  # d: in
        fz = f(z + 1j * step * d)
        if not jnp.issubdtype(fz.dtype, jnp.complexfloating):
            raise ValueError(f"complex_step needs f to return complex output for complex input, got {fz.dtype}")
        value = jnp.imag(fz) / step
        magnitude = jnp.maximum(jnp.max(jnp.abs(value)), jnp.max(jnp.abs(jnp.real(fz))) / scale)
        error = _ULPS * _eps(x.dtype, value.dtype) * magnitude + (step / scale) ** 2 * jnp.abs(value)
        return value, jnp.broadcast_to(error, value.shape)

    value, error = jax.vmap(along)(*directions, steps)
    return _unbatched(Estimate(value, error, 1, steps), batched)


_METHODS: dict[str, tuple[Callable[..., Estimate], dict[str, int]]] = {
    "forward": (forward_difference, {}),
    "backward": (backward_difference, {}),
    "central": (central_difference, {}),
    "central4": (central_difference, {"accuracy": 4}),
    "central6": (central_difference, {"accuracy": 6}),
    "richardson": (richardson, {}),
    "complex_step": (complex_step, {}),
}


@_compiled
def directional(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, method: str = "richardson", **kw
) -> Estimate:
    """Directional derivative of f at x along v (or each row of a batched v) by ``method``."""
    rule, fixed = _lookup(_METHODS, method, "method")
    return rule(f, x, v, **fixed, **kw)


@_compiled
def gradient(f: Function, x: jax.typing.ArrayLike, *, method: str = "richardson", **kw) -> Estimate:
    """Gradient of a scalar f: value has ``x.shape``."""
    x = _checked_input(x)
    _check_scalar(f, x, "gradient")
    return jacobian(f, x, method=method, **kw)


@_compiled
def jacobian(f: Function, x: jax.typing.ArrayLike, *, method: str = "richardson", **kw) -> Estimate:
    """Jacobian in JAX layout ``f(x).shape + x.shape``, from the standard basis directions of x."""
    x = _checked_input(x)
    basis = _basis(x)  # (n,) + in
    columns = directional(f, x, basis, method=method, **kw)  # (n,) + out

    def layout(a: jax.Array) -> jax.Array:
        return jnp.moveaxis(a, 0, -1).reshape(a.shape[1:] + x.shape)

    return dataclasses.replace(columns, value=layout(columns.value), error=layout(columns.error))


_HESSIAN_METHODS: dict[str, dict[str, int]] = {"central": {}, "central4": {"accuracy": 4}}


@_compiled
def hessian(f: Function, x: jax.typing.ArrayLike, *, method: str = "central", **kw) -> Estimate:
    """Hessian of a scalar f, shape ``x.shape + x.shape``, from second differences.

    Entry (i, j) is the mixed second difference along basis vectors e_i, e_j
    (all n**2 pairs, 8 evaluations each at accuracy 2, vmapped); the matrix is
    then symmetrised, which can only shrink its error.
    ``method`` is ``"central"`` (second order, ``accuracy`` may be passed) or
    ``"central4"``.
    """
    fixed = _lookup(_HESSIAN_METHODS, method, "method")
    x = _checked_input(x)
    _check_scalar(f, x, "hessian")
    n = x.size
    basis = _basis(x)  # (n,) + in
    rows = jnp.repeat(basis, n, axis=0)  # (n*n,) + in: e_i for entry (i, j)
    cols = jnp.tile(basis, (n,) + (1,) * x.ndim)  # (n*n,) + in: e_j for entry (i, j)
    entries = second_difference(f, x, rows, cols, **fixed, **kw)  # (n*n,)

    rows, cols = np.indices((n, n))
    upper, lower = np.minimum(rows, cols), np.maximum(rows, cols)

    def symmetric(a: jax.Array) -> jax.Array:
        # Not (m + m.T) / 2: XLA may contract a scaling into that sum (an FMA) with the operands in
        # either order, which leaves it asymmetric in the last bit. Entries (i, j) and (j, i) are
        # here the same expression of the same operands, so the result is exactly symmetric.
        matrix = a.reshape(n, n)
        return (0.5 * (matrix[upper, lower] + matrix[lower, upper])).reshape(x.shape + x.shape)

    return dataclasses.replace(entries, value=symmetric(entries.value), error=symmetric(entries.error))


# ----------------------------------------------------------------------------- helpers


def _first_derivative(
    f: Function,
    x: jax.typing.ArrayLike,
    v: jax.typing.ArrayLike,
    h: float | None,
    rule: Rule,
    *,
    order: int,
    error_rule: Rule | None = None,
    radius: jax.typing.ArrayLike | None = None,
    adaptive: bool = False,
) -> Estimate:
    """Apply a first-derivative rule of the given order; the error rule defaults to `_halving_error`."""
    x = _checked_input(x)
    error_rule = _halving_error(rule, order=order, power=1) if error_rule is None else error_rule
    return _apply(f, x, (v,), rule, error_rule, power=1, h=_step(h, x, order=order, derivative=1), radius=radius,
                  adaptive=adaptive)


def _apply(
    f: Function,
    x: jax.Array,
    directions: tuple[jax.typing.ArrayLike, ...],
    rule: Rule,
    error_rule: Rule,
    *,
    power: int,
    h: float | jax.Array,
    radius: jax.typing.ArrayLike | None = None,
    adaptive: bool = False,
) -> Estimate:
    """Evaluate ``sum_j w_j f(x + h * offsets_j . directions) / h**power`` for each direction.

    f is called once per point (vmapped over the points, then over the directions). The error is
    |error_rule applied to f| plus the round-off of the weighted sum,
    ``_ULPS * eps * max|f| * sum|w| / h**power``. Each direction gets its own step: ``h``, capped
    by its ``radius``, then (``adaptive``) shrunk while its error estimate asks for it; ``adaptive``
    also measures f's rounding (``_rounding_of``) and lets it stand for the model's when larger.
    """
    stacked, batched = _batched(directions, x)
    points = sorted(rule.keys() | error_rule.keys())
    real = jnp.finfo(x.dtype).dtype
    offsets = jnp.asarray(np.array(points), real)  # (p, len(directions))
    weights = jnp.asarray([rule.get(p, 0.0) for p in points], real)  # (p,)
    error_weights = jnp.asarray([error_rule.get(p, 0.0) for p in points], real)  # (p,)
    amplification = float(np.sum(np.abs([rule.get(p, 0.0) for p in points])))
    # The farthest point from x, in steps along directions of unit length (two directions add up).
    reach = float(np.max(np.sum(np.abs(np.array(points)), axis=1)))
    steps = _capped_steps(h, radius, reach=reach, k=stacked[0].shape[0], dtype=real)
    target = float(np.sqrt(jnp.finfo(x.dtype).eps))
    measured = _rounding_of(f, x) if adaptive else 0.0

    def along(step: jax.Array, *ds: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:  # each d: in
        displacement = sum(_outer(offsets[:, i], d) for i, d in enumerate(ds))  # (p,) + in

        def at(step: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
            scale = step**power
            values = jax.vmap(f)(x + step * displacement)  # (p,) + out
            value = _weighted(weights, values) / scale
            rounding = jnp.maximum(_ULPS * _eps(x.dtype, values.dtype) * jnp.max(jnp.abs(values)), measured)
            roundoff = rounding * amplification / scale
            return value, jnp.abs(_weighted(error_weights, values)) / scale + roundoff, roundoff

        if not adaptive:
            value, error, _ = at(step)
            return value, error, step
        return _adapted(at, step, target)

    value, error, used = jax.vmap(along)(steps, *stacked)
    return _unbatched(Estimate(value, error, len(points), used), batched)


def _rounding_of(f: Function, x: jax.Array) -> jax.Array:
    """f's own rounding at x, measured: ``_NOISE_SAFETY * max |f(x') - f(x)|`` over
    ``_NOISE_DRAWS`` points x' with every entry moved by ``_NOISE_ULPS`` ulps of itself.

    The model's ``_ULPS`` ulps of max|f| hold for most f, not for one that amplifies its rounding
    (tr((X^T C X)^-1 X^T B X) is constant in exact arithmetic, but computed it wanders by eps times
    the condition number of X^T C X): a difference quotient of that noise looks like a slope. Moving
    x by ulps draws every rounding error anew while the exact f moves by no more than its own
    rounding-level condition, so the spread is the noise a difference has to divide by h.
    """
    # Signs from an integer hash (lowbias32) of entry and draw: jax.random would cost more to compile than the rest.
    index = jnp.arange(x.size, dtype=jnp.uint32).reshape(x.shape)
    draws = jnp.arange(1, _NOISE_DRAWS + 1, dtype=jnp.uint32).reshape((_NOISE_DRAWS,) + (1,) * x.ndim)
    bits = index ^ (draws * jnp.uint32(0x9E3779B9))
    for shift, factor in ((16, 0x7FEB352D), (15, 0x846CA68B)):
        bits = (bits ^ (bits >> shift)) * jnp.uint32(factor)
    bits = bits ^ (bits >> 16)
    signs = (1 - 2 * (bits & 1).astype(jnp.int32)).astype(x.dtype)  # (draws,) + in
    moved = x + (_NOISE_ULPS * float(jnp.finfo(x.dtype).eps)) * jnp.abs(x) * signs
    values = jax.vmap(f)(jnp.concatenate([x[None], moved]))  # (1 + draws,) + out
    spread = jnp.max(jnp.abs(values[1:] - values[0])) if values[0].size else jnp.zeros((), values.dtype)
    return _NOISE_SAFETY * spread


def _capped_steps(h: float | jax.Array, radius: jax.typing.ArrayLike | None, *, reach: float, k: int,
                  dtype) -> jax.Array:
    """One step per direction: h, but at most ``RADIUS_FRACTION * radius / reach``, so that the
    farthest point (``reach`` steps out) stays well inside the radius. A radius of 0 (x on the
    boundary) is not capped to a step of 0: the estimate's error then says what it is worth."""
    steps = jnp.broadcast_to(jnp.asarray(h, dtype), (k,))
    if radius is None:
        return steps
    radius = jnp.asarray(radius, dtype)
    if radius.shape not in ((), (k,)):
        raise ValueError(f"radius has shape {radius.shape}; expected () or one per direction ({k},)")
    capped = jnp.minimum(steps, RADIUS_FRACTION * radius / reach)
    return jnp.where(capped > 0, capped, steps)


def _adapted(at: Callable, first: jax.Array, target: float) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The estimate at the step (first, first / SHRINK_RATIO, ...) whose error estimate is smallest.

    Smaller steps are tried while the estimate exceeds ``target`` times the value (a step that
    reaches past a singularity, or truncation, dominates), up to ``MAX_STEPS`` in all; the search
    stops once round-off alone, which only grows as the step shrinks, reaches the best estimate so
    far. An estimate that is not finite (f undefined at a point) counts as infinitely bad.
    """
    shape = jax.eval_shape(at, first)
    value0 = jnp.zeros(shape[0].shape, shape[0].dtype)
    inf = jnp.asarray(jnp.inf, shape[1].dtype)

    def body(state):
        i, step, best_value, best_error, best_step, best_score, _ = state
        value, error, roundoff = at(step)
        score = jnp.max(error) if error.size else jnp.zeros((), error.dtype)
        score = jnp.where(jnp.isfinite(score) & jnp.all(jnp.isfinite(value)), score, inf)
        better = score < best_score
        best_value = jnp.where(better, value, best_value)
        best_error = jnp.where(better, error, best_error)
        best_step = jnp.where(better, step, best_step)
        best_score = jnp.minimum(score, best_score)
        peak = jnp.max(jnp.abs(value)) if value.size else jnp.zeros((), value.dtype)
        done = (score <= target * peak) | (roundoff >= best_score) | (i + 1 >= MAX_STEPS)
        return i + 1, step / SHRINK_RATIO, best_value, best_error, best_step, best_score, done

    state = (jnp.zeros((), jnp.int32), first, value0, jnp.full(shape[1].shape, inf), first, inf,
             jnp.zeros((), bool))
    state = jax.lax.while_loop(lambda s: ~s[-1], body, state)
    return state[2], state[3], state[4]


def _combine(a: Rule, b: Rule, alpha: float, beta: float) -> Rule:
    """The rule alpha * a + beta * b, dropping points whose weights cancel."""
    total = {p: alpha * w for p, w in a.items()}
    for p, w in b.items():
        total[p] = total.get(p, 0.0) + beta * w
    return {p: w for p, w in total.items() if w != 0.0}


def _halving_error(rule: Rule, *, order: int, power: int) -> Rule:
    """Error rule for a stencil of this order: the error of the same stencil at 2h.

    With ``D(h) = D + c h**order + ...`` the difference ``D(h) - D(2h)`` is
    ``(2**order - 1) c h**order``; scaling it by ``2**order / (2**order - 1)``
    gives ``c (2h)**order``, the coarser stencil's error -- ``2**order`` times
    ours, which leaves a margin even for first-order rules. (Weights of a rule
    for the ``power``-th derivative scale as ``h**-power``.)
    """
    coarse = {tuple(2.0 * o for o in p): w / 2.0**power for p, w in rule.items()}
    margin = 2.0**order / (2.0**order - 1.0)
    return _combine(rule, coarse, margin, -margin)


def _checked_input(x: jax.typing.ArrayLike) -> jax.Array:
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        raise ValueError(f"x must have a floating dtype (differences of integers are meaningless), got {x.dtype}")
    return x


def _checked_step(h: float | jax.Array) -> float | jax.Array:
    if isinstance(h, numbers.Real) and not h > 0:
        raise ValueError(f"step h must be positive, got {h!r}")
    return h


def _step(h: float | jax.Array | None, x: jax.Array, *, order: int, derivative: int) -> float | jax.Array:
    if h is None:
        return relative_step(x, x.dtype, order=order, derivative=derivative)
    return _checked_step(h)


def _batched(directions: tuple[jax.typing.ArrayLike, ...], x: jax.Array) -> tuple[tuple[jax.Array, ...], bool]:
    """Directions as a common batch ``(k,) + x.shape`` (unbatched ones broadcast), and whether any was batched."""
    checked = []
    for d in directions:
        d = jnp.asarray(d)
        if d.shape == x.shape:
            checked.append((d.astype(x.dtype), False))
        elif d.shape[1:] == x.shape and d.ndim == x.ndim + 1:
            checked.append((d.astype(x.dtype), True))
        else:
            raise ValueError(f"direction has shape {d.shape}; expected x.shape {x.shape} or a batch (k,) + {x.shape}")
    sizes = {d.shape[0] for d, batched in checked if batched}
    if len(sizes) > 1:
        raise ValueError(f"batched directions disagree on the batch size: {sorted(sizes)}")
    k = sizes.pop() if sizes else 1
    stacked = tuple(d if batched else jnp.broadcast_to(d, (k,) + x.shape) for d, batched in checked)
    return stacked, any(batched for _, batched in checked)


def _unbatched(estimate: Estimate, batched: bool) -> Estimate:
    if batched:
        return estimate
    return dataclasses.replace(estimate, value=estimate.value[0], error=estimate.error[0], step=estimate.step[0])


def _lookup(table: Mapping[Any, T], key: object, name: str) -> T:
    if key not in table:
        raise ValueError(f"unknown {name} {key!r}; valid: {', '.join(map(repr, table))}")
    return table[key]


def _check_scalar(f: Function, x: jax.Array, what: str) -> None:
    out = jax.eval_shape(f, jax.ShapeDtypeStruct(x.shape, x.dtype))
    if out.shape != ():
        raise ValueError(f"{what} needs a scalar-valued f, but f(x) has shape {out.shape}; use jacobian")


def _basis(x: jax.Array) -> jax.Array:
    """Standard basis of x's space, shape (x.size,) + x.shape."""
    return jnp.eye(x.size, dtype=x.dtype).reshape((x.size,) + x.shape)


def _scale(x: jax.Array) -> jax.Array:
    """max(1, max|x|): the magnitude steps are taken relative to."""
    return jnp.maximum(1.0, jnp.max(jnp.abs(x)))


def _eps(*dtypes: jax.typing.DTypeLike) -> float:
    """Machine epsilon of the least precise of the (inexact) dtypes."""
    return max(float(jnp.finfo(d).eps) for d in dtypes if jnp.issubdtype(d, jnp.inexact))


def _outer(c: jax.Array, d: jax.Array) -> jax.Array:
    """c[:, None, ...] * d: (p,) times in -> (p,) + in."""
    return c.reshape(c.shape + (1,) * d.ndim) * d


def _weighted(w: jax.Array, values: jax.Array) -> jax.Array:
    """sum_j w_j values_j over the leading (point) axis.

    Elementwise rather than a dot: exact products on every backend (no reduced-precision matmul passes)
    and much cheaper to compile on CPU.
    """
    return jnp.sum(w.astype(values.dtype).reshape(w.shape + (1,) * (values.ndim - 1)) * values, axis=0)
