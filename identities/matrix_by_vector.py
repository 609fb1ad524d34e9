"""Matrix-by-vector derivatives: [dF/dx_1 ... dF/dx_m] along the last axis, p x q x m (seed 5.1.4)."""

import jax.numpy as jnp

from identities._sources import MATRIX_BY_VECTOR
from matcalc.identity import Identity, Kind

RECORDS = (
    Identity(
        id="matrix_by_vector.P_diag_x_Q",
        title="Jacobian of F(x) = P diag(x) Q",
        latex=r"\frac{\partial F_{ij}}{\partial x_k} = P_{ik} Q_{kj}",
        f=lambda P, x, Q: P @ jnp.diag(x) @ Q,
        closed_form=lambda P, x, Q: jnp.einsum("ik,kj->ijk", P, Q),
        wrt="x",
        args={"P": "p m", "x": "m", "Q": "m q"},
        out="p q",
        kind=Kind.JACOBIAN,
        sources=(MATRIX_BY_VECTOR,),
    ),
    Identity(
        id="matrix_by_vector.linear_combination",
        title="Jacobian of F(x) = sum_k x_k A_k",
        latex=r"\frac{\partial}{\partial x_k} \sum_l x_l A_l = A_k",
        f=lambda A, x: jnp.einsum("k,kij->ij", x, A),
        closed_form=lambda A, x: jnp.moveaxis(A, 0, -1),
        wrt="x",
        args={"A": "m p q", "x": "m"},
        out="p q",
        kind=Kind.JACOBIAN,
        sources=(MATRIX_BY_VECTOR,),
        notes="A stacks the m matrices A_k (p x q) on its first axis.",
    ),
)
