"""Scalar-by-matrix derivatives: the gradient of f(X) has the shape of X (seed 5.1.1)."""

import jax.numpy as jnp
from jax.scipy.linalg import lu_factor, lu_solve

from identities._sources import SCALAR_BY_MATRIX, cookbook
from matcalc import Identity, Kind


def _inverse_bilinear_gradient(a, X, b):
    """-(X^{-T} a)(X^{-1} b)^T from one LU factorization of X: trans=1 solves with X^T (not X^H,
    so the complex step sees the analytic extension)."""
    lu = lu_factor(X)
    return -jnp.outer(lu_solve(lu, a, trans=1), lu_solve(lu, b))


RECORDS = (
    Identity(
        id="scalar_by_matrix.trace_AXB",
        title="Gradient of tr(AXB)",
        latex=r"\frac{\partial}{\partial X} \operatorname{tr}(AXB) = A^\top B^\top",
        f=lambda A, X, B: jnp.trace(A @ X @ B),
        closed_form=lambda A, X, B: A.T @ B.T,
        wrt="X",
        args={"A": "p m", "X": "m n", "B": "n p"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(101)),
    ),
    Identity(
        id="scalar_by_matrix.bilinear_aXb",
        title="Gradient of the bilinear form a^T X b",
        latex=r"\frac{\partial}{\partial X} a^\top X b = a b^\top",
        f=lambda a, X, b: a @ X @ b,
        closed_form=lambda a, X, b: jnp.outer(a, b),
        wrt="X",
        args={"a": "m", "X": "m n", "b": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(70)),
    ),
    Identity(
        id="scalar_by_matrix.log_abs_det",
        title="Gradient of log|det X|",
        latex=r"\frac{\partial}{\partial X} \ln\lvert\det X\rvert = X^{-\top}",
        f=lambda X: jnp.linalg.slogdet(X)[1],
        closed_form=lambda X: jnp.linalg.inv(X).T,
        wrt="X",
        args={"X": ("n n", "invertible")},
        kind=Kind.GRADIENT,
        sources=(SCALAR_BY_MATRIX, cookbook(57)),
        notes=(
            "Holds for either sign of det X; the sampled X has det of random sign. Not real_analytic: "
            "ln|det X| has no complex-analytic extension (the absolute value), so no complex step."
        ),
    ),
    Identity(
        id="scalar_by_matrix.least_squares",
        title="Gradient of the least-squares residual ||AX - B||_F^2",
        latex=r"\frac{\partial}{\partial X} \lVert AX - B\rVert_F^2 = 2 A^\top (AX - B)",
        f=lambda A, X, B: jnp.sum((A @ X - B) ** 2),
        closed_form=lambda A, X, B: 2 * (A.T @ (A @ X - B)),  # scale the m x n result, not A
        wrt="X",
        args={"A": "p m", "X": "m n", "B": "p n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX,),
    ),
    Identity(
        id="scalar_by_matrix.trace_XtA",
        title="Gradient of tr(X^T A)",
        latex=r"\frac{\partial}{\partial X} \operatorname{tr}(X^\top A) = A",
        f=lambda X, A: jnp.trace(X.T @ A),
        closed_form=lambda X, A: A,
        wrt="X",
        args={"X": "m n", "A": "m n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(103)),
        notes="tr(X^T A) = sum_ij X_ij A_ij, the Frobenius inner product <X, A>.",
    ),
    Identity(
        id="scalar_by_matrix.bilinear_aXtb",
        title="Gradient of a^T X^T b",
        latex=r"\frac{\partial}{\partial X} a^\top X^\top b = b a^\top",
        f=lambda a, X, b: a @ X.T @ b,
        closed_form=lambda a, X, b: jnp.outer(b, a),
        wrt="X",
        args={"a": "n", "X": "m n", "b": "m"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(71)),
    ),
    Identity(
        id="scalar_by_matrix.frobenius_norm_squared",
        title="Gradient of ||X||_F^2",
        latex=r"\frac{\partial}{\partial X} \lVert X\rVert_F^2 = 2X",
        f=lambda X: jnp.sum(X**2),
        closed_form=lambda X: 2 * X,
        wrt="X",
        args={"X": "m n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(132)),
        notes="Real X: ||X||_F^2 = tr(X X^T) (the Cookbook writes X^H).",
    ),
    Identity(
        id="scalar_by_matrix.trace_XBXt",
        title="Gradient of tr(X B X^T)",
        latex=r"\frac{\partial}{\partial X} \operatorname{tr}(X B X^\top) = X B^\top + X B",
        f=lambda X, B: jnp.trace(X @ B @ X.T),
        closed_form=lambda X, B: X @ B.T + X @ B,
        wrt="X",
        args={"X": "m n", "B": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(111)),
        notes="B is a general (non-symmetric) square matrix: for symmetric B both terms coincide, 2XB.",
    ),
    Identity(
        id="scalar_by_matrix.quadratic_btXtXc",
        title="Gradient of b^T X^T X c",
        latex=r"\frac{\partial}{\partial X} b^\top X^\top X c = X (b c^\top + c b^\top)",
        f=lambda b, X, c: b @ X.T @ X @ c,
        closed_form=lambda b, X, c: jnp.outer(X @ b, c) + jnp.outer(X @ c, b),
        wrt="X",
        args={"b": "n", "X": "m n", "c": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(77)),
        notes="Computed as (Xb) c^T + (Xc) b^T, which avoids forming the n x n matrix b c^T + c b^T.",
    ),
    Identity(
        id="scalar_by_matrix.det",
        title="Gradient of det X",
        latex=r"\frac{\partial}{\partial X} \det X = \det(X)\, X^{-\top}",
        f=lambda X: jnp.linalg.det(X),
        closed_form=lambda X: jnp.linalg.det(X) * jnp.linalg.inv(X).T,
        wrt="X",
        args={"X": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(49), cookbook(66)),
        notes="X is drawn with |det X| in [2, 4] (well conditioned, then scaled by one positive factor), so "
        "that det X stays in float64's range at any size (singular values in [1, 3] overflow it near n = 1100).",
    ),
    Identity(
        id="scalar_by_matrix.inverse_bilinear",
        title="Gradient of a^T X^{-1} b",
        latex=r"\frac{\partial}{\partial X} a^\top X^{-1} b = -X^{-\top} a b^\top X^{-\top}",
        f=lambda a, X, b: a @ jnp.linalg.solve(X, b),
        closed_form=_inverse_bilinear_gradient,
        wrt="X",
        args={"a": "n", "X": ("n n", "invertible"), "b": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(SCALAR_BY_MATRIX, cookbook(61)),
        notes="Computed as -(X^{-T} a)(X^{-1} b)^T: two solves, no explicit inverse.",
    ),
)
