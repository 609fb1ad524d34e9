"""Matrix differentials dF(X; dX), the same shape as F (seed 5, matrix differentials).

In the seed's order: dA = 0, d(xA), d(A^T), d tr A, d(AB), d(A + B), then the determinant and
the inverse. Arguments not named in ``wrt`` are constants: their tangents are zero.
"""

import jax.numpy as jnp
import numpy as np

from identities._sources import DIFFERENTIALS, cookbook
from matcalc import Identity, Kind


def _adjugate(A):
    """adj(A) from cofactors: adj(A)_ij = (-1)^(i+j) det(A without row j and column i).

    No inverse is involved, so it is defined for singular A too; it costs n^2 determinants of
    size n - 1, fine for the small n of a reference check.
    """
    n = A.shape[-1]
    keep = np.array([[j for j in range(n) if j != k] for k in range(n)], dtype=int).reshape(n, n - 1)
    # minors[r, c] = det(A without row r and column c); for n = 1, the empty determinant is 1.
    minors = jnp.linalg.det(A[keep[:, None, :, None], keep[None, :, None, :]])
    odd = np.add.outer(np.arange(n), np.arange(n)) % 2 == 1
    return jnp.where(odd, -minors, minors).T


def _inverse_differential(A, dA):
    inv = jnp.linalg.inv(A)
    return -inv @ dA @ inv


RECORDS = (
    Identity(
        id="differential.constant",
        title="dA = 0 for a constant A",
        latex=r"F(X) = A \;\Rightarrow\; dF = dA = 0",
        f=lambda X, A: A,
        closed_form=lambda X, A, dX, dA: jnp.zeros_like(A),
        wrt="X",
        args={"X": "m n", "A": "p q"},
        out="p q",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(33)),
        notes=(
            "F takes X but its value is the constant A, so dF = 0 for every dX. jvp and vjp give "
            "exactly 0, so any nonzero closed form has infinite relative error against them; the "
            "finite-difference reference is round-off noise whose own error estimate covers it."
        ),
    ),
    Identity(
        id="differential.constant_factors",
        title="Constant factors pass through: d(AXB) = A dX B",
        latex=r"d(AXB) = (dA)XB + A(dX)B + AX(dB) = A\,dX\,B \quad (dA = dB = 0)",
        f=lambda A, X, B: A @ X @ B,
        closed_form=lambda A, X, B, dA, dX, dB: A @ dX @ B,
        wrt="X",
        args={"A": "p m", "X": "m n", "B": "n q"},
        out="p q",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(33), cookbook(37)),
        notes="The product rule (37) with the constants' differentials dA = dB = 0 (33).",
    ),
    Identity(
        id="differential.scalar_multiple",
        title="d(xA) = x dA for a constant scalar x",
        latex=r"d(xA) = x\,dA",
        f=lambda x, A: x * A,
        closed_form=lambda x, A, dx, dA: x * dA,
        wrt="A",
        args={"x": "", "A": "m n"},
        out="m n",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(34)),
        notes=(
            "The seed lists it right after 'Given matrix A of constants and scalar value x', which read "
            "literally would make dA = 0 and d(xA) = 0: the rule holds for x constant and A varying. "
            "When x varies too, the product rule adds (dx) A (differential.scalar_product_rule)."
        ),
    ),
    Identity(
        id="differential.scalar_product_rule",
        title="d(xA) = dx A + x dA when the scalar varies too",
        latex=r"d(xA) = (dx)\,A + x\,dA",
        f=lambda x, A: x * A,
        closed_form=lambda x, A, dx, dA: dx * A + x * dA,
        wrt="x A",
        args={"x": "", "A": "m n"},
        out="m n",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS,),
        notes="The product rule d(XY) = (dX)Y + X dY (Cookbook (37)) with a 1 x 1 factor x.",
    ),
    Identity(
        id="differential.transpose",
        title="d(A^T) = (dA)^T",
        latex=r"d(A^\top) = (dA)^\top",
        f=lambda A: A.T,
        closed_form=lambda A, dA: dA.T,
        wrt="A",
        args={"A": "m n"},
        out="n m",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(44)),
    ),
    Identity(
        id="differential.trace",
        title="d tr A = tr dA",
        latex=r"d\operatorname{tr}A = \operatorname{tr}(dA)",
        f=lambda A: jnp.trace(A),
        closed_form=lambda A, dA: jnp.trace(dA),
        wrt="A",
        args={"A": "n n"},
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(36)),
        notes="The seed states it 'if A is symmetric'; it holds for any square A, and is checked on a general one.",
    ),
    Identity(
        id="differential.product",
        title="Product rule d(AB) = (dA)B + A dB",
        latex=r"d(AB) = (dA)\,B + A\,dB",
        f=lambda A, B: A @ B,
        closed_form=lambda A, B, dA, dB: dA @ B + A @ dB,
        wrt="A B",
        args={"A": "m n", "B": "n p"},
        out="m p",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(37)),
    ),
    Identity(
        id="differential.sum",
        title="d(A + B) = dA + dB",
        latex=r"d(A + B) = dA + dB",
        f=lambda A, B: A + B,
        closed_form=lambda A, B, dA, dB: dA + dB,
        wrt="A B",
        args={"A": "m n", "B": "m n"},
        out="m n",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(35)),
    ),
    Identity(
        id="differential.det",
        title="d det A = det A tr(A^{-1} dA)",
        latex=r"d\det A = \det A \,\operatorname{tr}(A^{-1}\,dA)",
        f=lambda A: jnp.linalg.det(A),
        closed_form=lambda A, dA: jnp.linalg.det(A) * jnp.trace(jnp.linalg.solve(A, dA)),
        wrt="A",
        args={"A": ("n n", "invertible_bounded_det")},
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(42)),
        notes="Jacobi's formula for invertible A; A^{-1} dA is computed by a solve, not an explicit inverse. A is "
        "drawn with |det A| in [2, 4] (well conditioned, then scaled), so that det A stays in range at any size.",
    ),
    Identity(
        id="differential.det_adjugate",
        title="d det A = tr(adj(A) dA)",
        latex=r"d\det A = \operatorname{tr}(\operatorname{adj}(A)\,dA)",
        f=lambda A: jnp.linalg.det(A),
        closed_form=lambda A, dA: jnp.trace(_adjugate(A) @ dA),
        wrt="A",
        args={"A": "n n"},
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(41)),
        notes=(
            "adj(A) is built from cofactors, adj(A)_ij = (-1)^(i+j) M_ji with M_ji the minor without "
            "row j and column i, not as det(A) A^{-1}: the form holds for every square A, singular "
            "included, and is checked on general (not specially conditioned) A. For invertible A, "
            "adj(A) = det(A) A^{-1} turns it into (42); tests/test_seed_matrix.py checks it at singular A."
        ),
    ),
    Identity(
        id="differential.inverse",
        title="d(A^{-1}) = -A^{-1} dA A^{-1}",
        latex=r"d(A^{-1}) = -A^{-1}\,(dA)\,A^{-1}",
        f=lambda A: jnp.linalg.inv(A),
        closed_form=_inverse_differential,
        wrt="A",
        args={"A": ("n n", "invertible")},
        out="n n",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(DIFFERENTIALS, cookbook(40)),
    ),
)
