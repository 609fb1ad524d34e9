"""Elementwise maps: the Jacobian is diagonal, stored as its diagonal (seed, Jacobians of elementwise maps).

y_i depends on x_i alone, so dy_i / dx_j = 0 for i != j: the ``diagonal`` layout stores
d[i] = dy_i / dx_i, and the verifier expands it to the dense n x n Jacobian before comparing.
"""

import jax.numpy as jnp

from identities._sources import ELEMENTWISE
from matcalc import Identity, Kind, Layout

RECORDS = (
    Identity(
        real_analytic=True,
        id="elementwise.weighted",
        title="Jacobian of y = w ⊙ x by x is diag(w)",
        latex=r"\frac{\partial (w \odot x)}{\partial x} = \operatorname{diag}(w)",
        f=lambda w, x: w * x,
        closed_form=lambda w, x: w,
        wrt="x",
        args={"w": "n", "x": "n"},
        out="n",
        kind=Kind.JACOBIAN,
        layout=Layout.DIAGONAL,
        sources=(ELEMENTWISE,),
        notes="d[i] = dy_i / dx_i = w_i; dy_i / dx_j = 0 for i != j.",
    ),
    Identity(
        real_analytic=True,
        id="elementwise.weighted_by_w",
        title="Jacobian of y = w ⊙ x by w is diag(x)",
        latex=r"\frac{\partial (w \odot x)}{\partial w} = \operatorname{diag}(x)",
        f=lambda w, x: w * x,
        closed_form=lambda w, x: x,
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
        closed_form=lambda x: jnp.cos(x),
        wrt="x",
        args={"x": "n"},
        out="n",
        kind=Kind.JACOBIAN,
        layout=Layout.DIAGONAL,
        sources=(ELEMENTWISE,),
        notes="d[i] = dy_i / dx_i = cos x_i; dy_i / dx_j = 0 for i != j.",
    ),
)
