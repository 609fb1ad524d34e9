"""Finite differences against the step h, on one catalog identity: the V of truncation and round-off.

A difference quotient of order p has truncation error ~ h**p, which shrinks with h, and round-off
~ eps * |f| / h, which grows as h shrinks: the seed's "thou shalt not subtract numbers which are
approximately equal". Their sum is a V on a log-log plot with its minimum near
h ~ eps**(1/(p+1)). This module measures that V for every rule of ``matcalc.references.numerical`` on a
record's own inputs, against the record's closed form evaluated in float64, so the measured
optimum can be compared with the theory, and float32 with float64.

The study runs along one unit-norm direction v (a domain tangent of the differentiated argument,
or the record's own tangents for a differential or directional derivative), so h is the length
of the step actually taken.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from types import MappingProxyType

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.checker.errors import InputError
from matcalc.references import numerical
from matcalc.references.problem import Problem, is_operator
from matcalc.studies.plotting import new_figure
from matcalc.vocabulary.catalog import get
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.kinds import Kind
from matcalc.vocabulary.layout import to_jax
from matcalc.vocabulary.records import Identity
from matcalc.vocabulary.sampling import draw_args, draw_tangents

# Truncation order of each rule (richardson: 3 levels of central differences, order 2 * 3).
ORDERS: Mapping[str, int] = MappingProxyType(
    {"forward": 1, "backward": 1, "central": 2, "central4": 4, "central6": 6, "richardson": 6, "complex_step": 2}
)
# The study compares first-derivative rules: a Hessian's references difference the gradient instead.
FIRST_DERIVATIVE_KINDS = (Kind.DERIVATIVE, Kind.GRADIENT, Kind.JACOBIAN, Kind.DIRECTIONAL, Kind.DIFFERENTIAL)
# 10^-1 ... 10^-12, two points a decade: wide enough to show both arms of the V in float64.
DEFAULT_STEPS = np.logspace(-1, -12, 23)


@dataclasses.dataclass(frozen=True, eq=False)  # no field-wise ==: the fields hold arrays
class StudyResult:
    """Normwise relative error of each rule's estimate of D_v f at each step.

    ``errors[method][i]`` is ``||fd(steps[i]) - exact|| / ||exact||`` with ``exact`` the closed
    form's D_v f in float64; ``value_norm`` is ``||f||`` at the point, which sets the round-off
    level ``eps * value_norm / (h * exact_norm)``.
    """

    id: str
    dtype: str
    seed: int
    steps: np.ndarray
    methods: tuple[str, ...]
    errors: Mapping[str, np.ndarray]
    evaluations: Mapping[str, int]  # calls of f per estimate, the error estimate's points included
    exact_norm: float
    value_norm: float

    @property
    def eps(self) -> float:
        return float(np.finfo(self.dtype).eps)

    def optimum(self, method: str) -> tuple[float, float]:
        """(h, error) at the measured minimum of the method's curve."""
        i = int(np.nanargmin(self.errors[method]))
        return float(self.steps[i]), float(self.errors[method][i])

    def theory_step(self, method: str) -> float:
        """eps**(1/(p+1)), where truncation h**p meets round-off eps/h; NaN for the complex step,
        which takes no difference and so has no round-off arm."""
        return math.nan if method == "complex_step" else self.eps ** (1.0 / (ORDERS[method] + 1))


def fd_study(
    record_or_id: Identity | str,
    *,
    dtype: str = "float64",
    seed: int = 0,
    steps: Sequence[float] | None = None,
    methods: Sequence[str] | None = None,
) -> StudyResult:
    """Measure every finite-difference rule's error against h on one first-derivative record.

    The estimates are computed in ``dtype`` (so float32 shows round-off at larger h); the exact
    value comes from the closed form on the same inputs cast up to float64. ``methods`` defaults
    to every rule of ``ORDERS``, the complex step only when the record is ``real_analytic``.
    """
    record = get(record_or_id) if isinstance(record_or_id, str) else record_or_id
    if record.kind not in FIRST_DERIVATIVE_KINDS:
        raise InputError(
            f"fd-study compares first-derivative rules; {record.id} is a {record.kind.value}: "
            f"pick a record of kind {', '.join(k.value for k in FIRST_DERIVATIVE_KINDS)}"
        )
    context = RunContext(dtype, seed)
    hs = np.asarray(DEFAULT_STEPS if steps is None else steps, np.float64)
    if hs.ndim != 1 or hs.size == 0 or not np.all(hs > 0):
        raise InputError(f"steps must be a non-empty sequence of positive numbers, got {steps!r}")
    chosen = _methods(record, methods)

    def measure() -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], dict[str, tuple[np.ndarray, int]]]:
        args = draw_args(record, context)
        tangents = _unit_tangents(record, args, context)
        g, x, v = _line(record, args, tangents)
        sweeps = _sweep(g, x, v, chosen, hs)
        return tuple(map(np.asarray, args)), tuple(map(np.asarray, tangents)), sweeps

    args, tangents, sweeps = context.run(measure)
    exact, value = RunContext("float64").run(lambda: _exact(record, args, tangents))
    exact_norm = float(np.linalg.norm(exact))
    if exact_norm == 0.0:
        raise InputError(f"{record.id}: the exact derivative along the sampled direction is 0 (f is constant "
                         "along it, or try another --seed), so a relative error is meaningless")
    errors = {m: np.linalg.norm((values - exact).reshape(len(hs), -1), axis=1) / exact_norm
              for m, (values, _) in sweeps.items()}
    return StudyResult(
        id=record.id,
        dtype=context.dtype,
        seed=seed,
        steps=hs,
        methods=chosen,
        errors=MappingProxyType(errors),
        evaluations=MappingProxyType({m: n for m, (_, n) in sweeps.items()}),
        exact_norm=exact_norm,
        value_norm=float(np.linalg.norm(value)),
    )


# ----------------------------------------------------------------------------- the measurement


def _methods(record: Identity, methods: Sequence[str] | None) -> tuple[str, ...]:
    if methods is None:
        return tuple(m for m in ORDERS if m != "complex_step" or record.real_analytic)
    if not methods or any(m not in ORDERS for m in methods):
        raise InputError(f"methods must be a non-empty selection of {', '.join(ORDERS)}; got {list(methods)}")
    if "complex_step" in methods and not record.real_analytic:
        raise InputError(f"{record.id} is not marked real_analytic: its f need not extend to complex inputs, "
                         "so the complex step does not apply")
    return tuple(methods)


def _unit_tangents(record: Identity, args: tuple[jax.Array, ...], context: RunContext) -> tuple[jax.Array, ...]:
    """One tangent per argument (zeros for constants), scaled jointly to unit norm: the record's own
    tangents for a differential or directional derivative, else a domain tangent of ``wrt``."""
    own = draw_tangents(record, context, args)
    if record.kind.varies_many:
        tangents = own
    else:
        i = record.argnum
        v = own[0] if own else record.args[record.varying[0]].domain.tangent(context.key_for("fd-study"), args[i])
        tangents = _only(record, args, v)
    norm = jnp.sqrt(sum(jnp.sum(t * t) for t in tangents))
    return tuple(t / norm for t in tangents)


def _only(record: Identity, args: tuple[jax.Array, ...], v: jax.Array) -> tuple[jax.Array, ...]:
    """v in the differentiated argument's slot, zeros elsewhere."""
    return tuple(v if i == record.argnum else jnp.zeros_like(a) for i, a in enumerate(args))


def _line(
    record: Identity, args: tuple[jax.Array, ...], tangents: tuple[jax.Array, ...]
) -> tuple[Callable[[jax.Array], jax.Array], jax.Array, jax.Array]:
    """(g, x, v) such that D_v g(x) is the derivative studied (as the ``fd`` reference restricts it)."""
    if record.kind.varies_many:
        return record.kind.fd_line(record.f, record.argnum, args, tangents, None)
    v = tangents[record.argnum]
    return record.kind.fd_line(record.f, record.argnum, args, (v,), v)


def _sweep(
    g: Callable, x: jax.Array, v: jax.Array, methods: Sequence[str], steps: np.ndarray
) -> dict[str, tuple[np.ndarray, int]]:
    """Each method's estimates at every step (a float64 copy) and its evaluations of g per estimate.

    h is traced and vmapped rather than passed as a static float, and all methods share one
    jit: one compilation in all instead of one per method and step (measured 3x less CPU than
    one per method). Steps are cast to x's dtype so that float32 stays float32.
    """

    def estimates(hs: jax.Array) -> dict[str, numerical.Estimate]:
        return {m: jax.vmap(lambda h, m=m: numerical.directional(g, x, v, method=m, h=h))(hs) for m in methods}

    swept = jax.jit(estimates)(jnp.asarray(steps, x.dtype))
    return {m: (np.asarray(e.value, np.float64), e.evaluations) for m, e in swept.items()}


def _exact(
    record: Identity, args: tuple[np.ndarray, ...], tangents: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(D_v f, f) from the closed form, in float64 on the study's (possibly float32) inputs.

    Jitted as a whole: op-by-op, every eager op of the closed form would compile on its own.
    """

    kind = record.kind

    def exact(args: tuple[jax.Array, ...], tangents: tuple[jax.Array, ...]) -> tuple[jax.Array, jax.Array]:
        v = tangents[record.argnum]
        # The closed form is called as the checker calls it: with every tangent (a differential),
        # with the direction (a directional derivative), or with none, and then applied to v.
        called_with = tangents if kind.varies_many else () if kind.fd_probes else (v,)
        p = Problem(record.f, args, kind, (record.argnum,), (), None, called_with)
        derivative = record.closed_form(*args, *called_with)
        if is_operator(derivative):  # a structured operator applies itself to the direction
            derivative = derivative.mv(v)
        elif kind.fd_probes:
            out_shape, in_shape = kind.layout_shapes(p)
            derivative = jnp.tensordot(to_jax(derivative, record.layout, out_shape, in_shape), v, axes=v.ndim)
        return derivative, record.f(*args)

    up = lambda arrays: tuple(jnp.asarray(a, jnp.float64) for a in arrays)  # noqa: E731
    derivative, value = jax.jit(exact)(up(args), up(tangents))
    return np.asarray(derivative, np.float64), np.asarray(value, np.float64)


# ----------------------------------------------------------------------------- reporting


def format_study(result: StudyResult) -> str:
    """The error table (rows h, columns methods) and each method's optimum against the theory."""
    head = f"{'h':>8}" + "".join(f" {m:>12}" for m in result.methods)
    lines = [
        f"fd-study {result.id} ({result.dtype}, seed {result.seed}): normwise relative error of the "
        f"FD directional derivative along a unit direction, against the closed form in float64 "
        f"(|D_v f| = {result.exact_norm:.3g}, |f| = {result.value_norm:.3g})",
        "",
        head,
        "-" * len(head),
    ]
    for i, h in enumerate(result.steps):
        lines.append(f"{h:>8.1e}" + "".join(f" {result.errors[m][i]:>12.1e}" for m in result.methods))
    lines += ["", f"{'method':<13}{'order':>6}{'f-evals':>8}{'optimal h':>11}{'eps^(1/(p+1))':>15}{'best error':>12}"]
    for m in result.methods:
        h, err = result.optimum(m)
        theory = result.theory_step(m)
        theory_text = "-" if math.isnan(theory) else f"{theory:.1e}"
        lines.append(f"{m:<13}{ORDERS[m]:>6}{result.evaluations[m]:>8}{h:>11.1e}{theory_text:>15}{err:>12.1e}")
    lines.append(f"eps = {result.eps:.2e}; richardson's h is the largest of its steps h, h/2, h/4.")
    return "\n".join(lines)


# A truncation line is drawn through the first method of each order.
_REFERENCE_METHODS = {1: "forward", 2: "central", 4: "central4", 6: "central6"}


def plot_study(result: StudyResult, path: str | PathLike[str]) -> None:
    """Write a log-log PNG of error against h, with dashed h**p and eps/h reference slopes.

    A bare Agg canvas, not pyplot: no display needed and matplotlib's global state is untouched.
    """
    fig = new_figure(figsize=(10, 5.5), layout="constrained")
    ax = fig.subplots()
    h = result.steps
    floor = result.eps / 10  # errors of exactly 0 cannot be drawn on a log axis
    for m in result.methods:
        err = result.errors[m]
        ax.plot(h, np.where(err > 0, err, np.nan), "o-", ms=3.5, label=f"{m} (p={ORDERS[m]})")

    # Truncation C h**p through the method's curve halfway (in index) between the largest step and
    # its optimum: in the truncation regime, but short of the coarsest, least asymptotic, step.
    label = "truncation $\\propto h^p$"
    for order, m in _REFERENCE_METHODS.items():
        if m not in result.errors:
            continue
        err = result.errors[m]
        i = int(np.nanargmin(err)) // 2
        if err[i] > 100 * result.eps:  # a linear f has no truncation arm to draw
            line = err[i] * (h / h[i]) ** order
            ax.plot(h, line, "--", color="0.45", lw=1, label=label)
            label = None  # one legend entry for all orders; each line is labelled at its end
            j = int(np.argmax(line < 1.0))  # where the line enters the plot
            ax.annotate(f"$h^{order}$", (h[j], line[j]), color="0.3", fontsize=9, xytext=(3, 0),
                        textcoords="offset points")
    # Round-off of a one-sided difference: f is known to about eps * |f|, divided by h.
    roundoff = result.eps * result.value_norm / result.exact_norm / h
    ax.plot(h, roundoff, "--", color="black", lw=1, label="round-off $\\varepsilon|f| / (h|D_v f|)$")

    ax.set_xscale("log")
    ax.set_yscale("log")
    worst = max(float(np.nanmax(result.errors[m])) for m in result.methods)
    ax.set_ylim(floor, 3 * max(1.0, worst))
    ax.set_xlim(h.min() / 2, h.max() * 2)
    ax.set_xlabel("step h (along a unit direction)")
    ax.set_ylabel("normwise relative error")
    ax.set_title(f"finite differences vs h: {result.id} ({result.dtype})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: no curve hidden
    fig.savefig(path, format="png", dpi=110)


__all__ = ["DEFAULT_STEPS", "ORDERS", "StudyResult", "fd_study", "format_study", "plot_study"]
