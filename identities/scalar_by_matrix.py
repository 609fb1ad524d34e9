"""Scalar-by-matrix derivatives: the gradient of f(X) has the shape of X (seed 5.1.1)."""

import jax.numpy as jnp

from identities._sources import SCALAR_BY_MATRIX, cookbook
from matcalc.identity import Identity, Kind

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
        notes="Holds for either sign of det X; the sampled X has det of random sign.",
    ),
    Identity(
        id="scalar_by_matrix.least_squares",
        title="Gradient of the least-squares residual ||AX - B||_F^2",
        latex=r"\frac{\partial}{\partial X} \lVert AX - B\rVert_F^2 = 2 A^\top (AX - B)",
        f=lambda A, X, B: jnp.sum((A @ X - B) ** 2),
        closed_form=lambda A, X, B: 2 * A.T @ (A @ X - B),
        wrt="X",
        args={"A": "p m", "X": "m n", "B": "p n"},
        kind=Kind.GRADIENT,
        sources=(SCALAR_BY_MATRIX,),
    ),
)
