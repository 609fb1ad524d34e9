"""Checks at real sizes (``make test-slow``; ``make test`` leaves them out): ln|det X| at
1000 x 1000, a Jacobian whose full references are over the size budget, and an operator closed form
at n = 300. Each must pass when right and fail, with the right diagnosis, when wrong. The budget's
logic at small sizes (``max_dense=0``) is in test_budget.py, which ``make test`` runs."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc.checker.compare import DEFAULT_MAX_DENSE
from matcalc.vocabulary.operators import Kronecker

pytestmark = pytest.mark.slow

rng = np.random.default_rng(2026)


def _invertible(n: int) -> np.ndarray:
    """U diag(s) V^T with s in [1, 2]: well conditioned, not symmetric."""
    u, v = (np.linalg.qr(rng.normal(size=(n, n)))[0] for _ in range(2))
    return (u * np.linspace(1.0, 2.0, n)) @ v.T


# -- ln|det X| at 1000 x 1000: grad and jacrev (1e6 elements) run; jacfwd (1e12) is skipped --------

X = _invertible(1000)
INV_T = np.linalg.inv(X).T
NOISE = rng.normal(size=X.shape)


def logdet(X):
    return jnp.linalg.slogdet(X)[1]


@pytest.mark.parametrize(("name", "candidate", "words"), [
    ("transposed", INV_T.T, "transposed"),
    ("scaled", 1.5 * INV_T, "scaled by 1.5"),
    ("perturbed", INV_T + 1e-6 * np.linalg.norm(INV_T) * NOISE / np.linalg.norm(NOISE), ""),
], ids=["transposed", "scaled", "perturbed"])
def test_log_det_gradient_at_1000_rejects_wrong_gradients(name, candidate, words):
    result = matcalc.check_gradient(logdet, candidate, X)
    assert not result, str(result)
    assert words in result.diagnosis, result.diagnosis
    assert {"grad", "jacrev"} <= set(result.errors) and "jacfwd" in result.skipped


def test_log_det_gradient_at_1000_passes():
    result = matcalc.check_gradient(logdet, lambda X: jnp.linalg.inv(X).T, X)
    assert result, str(result)
    assert set(result.errors) == {"grad", "jacrev", "fd"} and set(result.skipped) == {"jacfwd"}


# -- a Jacobian over the budget: y = A X b, y in R^n, X n x n, n^3 > DEFAULT_MAX_DENSE ------------

N = math.ceil(DEFAULT_MAX_DENSE ** (1 / 3)) + 8  # 331 for a budget of 2^25
A, b, Y = rng.normal(size=(N, N)), rng.normal(size=N), _invertible(N)


def axb(X):
    return A @ X @ b


@pytest.mark.parametrize(("candidate", "words"), [
    (lambda X: jnp.einsum("ij,k->ijk", A, b), None),
    (lambda X: jnp.einsum("ik,j->ijk", A, b), "transposed"),
    (lambda X: -jnp.einsum("ij,k->ijk", A, b), "negated"),
    (lambda X: 1.5 * jnp.einsum("ij,k->ijk", A, b), "scaled by 1.5"),
], ids=["right", "transposed", "negated", "scaled"])
def test_jacobian_over_the_budget_is_checked_by_probes(candidate, words):
    result = matcalc.check_jacobian(axb, candidate, Y)
    assert set(result.skipped) == {"jacrev", "jacfwd"} and set(result.errors) == {"jvp", "vjp", "fd"}, str(result)
    assert "over max_dense" in result.skipped["jacrev"]
    if words is None:
        assert result, str(result)
    else:
        assert not result, str(result)
        assert words in result.diagnosis and "from probes" in result.diagnosis, result.diagnosis


# -- an operator closed form at n = 300: the Kronecker Jacobian of X -> P X Q (8.1e9 dense entries) -

P, Q, Z = (rng.normal(size=(300, 300)) for _ in range(3))


def pxq(X):
    return P @ X @ Q


def test_kronecker_operator_at_300():
    right = matcalc.check_jacobian(pxq, lambda X: Kronecker.of_product(P, Q), Z)
    assert right and set(right.skipped) == {"jacrev", "jacfwd"}, str(right)
    swapped = matcalc.check_jacobian(pxq, lambda X: Kronecker.of_product(Q, P), Z)
    assert not swapped and "from probes" in swapped.diagnosis, str(swapped)


def test_catalog_kronecker_record_at_300():
    result = matcalc.verify("matrix_by_matrix.AXB_vec", dims={"p": 300, "m": 300, "n": 300, "q": 300})
    assert result and {"jacrev", "jacfwd"} <= set(result.skipped), str(result)
