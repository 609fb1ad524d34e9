"""Directional derivatives: the slope of a scalar f along a direction v, nabla_v f = <nabla f, v>.

Each closed form is called with the arguments and then the direction v, shaped like ``wrt``.
"""

import jax.numpy as jnp

from identities._sources import DIRECTIONAL, cookbook
from identities.gradients import grad_x2y2
from identities.partials import x2y2_vector
from matcalc import Identity, Kind

RECORDS = (
    Identity(
        real_analytic=True,
        id="directional.x2y2",
        title="Directional derivative of x^2 y^2",
        latex=r"\nabla_v (x^2 y^2) = \nabla f \cdot v = 2 x y^2 \, v_1 + 2 x^2 y \, v_2",
        f=x2y2_vector,
        closed_form=lambda z, v: grad_x2y2(z) @ v,
        wrt="z",
        args={"z": "2"},
        kind=Kind.DIRECTIONAL,
        sources=(DIRECTIONAL,),
        notes="z = (x, y); the gradient is record gradients.x2y2. v need not be a unit vector: "
        "nabla_v f is linear in v (a slope per unit length only when |v| = 1).",
    ),
    Identity(
        real_analytic=True,
        id="directional.trace_XtAX",
        title="Directional derivative of tr(X^T A X)",
        latex=r"\nabla_V \operatorname{tr}(X^\top A X) = \operatorname{tr}(V^\top A X + X^\top A V)"
        r" = \langle (A + A^\top) X, V \rangle",
        f=lambda A, X: jnp.trace(X.T @ A @ X),
        closed_form=lambda A, X, V: jnp.sum(V * ((A + A.T) @ X)),
        wrt="X",
        args={"A": "m m", "X": "m n"},
        kind=Kind.DIRECTIONAL,
        sources=(DIRECTIONAL, cookbook(108)),
        notes="The Frobenius inner product of the gradient (A + A^T) X of Cookbook eq. (108) with V.",
    ),
    Identity(
        id="directional.log_abs_det",
        title="Directional derivative of log|det X|",
        latex=r"\nabla_V \ln\lvert\det X\rvert = \operatorname{tr}(X^{-1} V)",
        f=lambda X: jnp.linalg.slogdet(X)[1],
        closed_form=lambda X, V: jnp.trace(jnp.linalg.solve(X, V)),
        wrt="X",
        args={"X": ("n n", "invertible")},
        kind=Kind.DIRECTIONAL,
        sources=(DIRECTIONAL, cookbook(43)),
        notes="Cookbook eq. (43) is printed for ln det X; it holds for ln|det X| with det of either sign "
        "(the sampled X has det of random sign).",
    ),
)
