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
    evaluations: int  # calls of f per direction
    step: float | jax.Array  # the step h (richardson: its largest; the others are h / ratio**i)


def _compiled(derivative: Callable[..., Estimate]) -> Callable[..., Estimate]:
    """Trace a whole derivative into one XLA computation.

    Op-by-op dispatch compiles every small op anew for each shape, which
    measured ~5x slower than one ``jax.jit`` on first use. Positional arguments
    (x and the directions) are traced; keywords (h, accuracy, levels, ratio,
    method) stay static. f is closed over, so it may itself close over tracers
    of an enclosing jit; inside one, this jit is simply inlined.
    """

    @functools.wraps(derivative)
    def compiled(f: Function, x: jax.typing.ArrayLike, *directions: jax.typing.ArrayLike | None, **static) -> Estimate:
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
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None
) -> Estimate:
    """``(f(x + h v) - f(x)) / h``: first order, for when only one side of x is valid.

    The error estimate compares with the same rule at ``2h`` (so f is also
    evaluated at ``x + 2h v``: 3 evaluations per direction).
    """
    return _first_derivative(f, x, v, h, {(0.0,): -1.0, (1.0,): 1.0}, order=1)


@_compiled
def backward_difference(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None
) -> Estimate:
    """``(f(x) - f(x - h v)) / h``: the mirror image of :func:`forward_difference` (3 evaluations)."""
    return _first_derivative(f, x, v, h, {(-1.0,): -1.0, (0.0,): 1.0}, order=1)


_CENTRAL: dict[int, Rule] = {  # antisymmetric first-derivative stencils, by order
    2: {(1.0,): 1 / 2},
    4: {(1.0,): 2 / 3, (2.0,): -1 / 12},
    6: {(1.0,): 3 / 4, (2.0,): -3 / 20, (3.0,): 1 / 60},
}


@_compiled
def central_difference(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None, accuracy: int = 2
) -> Estimate:
    """Symmetric stencil of order ``accuracy`` (2, 4 or 6) for the directional derivative.

    Symmetry cancels the even Taylor terms, hence the even orders. The error
    estimate compares with the same stencil at ``2h``; with the shared points
    that makes 4, 6 or 10 evaluations per direction.
    """
    half = _lookup(_CENTRAL, accuracy, "accuracy")
    rule = {**half, **{(-o[0],): -w for o, w in half.items()}}
    return _first_derivative(f, x, v, h, rule, order=accuracy)


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
    return _first_derivative(f, x, v, h, finest[-1], order=2 * levels, error_rule=gap)


@_compiled
def complex_step(
    f: Function, x: jax.typing.ArrayLike, v: jax.typing.ArrayLike, *, h: float | None = None
) -> Estimate:
    """``Im f(x + i h v) / h`` for real-analytic ``f`` (which must accept complex input).

    No difference is taken, so there is no cancellation and h can be tiny
    (default ``1e-20 * max(1, max|x|)``); the truncation error ``h^2 |f'''| / 6``
    is then negligible and the result is accurate to round-off. The error
    estimate is ``_ULPS * eps`` relative to the derivative's scale, taken as the
    larger of ``max|value|`` and ``max|f| / max(1, max|x|)`` (round-off in the
    imaginary part follows the magnitudes inside f, not only the result), plus
    the truncation term with ``|f'''|`` estimated as ``|value| / max(1, max|x|)**2``.
    """
    x = _checked_input(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise ValueError(f"complex_step needs real x (it adds an imaginary step), got dtype {x.dtype}")
    directions, batched = _batched((v,), x)
    scale = _scale(x)
    step = 1e-20 * scale if h is None else _checked_step(h)
    z = x.astype(jnp.result_type(x.dtype, jnp.complex64))

    def along(d: jax.Array) -> tuple[jax.Array, jax.Array]:  # d: in
        fz = f(z + 1j * step * d)
        if not jnp.issubdtype(fz.dtype, jnp.complexfloating):
            raise ValueError(f"complex_step needs f to return complex output for complex input, got {fz.dtype}")
        value = jnp.imag(fz) / step
        magnitude = jnp.maximum(jnp.max(jnp.abs(value)), jnp.max(jnp.abs(jnp.real(fz))) / scale)
        error = _ULPS * _eps(x.dtype, value.dtype) * magnitude + (step / scale) ** 2 * jnp.abs(value)
        return value, jnp.broadcast_to(error, value.shape)

    value, error = jax.vmap(along)(*directions)
    return _unbatched(Estimate(value, error, 1, step), batched)


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

    def symmetric(a: jax.Array) -> jax.Array:
        matrix = a.reshape(n, n)
        return (0.5 * (matrix + matrix.T)).reshape(x.shape + x.shape)

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
) -> Estimate:
    """Apply a first-derivative rule of the given order; the error rule defaults to `_halving_error`."""
    x = _checked_input(x)
    error_rule = _halving_error(rule, order=order, power=1) if error_rule is None else error_rule
    return _apply(f, x, (v,), rule, error_rule, power=1, h=_step(h, x, order=order, derivative=1))


def _apply(
    f: Function,
    x: jax.Array,
    directions: tuple[jax.typing.ArrayLike, ...],
    rule: Rule,
    error_rule: Rule,
    *,
    power: int,
    h: float | jax.Array,
) -> Estimate:
    """Evaluate ``sum_j w_j f(x + h * offsets_j . directions) / h**power`` for each direction.

    f is called once per point (vmapped over the points, then over the
    directions). The error is |error_rule applied to f| plus the round-off of
    the weighted sum, ``_ULPS * eps * max|f| * sum|w| / h**power``.
    """
    stacked, batched = _batched(directions, x)
    points = sorted(rule.keys() | error_rule.keys())
    real = jnp.finfo(x.dtype).dtype
    offsets = jnp.asarray(np.array(points), real)  # (p, len(directions))
    weights = jnp.asarray([rule.get(p, 0.0) for p in points], real)  # (p,)
    error_weights = jnp.asarray([error_rule.get(p, 0.0) for p in points], real)  # (p,)
    amplification = float(np.sum(np.abs([rule.get(p, 0.0) for p in points])))
    scale = h**power

    def along(*ds: jax.Array) -> tuple[jax.Array, jax.Array]:  # each d: in
        displacement = sum(_outer(offsets[:, i], d) for i, d in enumerate(ds))  # (p,) + in
        values = jax.vmap(f)(x + h * displacement)  # (p,) + out
        value = _weighted(weights, values) / scale
        roundoff = _ULPS * _eps(x.dtype, values.dtype) * jnp.max(jnp.abs(values)) * amplification / scale
        return value, jnp.abs(_weighted(error_weights, values)) / scale + roundoff

    value, error = jax.vmap(along)(*stacked)
    return _unbatched(Estimate(value, error, len(points), h), batched)


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
    return dataclasses.replace(estimate, value=estimate.value[0], error=estimate.error[0])


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
