"""The paths that make verification fast, each fed wrong derivatives that it must still reject.

- the AD-independent references of a check (fd, the complex step) share their directions;
- their float64 executables are kept across the x64 switch and serve the float32 check;
- points and tangents are drawn in one compiled call per domain and shape;
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc import check_gradient
from matcalc.references import finite
from matcalc.references.problem import sample, tangent
from matcalc.vocabulary.domains import Domain, resolve_domain

INDEPENDENT = ["grad", "fd", "complex_step"]


def _f(X):
    return jnp.sum(jnp.sin(X) * X) + jnp.log(jnp.sum(X**2))


def _df(X):
    return jnp.sin(X) + X * jnp.cos(X) + 2 * X / jnp.sum(X**2)


def _point(dtype, shape=(4, 3)):
    return np.random.default_rng(7).normal(size=shape).astype(dtype)


WRONG = {
    "negated": lambda X: -_df(X),
    "scaled 1.05": lambda X: 1.05 * _df(X),
    "perturbed 1e-6": lambda X: _df(X) + 1e-6 * jnp.ones_like(X),
    "zero": lambda X: jnp.zeros_like(X),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_both_independent_references_pass_the_right_gradient(dtype):
    result = check_gradient(_f, _df, _point(dtype), references=INDEPENDENT)
    assert result.ok, str(result)
    assert set(result.errors) == set(INDEPENDENT)


# (a 1e-6 perturbation is below float32's tolerance: it is checked in float64 only)
@pytest.mark.parametrize("name,dtype", [(n, d) for n in WRONG for d in ("float64", "float32")
                                        if (n, d) != ("perturbed 1e-6", "float32")])
def test_each_independent_reference_rejects_wrong_gradients(name, dtype):
    """fd and the complex step, from kept executables and shared directions: each measures its own error."""
    result = check_gradient(_f, WRONG[name], _point(dtype), references=INDEPENDENT)
    assert not result.ok, str(result)
    for reference in ("fd", "complex_step"):
        assert result.errors[reference] > result.tolerances[reference], (reference, str(result))


def test_fd_and_the_complex_step_together_agree_with_each_alone(x64):
    """Sharing directions shares nothing they compute: each gives what it gives alone."""
    record = matcalc.get("scalar_by_matrix.inverse_bilinear")
    from matcalc.checker.problems import record_problem
    from matcalc.vocabulary.context import RunContext

    context = RunContext("float64", 3)
    problem = context.run(lambda: record_problem(record, context))
    candidate = context.run(lambda: record.closed_form(*problem.args)) * 1.01  # wrong by 1%
    together = context.run(lambda: finite.independent_comparisons(problem, candidate, [finite.FD, finite.COMPLEX_STEP]))
    alone = [context.run(lambda r=r: finite.independent_comparisons(problem, candidate, [r])[0])
             for r in (finite.FD, finite.COMPLEX_STEP)]
    for pair, single in zip(together, alone):
        for a, b in zip(dataclasses.astuple(pair), dataclasses.astuple(single)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=0)
    # and each measured the 1% error itself
    for c in together:
        error = np.linalg.norm(np.asarray(c.reference) - np.asarray(c.candidate)) / np.linalg.norm(np.asarray(c.reference))
        assert 0.005 < error < 0.02


def test_the_float32_check_reuses_the_float64_references_executable_and_still_rejects():
    """After the x64 switch the float32 check runs the kept executable: on its own point, so a
    wrong candidate is still caught and the right one passes."""
    f = lambda X: jnp.sum(jnp.tanh(X @ X.T))  # noqa: E731
    df = lambda X: 2 * (1 - jnp.tanh(X @ X.T) ** 2) @ X  # noqa: E731 (X X^T is symmetric)
    assert check_gradient(f, df, _point("float64", (3, 5)), references=INDEPENDENT).ok
    kept = len(finite._EXECUTABLES)
    right = check_gradient(f, df, _point("float32", (3, 5)), references=INDEPENDENT)
    assert len(finite._EXECUTABLES) == kept, "the float32 check compiled its float64 references again"
    assert right.ok, str(right)
    wrong = check_gradient(f, lambda X: 1.05 * df(X), _point("float32", (3, 5)), references=INDEPENDENT)
    assert not wrong.ok and wrong.errors["fd"] > wrong.tolerances["fd"], str(wrong)
    assert wrong.errors["complex_step"] > wrong.tolerances["complex_step"], str(wrong)


@pytest.mark.parametrize("order", [("float64", "float32", "float64"), ("float32", "float64", "float32", "float64")])
def test_a_float64_constant_stays_float64_across_switches_with_kept_executables(order):
    """A closure over a NumPy float64 constant, checked in both dtypes in turn: every float64 check
    computes in float64 (errors near 1e-16, not JAX 0.10's stale float32 copy at 1e-8). The
    references' executable a float32 run traced holds that copy: a float64 run must not run it."""
    C = np.random.default_rng(11 + len(order)).normal(size=(5, 5)) / 3
    f = lambda X: jnp.sum(jnp.sin(C @ X))  # noqa: E731
    df = lambda X: C.T @ jnp.cos(C @ X)  # noqa: E731
    for dtype in order:
        result = check_gradient(f, df, _point(dtype, (5, 2)), references=INDEPENDENT)
        assert result.ok, str(result)
        if dtype == "float64":
            assert max(result.errors.values()) < 1e-12, str(result)
    assert not check_gradient(f, lambda X: df(X) + 1e-9, _point("float64", (5, 2)), references=INDEPENDENT).ok


def test_a_wrong_gradient_is_rejected_by_both_at_a_large_size():
    """Above 2^16 elements: one fd direction, three complex-step directions."""
    n = 260
    A = _point("float64", (n, n))
    f = lambda X: jnp.sum(jnp.tanh(X) * A)  # noqa: E731
    df = lambda X: (1 - jnp.tanh(X) ** 2) * A  # noqa: E731
    X = _point("float64", (n, n)).T / 2
    assert check_gradient(f, df, X, references=INDEPENDENT).ok
    for wrong in (lambda X: df(X).T, lambda X: 1.05 * df(X)):
        result = check_gradient(f, wrong, X, references=INDEPENDENT)
        assert not result.ok
        for reference in ("fd", "complex_step"):
            assert result.errors[reference] > result.tolerances[reference], (reference, str(result))


@pytest.mark.parametrize("name", ["general", "positive", "spd", "invertible", "orthogonal"])
def test_compiled_draws_match_op_by_op_draws_to_a_few_ulps(name, x64):
    domain = resolve_domain(name)
    key = jax.random.PRNGKey(5)
    compiled = np.asarray(sample(domain, key, (4, 4), "float64"))
    eager = np.asarray(domain.sample(key, (4, 4), "float64"))
    np.testing.assert_allclose(compiled, eager, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(compiled, np.asarray(sample(domain, key, (4, 4), "float64")))  # deterministic
    assert domain.contains(compiled)
    t = np.asarray(tangent(domain, key, jnp.asarray(compiled)))
    np.testing.assert_allclose(t, np.asarray(domain.tangent(key, jnp.asarray(compiled))), rtol=1e-12, atol=1e-14)


@dataclasses.dataclass(frozen=True)
class _NumpyDomain(Domain):
    """A user's domain written with NumPy: it needs concrete values, so it is drawn op by op."""

    name = "numpy-drawn"

    def _sample(self, key, shape, dtype):
        seed = int(np.asarray(jax.random.key_data(key)).ravel()[-1])
        return jnp.asarray(np.random.default_rng(seed).uniform(1, 2, size=shape), dtype)


def test_a_domain_that_needs_concrete_values_is_drawn_op_by_op(x64):
    key = jax.random.PRNGKey(1)
    drawn = sample(_NumpyDomain(), key, (3, 2), "float64")
    np.testing.assert_array_equal(np.asarray(drawn), np.asarray(_NumpyDomain().sample(key, (3, 2), "float64")))


def test_a_domain_draw_with_the_wrong_rank_is_refused_with_the_shape():
    with pytest.raises(ValueError, match="square"):
        sample(resolve_domain("spd"), jax.random.PRNGKey(0), (3, 4), "float64")
