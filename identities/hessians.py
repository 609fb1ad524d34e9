"""Hessians of scalar functions f: R^n -> R, n x n (seed, the Hessian).

Each is checked against forward-over-reverse (jax.hessian), reverse-over-forward and central
differences of the gradient. H[i, j] = d^2 f / dx_i dx_j; every Hessian here is symmetric (the
mixed partials agree), so its layout is the same read either way. The Hessian of the seed's
x^2 y^2 is partials.x2y2.hessian, next to the second partials it collects.
"""

import jax
import jax.numpy as jnp

from identities._sources import HESSIAN, cookbook
from matcalc import Identity, Kind

_INDEX = "H[i, j] = d^2 f / dx_i dx_j."


def _logsumexp_hessian(x):
    p = jax.nn.softmax(x)
    return jnp.diag(p) - jnp.outer(p, p)


RECORDS = (
    Identity(
        id="hessians.quadratic_form",
        title="Hessian of x^T A x + b^T x is A + A^T",
        latex=r"\frac{\partial^2}{\partial x \partial x^\top}\left(x^\top A x + b^\top x\right) = A + A^\top",
        f=lambda A, b, x: x @ A @ x + b @ x,
        closed_form=lambda A, b, x: A + A.T,
        wrt="x",
        args={"A": "n n", "b": "n", "x": "n"},
        kind=Kind.HESSIAN,
        sources=(HESSIAN, cookbook(98)),
        notes=f"{_INDEX} A is a general, non-symmetric square matrix: only its symmetric part counts.",
    ),
    Identity(
        id="hessians.logsumexp",
        title="Hessian of log-sum-exp is diag(p) - p p^T, p = softmax(x)",
        latex=r"\nabla^2 \log \sum_i e^{x_i} = \operatorname{diag}(p) - p p^\top, \quad p = \operatorname{softmax}(x)",
        f=jax.scipy.special.logsumexp,
        closed_form=_logsumexp_hessian,
        wrt="x",
        args={"x": "n"},
        kind=Kind.HESSIAN,
        sources=(HESSIAN,),
        notes=(
            f"{_INDEX} It is also the Jacobian of softmax, the gradient of log-sum-exp. Singular: "
            "H 1 = 0, since adding a constant to every x_i shifts f by that constant."
        ),
    ),
)
