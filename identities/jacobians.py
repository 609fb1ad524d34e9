"""Jacobians of vector-valued functions f: R^n -> R^m (seed, Jacobians of vector-valued functions).

Each Jacobian is recorded twice: in numerator layout (m x n, J[i, j] = dy_i / dx_j, the
Cookbook's convention) and, with the id suffix ``_denominator``, in denominator layout (n x m,
its transpose). The composition's closed form is the chain rule itself: the product of the
component Jacobians, each written once below.
"""

import jax.numpy as jnp

from identities._sources import JACOBIAN
from matcalc import Identity, Kind, Layout

_NUMERATOR_INDEX = "J[i, j] = dy_i / dx_j (numerator layout: out x in)."
_DENOMINATOR_INDEX = "J[j, i] = dy_i / dx_j (denominator layout: in x out, the transpose of the numerator form)."


def _jacobian_pair(*, id, title, latex, latex_denominator, closed_form, notes="", **fields):
    """The record in numerator layout and its denominator-layout twin (the same closed form, transposed)."""
    numerator = Identity(
        id=id, title=title, latex=latex, closed_form=closed_form, kind=Kind.JACOBIAN, layout=Layout.NUMERATOR,
        notes=f"{_NUMERATOR_INDEX} {notes}".strip(), real_analytic=True, **fields,
    )
    denominator = Identity(
        id=f"{id}_denominator", title=f"{title}, denominator layout", latex=latex_denominator,
        closed_form=lambda *args: closed_form(*args).T, kind=Kind.JACOBIAN, layout=Layout.DENOMINATOR,
        notes=f"{_DENOMINATOR_INDEX} {notes}".strip(), real_analytic=True, **fields,
    )
    return numerator, denominator


def _polynomial(u):
    """g: R^2 -> R^3, g(u) = (u1^2 u2, 5 u1 + sin u2, u1 u2)."""
    u1, u2 = u
    return jnp.stack([u1**2 * u2, 5 * u1 + jnp.sin(u2), u1 * u2])


def _polynomial_jacobian(u):
    u1, u2 = u
    return jnp.array([[2 * u1 * u2, u1**2], [jnp.full_like(u1, 5), jnp.cos(u2)], [u2, u1]])


def _layer_jacobian(derivative, A, x):
    """The Jacobian of x -> s(Ax), s elementwise: diag(s'(Ax)) A, scaling A's rows (no diagonal matrix)."""
    return derivative(A @ x)[:, None] * A


def _sech2(z):
    # tanh' = 1 - tanh^2, computed as 1 / cosh^2: 1 - tanh^2 cancels where tanh saturates.
    return 1 / jnp.cosh(z) ** 2


RECORDS = (
    *_jacobian_pair(
        id="jacobians.polynomial",
        title="Jacobian of f(x) = (x1^2 x2, 5 x1 + sin x2, x1 x2), R^2 -> R^3",
        latex=r"J_f(x) = \begin{bmatrix} 2x_1x_2 & x_1^2 \\ 5 & \cos x_2 \\ x_2 & x_1 \end{bmatrix}",
        latex_denominator=r"J_f(x)^\top = \begin{bmatrix} 2x_1x_2 & 5 & x_2 \\ x_1^2 & \cos x_2 & x_1 \end{bmatrix}",
        f=_polynomial,
        closed_form=_polynomial_jacobian,
        wrt="x",
        args={"x": "2"},
        out="3",
        sources=(JACOBIAN,),
        notes="A nonlinear map with m = 3 outputs and n = 2 inputs, so the two layouts differ in shape.",
    ),
    *_jacobian_pair(
        id="jacobians.linear",
        title="Jacobian of the linear map f(x) = Ax is A",
        latex=r"\frac{\partial (Ax)}{\partial x} = A",
        latex_denominator=r"\left(\frac{\partial (Ax)}{\partial x}\right)^\top = A^\top",
        f=lambda A, x: A @ x,
        closed_form=lambda A, x: A,
        wrt="x",
        args={"A": "m n", "x": "n"},
        out="m",
        sources=(JACOBIAN,),
        notes="Not numbered in Section 2 of the Cookbook (its nearest is eq. (69), the scalar case a^T x).",
    ),
    *_jacobian_pair(
        id="jacobians.tanh_layer",
        title="Jacobian of f(x) = tanh(Ax) is diag(sech^2(Ax)) A",
        latex=(
            r"\frac{\partial \tanh(Ax)}{\partial x} = \operatorname{diag}\!\left(\operatorname{sech}^2(Ax)\right) A"
            r" = \operatorname{diag}\!\left(1 - \tanh^2(Ax)\right) A"
        ),
        latex_denominator=(
            r"\left(\frac{\partial \tanh(Ax)}{\partial x}\right)^\top"
            r" = A^\top \operatorname{diag}\!\left(\operatorname{sech}^2(Ax)\right)"
        ),
        f=lambda A, x: jnp.tanh(A @ x),
        closed_form=lambda A, x: _layer_jacobian(_sech2, A, x),
        wrt="x",
        args={"A": "m n", "x": ("n", "small")},
        out="m",
        sources=(JACOBIAN,),
        notes=(
            "The chain rule for an elementwise map after a linear one: a diagonal Jacobian times A. "
            "x is drawn small (|x_j| <= 0.1) to keep tanh(Ax) out of saturation, where float32 "
            "autodiff loses relative accuracy (jax differentiates tanh as (1 + tanh)(1 - tanh), and "
            "1 - tanh of a rounded tanh near 1 cancels; the closed form's 1/cosh^2 does not): there "
            "the references, not the closed form, would fail."
        ),
    ),
    *_jacobian_pair(
        id="jacobians.composition",
        title="Chain rule: the Jacobian of g(h(x)) is J_g(h(x)) J_h(x)",
        latex=(
            r"J_{g \circ h}(x) = J_g(h(x))\, J_h(x) = J_g(\sin(Ax)) \operatorname{diag}(\cos(Ax))\, A,"
            r" \quad h(x) = \sin(Ax),\ g(u) = (u_1^2 u_2,\ 5u_1 + \sin u_2,\ u_1 u_2)"
        ),
        latex_denominator=r"J_{g \circ h}(x)^\top = J_h(x)^\top J_g(h(x))^\top",
        f=lambda A, x: _polynomial(jnp.sin(A @ x)),
        closed_form=lambda A, x: _polynomial_jacobian(jnp.sin(A @ x)) @ _layer_jacobian(jnp.cos, A, x),
        wrt="x",
        args={"A": "2 n", "x": "n"},
        out="3",
        sources=(JACOBIAN,),
        notes=(
            "h: R^n -> R^2, then g: R^2 -> R^3 (jacobians.polynomial). J_h = diag(cos(Ax)) A is itself "
            "a chain: elementwise.sin after jacobians.linear. The Jacobians multiply in the order the "
            "maps compose, (3 x 2)(2 x n); in denominator layout the order reverses. h uses sin rather "
            "than tanh so that x can be drawn unrestricted (see jacobians.tanh_layer)."
        ),
    ),
)
