"""Autodiff references: JAX's transforms, whole or probed.

Full references (``jacrev``, ``jacfwd``, ``grad``, ``hessian``) compare the whole derivative;
``jvp`` compares it applied to random domain tangents; ``vjp`` compares it applied to random
cotangents, or for a differential by the inner-product identity <ybar, dF> = <vjp(ybar), dX>, as
jax's check_grads does. Each is a function ``(problem, candidate) -> Comparison``; which kind uses
which is the kind's business (``matcalc.vocabulary.kinds``).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from matcalc.references.problem import N_DIRECTIONS, Comparison, Problem, apply, pull, traced_norm

Array = jax.Array
Reference = Callable[[Problem, Array], Comparison]


# What a full reference materializes, in elements, for a derivative of out_size outputs by in_size
# inputs: the result, and the identity basis it pushes (jacfwd) or pulls (jacrev) through f.
def GRAD_ELEMENTS(out_size: int, in_size: int) -> int:
    return 0  # one reverse pass: it costs what f costs, like a probe, so no budget skips it


def JACREV_ELEMENTS(out_size: int, in_size: int) -> int:
    return out_size * in_size + out_size * out_size


def JACFWD_ELEMENTS(out_size: int, in_size: int) -> int:
    return out_size * in_size + in_size * in_size


def HESSIAN_ELEMENTS(out_size: int, in_size: int) -> int:
    return 2 * in_size * in_size


def forward(reference: Reference) -> Reference:
    """Mark a reference that pushes tangents (forward mode): JAX cannot do that through a custom_vjp."""
    reference.forward_mode = True
    return reference


def full(transform: Callable, elements: Callable[[int, int], int], forward_mode: bool = False) -> Reference:
    """The whole derivative by ``transform`` (jax.grad, jax.jacrev, ...), compared after projection.

    It needs the candidate dense; ``elements`` says what it materializes, so a check can skip it
    above its size budget.
    """

    def reference(p: Problem, candidate: Array) -> Comparison:
        return Comparison(p.project(transform(p.f_wrt)(p.x)), p.project(candidate))

    reference.dense_elements = elements
    reference.forward_mode = forward_mode
    return reference


def rev_over_fwd(f: Callable) -> Callable:
    return jax.jacrev(jax.jacfwd(f))


def drawing(draws: Callable) -> Callable[[Reference], Reference]:
    """Mark a reference that draws random numbers inside the program: ``draws(p, out)`` says which
    (``{(name, count): (shape, dtype)}``, ``out`` f's output shape and dtype), so that the program
    is given them drawn on the host (``Problem.drawn``)."""

    def mark(reference: Reference) -> Reference:
        reference.draws = draws
        return reference

    return mark


def _tangent_draws(p: Problem, out) -> dict:
    return {("jvp", N_DIRECTIONS): ((N_DIRECTIONS,) + tuple(p.x.shape), p.x.dtype)}


def _cotangent_draws(p: Problem, out) -> dict:
    return {("vjp", N_DIRECTIONS): ((N_DIRECTIONS,) + tuple(out.shape), out.dtype)}


@forward
@drawing(_tangent_draws)
def jvp_probes(p: Problem, candidate: Array) -> Comparison:
    """The derivative pushed along random domain tangents, against the candidate applied to them."""
    v = p.directions("jvp")
    pushed = jax.vmap(lambda vk: jax.jvp(p.f_wrt, (p.x,), (vk,))[1])(v)
    return Comparison(pushed, apply(candidate, v))


@drawing(_cotangent_draws)
def vjp_probes(p: Problem, candidate: Array) -> Comparison:
    """Random cotangents pulled back, against the candidate contracted with them."""
    out, pullback = jax.vjp(p.f_wrt, p.x)
    ybar = p.cotangents("vjp", out.shape, out.dtype)
    (pulled,) = jax.vmap(pullback)(ybar)
    return Comparison(p.project(pulled), p.project(pull(candidate, ybar)))


@forward
def line_jvp(p: Problem, candidate: Array) -> Comparison:
    """A differential: every argument moves along its tangent at once."""
    return Comparison(jax.jvp(p.f, p.args, p.tangents)[1], candidate)


@drawing(_cotangent_draws)
def line_vjp(p: Problem, candidate: Array) -> Comparison:
    """A differential by the inner-product identity <ybar, dF> = sum_i <vjp(ybar)_i, dX_i>."""
    out, pullback = jax.vjp(p.f, *p.args)
    ybar = p.cotangents("vjp", out.shape, out.dtype)
    pulled = jax.vmap(pullback)(ybar)  # one stack of cotangents per argument
    inner = sum(jax.vmap(lambda xbar, t=t: jnp.vdot(xbar, t))(xbars) for xbars, t in zip(pulled, p.tangents))
    # The sum can cancel to near zero; its terms are bounded by |vjp(ybar)_i| |dX_i| (reverse mode only).
    scale = sum(traced_norm(xbars) * traced_norm(t) for xbars, t in zip(pulled, p.tangents))
    return Comparison(inner, jax.vmap(lambda y: jnp.vdot(y, candidate))(ybar), scale=scale)


@forward
def directional_jvp(p: Problem, candidate: Array) -> Comparison:
    return Comparison(jax.jvp(p.f_wrt, (p.x,), p.tangents)[1], candidate)


def directional_grad(p: Problem, candidate: Array) -> Comparison:
    g = jax.grad(p.f_wrt)(p.x)
    return Comparison(jnp.vdot(g, p.tangents[0]), candidate)
