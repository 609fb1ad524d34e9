"""Matrix-by-matrix derivatives in the vec (Magnus-Neudecker) layout: Kronecker identities."""

import jax.numpy as jnp

from identities._sources import DIFFERENTIALS, paper
from matcalc import Identity, Kind, Layout

RECORDS = (
    Identity(
        id="matrix_by_matrix.AXB_vec",
        title="vec(AXB) = (B^T ⊗ A) vec X",
        latex=r"\frac{\partial \operatorname{vec}(AXB)}{\partial \operatorname{vec}(X)^\top} = B^\top \otimes A",
        f=lambda A, X, B: A @ X @ B,
        closed_form=lambda A, X, B: jnp.kron(B.T, A),
        wrt="X",
        args={"A": "p m", "X": "m n", "B": "n q"},
        out="p q",
        kind=Kind.JACOBIAN,
        layout=Layout.VEC,
        real_analytic=True,
        sources=(DIFFERENTIALS, paper("Magnus & Neudecker, Matrix Differential Calculus, vec of a product")),
        notes="Column-major vec; a row-major vec gives A ⊗ B^T instead.",
    ),
)
