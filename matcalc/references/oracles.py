"""References a closed form is compared against: JAX's autodiff transforms and finite differences.

A ``Problem`` says what is differentiated; each reference turns a problem and a candidate (already
in JAX layout) into a ``Comparison``: two arrays that must agree. Full references (``jacrev``,
``jacfwd``, ``grad``, ``hessian``) compare the whole derivative; ``jvp`` and ``fd`` compare it
applied to random domain tangents; ``vjp`` compares it applied to random cotangents, or for a
differential by the inner-product identity <ybar, dF> = <vjp(ybar), dX>, as jax's check_grads does.
Everything is compared after projection onto the domain's tangent space.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.references import numerical
from matcalc.vocabulary.domains import Domain
from matcalc.vocabulary.records import Kind

Array = jax.Array
N_DIRECTIONS = 3  # random tangents / cotangents per directional reference


@dataclasses.dataclass(frozen=True)
class Problem:
    """f at args, differentiated with respect to the arguments at ``argnums``.

    ``tangents`` holds one tangent per argument for a differential (zeros for constants) and the
    single direction ``(v,)`` for a directional derivative.
    """

    f: Callable
    args: tuple[Array, ...]
    kind: Kind
    argnums: tuple[int, ...]
    domains: tuple[Domain, ...]
    key: Array
    tangents: tuple[Array, ...] = ()

    @property
    def x(self) -> Array:
        return self.args[self.argnums[0]]

    @property
    def domain(self) -> Domain:
        return self.domains[self.argnums[0]]

    def f_wrt(self, x: Array) -> Array:
        """f as a function of the differentiated argument alone."""
        args = list(self.args)
        args[self.argnums[0]] = x
        return self.f(*args)

    def in_place(self, args: tuple[Array, ...], tangents: tuple[Array, ...]) -> Problem:
        return dataclasses.replace(self, args=args, tangents=tangents)

    def project(self, j: Array) -> Array:
        """Project a derivative's trailing input axes (both groups for a Hessian) onto the domain."""
        j = self.domain.project(j, self.x)
        if self.kind is Kind.HESSIAN:
            r = self.x.ndim
            swap = tuple(range(j.ndim - r, j.ndim)) + tuple(range(j.ndim - r))
            j = jnp.transpose(self.domain.project(jnp.transpose(j, swap), self.x), np.argsort(swap))
        return j

    def directions(self, salt: int) -> Array:
        """N_DIRECTIONS random domain tangents at x, stacked on a leading axis."""
        keys = jax.random.split(jax.random.fold_in(self.key, salt), N_DIRECTIONS)
        return jnp.stack([self.domain.tangent(k, self.x) for k in keys])


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two arrays that must agree; errors are relative to ``scale`` (default: the reference's norm)."""

    reference: Array
    candidate: Array
    error_estimate: float = 0.0  # absolute error (norm) the reference itself may carry: finite differences
    scale: float = 0.0  # a magnitude the error is measured against when larger than the reference's norm


def _apply(j: Array, v: Array) -> Array:
    """Contract a JAX-layout derivative's trailing axes with a stack of directions v[k, ...]."""
    axes = tuple(range(j.ndim - (v.ndim - 1), j.ndim))
    return jax.vmap(lambda vk: jnp.tensordot(j, vk, axes=(axes, tuple(range(vk.ndim)))))(v)


def _norm(a: Array) -> float:
    return float(np.linalg.norm(np.asarray(a, np.float64)))


# -- exact derivative in JAX layout, per kind -------------------------------------------------


def magnitude(p: Problem) -> float:
    """The size errors are measured against when a comparison is a single, possibly cancelling sum.

    A directional derivative nabla_v f = <grad f, v> can be near zero while its terms are not; the
    Cauchy-Schwarz bound |grad f| |v| is then the meaningful scale. Other kinds: 0 (use the norm).
    """
    if p.kind is Kind.DIRECTIONAL:
        return _norm(jax.grad(p.f_wrt)(p.x)) * _norm(p.tangents[0])
    return 0.0


def truth(p: Problem) -> Array:
    """The derivative the candidate should equal (unprojected), from reverse-mode autodiff."""
    if p.kind is Kind.DIFFERENTIAL:
        return jax.jvp(p.f, p.args, p.tangents)[1]
    if p.kind is Kind.DIRECTIONAL:
        return jax.jvp(p.f_wrt, (p.x,), p.tangents)[1]
    if p.kind is Kind.HESSIAN:
        return jax.hessian(p.f_wrt)(p.x)
    if p.kind in (Kind.GRADIENT, Kind.DERIVATIVE):
        return jax.grad(p.f_wrt)(p.x)
    return jax.jacrev(p.f_wrt)(p.x)


# -- references ----------------------------------------------------------------------------------


def _full(transform: Callable) -> Callable[[Problem, Array], Comparison]:
    def reference(p: Problem, candidate: Array) -> Comparison:
        return Comparison(p.project(transform(p.f_wrt)(p.x)), p.project(candidate))

    return reference


def _jvp(p: Problem, candidate: Array) -> Comparison:
    if p.kind is Kind.DIFFERENTIAL:
        return Comparison(jax.jvp(p.f, p.args, p.tangents)[1], candidate)
    if p.kind is Kind.DIRECTIONAL:
        return Comparison(jax.jvp(p.f_wrt, (p.x,), p.tangents)[1], candidate)
    v = p.directions(salt=1)
    pushed = jax.vmap(lambda vk: jax.jvp(p.f_wrt, (p.x,), (vk,))[1])(v)
    return Comparison(pushed, _apply(candidate, v))


def _cotangents(p: Problem, out_shape: tuple[int, ...], dtype) -> Array:
    key = jax.random.fold_in(p.key, 2)
    return jax.random.normal(key, (N_DIRECTIONS,) + tuple(out_shape), dtype)


def _vjp(p: Problem, candidate: Array) -> Comparison:
    if p.kind is Kind.DIFFERENTIAL:
        out, pullback = jax.vjp(p.f, *p.args)
        ybar = _cotangents(p, out.shape, out.dtype)
        pulled = jax.vmap(pullback)(ybar)  # one stack of cotangents per argument
        inner = sum(jax.vmap(lambda xbar, t=t: jnp.vdot(xbar, t))(xbars) for xbars, t in zip(pulled, p.tangents))
        # <ybar, dF> can cancel to near zero; Cauchy-Schwarz bounds it by |ybar| |dF|.
        scale = _norm(ybar) * _norm(jax.jvp(p.f, p.args, p.tangents)[1])
        return Comparison(inner, jax.vmap(lambda y: jnp.vdot(y, candidate))(ybar), scale=scale)
    out, pullback = jax.vjp(p.f_wrt, p.x)
    ybar = _cotangents(p, out.shape, out.dtype)
    (pulled,) = jax.vmap(pullback)(ybar)
    pushed = jax.vmap(lambda yk: jnp.tensordot(yk, candidate, axes=yk.ndim))(ybar)
    return Comparison(p.project(pulled), p.project(pushed))


def _in_float64(p: Problem, candidate: Array) -> tuple[Problem, Array]:
    """The same problem with float32 data cast up, so the FD reference keeps its meaning in float32."""
    up = lambda a: a.astype(jnp.float64) if jnp.issubdtype(a.dtype, jnp.floating) else a  # noqa: E731
    return p.in_place(tuple(map(up, p.args)), tuple(map(up, p.tangents))), up(candidate)


def restrict(f: Callable, kind: Kind, argnum: int, args: tuple[Array, ...],
             tangents: tuple[Array, ...]) -> tuple[Callable[[Array], Array], Array]:
    """(g, x): the function of one array whose derivative at x is the one studied.

    A differential moves all its arguments at once, so it is the line s -> f(args + s tangents) at
    s = 0; the other kinds vary the differentiated argument alone, the others held fixed.
    """
    if kind is Kind.DIFFERENTIAL:
        return (lambda s: f(*(a + s * t for a, t in zip(args, tangents)))), jnp.zeros((), args[0].dtype)
    return (lambda x: f(*args[:argnum], x, *args[argnum + 1:])), args[argnum]


@functools.lru_cache(maxsize=512)
def _fd_kernel(f: Callable, kind: Kind, argnum: int, method: str) -> Callable:
    """One jitted finite-difference computation per (function, kind, argument, method).

    The arguments are traced, not closed over, so verifying the same record again (another seed,
    the other dtype's float64 reference) reuses the compiled computation instead of tracing anew.
    """

    def along(args: tuple[Array, ...], tangents: tuple[Array, ...], v: Array | None) -> numerical.Estimate:
        g, x = restrict(f, kind, argnum, args, tangents)
        if kind is Kind.DIFFERENTIAL:
            return numerical.directional(g, x, jnp.ones_like(x), method=method)
        if kind is Kind.DIRECTIONAL:
            return numerical.directional(g, x, tangents[0], method=method)
        if kind is Kind.HESSIAN:  # differences of the gradient, as the GUIDE prescribes
            return numerical.directional(jax.grad(g), x, v, method=method)
        return numerical.directional(g, x, v, method=method)

    return jax.jit(along)


def _finite_difference(method: str) -> Callable[[Problem, Array], Comparison]:
    """Directional finite differences by ``method`` (see ``matcalc.references.numerical``), always in float64."""

    def reference(p: Problem, candidate: Array) -> Comparison:
        with jax.enable_x64(True):
            p64, cand64 = _in_float64(p, candidate)
            v = None if p.kind in (Kind.DIFFERENTIAL, Kind.DIRECTIONAL) else p64.directions(salt=3)
            est = _fd_kernel(p.f, p.kind, p.argnums[0], method)(p64.args, p64.tangents, v)
            if v is None:
                return Comparison(est.value, cand64, _norm(est.error))
            applied = _apply(cand64, v)
            if p.kind is Kind.HESSIAN:
                return Comparison(p64.project(est.value), p64.project(applied), _norm(est.error))
            return Comparison(est.value, applied, _norm(est.error))

    return reference


def _hessian_rev_over_fwd(f: Callable) -> Callable:
    return jax.jacrev(jax.jacfwd(f))


def _grad_directional(p: Problem, candidate: Array) -> Comparison:
    g = jax.grad(p.f_wrt)(p.x)
    return Comparison(jnp.vdot(g, p.tangents[0]), candidate)


# The AD-independent reference: the Richardson-extrapolated central difference.
FD = _finite_difference("richardson")

REFERENCES: dict[Kind, dict[str, Callable[[Problem, Array], Comparison]]] = {
    Kind.DERIVATIVE: {"grad": _full(jax.grad), "jacfwd": _full(jax.jacfwd), "fd": FD},
    Kind.GRADIENT: {"grad": _full(jax.grad), "jacrev": _full(jax.jacrev), "jacfwd": _full(jax.jacfwd), "fd": FD},
    Kind.JACOBIAN: {"jacrev": _full(jax.jacrev), "jacfwd": _full(jax.jacfwd), "jvp": _jvp, "vjp": _vjp, "fd": FD},
    Kind.HESSIAN: {"hessian": _full(jax.hessian), "rev_over_fwd": _full(_hessian_rev_over_fwd), "fd": FD},
    Kind.DIFFERENTIAL: {"jvp": _jvp, "vjp": _vjp, "fd": FD},
    Kind.DIRECTIONAL: {"jvp": _jvp, "grad": _grad_directional, "fd": FD},
}


# For functions whose implementation extends analytically to complex inputs (the record says so):
# Im f(x + ihv)/h has no subtractive cancellation. Not for Hessians (it would need a complex gradient).
COMPLEX_STEP = _finite_difference("complex_step")


def reference_names(kind: Kind, real_analytic: bool = False) -> tuple[str, ...]:
    """The references a closed form of this kind is checked against."""
    names = tuple(REFERENCES[Kind(kind)])
    return names + ("complex_step",) if real_analytic and Kind(kind) is not Kind.HESSIAN else names


def reference(kind: Kind, name: str) -> Callable[[Problem, Array], Comparison]:
    if name == "complex_step" and Kind(kind) is not Kind.HESSIAN:
        return COMPLEX_STEP
    try:
        return REFERENCES[Kind(kind)][name]
    except KeyError:
        known = reference_names(kind, real_analytic=True)
        raise ValueError(f"unknown reference {name!r} for a {Kind(kind).value}; known: {known}") from None
