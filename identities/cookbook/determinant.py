"""Matrix Cookbook 2012-11-15, Section 2.1 "Derivatives of a Determinant", (46)-(58).

Scalar-by-matrix derivatives have the shape of X: (df/dX)_ij = df/dX_ij. The derivatives by a
scalar x, (46) and (48), are checked on the concrete matrix function Y(x) = A + xB + x^2 C.
"""

import jax.numpy as jnp

from identities._sources import cookbook
from matcalc import Display, Identity, Kind

# Y(x) = A + xB + x^2 C with |x| <= 0.1 (domain "small"), sigma_min(A) >= 1 and |B|, |C| <= 3
# (domain "invertible"): |xB + x^2 C| <= 0.33, so Y(x) stays invertible.
_Y_ARGS = {"x": ("", "small"), "A": ("n n", "invertible"), "B": ("n n", "invertible"), "C": ("n n", "invertible")}
_Y_NOTE = (
    "Y(x) = A + xB + x^2 C, so dY/dx = B + 2xC and d^2Y/dx^2 = 2C; |x| <= 0.1, sigma_min(A) >= 1 and "
    "sigma_max(B), sigma_max(C) <= 3 keep Y(x) invertible."
)


# At n x n with singular values in [1, 3], |det X| ~ e^{0.65 n} is 1e144 at n = 512: det(AXB),
# det(X^T A X) and det(X^3) overflow float64 there, det(X^-2) nears its underflow. The determinant
# records draw from the *_bounded_det domains instead (the base domain's sample times one positive
# factor, so |det| in [2, 4]): representable at every size, and away from 1, where a missing det
# factor would hide.
_BOUNDED_NOTE = (
    "The matrices are drawn with |det| in [2, 4] (domains *_bounded_det: well conditioned as before, "
    "then scaled by one positive factor), so that the determinants stay in float64's range at any size."
)


def _Y(x, A, B, C):
    return A + x * B + x**2 * C


def _det_Y_derivative(x, A, B, C):
    Y, dY = _Y(x, A, B, C), B + 2 * x * C
    return jnp.linalg.det(Y) * jnp.trace(jnp.linalg.solve(Y, dY))


def _det_Y_second_derivative(x, A, B, C):
    Y, dY, ddY = _Y(x, A, B, C), B + 2 * x * C, 2 * C
    P = jnp.linalg.solve(Y, dY)  # Y^{-1} dY/dx
    return jnp.linalg.det(Y) * (jnp.trace(jnp.linalg.solve(Y, ddY)) + jnp.trace(P) ** 2 - jnp.trace(P @ P))


def _XtAX_symmetric(X, A):
    M = X.T @ A @ X
    return 2 * jnp.linalg.det(M) * jnp.linalg.solve(M.T, (A @ X).T).T  # A X M^{-1}


def _XtAX_general(X, A):
    M = X.T @ A @ X
    Mt = X.T @ A.T @ X  # printed as its own inverse, (X^T A^T X)^{-1}
    return jnp.linalg.det(M) * (jnp.linalg.solve(M.T, (A @ X).T).T + jnp.linalg.solve(Mt.T, (A.T @ X).T).T)


def _pinv_full_row_rank(P):
    """P^+ = P^T (P P^T)^{-1} for P of full row rank (analytic, unlike an SVD)."""
    return jnp.linalg.solve(P @ P.T, P).T


def _det_power(k):
    f = lambda X: jnp.linalg.det(jnp.linalg.matrix_power(X, k))  # noqa: E731
    closed = lambda X: k * f(X) * jnp.linalg.inv(X).T  # noqa: E731
    return f, closed


_det_cube, _det_cube_grad = _det_power(3)
_det_inverse_square, _det_inverse_square_grad = _det_power(-2)

RECORDS = (
    Identity(
        id="cookbook.determinant.det_of_matrix_function",
        title="Derivative of det Y(x) by the scalar x",
        latex=r"\frac{\partial \det(Y)}{\partial x} = \det(Y)\,\operatorname{Tr}\!\left[Y^{-1}\frac{\partial Y}{\partial x}\right]",
        f=lambda x, A, B, C: jnp.linalg.det(_Y(x, A, B, C)),
        closed_form=_det_Y_derivative,
        wrt="x",
        args=_Y_ARGS,
        kind=Kind.DERIVATIVE,
        real_analytic=True,
        sources=(cookbook(46),),
        notes=_Y_NOTE,
    ),
    Identity(
        id="cookbook.determinant.det_cofactor_sum",
        title="sum_k (d det X / dX_ik) X_jk = delta_ij det X",
        latex=r"\sum_k \frac{\partial \det(X)}{\partial X_{ik}} X_{jk} = \delta_{ij} \det(X)",
        f=lambda T, X: jnp.linalg.det(X + T @ X),
        closed_form=lambda T, X: jnp.linalg.det(X) * jnp.eye(X.shape[0], dtype=X.dtype),
        wrt="T",
        args={"T": ("n n", "origin"), "X": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(47), cookbook(50)),
        notes=(
            "The sum as printed is a gradient: d/dT_ij det(X + TX) = sum_k (d det/dX_ik)(X) X_jk at T = 0 "
            "(the chain rule does the sum over k), so the record differentiates T -> det(X + TX) at "
            "T = 0 (domain 'origin'). It holds for every square X: d det/dX is the cofactor matrix, and the "
            "sum is the Laplace expansion along row i (for i != j, of a matrix with a repeated row). X is "
            "sampled well conditioned so that the autodiff references, which solve with X, stay accurate "
            "in float32. Printed twice, as (47) and (50). " + _BOUNDED_NOTE
        ),
    ),
    Identity(
        id="cookbook.determinant.det_second_derivative",
        title="Second derivative of det Y(x) by the scalar x",
        latex=r"\frac{\partial^2 \det(Y)}{\partial x^2} = \det(Y)\Big[\operatorname{Tr}\!\big[Y^{-1}\tfrac{\partial^2 Y}{\partial x^2}\big]"
        r" + \operatorname{Tr}\!\big[Y^{-1}\tfrac{\partial Y}{\partial x}\big]^2"
        r" - \operatorname{Tr}\!\big[\big(Y^{-1}\tfrac{\partial Y}{\partial x}\big)\big(Y^{-1}\tfrac{\partial Y}{\partial x}\big)\big]\Big]",
        f=lambda x, A, B, C: jnp.linalg.det(_Y(x, A, B, C)),
        closed_form=_det_Y_second_derivative,
        wrt="x",
        args=_Y_ARGS,
        kind=Kind.HESSIAN,
        real_analytic=True,
        sources=(cookbook(48),),
        notes=_Y_NOTE + " The Hessian of a function of one scalar is its second derivative.",
    ),
    Identity(
        id="cookbook.determinant.det_AXB",
        title="Gradient of det(AXB)",
        latex=r"\frac{\partial \det(AXB)}{\partial X} = \det(AXB)\,(X^{-1})^\top = \det(AXB)\,(X^\top)^{-1}",
        f=lambda A, X, B: jnp.linalg.det(A @ X @ B),
        closed_form=lambda A, X, B: jnp.linalg.det(A @ X @ B) * jnp.linalg.inv(X).T,
        wrt="X",
        args={"A": ("n n", "invertible_bounded_det"), "X": ("n n", "invertible_bounded_det"),
              "B": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(51),),
        notes=(
            "The two printed right-hand sides are equal ((X^{-1})^T = (X^T)^{-1}). A, X, B square, as the "
            "text implies: det(AXB) = det A det X det B. The form needs only X invertible, but A and B "
            "are sampled well conditioned so that autodiff through det(AXB) stays accurate in float32. "
            "For rectangular A, B (AXB square) it fails; the gradient is then det(AXB) A^T (AXB)^{-T} B^T. "
            + _BOUNDED_NOTE
        ),
    ),
    Identity(
        id="cookbook.determinant.det_XtAX_square",
        title="Gradient of det(X^T A X), X square and invertible",
        latex=r"\frac{\partial \det(X^\top A X)}{\partial X} = 2\det(X^\top A X)\,X^{-\top}",
        f=lambda X, A: jnp.linalg.det(X.T @ A @ X),
        closed_form=lambda X, A: 2 * jnp.linalg.det(X.T @ A @ X) * jnp.linalg.inv(X).T,
        wrt="X",
        args={"X": ("n n", "invertible_bounded_det"), "A": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(52),),
        notes=(
            "det(X^T A X) = det(X)^2 det(A) for square X, so the form holds for any square A; A is a "
            "general non-symmetric matrix, sampled well conditioned for float32 accuracy. " + _BOUNDED_NOTE
        ),
    ),
    Identity(
        id="cookbook.determinant.det_XtAX_symmetric",
        title="Gradient of det(X^T A X), X not square, A symmetric",
        latex=r"\frac{\partial \det(X^\top A X)}{\partial X} = 2\det(X^\top A X)\,A X (X^\top A X)^{-1}",
        f=lambda X, A: jnp.linalg.det(X.T @ A @ X),
        closed_form=_XtAX_symmetric,
        wrt="X",
        args={"X": ("n m", "full_rank_bounded_det"), "A": ("n n", "spd_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(53),),
        notes=(
            "X is n x m of full column rank (tall for the default sizes); A symmetric, sampled positive "
            "definite so that X^T A X is invertible (the text assumes it). " + _BOUNDED_NOTE
        ),
    ),
    Identity(
        id="cookbook.determinant.det_XtAX_general",
        title="Gradient of det(X^T A X), X not square, A not symmetric",
        latex=r"\frac{\partial \det(X^\top A X)}{\partial X} = \det(X^\top A X)\left(A X (X^\top A X)^{-1}"
        r" + A^\top X (X^\top A^\top X)^{-1}\right)",
        f=lambda X, A: jnp.linalg.det(X.T @ A @ X),
        closed_form=_XtAX_general,
        wrt="X",
        args={"X": ("n m", "full_rank_bounded_det"), "A": ("n n", "positive_definite_part_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(54),),
        notes=(
            "X is n x m of full column rank; A is not symmetric, with positive definite symmetric part, "
            "which keeps X^T A X invertible (the text assumes it). " + _BOUNDED_NOTE
        ),
    ),
    Identity(
        id="cookbook.determinant.log_det_XtX",
        title="Gradient of ln det(X^T X)",
        latex=r"\frac{\partial \ln\det(X^\top X)}{\partial X} = 2 (X^+)^\top",
        f=lambda X: jnp.log(jnp.linalg.det(X.T @ X)),
        closed_form=lambda X: 2 * jnp.linalg.solve(X.T @ X, X.T).T,
        wrt="X",
        args={"X": ("n m", "full_rank")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(55),),
        notes="X is n x m of full column rank, so X^+ = (X^T X)^{-1} X^T, computed by a solve.",
    ),
    Identity(
        id="cookbook.determinant.log_det_XtX_by_pinv",
        title="Gradient of ln det(X^T X) with respect to the pseudo-inverse X^+",
        latex=r"\frac{\partial \ln\det(X^\top X)}{\partial X^+} = -2 X^\top",
        f=lambda P: jnp.log(jnp.linalg.det(_pinv_full_row_rank(P).T @ _pinv_full_row_rank(P))),
        closed_form=lambda P: -2 * _pinv_full_row_rank(P).T,
        wrt="P",
        args={"P": ("m n", "full_rank_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(56),),
        notes=(
            "The free variable is P = X^+ (m x n, full row rank). X -> X^+ is a bijection between full "
            "column rank n x m and full row rank m x n matrices and is its own inverse, so X = P^+ and "
            "f(P) = ln det((P^+)^T P^+) = -ln det(P P^T) is an ordinary function of P; its gradient is "
            "-2 (P^+)^T = -2 X^T, as printed. P^+ = P^T (P P^T)^{-1} (full row rank). P is drawn with the "
            "product of its singular values in [2, 4]: f goes through det(X^T X) = 1/det(P P^T), which for "
            "singular values in [1, 3] is 2e-296 at 512 x 512 (seed 0), and the complex step's imaginary "
            "part of it, det times h = 1e-20 times the derivative, about 3e-317, is subnormal: a few bits "
            "or none survive (the complex step read 2% off, or 0)."
        ),
    ),
    Identity(
        id="cookbook.determinant.det_power",
        title="Gradient of det(X^k), k = 3",
        latex=r"\frac{\partial \det(X^k)}{\partial X} = k \det(X^k)\, X^{-\top}, \quad k = 3",
        f=_det_cube,
        closed_form=_det_cube_grad,
        wrt="X",
        args={"X": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(58),),
        notes="k = 3; det(X^k) = det(X)^k. " + _BOUNDED_NOTE,
    ),
    Identity(
        id="cookbook.determinant.det_power_negative",
        title="Gradient of det(X^k), k = -2",
        latex=r"\frac{\partial \det(X^k)}{\partial X} = k \det(X^k)\, X^{-\top}, \quad k = -2",
        f=_det_inverse_square,
        closed_form=_det_inverse_square_grad,
        wrt="X",
        args={"X": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(58),),
        notes="k = -2: a negative integer power, defined for invertible X. " + _BOUNDED_NOTE,
    ),
)

COVERAGE = (
    Display("46", "verified", ("cookbook.determinant.det_of_matrix_function",),
            "Checked on Y(x) = A + xB + x^2 C, invertible for |x| <= 0.1."),
    Display("47", "verified", ("cookbook.determinant.det_cofactor_sum",),
            "The sum over k as the gradient of T -> det(X + TX) at T = 0."),
    Display("48", "verified", ("cookbook.determinant.det_second_derivative",),
            "Checked on Y(x) = A + xB + x^2 C, whose second derivative 2C is not zero."),
    Display("49", "verified", ("scalar_by_matrix.det",), "Seed record; X invertible."),
    Display("50", "verified", ("cookbook.determinant.det_cofactor_sum",),
            "Printed twice: (50) is identical to (47), one record."),
    Display("51", "verified", ("cookbook.determinant.det_AXB",),
            "A, X, B square (implied); the two printed right-hand sides are equal."),
    Display("52", "verified", ("cookbook.determinant.det_XtAX_square",), "X square invertible, A general square."),
    Display("53", "verified", ("cookbook.determinant.det_XtAX_symmetric",), "X tall full column rank, A symmetric."),
    Display("54", "verified", ("cookbook.determinant.det_XtAX_general",), "X tall full column rank, A not symmetric."),
    Display("55", "verified", ("cookbook.determinant.log_det_XtX",), "X full column rank."),
    Display("56", "verified", ("cookbook.determinant.log_det_XtX_by_pinv",),
            "The gradient over P = X^+ of ln det(X^T X) with X = P^+ (a reparametrization, X -> X^+ is invertible)."),
    Display("57", "verified", ("scalar_by_matrix.log_abs_det",), "Seed record; det of either sign."),
    Display("58", "verified", ("cookbook.determinant.det_power", "cookbook.determinant.det_power_negative"),
            "Integer k: checked for k = 3 and k = -2."),
)
