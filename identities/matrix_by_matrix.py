"""Matrix-by-matrix derivatives in the vec (Magnus-Neudecker) layout: Kronecker identities.

The closed form is the Kronecker operator (``matcalc.vocabulary.operators.Kronecker``): it applies
B^T ⊗ A to a tangent as A T B, O(n^3), and materializes the (pq x mn) matrix only when asked,
``J.as_dense("vec")``, which is ``jnp.kron(B.T, A)``.
"""

from identities._sources import DIFFERENTIALS, paper
from matcalc import Identity, Kind, Layout
from matcalc.vocabulary.operators import Kronecker

RECORDS = (
    Identity(
        id="matrix_by_matrix.AXB_vec",
        title="vec(AXB) = (B^T ⊗ A) vec X",
        latex=r"\frac{\partial \operatorname{vec}(AXB)}{\partial \operatorname{vec}(X)^\top} = B^\top \otimes A",
        f=lambda A, X, B: A @ X @ B,
        closed_form=lambda A, X, B: Kronecker.of_kron(B.T, A),
        wrt="X",
        args={"A": "p m", "X": "m n", "B": "n q"},
        out="p q",
        kind=Kind.JACOBIAN,
        layout=Layout.VEC,
        real_analytic=True,
        sources=(DIFFERENTIALS, paper("Magnus & Neudecker, Matrix Differential Calculus, vec of a product")),
        notes=(
            "Column-major vec; a row-major vec gives A ⊗ B^T instead. The closed form is the operator "
            "B^T ⊗ A (it maps a tangent T to A T B); .as_dense('vec') is jnp.kron(B.T, A)."
        ),
    ),
)
