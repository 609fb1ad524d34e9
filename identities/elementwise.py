"""Elementwise maps: the Jacobian is diagonal, stored as its diagonal (seed, Jacobians of elementwise maps).

y_i depends on x_i alone, so dy_i / dx_j = 0 for i != j. Each closed form is the operator
diag(d) (``matcalc.vocabulary.operators.Diagonal``): it applies itself to a tangent as d ⊙ t, and
in the record's ``diagonal`` layout it densifies to d itself (``J.as_dense("diagonal")``), d[i] =
dy_i / dx_i; the n x n Jacobian is ``J.as_dense("jax")``.
"""

import jax.numpy as jnp

from identities._sources import DOT_PRODUCT, ELEMENTWISE
from matcalc import Identity, Kind, Layout
from matcalc.vocabulary.operators import Diagonal

RECORDS = (
    Identity(
        real_analytic=True,
        id="elementwise.weighted",
        title="Jacobian of y = w ⊙ x by x is diag(w)",
        latex=r"\frac{\partial (w \odot x)}{\partial x} = \operatorname{diag}(w)",
        f=lambda w, x: w * x,
        closed_form=lambda w, x: Diagonal(w),
        wrt="x",
        args={"w": "n", "x": "n"},
        out="n",
        kind=Kind.JACOBIAN,
        layout=Layout.DIAGONAL,
        sources=(ELEMENTWISE, DOT_PRODUCT),
        notes=(
            "d[i] = dy_i / dx_i = w_i; dy_i / dx_j = 0 for i != j. In the dot product's chain rule it is "
            "dv/dx for v = w ⊙ x, the factor after dot_product.sum_by_v in dot_product.y_by_x."
        ),
    ),
    Identity(
        real_analytic=True,
        id="elementwise.weighted_by_w",
        title="Jacobian of y = w ⊙ x by w is diag(x)",
        latex=r"\frac{\partial (w \odot x)}{\partial w} = \operatorname{diag}(x)",
        f=lambda w, x: w * x,
        closed_form=lambda w, x: Diagonal(x),
        wrt="w",
        args={"w": "n", "x": "n"},
        out="n",
        kind=Kind.JACOBIAN,
        layout=Layout.DIAGONAL,
        sources=(ELEMENTWISE,),
        notes="d[i] = dy_i / dw_i = x_i; dy_i / dw_j = 0 for i != j. The Hadamard product is symmetric in w and x.",
    ),
    Identity(
        real_analytic=True,
        id="elementwise.sin",
        title="Jacobian of y = sin(x) is diag(cos x)",
        latex=r"\frac{\partial \sin(x)}{\partial x} = \operatorname{diag}(\cos x)",
        f=lambda x: jnp.sin(x),
        closed_form=lambda x: Diagonal(jnp.cos(x)),
        wrt="x",
        args={"x": "n"},
        out="n",
        kind=Kind.JACOBIAN,
        layout=Layout.DIAGONAL,
        sources=(ELEMENTWISE,),
        notes="d[i] = dy_i / dx_i = cos x_i; dy_i / dx_j = 0 for i != j.",
    ),
)
