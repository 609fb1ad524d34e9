"""Tolerances: relative Frobenius-norm error, per dtype, scaled by the inputs' conditioning.

The bases are chosen so that a correct identity passes for every seed (closed form and autodiff
agree to a few ulps times the condition number), while a transpose, a sign, a factor, a layout
swap, or in float64 a relative perturbation of 1e-6 is always caught. They never scale with the
array's size.

A domain knows the conditioning of its own arguments (an invertible matrix's condition number);
what f does with them it cannot know. So the conditioning is also *measured* at the actual input,
whatever the domain: ``rounding_noise`` runs the autodiff references again at points a few ulps
away, where their rounding errors are drawn anew, and takes how far their results move as their
own error (``checker.verdict`` trusts them to ``FD_SAFETY`` times it, as it does a finite
difference's estimate). For a derivative that is exactly zero (Cookbook (126) with square X, where
autodiff returns rounding noise that grows with the conditioning of X^T C X) that noise is the
derivative itself; for a well-conditioned one it is a few ulps and changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.references.problem import Problem, norm
from matcalc.vocabulary.context import dtype_name

RTOL = {"float64": 1e-10, "float32": 1e-4}
# A finite-difference reference is trusted to within FD_SAFETY times its own error estimate (and an
# autodiff reference to within FD_SAFETY times its measured rounding noise).
FD_SAFETY = 10.0
# A rearranged, rescaled truth "explains" a wrong candidate when it matches within this many tolerances.
DIAGNOSIS_FACTOR = 100.0
# The rounding noise is measured at NOISE_DRAWS points, each entry moved by NOISE_ULPS eps of itself
# (in a random direction, kept in the domain). One ulp already draws every rounding error anew
# (measured on Cookbook (126): the noise at 1, 4, 16 and 1e4 ulps is the same); the true derivative
# moves by NOISE_ULPS eps times its own condition number, which is rounding-level too.
NOISE_ULPS = 4.0
NOISE_DRAWS = 3


def default_rtol(dtype, conditioning: float = 1.0) -> float:
    """The relative tolerance for a dtype, widened by the inputs' condition number."""
    return RTOL[dtype_name(dtype)] * max(1.0, float(conditioning))


@functools.partial(jax.jit, static_argnums=0)
def _moved(domain, x: jax.Array, signs: jax.Array, delta: jax.Array) -> jax.Array:
    """x with each entry moved by delta of its magnitude, projected to stay in the domain."""
    return x + domain.project(delta * jnp.abs(x) * signs, x)


def perturbed_args(problem: Problem, draw: int) -> tuple:
    """The problem's floating arrays, each entry moved by ``NOISE_ULPS`` ulps in a seeded direction."""
    rng = np.random.default_rng(draw)
    moved = []
    for a, domain in zip(problem.args, problem.domains):
        if isinstance(a, (np.ndarray, jax.Array)) and jnp.issubdtype(a.dtype, jnp.floating) and a.size:
            signs = rng.choice(np.array([-1.0, 1.0]), size=a.shape).astype(a.dtype)
            a = _moved(domain, a, signs, jnp.asarray(NOISE_ULPS * float(jnp.finfo(a.dtype).eps), a.dtype))
        moved.append(a)
    return tuple(moved)


def rounding_noise(problem: Problem, run: Callable[[Problem], Mapping[str, jax.Array]],
                   at_point: Mapping[str, jax.Array]) -> dict[str, float]:
    """How far each reference's result moves when the inputs move by a few ulps: the largest
    ``||ref(x') - ref(x)||`` over ``NOISE_DRAWS`` points x'. ``run`` computes the references at a
    problem (the check's own compiled program: no new compilation), ``at_point`` are their results
    at x. A point the perturbation cannot move (x = 0) measures 0: no allowance."""
    noise = {name: 0.0 for name in at_point}
    for draw in range(NOISE_DRAWS):
        results = run(problem.in_place(perturbed_args(problem, draw), problem.tangents))
        for name, at_x in at_point.items():
            moved = np.asarray(results[name], np.float64) - np.asarray(at_x, np.float64)
            noise[name] = max(noise[name], norm(moved))
    return noise
