"""Matrix-by-scalar derivatives: dF/dt has the shape p x q of F(t) (seed 5.1.2)."""

import jax.numpy as jnp

from identities._sources import MATRIX_BY_SCALAR, cookbook
from matcalc.identity import Identity, Kind

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
        sources=(MATRIX_BY_SCALAR, cookbook(59)),
        notes="t is small (|t| <= 0.1) so that M + tN stays invertible: sigma_min(M) >= 1, sigma_max(N) <= 3.",
    ),
)
