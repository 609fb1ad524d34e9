"""The checker itself: it rejects deliberately wrong closed forms with the right diagnosis,
accepts correct ones over many seeds, and refuses bad input with a clear error."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc import InputError, check_differential, check_gradient, check_hessian, check_jacobian

rng = np.random.default_rng(0)
A, B = rng.normal(size=(2, 3)), rng.normal(size=(4, 2))
X = rng.normal(size=(3, 4))  # non-square: a transpose changes the shape
S = rng.normal(size=(3, 3)) + 3 * np.eye(3)  # square, well conditioned, not symmetric


def trace_axb(X):
    return jnp.trace(A @ X @ B)


def grad_trace_axb(X):
    return A.T @ B.T


def logdet(X):
    return jnp.linalg.slogdet(X)[1]


def grad_logdet(X):
    return jnp.linalg.inv(X).T


def matvec(x):
    return jnp.tanh(A @ x)


def jac_matvec(x):  # numerator layout: J[i, j] = dy_i / dx_j
    return (1 - jnp.tanh(A @ x) ** 2)[:, None] * A


def axb(X):
    return A @ X @ B


def kron_axb(X):
    return jnp.kron(B.T, A)


# -- correct closed forms pass, for every seed -----------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_correct_closed_forms_pass_for_every_seed(seed):
    x = np.random.default_rng(seed).normal(size=3)
    assert check_gradient(trace_axb, grad_trace_axb, X, seed=seed)
    assert check_gradient(logdet, grad_logdet, S + 0.1 * np.random.default_rng(seed).normal(size=(3, 3)), seed=seed)
    assert check_jacobian(matvec, jac_matvec, x, layout="numerator", seed=seed)
    assert check_jacobian(axb, kron_axb, X, layout="vec", seed=seed)
    assert check_hessian(lambda x: jnp.sum(jnp.exp(x)), lambda x: jnp.diag(jnp.exp(x)), x, seed=seed)
    assert check_differential(lambda P, Q: P @ Q, lambda P, Q, dP, dQ: dP @ Q + P @ dQ, (A, X), seed=seed)


def test_float32_inputs_are_checked_in_float32():
    result = check_gradient(trace_axb, grad_trace_axb, X.astype(np.float32))
    assert result.ok and result.dtype == "float32"
    assert check_gradient(trace_axb, grad_trace_axb, X).dtype == "float64"


# -- wrong closed forms fail, with the right diagnosis ----------------------------------------


def _fails_with(result, *words):
    assert not result.ok, str(result)
    assert not bool(result)
    for word in words:
        assert word in result.diagnosis, result.diagnosis
    assert result.diagnosis in str(result)
    return result


def test_transposed_gradient_of_non_square_input_names_shape_and_transpose():
    r = _fails_with(check_gradient(trace_axb, lambda X: grad_trace_axb(X).T, X), "transposed", "(3, 4)", "'jax'")
    assert r.shape == (4, 3) and r.expected_shape == (3, 4)


def test_transposed_gradient_of_square_input():
    _fails_with(check_gradient(logdet, lambda X: jnp.linalg.inv(X), S), "transposed")


def test_negated():
    _fails_with(check_gradient(trace_axb, lambda X: -grad_trace_axb(X), X), "negated")


def test_scaled_by_two_names_the_factor():
    _fails_with(check_gradient(trace_axb, lambda X: 2 * grad_trace_axb(X), X), "scaled by 2")


def test_off_by_one_in_a_million_is_caught_in_float64():
    r = _fails_with(check_gradient(trace_axb, lambda X: (1 + 1e-6) * grad_trace_axb(X), X), "scaled by 1.000001")
    assert all(1e-7 < err < 1e-5 for err in r.errors.values())


def test_small_unstructured_error_is_unrelated():
    noise = 1e-6 * np.random.default_rng(1).normal(size=(3, 4))
    _fails_with(check_gradient(trace_axb, lambda X: grad_trace_axb(X) + noise, X), "unrelated")


def test_denominator_given_where_numerator_declared_is_a_layout_error():
    x = rng.normal(size=3)
    _fails_with(check_jacobian(matvec, lambda x: jac_matvec(x).T, x, layout="numerator"), "layout", "denominator")


def test_permuted_axes_are_a_layout_error():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=4)
    f = lambda X: a @ X @ b  # noqa: E731  (vector-by-matrix: p x n x m)
    right = lambda X: jnp.einsum("ij,k->ijk", a, b)  # noqa: E731
    assert check_jacobian(f, right, X)
    _fails_with(check_jacobian(f, lambda X: jnp.einsum("ij,k->jki", a, b), X), "layout")


def test_row_major_vec_is_a_layout_error():
    _fails_with(check_jacobian(axb, lambda X: jnp.kron(A, B.T), X, layout="vec"), "layout", "row-major")


def test_transposed_matrix_in_vec_layout():
    square = rng.normal(size=(2, 2))
    f = lambda X: square @ X @ square  # noqa: E731
    wrong = lambda X: jnp.kron(square, square.T)  # the Jacobian of X^T -> ...: a transposed input
    r = check_jacobian(f, wrong, rng.normal(size=(2, 2)), layout="vec")
    assert not r.ok and ("transposed" in r.diagnosis or "layout" in r.diagnosis)


def test_wrong_shape_does_not_crash_and_names_expected_shape():
    r = _fails_with(check_gradient(trace_axb, lambda X: jnp.zeros(5), X), "(3, 4)", "'jax'")
    assert all(err == float("inf") for err in r.errors.values())


def test_unrelated_closed_form():
    _fails_with(check_gradient(trace_axb, lambda X: jnp.sin(X), X), "unrelated")


def test_non_finite_closed_form_is_reported():
    _fails_with(check_gradient(trace_axb, lambda X: jnp.full((3, 4), jnp.nan), X), "non-finite")


def test_wrong_hessian_is_diagnosed():
    y = rng.normal(size=(2, 3))
    f = lambda Y: jnp.sum(Y[0] * Y[1] ** 2)  # noqa: E731
    right = jax.hessian(f)
    assert check_hessian(f, right, y)
    _fails_with(check_hessian(f, lambda Y: -right(Y), y), "negated")
    _fails_with(check_hessian(f, lambda Y: jnp.ones((2, 3, 2, 3)), y), "unrelated")


def test_wrong_differential_is_rejected_by_every_reference():
    r = _fails_with(check_differential(lambda P, Q: P @ Q, lambda P, Q, dP, dQ: dP @ Q, (A, X)), "unrelated")
    assert set(r.errors) == {"jvp", "vjp", "fd"} and all(e > 1e-3 for e in r.errors.values())


def test_report_names_references_errors_and_worst_entry():
    text = str(check_gradient(trace_axb, lambda X: 2 * grad_trace_axb(X), X, seed=5))
    for word in ("FAIL", "jacrev", "jacfwd", "fd", "tolerance", "worst entry", "seed 5", "float64"):
        assert word in text


# -- structured domains ---------------------------------------------------------------------


def test_symmetric_domain_compares_after_projection():
    sym = S + S.T
    a = rng.normal(size=3)
    f = lambda X: a @ X @ (a + 1)  # noqa: E731  unconstrained gradient a (a+1)^T, not symmetric
    unconstrained = lambda X: jnp.outer(a, a + 1)  # noqa: E731
    symmetrised = lambda X: (jnp.outer(a, a + 1) + jnp.outer(a + 1, a)) / 2  # noqa: E731
    assert check_gradient(f, unconstrained, sym, domain="symmetric")
    assert check_gradient(f, symmetrised, sym, domain="symmetric")
    assert not check_gradient(f, symmetrised, sym)  # unconstrained, the symmetrised one is wrong
    _fails_with(check_gradient(f, lambda X: 2 * unconstrained(X), sym, domain="symmetric"), "scaled by 2")


def test_tangents_can_be_given():
    dP, dQ = np.zeros_like(A), rng.normal(size=X.shape)
    assert check_differential(lambda P, Q: P @ Q, lambda P, Q, dP, dQ: P @ dQ, (A, X), (dP, dQ))


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_gradient(trace_axb, grad_trace_axb, np.ones((3, 4), int)), "dtype int64.*float32 or float64"),
        (lambda: check_gradient(trace_axb, grad_trace_axb, np.full((3, 4), np.nan)), "NaN or inf"),
        (lambda: check_gradient(trace_axb, grad_trace_axb, X, argnum=2), "argnum=2"),
        (lambda: check_gradient(trace_axb, grad_trace_axb), "pass the point"),
        (lambda: check_gradient(logdet, grad_logdet, S, domain="symmetric"), "not in domain 'symmetric'"),
        (lambda: check_gradient(trace_axb, grad_trace_axb, X, domain="spd"), "not in domain 'spd'"),
        (lambda: check_differential(lambda P: P, lambda P, dP: dP, (X,), (np.ones(3),)), "tangent 0 has shape"),
        (lambda: check_differential(lambda P: P, lambda P, dP: dP, (X,), ()), "one per argument"),
    ],
)
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_unknown_layout_and_domain():
    with pytest.raises(ValueError, match="rowmajor"):
        check_jacobian(matvec, jac_matvec, np.ones(3), layout="rowmajor")
    with pytest.raises(ValueError, match="unknown domain"):
        check_gradient(trace_axb, grad_trace_axb, X, domain="hermitian")
    with pytest.raises(ValueError, match="scalars and vectors"):
        check_jacobian(axb, kron_axb, X, layout="numerator")


def test_importing_matcalc_leaves_jax_config_alone():
    code = "import jax; before = jax.config.jax_enable_x64; import matcalc, identities; " \
           "matcalc.catalog(); assert jax.config.jax_enable_x64 == before == False; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_check_leaves_jax_config_alone():
    check_gradient(trace_axb, grad_trace_axb, X)
    assert not jax.config.jax_enable_x64
    assert jnp.zeros(1).dtype == jnp.float32


def test_testing_helpers_raise_with_the_report():
    from matcalc.testing import assert_gradient

    assert_gradient(trace_axb, grad_trace_axb, X)
    with pytest.raises(AssertionError, match="transposed"):
        assert_gradient(logdet, lambda X: jnp.linalg.inv(X), S)


def _directional_problem(x, v, a):
    from matcalc.references.problem import Problem

    return Problem(lambda x: x @ a, (x,), matcalc.Kind.DIRECTIONAL, (0,), (matcalc.resolve_domain("general"),),
                   jax.random.PRNGKey(0), (v,))


def test_directional_derivative_near_zero_is_measured_against_its_terms():
    """<grad f, v> ~ 0 by cancellation: rounding in the terms must not fail a correct value,
    but a wrong value of the terms' size must still fail."""
    from matcalc.checker.compare import compare

    a = np.array([1.0, 2.0, -1.0])
    x = np.array([0.3, -0.2, 0.5])
    v = np.array([1.0, 0.0, 1.0])  # <a, v> = 0 exactly
    context = matcalc.RunContext("float64")
    with context.scope():
        problem = _directional_problem(jnp.asarray(x), jnp.asarray(v), jnp.asarray(a))
        assert compare(problem, jnp.asarray(1e-15), context).ok
        wrong = compare(problem, jnp.asarray(0.5), context)
    assert not wrong.ok and "zero" in wrong.diagnosis
