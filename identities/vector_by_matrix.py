"""Vector-by-matrix derivatives: p gradient matrices stacked, a p x n x m tensor (seed 5.1.3)."""

import jax.numpy as jnp

from identities._sources import VECTOR_BY_MATRIX
from matcalc.identity import Identity, Kind

RECORDS = (
    Identity(
        id="vector_by_matrix.AXb",
        title="Jacobian of y = AXb by X",
        latex=r"\frac{\partial (AXb)_i}{\partial X_{jk}} = A_{ij}\, b_k",
        f=lambda A, X, b: A @ X @ b,
        closed_form=lambda A, X, b: jnp.einsum("ij,k->ijk", A, b),
        wrt="X",
        args={"A": "p n", "X": "n m", "b": "m"},
        out="p",
        kind=Kind.JACOBIAN,
        sources=(VECTOR_BY_MATRIX,),
    ),
    Identity(
        id="vector_by_matrix.AXXtc",
        title="Jacobian of the quadratic y = A X X^T c by X",
        latex=r"\frac{\partial (AXX^\top c)_i}{\partial X_{kl}} = A_{ik} (X^\top c)_l + (AX)_{il}\, c_k",
        f=lambda A, X, c: A @ X @ X.T @ c,
        closed_form=lambda A, X, c: jnp.einsum("ik,l->ikl", A, X.T @ c) + jnp.einsum("il,k->ikl", A @ X, c),
        wrt="X",
        args={"A": "p n", "X": "n m", "c": "n"},
        out="p",
        kind=Kind.JACOBIAN,
        sources=(VECTOR_BY_MATRIX,),
    ),
)
