"""Matrix-by-vector derivatives: [dF/dx_1 ... dF/dx_m] along the last axis, p x q x m (seed 5.1.4).

For F(x) in R^{p x q} with x in R^m: J[i, j, k] = dF_ij / dx_k, and the slice J[:, :, k]
(shape p x q, like F) is dF/dx_k, the seed's k-th matrix in the row [dF/dx_1 ... dF/dx_m].
"""

import jax.numpy as jnp

from identities._sources import MATRIX_BY_VECTOR
from matcalc import Identity, Kind

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
        real_analytic=True,
        sources=(MATRIX_BY_VECTOR,),
        notes="J[i, j, k] = dF_ij / dx_k = P_ik Q_kj: the k-th slice is the outer product P[:, k] Q[k, :].",
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
        real_analytic=True,
        sources=(MATRIX_BY_VECTOR,),
        notes=(
            "A stacks the m matrices A_k (p x q) on its first axis. J[i, j, k] = dF_ij / dx_k = (A_k)_ij: "
            "the k-th slice is A_k, so the Jacobian is A with its stacking axis moved last."
        ),
    ),
    Identity(
        id="matrix_by_vector.outer_Ax_Cx",
        title="Jacobian of the outer product F(x) = (Ax)(Cx)^T",
        latex=r"\frac{\partial F_{ij}}{\partial x_k} = A_{ik} (Cx)_j + (Ax)_i\, C_{jk}",
        f=lambda A, x, C: jnp.outer(A @ x, C @ x),
        closed_form=lambda A, x, C: jnp.einsum("ik,j->ijk", A, C @ x) + jnp.einsum("i,jk->ijk", A @ x, C),
        wrt="x",
        args={"A": "p m", "x": "m", "C": "q m"},
        out="p q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(MATRIX_BY_VECTOR,),
        notes=(
            "J[i, j, k] = dF_ij / dx_k = A_ik (Cx)_j + (Ax)_i C_jk, the product rule on (Ax)_i (Cx)_j: "
            "the k-th slice is A[:, k] (Cx)^T + (Ax) C[:, k]^T."
        ),
    ),
)
