"""Checks of the seed's matrix differentials beyond the generated ones.

The adjugate form d det A = tr(adj(A) dA) (Cookbook (41)) is what still holds where Jacobi's
det(A) tr(A^{-1} dA) (42) is undefined: at singular A. The catalog checks it on random (almost
surely invertible) inputs; here it is checked where A has rank n - 1, so adj(A) != 0 but A^{-1}
does not exist.
"""

import jax
import numpy as np
import pytest

import matcalc


def _rank_deficient(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random n x n matrix of rank n - 1: U diag(s) V^T with the last singular value 0."""
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.concatenate([rng.uniform(1.0, 3.0, n - 1), [0.0]])
    return (u * s) @ v.T


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_det_adjugate_form_at_singular_matrices(n, seed):
    record = matcalc.get("differential.det_adjugate")
    a = _rank_deficient(np.random.default_rng([n, seed]), n)
    assert abs(np.linalg.det(a)) < 1e-12
    result = matcalc.check_differential(record.f, record.closed_form, [a], seed=seed)
    assert result.ok, str(result)


@pytest.mark.parametrize("seed", range(5))
def test_adjugate_form_agrees_with_jacobi_form_on_invertible_matrices(seed, x64):
    """(41) and (42) coincide where both are defined, since adj(A) = det(A) A^{-1}."""
    adjugate, jacobi = matcalc.get("differential.det_adjugate"), matcalc.get("differential.det")
    (a,) = matcalc.sample_args(jacobi, seed=seed)
    da = jax.random.normal(jax.random.PRNGKey(seed), a.shape, a.dtype)
    np.testing.assert_allclose(adjugate.closed_form(a, da), jacobi.closed_form(a, da), rtol=1e-12)
