"""Matrix differentials dF(X; dX), the same shape as F (seed 5, matrix differentials)."""

import jax.numpy as jnp

from identities._sources import DIFFERENTIALS, cookbook
from matcalc.identity import Identity, Kind

RECORDS = (
    Identity(
        id="differential.product",
        title="Product rule d(AB) = (dA)B + A dB",
        latex=r"d(AB) = (dA)\,B + A\,dB",
        f=lambda A, B: A @ B,
        closed_form=lambda A, B, dA, dB: dA @ B + A @ dB,
        wrt="A B",
        args={"A": "m n", "B": "n p"},
        out="m p",
        kind=Kind.DIFFERENTIAL,
        sources=(DIFFERENTIALS, cookbook(37)),
    ),
    Identity(
        id="differential.trace",
        title="d tr A = tr dA",
        latex=r"d\operatorname{tr}A = \operatorname{tr}(dA)",
        f=lambda A: jnp.trace(A),
        closed_form=lambda A, dA: jnp.trace(dA),
        wrt="A",
        args={"A": "n n"},
        kind=Kind.DIFFERENTIAL,
        sources=(DIFFERENTIALS, cookbook(36)),
        notes="The seed states it 'if A is symmetric'; it holds for any square A, and is checked on a general one.",
    ),
)
