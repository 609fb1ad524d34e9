"""Matrix Cookbook 2012-11-15, Section 2.2 "Derivatives of an Inverse", (59)-(64) and the
unnumbered chain rule after (64).

Scalar-by-matrix derivatives have the shape of X: (df/dX)_ij = df/dX_ij. (59) and (61) are seed
records (identities/matrix_by_scalar.py, identities/scalar_by_matrix.py).
"""

import jax.numpy as jnp

from identities._sources import cookbook
from matcalc import Display, Identity, Kind


def _inverse_entrywise(X):
    Xi = jnp.linalg.inv(X)
    return -jnp.einsum("ki,jl->klij", Xi, Xi)  # J[k, l, i, j] = d(X^{-1})_kl / dX_ij


def _trace_inverse_shifted(X, A):
    S = jnp.linalg.inv(X + A)
    return -(S @ S).T


def _objective_of_inverse(A, C):
    """J(A) = K(W) at W = A^{-1}, with K(W) = |W - C|_F^2 / 2, so dK/dW = W - C."""
    return jnp.sum((jnp.linalg.inv(A) - C) ** 2) / 2


def _chain_rule_inverse(A, C):
    W = jnp.linalg.inv(A)
    dK_dW = W - C
    return -W.T @ dK_dW @ W.T  # -A^{-T} (dK/dW) A^{-T}


RECORDS = (
    Identity(
        id="cookbook.inverse.inverse_entrywise",
        title="Entrywise derivative of the inverse: d(X^{-1})_kl / dX_ij = -(X^{-1})_ki (X^{-1})_jl",
        latex=r"\frac{\partial (X^{-1})_{kl}}{\partial X_{ij}} = -(X^{-1})_{ki}\,(X^{-1})_{jl}",
        f=jnp.linalg.inv,
        closed_form=_inverse_entrywise,
        wrt="X",
        args={"X": ("n n", "invertible")},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(60),),
        notes="The full Jacobian in the JAX layout J[k, l, i, j] (output indices first).",
    ),
    Identity(
        id="cookbook.inverse.det_inverse",
        title="Gradient of det(X^{-1})",
        latex=r"\frac{\partial \det(X^{-1})}{\partial X} = -\det(X^{-1})\,(X^{-1})^\top",
        f=lambda X: jnp.linalg.det(jnp.linalg.inv(X)),
        closed_form=lambda X: -jnp.linalg.det(jnp.linalg.inv(X)) * jnp.linalg.inv(X).T,
        wrt="X",
        args={"X": ("n n", "invertible_bounded_det")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(62),),
        notes="X is drawn with |det X| in [2, 4] (well conditioned, then scaled by one positive factor), so "
        "that det(X^{-1}) stays in float64's range at any size (singular values in [1, 3] give 1e-144 at n = 512).",
    ),
    Identity(
        id="cookbook.inverse.trace_AXinvB",
        title="Gradient of Tr(A X^{-1} B)",
        latex=r"\frac{\partial \operatorname{Tr}(A X^{-1} B)}{\partial X} = -(X^{-1} B A X^{-1})^\top",
        f=lambda A, X, B: jnp.trace(A @ jnp.linalg.solve(X, B)),
        closed_form=lambda A, X, B: -(jnp.linalg.solve(X, B) @ A @ jnp.linalg.inv(X)).T,
        wrt="X",
        args={"A": "p n", "X": ("n n", "invertible"), "B": "n p"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(63),),
        notes="A is p x n and B is n x p (p != n), so A X^{-1} B is square but BA is not AB.",
    ),
    Identity(
        id="cookbook.inverse.trace_inverse_shifted",
        title="Gradient of Tr((X + A)^{-1})",
        latex=r"\frac{\partial \operatorname{Tr}((X+A)^{-1})}{\partial X} = -\left((X+A)^{-1}(X+A)^{-1}\right)^\top",
        f=lambda X, A: jnp.trace(jnp.linalg.inv(X + A)),
        closed_form=_trace_inverse_shifted,
        wrt="X",
        args={"X": ("n n", "invertible"), "A": ("n n", "small")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(64),),
        notes=(
            "X + A invertible: sigma_min(X) >= 1 and |A_ij| <= 0.1. The transpose matters: "
            "(X + A)^{-2} is not symmetric."
        ),
    ),
    Identity(
        id="cookbook.inverse.chain_rule_inverse",
        title="Chain rule through W = A^{-1}: dJ/dA = -A^{-T} (dJ/dW) A^{-T}",
        latex=r"W = A^{-1}:\ \frac{\partial J}{\partial A} = -A^{-\top}\,\frac{\partial J}{\partial W}\,A^{-\top},"
        r"\quad J = \tfrac12 \lVert W - C\rVert_F^2,\ \frac{\partial J}{\partial W} = W - C",
        f=_objective_of_inverse,
        closed_form=_chain_rule_inverse,
        wrt="A",
        args={"A": ("n n", "invertible"), "C": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook("after 64"),),
        notes=(
            "Checked on J(A) = |A^{-1} - C|_F^2 / 2 for a general (non-symmetric) C, whose gradient by "
            "W = A^{-1} is W - C (not symmetric), so a missing transpose would show."
        ),
    ),
)

COVERAGE = (
    Display("59", "verified", ("matrix_by_scalar.inverse_affine",),
            "Seed record, on the concrete Y(t) = M + tN (invertible for |t| <= 0.1)."),
    Display("60", "verified", ("cookbook.inverse.inverse_entrywise",), "As the full Jacobian of X^{-1}."),
    Display("61", "verified", ("scalar_by_matrix.inverse_bilinear",), "Seed record; X invertible."),
    Display("62", "verified", ("cookbook.inverse.det_inverse",), "X invertible."),
    Display("63", "verified", ("cookbook.inverse.trace_AXinvB",), "A p x n, B n x p: non-square."),
    Display("64", "verified", ("cookbook.inverse.trace_inverse_shifted",), "X + A invertible."),
    Display("after 64", "verified", ("cookbook.inverse.chain_rule_inverse",),
            "The chain rule checked on J = |A^{-1} - C|_F^2 / 2."),
)
