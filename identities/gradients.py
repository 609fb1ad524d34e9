"""Gradients: the partial derivatives of a scalar f collected into a vector shaped like the input.

The gradient points in the direction of steepest ascent, and its norm is the slope in that
direction: tests/test_seed_rules.py checks this for the records here.
"""

import jax
import jax.numpy as jnp

from identities._sources import GRADIENT, cookbook
from identities.partials import df_dx, df_dy, x2y2_vector
from matcalc import Identity, Kind


def grad_x2y2(z):
    """(df/dx, df/dy) of f = x^2 y^2 at z = (x, y)."""
    return jnp.stack([df_dx(z[0], z[1]), df_dy(z[0], z[1])])


def grad_quadratic_form(A, x):
    # (A + A^T) x, as two products: forming A + A^T (a transposed copy of A) costs more than both
    return A @ x + x @ A


RECORDS = (
    Identity(
        real_analytic=True,
        id="gradients.x2y2",
        title="Gradient of x^2 y^2",
        latex=r"\nabla (x^2 y^2) = \begin{pmatrix} \partial f / \partial x \\ \partial f / \partial y \end{pmatrix}"
        r" = \begin{pmatrix} 2 x y^2 \\ 2 x^2 y \end{pmatrix}",
        f=x2y2_vector,
        closed_form=grad_x2y2,
        wrt="z",
        args={"z": "2"},
        kind=Kind.GRADIENT,
        sources=(GRADIENT,),
        notes="z = (x, y); the entries are the partials of records partials.x2y2.d_dx and partials.x2y2.d_dy. "
        "The seed calls this vector the gradient 'of a vector-valued function': f is scalar-valued "
        "(R^2 -> R), as a gradient needs (a vector-valued f has a Jacobian). It also says moving along the "
        "gradient 'takes you to the local maxima'; what holds, and is checked, is local: over unit v, "
        "nabla_v f is largest at v = nabla f / |nabla f|, where it equals |nabla f|.",
    ),
    Identity(
        real_analytic=True,
        id="gradients.quadratic_form",
        title="Gradient of the quadratic form x^T A x",
        latex=r"\nabla_x \, x^\top A x = (A + A^\top) x",
        f=lambda A, x: x @ A @ x,
        closed_form=grad_quadratic_form,
        wrt="x",
        args={"A": "n n", "x": "n"},
        kind=Kind.GRADIENT,
        sources=(GRADIENT, cookbook(81)),
        notes="A is not symmetric: only its symmetric part acts, so the gradient is (A + A^T) x, not 2Ax.",
    ),
    Identity(
        id="gradients.logsumexp",
        title="Gradient of log-sum-exp: the softmax",
        latex=r"\nabla_x \log \sum_i e^{x_i} = \operatorname{softmax}(x) = \frac{e^{x}}{\sum_i e^{x_i}}",
        f=lambda x: jax.nn.logsumexp(x),
        closed_form=lambda x: jax.nn.softmax(x),
        wrt="x",
        args={"x": "n"},
        kind=Kind.GRADIENT,
        sources=(GRADIENT,),
        notes="Both sides subtract max(x) before exponentiating, so neither overflows for large x.",
    ),
)
