"""Matrix Cookbook 2012-11-15, Section 2.3 "Derivatives of Eigenvalues", (65)-(68).

Eigenvalues are differentiable where they are distinct, so the inputs come from domains with a
spectral gap: ``distinct_eigenvalues`` (not symmetric; real eigenvalues at least 3/4 apart) and
``symmetric_distinct_eigenvalues``. A unit eigenvector is defined up to sign; f fixes the sign
(largest-magnitude entry positive), which is locally constant and so keeps f differentiable
where that entry is unique (domain ``symmetric_leading_entry`` keeps it so by a margin).
"""

import jax
import jax.numpy as jnp

from identities._sources import cookbook
from matcalc import Display, Identity, Kind


def _eigenvectors(A):
    """Unit eigenvectors of symmetric A (columns, eigenvalues ascending), each signed so that its
    largest-magnitude entry is positive."""
    _, V = jnp.linalg.eigh(A)
    lead = jnp.take_along_axis(V, jnp.argmax(jnp.abs(V), axis=0)[None, :], axis=0)
    return V * jnp.sign(lead)


def _eigenvalue_differential(A, dA):
    _, V = jnp.linalg.eigh(A)
    return jnp.einsum("ji,jk,ki->i", V, dA, V)  # v_i^T dA v_i for every i


def _eigenvector_differential(A, dA):
    lam, V = jnp.linalg.eigh(A)[0], _eigenvectors(A)
    eye = jnp.eye(A.shape[0], dtype=A.dtype)
    # lambda_i I - A has one zero singular value (rounding-sized) and the others >= the gap; the
    # cutoff sqrt(eps) * |A| separates them in float32 and float64.
    rtol = jnp.sqrt(jnp.finfo(A.dtype).eps)
    # One pseudo-inverse at a time (lax.map, not vmap): a batch of all n would hold n^3 numbers
    # (n SVDs of n x n), 1 GB and several copies at n = 512.
    dv = jax.lax.map(lambda lv: jnp.linalg.pinv(lv[0] * eye - A, rtol=rtol) @ dA @ lv[1], (lam, V.T))
    return dv.T


RECORDS = (
    Identity(
        id="cookbook.eigenvalues.eig_sum",
        title="Gradient of the sum of the eigenvalues",
        latex=r"\frac{\partial}{\partial X} \sum \operatorname{eig}(X) = \frac{\partial}{\partial X}\operatorname{Tr}(X) = I",
        f=lambda X: jnp.sum(jnp.linalg.eigvals(X)).real,
        closed_form=lambda X: jnp.eye(X.shape[0], dtype=X.dtype),
        wrt="X",
        args={"X": ("n n", "distinct_eigenvalues")},
        kind=Kind.GRADIENT,
        sources=(cookbook(65),),
        notes=(
            "f sums the eigenvalues from a general (non-symmetric) eigendecomposition, so autodiff goes "
            "through eig; X has real eigenvalues at least 3/4 apart. The trace form is (99). "
            "jnp.linalg.eigvals runs on CPU only."
        ),
    ),
    Identity(
        id="cookbook.eigenvalues.eig_product",
        title="Gradient of the product of the eigenvalues",
        latex=r"\frac{\partial}{\partial X} \prod \operatorname{eig}(X) = \frac{\partial}{\partial X}\det(X) = \det(X)\,X^{-\top}",
        f=lambda X: jnp.prod(jnp.linalg.eigvals(X)).real,
        closed_form=lambda X: jnp.linalg.det(X) * jnp.linalg.inv(X).T,
        wrt="X",
        args={"X": ("n n", "distinct_eigenvalues_bounded_det")},
        kind=Kind.GRADIENT,
        sources=(cookbook(66),),
        notes=(
            "f multiplies the eigenvalues of a general (non-symmetric) eigendecomposition; X is "
            "invertible with real distinct eigenvalues, drawn +-(k + u_k), k = 1..n, then scaled by one "
            "positive factor so that their product is in [2, 4] in magnitude: unscaled it is about n!, "
            "past float64's range from n = 171 on. The scale keeps the gaps relative to |X|. The det "
            "form is (49), scalar_by_matrix.det. jnp.linalg.eigvals runs on CPU only."
        ),
    ),
    Identity(
        id="cookbook.eigenvalues.eigenvalue_differential",
        title="Differential of the eigenvalues of a symmetric matrix: d lambda_i = v_i^T dA v_i",
        latex=r"\partial\lambda_i = v_i^\top\,\partial(A)\,v_i",
        f=lambda A: jnp.linalg.eigh(A)[0],
        closed_form=_eigenvalue_differential,
        wrt="A",
        args={"A": ("n n", "symmetric_distinct_eigenvalues")},
        out="n",
        kind=Kind.DIFFERENTIAL,
        sources=(cookbook(67),),
        notes=(
            "All n eigenvalues at once (ascending, as eigh returns them); A symmetric with eigenvalues "
            "at least 3/4 apart, v_i unit eigenvectors (their sign does not matter here), dA symmetric."
        ),
    ),
    Identity(
        id="cookbook.eigenvalues.eigenvector_differential",
        title="Differential of the unit eigenvectors of a symmetric matrix: dv_i = (lambda_i I - A)^+ dA v_i",
        latex=r"\partial v_i = (\lambda_i I - A)^+\,\partial(A)\,v_i",
        f=_eigenvectors,
        closed_form=_eigenvector_differential,
        wrt="A",
        args={"A": ("n n", "symmetric_leading_entry")},
        out="n n",
        kind=Kind.DIFFERENTIAL,
        sources=(cookbook(68),),
        notes=(
            "f returns the unit eigenvectors as columns (eigenvalues ascending), each signed so that its "
            "largest-magnitude entry is positive: a locally constant sign, so dv_i obeys the printed "
            "formula. A symmetric with eigenvalues at least 3/4 apart, dA symmetric. The sign convention "
            "is constant only where no eigenvector has two entries of equal largest magnitude; for "
            "Haar-random eigenvectors at n = 512 some column's two largest entries are ~1e-6 apart and "
            "a step of 1e-5 along dA swaps them, flipping that column (a jump a finite difference "
            "measures). A is therefore drawn from 'symmetric_leading_entry': eigenvectors with one "
            "entry >= 3/4 in magnitude, the others <= 1/4. The pseudo-inverse is taken literally (SVD "
            "with cutoff sqrt(eps))."
        ),
    ),
)

COVERAGE = (
    Display("65", "verified", ("cookbook.eigenvalues.eig_sum", "cookbook.traces.trace_X"),
            "Sum form through a general eigendecomposition (X non-symmetric, distinct real eigenvalues); trace form is (99)."),
    Display("66", "verified", ("cookbook.eigenvalues.eig_product", "scalar_by_matrix.det"),
            "Product form through a general eigendecomposition (X invertible, distinct real eigenvalues); det form is (49)."),
    Display("67", "verified", ("cookbook.eigenvalues.eigenvalue_differential",),
            "A symmetric with a spectral gap; all eigenvalues at once."),
    Display("68", "verified", ("cookbook.eigenvalues.eigenvector_differential",),
            "A symmetric with a spectral gap; unit eigenvectors with a fixed sign convention."),
)
