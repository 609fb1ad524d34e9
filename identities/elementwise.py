"""Elementwise maps: the Jacobian is diagonal, stored as its diagonal (seed, Jacobians of elementwise maps)."""

import jax.numpy as jnp

from identities._sources import ELEMENTWISE
from matcalc.identity import Identity, Kind, Layout

RECORDS = (
    Identity(
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
    ),
    Identity(
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
    ),
)
