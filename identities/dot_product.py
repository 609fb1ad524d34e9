"""The dot product through the chain rule (seed): y = w . x = sum(v) with v = w ⊙ x.

The pieces are separate records: dy/dv = 1^T (dot_product.sum_by_v, a 1 x n Jacobian in
numerator layout) and dv/dx = diag(w) (elementwise.weighted, the operator ``Diagonal(w)``, whose
``diagonal`` layout is w); the Jacobian of y by x is their product, and its closed form is written
as that product.
"""

import jax.numpy as jnp

from identities._sources import DOT_PRODUCT, cookbook
from matcalc import Identity, Kind, Layout
from matcalc.vocabulary.operators import Diagonal


def _dy_dv(v):
    """dy/dv for y = sum(v): the row 1^T, 1 x n."""
    return jnp.ones_like(v)[None, :]


def _dv_dx(w, x):
    """dv/dx for v = w ⊙ x: the operator diag(w)."""
    return Diagonal(w)


def _dy_dx(w, x):
    # The chain rule (1 x n)(n x n): a row r times a Jacobian J is (J^T r)^T, J's transpose applied
    # to the row (rmv), so 1^T diag(w) never materializes diag(w).
    return _dv_dx(w, x).rmv(_dy_dv(w * x)[0])[None, :]


RECORDS = (
    Identity(
        real_analytic=True,
        id="dot_product.sum_by_v",
        title="dy/dv for y = sum(v) is 1^T",
        latex=r"\frac{\partial}{\partial v} \sum_i v_i = \mathbf{1}^\top",
        f=jnp.sum,
        closed_form=_dy_dv,
        wrt="v",
        args={"v": "n"},
        kind=Kind.JACOBIAN,
        layout=Layout.NUMERATOR,
        sources=(DOT_PRODUCT,),
        notes="J[0, j] = dy / dv_j = 1: a scalar by a vector in numerator layout is a 1 x n row.",
    ),
    Identity(
        real_analytic=True,
        id="dot_product.y_by_x",
        title="dy/dx for y = w . x is 1^T diag(w) = w^T, by the chain rule",
        latex=(
            r"\frac{\partial y}{\partial x} = \frac{\partial y}{\partial v} \frac{\partial v}{\partial x}"
            r" = \mathbf{1}^\top \operatorname{diag}(w) = w^\top"
        ),
        f=jnp.dot,
        closed_form=_dy_dx,
        wrt="x",
        args={"w": "n", "x": "n"},
        kind=Kind.JACOBIAN,
        layout=Layout.NUMERATOR,
        sources=(DOT_PRODUCT,),
        notes="J[0, j] = dy / dx_j = w_j: the product of dot_product.sum_by_v and elementwise.weighted.",
    ),
    Identity(
        real_analytic=True,
        id="dot_product.y_by_w",
        title="Gradient of y = w . x by w is x",
        latex=r"\frac{\partial (w^\top x)}{\partial w} = x",
        f=jnp.dot,
        closed_form=lambda w, x: x,
        wrt="w",
        args={"w": "n", "x": "n"},
        kind=Kind.GRADIENT,
        sources=(DOT_PRODUCT, cookbook(69)),
        notes="By the same chain with diag(x) for dv/dw (elementwise.weighted_by_w); eq. (69) with a = x.",
    ),
)
