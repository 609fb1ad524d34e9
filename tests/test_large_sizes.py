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


# -- the catalog at n = 512: records that failed for the size, not the identity ------------------


@pytest.mark.parametrize("identity_id", [
    "cookbook.determinant.det_AXB",  # det(A) det(X) det(B) ~ 1e432 with singular values in [1, 3]: overflow
    "cookbook.determinant.det_power_negative",  # det(X)^-2 ~ 1e-288: the complex step underflowed to 0
    "cookbook.determinant.log_det_XtX_by_pinv",  # det(X^T X) ~ 2e-296: Im det(.) of the complex step subnormal
])
def test_determinant_records_at_512(identity_id):
    result = matcalc.verify(identity_id, dims={"n": 512, "m": 512})
    assert result and "complex_step" in result.errors and not result.inconclusive, str(result)


def test_bounded_det_domains_keep_det_in_range_and_conditioning_at_512(x64):
    import jax

    from matcalc.vocabulary.domains import DET_HIGH, DET_LOW, DOMAINS
    for name, shape in [("invertible_bounded_det", (512, 512)), ("full_rank_bounded_det", (1024, 512)),
                        ("spd_bounded_det", (512, 512)), ("positive_definite_part_bounded_det", (512, 512))]:
        domain, base = DOMAINS[name], DOMAINS[name.removesuffix("_bounded_det")]
        x = np.asarray(domain.sample(jax.random.PRNGKey(0), shape, jnp.float64))
        s = np.linalg.svd(x, compute_uv=False)
        assert DET_LOW <= np.exp(np.sum(np.log(s))) <= DET_HIGH, name
        x0 = np.asarray(base.sample(jax.random.PRNGKey(0), shape, jnp.float64))
        base_volume = np.sum(np.log(np.linalg.svd(x0, compute_uv=False)))  # ~0.65 n: det(X)^3 overflows
        assert 3 * base_volume > np.log(np.finfo(np.float64).max), name
        assert domain.contains(x) and domain.conditioning(x) == pytest.approx(base.conditioning(x), rel=1e-9), name


def _leads(A):
    return np.argmax(np.abs(np.linalg.eigh(A)[1]), axis=0)


def test_eigenvector_sign_convention_is_constant_within_the_fd_radius_at_512(x64):
    """f signs each unit eigenvector by its largest-magnitude entry. For Haar eigenvectors at n = 512
    some column's two largest entries lie ~1e-6 apart: within the finite differences' reach (the
    domain's radius) a step swaps them, and where they differ in sign f jumps. The record's domain
    (one entry >= 3/4, the others <= 1/4) keeps every lead within the radius it states."""
    import jax

    from matcalc.vocabulary.domains import DOMAINS
    key, shape = jax.random.PRNGKey(0), (512, 512)
    for name, constant in [("symmetric_distinct_eigenvalues", False), ("symmetric_leading_entry", True)]:
        domain = DOMAINS[name]
        A = np.asarray(domain.sample(key, shape, jnp.float64))
        D = np.asarray(domain.tangent(jax.random.PRNGKey(1), jnp.asarray(A)))
        radius = float(domain.radius(A, D[None])[0])
        moved = [_leads(A + t * D) for t in np.linspace(-radius, radius, 9)]
        assert all(np.array_equal(m, _leads(A)) for m in moved) == constant, name


# -- above FD_ONE_DIRECTION_ABOVE elements, fd probes one direction: alone, it still rejects --------

X300 = _invertible(300)
INV_T300 = np.linalg.inv(X300).T


@pytest.mark.parametrize(("name", "candidate"), [
    ("right", INV_T300),
    ("transposed", INV_T300.T),
    ("negated", -INV_T300),
    ("scaled by 1.05", 1.05 * INV_T300),
    ("perturbed by 1e-6", INV_T300 * (1 + 1e-6 * rng.normal(size=X300.shape))),
])
def test_fd_with_one_direction_at_size_rejects_every_mistake_on_its_own(name, candidate):
    from matcalc.references.finite import FD_ONE_DIRECTION_ABOVE, fd_directions

    assert X300.size > FD_ONE_DIRECTION_ABOVE and fd_directions(X300) == 1
    result = matcalc.check_gradient(logdet, candidate, X300, references=["grad", "fd"])
    assert "fd" not in result.inconclusive, str(result)
    fd_votes_pass = result.errors["fd"] <= result.tolerances["fd"]
    assert fd_votes_pass == (name == "right"), str(result)
    assert bool(result) == (name == "right"), str(result)
