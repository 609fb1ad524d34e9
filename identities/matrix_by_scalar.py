"""Matrix-by-scalar derivatives: dF/dt has the shape p x q of F(t) (seed 5.1.2).

Index formula for every record: J[i, j] = dF_ij / dt, an array shaped like F.
"""

import jax.numpy as jnp
from jax.scipy.linalg import expm

from identities._sources import MATRIX_BY_SCALAR, cookbook
from matcalc import Identity, Kind

RECORDS = (
    Identity(
        id="matrix_by_scalar.scaled",
        title="Derivative of F(t) = tA",
        latex=r"\frac{d}{dt}(tA) = A",
        f=lambda t, A: t * A,
        closed_form=lambda t, A: A,
        wrt="t",
        args={"t": "", "A": "p q"},
        out="p q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(MATRIX_BY_SCALAR, cookbook(34)),
    ),
    Identity(
        id="matrix_by_scalar.inverse_affine",
        title="Derivative of F(t) = (M + tN)^{-1}",
        latex=r"\frac{d}{dt}(M + tN)^{-1} = -(M + tN)^{-1} N (M + tN)^{-1}",
        f=lambda t, M, N: jnp.linalg.inv(M + t * N),
        closed_form=lambda t, M, N: -jnp.linalg.inv(M + t * N) @ N @ jnp.linalg.inv(M + t * N),
        wrt="t",
        args={"t": ("", "small"), "M": ("n n", "invertible"), "N": ("n n", "invertible")},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(MATRIX_BY_SCALAR, cookbook(59)),
        notes="t is small (|t| <= 0.1) so that M + tN stays invertible: sigma_min(M) >= 1, sigma_max(N) <= 3.",
    ),
    Identity(
        id="matrix_by_scalar.expm",
        title="Derivative of the matrix exponential F(t) = exp(tA)",
        latex=r"\frac{d}{dt} e^{tA} = A\, e^{tA}",
        f=lambda t, A: expm(t * A),
        closed_form=lambda t, A: A @ expm(t * A),
        wrt="t",
        args={"t": "", "A": "n n"},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(MATRIX_BY_SCALAR,),
        notes=(
            "A commutes with exp(tA), so A e^{tA} = e^{tA} A. Unlike the scalar case, "
            "d/dt exp(F(t)) is not F'(t) exp(F(t)) unless F'(t) commutes with F(t)."
        ),
    ),
    Identity(
        id="matrix_by_scalar.elementwise",
        title="Derivative of F(t) = sin(tB) + t^2 C, elementwise",
        latex=r"\frac{d}{dt}\left(\sin(tB) + t^2 C\right) = \cos(tB) \odot B + 2t\,C",
        f=lambda t, B, C: jnp.sin(t * B) + t**2 * C,
        closed_form=lambda t, B, C: jnp.cos(t * B) * B + 2 * t * C,
        wrt="t",
        args={"t": "", "B": "p q", "C": "p q"},
        out="p q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(MATRIX_BY_SCALAR,),
        notes="sin and cos act entrywise (not as matrix functions): F(t)_ij = sin(t B_ij) + t^2 C_ij.",
    ),
)
