"""Matrix Cookbook 2012-11-15, Sections 2.6 "Derivatives of vector norms" (129)-(131) and 2.7
"Derivatives of matrix norms" (132).

Gradients by a vector have its shape; the Jacobian (130) is in numerator layout, J[i, j] =
dy_i / dx_j (symmetric here, so the layout cannot hide an error, but it is stated).
"""

import jax.numpy as jnp

from identities._sources import cookbook
from matcalc import Display, Identity, Kind, Layout


def _norm2(v):
    """||v||_2 as sqrt(sum v_i^2): no absolute value, so it extends analytically to complex v near a
    real v != 0 and the complex-step reference applies (jnp.linalg.norm takes |v_i|)."""
    return jnp.sqrt(jnp.sum(v**2))


def _unit(x, a):
    return (x - a) / _norm2(x - a)


def _unit_jacobian(x, a):
    d = x - a
    r = _norm2(d)
    return jnp.eye(x.shape[0], dtype=x.dtype) / r - jnp.outer(d, d) / r**3


_X_NE_A = "x != a: x and a are independent Gaussian draws, distinct with probability 1."

RECORDS = (
    Identity(
        id="cookbook.norms.norm2_x_minus_a",
        title="Gradient of the distance ||x - a||_2",
        latex=r"\frac{\partial}{\partial x} \lVert x - a\rVert_2 = \frac{x - a}{\lVert x - a\rVert_2}",
        f=lambda x, a: _norm2(x - a),
        closed_form=_unit,
        wrt="x",
        args={"x": "n", "a": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(129),),
        notes=f"The unit vector from a to x. {_X_NE_A}",
    ),
    Identity(
        id="cookbook.norms.unit_direction_jacobian",
        title="Jacobian of the unit vector (x - a) / ||x - a||_2",
        latex=r"\frac{\partial}{\partial x} \frac{x - a}{\lVert x - a\rVert_2} = "
        r"\frac{I}{\lVert x - a\rVert_2} - \frac{(x - a)(x - a)^\top}{\lVert x - a\rVert_2^3}",
        f=_unit,
        closed_form=_unit_jacobian,
        wrt="x",
        args={"x": "n", "a": "n"},
        out="n",
        kind=Kind.JACOBIAN,
        layout=Layout.NUMERATOR,
        real_analytic=True,
        sources=(cookbook(130),),
        notes=f"J[i, j] = dy_i / dx_j; the projector onto the complement of x - a, over ||x - a||_2 "
        f"(zero at size 1, where the unit vector is the constant sign(x - a)). {_X_NE_A}",
    ),
    Identity(
        id="cookbook.norms.norm2_squared",
        title="Gradient of ||x||_2^2",
        latex=r"\frac{\partial}{\partial x} \lVert x\rVert_2^2 = 2x",
        f=lambda x: _norm2(x) ** 2,
        closed_form=lambda x: 2 * x,
        wrt="x",
        args={"x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(131),),
    ),
    Identity(
        id="cookbook.norms.norm2_of_xtx",
        title="Gradient of ||x^T x||_2",
        latex=r"\frac{\partial}{\partial x} \lVert x^\top x\rVert_2 = 2x",
        f=lambda x: _norm2(jnp.atleast_1d(x @ x)),
        closed_form=lambda x: 2 * x,
        wrt="x",
        args={"x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(131),),
        notes="The 2-norm of the scalar x^T x is |x^T x| = x^T x: the second printed form of (131).",
    ),
)

_N = "cookbook.norms."
COVERAGE = (
    Display("129", "verified", (_N + "norm2_x_minus_a",), "x != a"),
    Display("130", "verified", (_N + "unit_direction_jacobian",), "numerator layout; x != a"),
    Display("131", "verified", (_N + "norm2_squared", _N + "norm2_of_xtx"), "both printed forms"),
    Display("132", "verified", ("scalar_by_matrix.frobenius_norm_squared", "cookbook.traces.trace_XXt"),
            "real X (the stated case): ||X||_F^2 and tr(X X^T); complex: 2X would be the conjugate "
            "convention 2 df/d(conj X), which needs complex inputs in the engine"),
)
