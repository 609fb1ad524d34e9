"""The checker, trusted on real users' code: each finding of the issue, reproduced as it was found.

Every silent pass is reproduced with the WRONG derivative, which must fail (and, where it means
something, the right one must pass). A finding the engine does not yet handle as the issue requires
is an ``xfail(strict=True)`` with the reason, so that it stays visible and its fix is noticed.
The second half tests the diagnosis of the classic hand-derivation mistakes.
"""

import dataclasses
import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc import InputError, check_differential, check_gradient, check_jacobian

A4 = np.random.default_rng(2024).normal(size=(4, 4))
BLAME = ("negated", "scaled", "transposed", "layout", "unrelated", "complex", "precision", "symmetrization")


# Each test draws from its own generator (np.random.default_rng(101...)): none depends on the order.


def _fails_with(result, *words):
    assert not result.ok, str(result)
    for word in words:
        assert word in result.diagnosis, result.diagnosis
    return result


def _never_blamed(result):
    """Right, or honestly undecided: a pass, or an inconclusive check; never a diagnosis of the candidate."""
    assert result.ok or result.diagnosis.startswith("inconclusive"), str(result)
    assert not any(word in (result.diagnosis or "") for word in BLAME), result.diagnosis
    autodiff = [n for n in result.errors if n not in result.inconclusive and n != "fd"]
    assert all(result.errors[n] <= result.tolerances[n] for n in autodiff), str(result)


def _orthogonal(seed: int, n: int) -> np.ndarray:
    return np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))[0]


# -- (1) complex candidates ------------------------------------------------------------------


def test_1_complex_gradient_fails_and_says_complex():
    rng = np.random.default_rng(101)
    x = rng.normal(size=5)
    f = lambda x: jnp.sum(x**2)  # noqa: E731
    assert check_gradient(f, lambda x: 2 * x, x)
    r = _fails_with(check_gradient(f, lambda x: 2 * x + 5j * x, x), "complex", "its real part matches the truth")
    assert "disagreement is with a reference" not in r.diagnosis


# -- (2) functions with their own derivative rules ---------------------------------------------


@jax.custom_vjp
def _sin_sum(x):
    return jnp.sum(jnp.sin(x))


_sin_sum.defvjp(lambda x: (_sin_sum(x), jnp.cos(x)), lambda cos, g: (g * cos,))


@jax.custom_jvp
def _sin_sum_wrong_rule(x):
    return jnp.sum(jnp.sin(x))


@_sin_sum_wrong_rule.defjvp
def _wrong_rule(primals, tangents):
    (x,), (dx,) = primals, tangents
    return _sin_sum_wrong_rule(x), jnp.sum(2 * jnp.cos(x) * dx)  # 2x the derivative


def test_2_custom_vjp_is_checked_in_reverse_mode_only():
    rng = np.random.default_rng(102)
    x = rng.normal(size=5)
    r = check_gradient(_sin_sum, jnp.cos, x)
    assert r.ok, str(r)
    assert "jacfwd" in r.skipped and "custom_vjp" in r.skipped["jacfwd"] and "jacfwd" not in r.errors
    _fails_with(check_gradient(_sin_sum, lambda x: -jnp.cos(x), x), "negated")


def test_2_a_wrong_custom_jvp_rule_is_blamed_not_the_users_gradient():
    rng = np.random.default_rng(103)
    x = rng.normal(size=5)
    r = _fails_with(check_gradient(_sin_sum_wrong_rule, jnp.cos, x), "f's derivative rule")
    assert r.errors["fd"] <= r.tolerances["fd"] and r.errors["grad"] > 0.1


# -- (3) ill-conditioned points: references that abstain -----------------------------------------


def _tr_inv(X):
    return jnp.trace(jnp.linalg.solve(X, A4))


def _grad_tr_inv(X):
    inv = jnp.linalg.inv(X)
    return -(inv @ A4 @ inv).T


def _fd_votes(result):
    """fd ran and voted (conclusive), with a tolerance that resolves 100 times below a 1% error."""
    assert "fd" in result.errors and "fd" not in result.inconclusive, str(result)
    assert result.tolerances["fd"] <= 1e-4, str(result)
    return result


def test_3_near_singular_point_passes_and_fd_votes():
    """At diag(1, 1, 1, 1e-3) the default Richardson step (about 6e-3) reaches past the singularity
    at 1e-3 (fd had relative error 1.2 against a tolerance of 0.7). The general domain knows nothing
    of it: fd's adaptive step search goes down until its own error estimate is small. On the
    invertible domain the step starts inside the radius sigma_min / |V|. Wrong gradients fail on
    every reference, fd included."""
    X = np.diag([1.0, 1.0, 1.0, 1e-3])
    for domain in ("general", "invertible"):
        r = _fd_votes(check_gradient(_tr_inv, _grad_tr_inv, X, domain=domain))
        assert r.ok and r.errors["fd"] < 1e-9, str(r)
    for wrong, word in [(lambda X: -_grad_tr_inv(X), "negated"), (lambda X: 1.05 * _grad_tr_inv(X), "scaled by 1.05"),
                        (lambda X: _grad_tr_inv(X).T, "transposed")]:
        r = _fd_votes(_fails_with(check_gradient(_tr_inv, wrong, X), word))
        assert all(r.errors[n] > r.tolerances[n] for n in r.errors), str(r)


def _covariance(condition: float, seed: int = 1) -> np.ndarray:
    Q = _orthogonal(seed, 4)
    S = (Q * np.array([1.0, 10.0, 100.0, condition])) @ Q.T
    return (S + S.T) / 2


def test_3_covariance_of_condition_4e3_passes_and_fd_votes():
    """lambda_min = 1 but entries up to 4e3: the relative step (6e-3 max|S|) crossed lambda_min; the spd
    domain's radius lambda_min / |V| keeps every point positive definite."""
    S = _covariance(4e3)
    logdet = lambda S: jnp.linalg.slogdet(S)[1]  # noqa: E731
    r = _fd_votes(check_gradient(logdet, jnp.linalg.inv, S, domain="spd"))
    assert r.ok and r.tolerances["grad"] == pytest.approx(1e-10 * np.linalg.cond(S)), str(r)
    for factor in (1.05, 1.5):
        r = _fd_votes(_fails_with(check_gradient(logdet, lambda S: factor * jnp.linalg.inv(S), S, domain="spd"),
                                  f"scaled by {factor:g}"))
        assert r.errors["fd"] > r.tolerances["fd"], str(r)


def test_3_domains_state_and_check_their_real_limits():
    """Samples have condition number <= 3; `contains` accepts up to 1e-2 / eps of the dtype, spd
    included (it checked no conditioning at all), and the message says so."""
    from matcalc.vocabulary.domains import DOMAINS, max_condition

    assert max_condition(np.float64) == pytest.approx(4.5e13, rel=0.01)
    assert max_condition(np.float32) == pytest.approx(8.4e4, rel=0.01)
    for name in ("invertible", "spd", "symmetric_invertible", "full_rank", "spd_entries"):
        assert "4.5e+13 in float64" in DOMAINS[name].description and "samples <= 3" in DOMAINS[name].description
    spd = DOMAINS["spd"]
    assert spd.contains(_covariance(1e12)) and not spd.contains(_covariance(1e14))
    assert spd.contains(_covariance(1e4)) and not spd.contains(_covariance(1e5).astype(np.float32))
    with pytest.raises(InputError, match=r"not in domain 'spd' \(X = X\^T > 0, condition number < 0.01/eps"):
        check_gradient(lambda S: jnp.linalg.slogdet(S)[1], jnp.linalg.inv, _covariance(1e14), domain="spd")


def test_3_radius_keeps_every_finite_difference_point_in_the_domain():
    """x + t d stays in the domain for |t| below the radius (and the step's farthest point is far inside)."""
    from matcalc.vocabulary.domains import DOMAINS

    rng = np.random.default_rng(130)
    S, X = _covariance(1e6), np.diag([1.0, 1.0, 1.0, 1e-6]) @ _orthogonal(2, 4)
    directions = rng.normal(size=(3, 4, 4))
    for name, x, d in [("spd", S, (directions + np.swapaxes(directions, 1, 2)) / 2), ("invertible", X, directions),
                       ("positive", np.array([1e-6, 1.0, 2.0]), rng.normal(size=(3, 3)))]:
        domain = DOMAINS[name]
        radius = domain.radius(x, d)
        assert radius.shape == (3,) and np.all(radius > 0)
        for r, dk in zip(radius, d):
            assert all(domain.contains(x + t * r * dk) for t in (-0.99, 0.99)), name
    assert np.all(DOMAINS["general"].radius(X, directions) == np.inf)


def test_3_references_and_exclude_choose_what_runs():
    X = np.diag([1.0, 1.0, 1.0, 1e-3])
    r = check_gradient(_tr_inv, _grad_tr_inv, X, exclude=["fd"])
    assert r.ok and set(r.errors) == {"grad", "jacrev", "jacfwd"}
    r = check_gradient(_tr_inv, _grad_tr_inv, X, references=["grad", "fd"])
    assert set(r.errors) == {"grad", "fd"} and r.ok
    with pytest.raises(InputError, match="no reference left"):
        check_gradient(_tr_inv, _grad_tr_inv, X, references=["fd"], exclude=["fd"])
    with pytest.raises(InputError, match="unknown reference"):
        check_gradient(_tr_inv, _grad_tr_inv, X, references=["jvp"])


def test_3_fd_with_no_step_inside_where_f_is_defined_abstains():
    """sum(x^1.5) at a point with a 0 entry: every step along a random direction leaves where f is
    defined (NaN), at every step size. fd abstains (its estimate is unbounded): the right gradient is
    inconclusive, never a pass, and a wrong one fails on autodiff."""
    x = np.array([0.0, 1.0, 2.0])
    f = lambda x: jnp.sum(x**1.5)  # noqa: E731
    r = check_gradient(f, lambda x: 1.5 * jnp.sqrt(x), x)
    _never_blamed(r)
    assert not r.ok and "fd" in r.inconclusive and "AD-independent" in r.diagnosis, str(r)
    _fails_with(check_gradient(f, lambda x: 3 * jnp.sqrt(x), x), "scaled by 2")


# -- (4) users' inputs -----------------------------------------------------------------------------


def test_4_dict_of_arrays_argument():
    rng = np.random.default_rng(104)
    W, b, inputs = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2)
    loss = lambda p: jnp.sum(jnp.tanh(p["W"] @ inputs + p["b"]) ** 2)  # noqa: E731

    def grad(p):
        h = jnp.tanh(p["W"] @ inputs + p["b"])
        d = 2 * h * (1 - h**2)
        return {"W": jnp.outer(d, inputs), "b": d}

    assert check_gradient(loss, grad, {"W": W, "b": b})
    _fails_with(check_gradient(loss, lambda p: {**grad(p), "b": -grad(p)["b"]}, {"W": W, "b": b}),
                "leaf ['b']: negated")


def test_4_integer_label_is_passed_through_not_differentiated():
    rng = np.random.default_rng(105)
    z = rng.normal(size=4)
    cross_entropy = lambda z, label: jax.nn.logsumexp(z) - z[label]  # noqa: E731
    right = lambda z, label: jax.nn.softmax(z) - jax.nn.one_hot(label, 4)  # noqa: E731
    assert check_gradient(cross_entropy, right, z, 2, argnum=0)
    assert not check_gradient(cross_entropy, lambda z, label: jax.nn.softmax(z), z, 2, argnum=0)
    with pytest.raises(InputError, match="int64.*leave it out of argnum"):
        check_gradient(cross_entropy, right, z, 2, argnum=1)


def test_4_tuple_argument_is_a_pytree_never_stacked():
    rng = np.random.default_rng(106)
    u, w = rng.normal(size=3), rng.normal(size=3)  # same shapes: np.asarray would stack them to (2, 3)
    f = lambda uw: jnp.sum(uw[0]) ** 2 * jnp.sum(uw[1] ** 2)  # noqa: E731

    def grad(uw):
        return 2 * jnp.sum(uw[0]) * jnp.sum(uw[1] ** 2) * jnp.ones(3), 2 * jnp.sum(uw[0]) ** 2 * uw[1]

    assert check_gradient(f, grad, (u, w))
    _fails_with(check_gradient(f, lambda uw: (grad(uw)[0], -grad(uw)[1]), (u, w)), "leaf [1]: negated")
    with pytest.raises(InputError, match="structure"):  # the stacked array is not what jax.grad returns
        check_gradient(f, lambda uw: jnp.stack(grad(uw)), (u, w))


@pytest.mark.parametrize("call, words", [
    (lambda: check_gradient(jnp.sum, lambda x: x, np.zeros((0, 3))), ["empty", "(0, 3)"]),
    (lambda: check_gradient(lambda x: jnp.sum(x**2), lambda x: None, np.ones(3)), ["returned None", "array"]),
    (lambda: check_gradient(lambda x: jnp.sum(x**2), None, np.ones(3)), ["None", "function"]),
    (lambda: check_gradient(lambda x: jnp.sum(x**2), lambda x: 2 * x, np.ones(3, np.float16)),
     ["float16", "float32 or float64"]),
    (lambda: check_gradient(lambda x: jnp.sum(x**2), lambda x: 2 * x, np.ones(3), domain="positve"),
     ["unknown domain 'positve'", "'positive'"]),
    (lambda: check_jacobian(lambda x: x**2, lambda x: 2 * x, np.ones(3), layout="column"),
     ["unknown layout 'column'", "'numerator'", "'vec'"]),
], ids=["empty", "returns-None", "None", "float16", "unknown-domain", "unknown-layout"])
def test_4_bad_input_names_what_was_expected(call, words):
    with pytest.raises(InputError) as err:
        call()
    for word in words:
        assert word in str(err.value), str(err.value)


# -- (8) silent passes -----------------------------------------------------------------------------


def test_8_gradients_of_1e_162_are_measured_not_underflowed():
    """X ~ 1e-200 and gradient entries ~1e-162, whose squares underflow: a norm that squares first
    makes every error 0 / 0. Wrong gradients must fail, each with its own diagnosis."""
    rng = np.random.default_rng(107)
    X = 1e-200 * rng.normal(size=(3, 4))
    f = lambda X: 1e38 * jnp.sum((A4[:3, :3] @ X) ** 2)  # noqa: E731
    grad = lambda X: 2e38 * A4[:3, :3].T @ (A4[:3, :3] @ X)  # noqa: E731
    assert 1e-164 < np.max(np.abs(2e38 * A4[:3, :3].T @ (A4[:3, :3] @ X))) < 1e-160
    _never_blamed(check_gradient(f, grad, X))  # f itself underflows to 0, so fd cannot vote
    _fails_with(check_gradient(f, lambda X: -grad(X), X), "negated")
    _fails_with(check_gradient(f, lambda X: jnp.zeros_like(X), X), "all zeros")
    r = _fails_with(check_gradient(f, lambda X: grad(X) / 2, X), "scaled by 0.5")
    assert all(abs(r.errors[n] - 0.5) < 1e-6 for n in ("grad", "jacrev", "jacfwd"))


def test_8_zero_gradient_of_logdet_at_condition_1e12_does_not_pass():
    Q = _orthogonal(2, 4)
    S = (Q * np.array([1.0, 1e-4, 1e-8, 1e-12])) @ Q.T
    S = (S + S.T) / 2
    r = check_gradient(lambda S: jnp.linalg.slogdet(S)[1], jnp.zeros_like, S, domain="spd")
    assert not r.ok and "conditioning" in r.diagnosis, str(r)


def test_8_float32_at_condition_999_does_not_pass_a_5_percent_error():
    U, V = _orthogonal(3, 4), _orthogonal(4, 4)
    X = ((U * np.array([1.0, 10.0, 100.0, 999.0])) @ V.T).astype(np.float32)
    logdet = lambda X: jnp.linalg.slogdet(X)[1]  # noqa: E731
    r = check_gradient(logdet, lambda X: 1.05 * jnp.linalg.inv(X).T, X, domain="invertible")
    assert not r.ok and r.dtype == "float32", str(r)


def test_8_all_zero_tangents_are_refused():
    rng = np.random.default_rng(108)
    P, Q = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    with pytest.raises(InputError, match="every tangent is zero"):
        check_differential(lambda P, Q: P @ Q, lambda P, Q, dP, dQ: dP @ Q + P @ dQ, (P, Q),
                           (np.zeros_like(P), np.zeros_like(Q)))


def test_8_directional_with_relative_noise_1e_3_fails_in_float32_on_every_seed():
    record = matcalc.get("directional.trace_XtAX")
    exact = record.closed_form
    # One function for every seed (one compilation): the sign of the 1e-3 error varies with V.
    noisy = dataclasses.replace(record, closed_form=lambda A, X, V: exact(A, X, V) * (1 + 1e-3 * jnp.sign(jnp.sum(V))))
    results = [matcalc.verify(noisy, dtype="float32", seed=seed) for seed in range(10)]
    assert not any(results), [str(r) for r in results if r]
    assert all("scaled by" in r.diagnosis for r in results)
    assert matcalc.verify(record, dtype="float32", seed=0)


def test_8_measured_rounding_noise_never_passes_a_factor():
    """log|det X| on the general domain at condition number 1e11 (singular values 1 to 1e11): no
    domain measures the conditioning, so the autodiff references' rounding noise is measured at the
    point (about 1e-5 relative here). The tolerance it allows still rejects a 0.1% error, a factor,
    a transpose and zeros; the right gradient is never blamed."""
    U, V = _orthogonal(3, 4), _orthogonal(4, 4)
    X = (U * np.array([1.0, 10.0, 100.0, 1e11])) @ V.T
    logdet = lambda X: jnp.linalg.slogdet(X)[1]  # noqa: E731
    inv_t = lambda X: jnp.linalg.inv(X).T  # noqa: E731
    _never_blamed(check_gradient(logdet, inv_t, X))
    r = _fails_with(check_gradient(logdet, lambda X: 1.001 * inv_t(X), X), "scaled by 1.001")
    assert all(1e-10 < r.tolerances[n] < 1e-3 for n in ("grad", "jacrev", "jacfwd")), str(r)
    assert not any(n in r.inconclusive for n in ("grad", "jacrev", "jacfwd")), str(r)
    _fails_with(check_gradient(logdet, lambda X: 1.05 * inv_t(X), X), "scaled by 1.05")
    _fails_with(check_gradient(logdet, jnp.linalg.inv, X), "transposed")
    _fails_with(check_gradient(logdet, jnp.zeros_like, X), "all zeros")


@pytest.mark.parametrize("scale", [1e-100, 1e100])
def test_8_a_zero_truth_at_extreme_magnitudes_rejects_what_is_not_rounding(scale):
    """Cookbook (126) at X = 1e-100 and 1e100 times a Gaussian: the truth is 0, autodiff's noise scales
    with 1 / |X|. Zeros pass; a candidate of 1e-9 |B| X^-T, far above the noise but far below the
    derivative's natural size, fails."""
    args = _point_126(scale * np.random.default_rng(23).normal(size=(4, 4)))
    assert check_gradient(_cookbook_126, lambda X, C, B: jnp.zeros_like(X), *args)
    _fails_with(check_gradient(_cookbook_126, lambda X, C, B: 1e-9 * jnp.linalg.norm(B) * jnp.linalg.inv(X).T,
                               *args), "unrelated")


def test_8_a_zero_truth_below_float32_noise_is_inconclusive_not_passed():
    """In float32 the noise of (126) at seed 23 is 5% of |f| / |X|: too coarse to call the truth zero.
    Zeros are inconclusive (never blamed, never passed); a candidate above the noise fails."""
    args = [a.astype(np.float32) for a in _point_126(np.random.default_rng(23).normal(size=(4, 4)))]
    r = check_gradient(_cookbook_126, lambda X, C, B: jnp.zeros_like(X), *args)
    _never_blamed(r)
    assert not r.ok and "autodiff" in r.diagnosis, str(r)
    for c in (1e-3, 1e-1):
        _fails_with(check_gradient(_cookbook_126, lambda X, C, B, c=c: c * jnp.linalg.inv(X).T, *args), "unrelated")


def test_8_at_the_origin_nothing_is_loosened():
    """sum(X^3) at X = 0: f is 0 and the point cannot be moved by ulps, so no rounding level is
    admitted at all: 1e-30 where the truth is exactly 0 fails."""
    cube = lambda X: jnp.sum(X**3)  # noqa: E731
    r = _fails_with(check_gradient(cube, lambda X: jnp.zeros_like(X) + 1e-30, np.zeros((3, 3))), "zero here")
    assert all(r.errors[n] == float("inf") for n in ("grad", "jacrev", "jacfwd")), str(r)


# -- (9) threads and x64 switches ---------------------------------------------------------------------


def _closure_over_float64_constant():
    C = np.random.default_rng(9).normal(size=(3, 3))  # a NumPy float64 constant, fresh per test
    return (lambda X: jnp.sum(jnp.sin(C @ X))), (lambda X: C.T @ jnp.cos(C @ X))


def test_9_eight_threads_checking_both_dtypes():
    rng = np.random.default_rng(109)
    f, grad = _closure_over_float64_constant()
    X = rng.normal(size=(3, 4))
    results, errors = [None] * 16, []

    def work(i):
        try:
            results[i] = check_gradient(f, grad, X.astype(np.float32) if i % 2 else X, seed=i)
        except Exception as err:  # noqa: BLE001  (any exception is the finding)
            errors.append(err)

    for batch in (range(8), range(8, 16)):
        threads = [threading.Thread(target=work, args=(i,)) for i in batch]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    assert all(r.ok and r.dtype == ("float32" if i % 2 else "float64") for i, r in enumerate(results)), results
    assert all(max(r.errors[n] for n in ("grad", "jacrev", "jacfwd")) < 1e-12 for r in results[::2])


def test_9_float32_then_float64_stays_float64():
    rng = np.random.default_rng(110)
    f, grad = _closure_over_float64_constant()
    X = rng.normal(size=(3, 4))
    assert check_gradient(f, grad, X.astype(np.float32)).dtype == "float32"
    r = check_gradient(f, grad, X)
    assert r.ok and r.dtype == "float64" and max(r.errors.values()) < 1e-12, str(r)


# -- (10) what f returns -------------------------------------------------------------------------------


def test_10_f_given_the_wrong_shape_names_the_shape():
    rng = np.random.default_rng(111)
    C = rng.normal(size=(3, 3))
    with pytest.raises(InputError, match=r"shapes \[\(4, 3\)\]"):
        check_gradient(lambda X: jnp.trace(C @ X @ X.T), lambda X: (C + C.T) @ X, rng.normal(size=(4, 3)))


def test_10_vector_valued_f_in_a_gradient_check():
    rng = np.random.default_rng(112)
    with pytest.raises(InputError, match=r"scalar-valued f.*shape \(3, 4\).*check_jacobian"):
        check_gradient(lambda X: X**2, lambda X: 2 * X, rng.normal(size=(3, 4)))


@pytest.mark.parametrize("f, x", [
    (lambda x: jnp.sum(jnp.log(x)), -1 - np.arange(3.0)),  # NaN
    (lambda x: jnp.sum(jnp.exp(1000 * x)), 1 + np.arange(3.0)),  # overflows
], ids=["nan", "overflow"])
def test_10_f_not_finite_at_the_point(f, x):
    with pytest.raises(InputError, match="not finite at the point"):
        check_gradient(f, jax.grad(f), x)


@pytest.mark.parametrize("rtol", [-1e-8, float("nan")])
def test_10_bad_rtol(rtol):
    with pytest.raises(InputError, match="rtol must be a finite number >= 0"):
        check_gradient(jnp.sum, jnp.ones_like, np.ones(3), rtol=rtol)


# -- (11) a gradient that is exactly zero ---------------------------------------------------------------


def _cookbook_126(X, C, B):
    return jnp.trace(jnp.linalg.solve(X.T @ C @ X, X.T @ B @ X))


def _printed_126(X, C, B):  # the Cookbook's right side: 0 for square X, up to rounding
    P = jnp.linalg.inv(X.T @ C @ X)
    return -2 * C @ X @ P @ X.T @ B @ X @ P + 2 * B @ X @ P


def _point_126(X):
    g = np.random.default_rng(126)
    C = g.normal(size=(4, 4))
    B = g.normal(size=(4, 4))
    return X, C @ C.T + 4 * np.eye(4), B + B.T


def test_11_cookbook_126_square_x_zero_gradient_passes():
    """Square X: the trace is the constant tr(C^-1 B). Autodiff gives ~1e-15 noise; zeros pass, as
    does the Cookbook's formula (as a peer asserts it), and a clearly nonzero candidate fails."""
    U, V = _orthogonal(5, 4), _orthogonal(6, 4)
    args = _point_126((U * np.array([1.0, 1.5, 2.0, 3.0])) @ V.T)  # condition number 3
    assert check_gradient(_cookbook_126, lambda X, C, B: jnp.zeros_like(X), *args)
    assert check_gradient(_cookbook_126, _printed_126, *args)
    _fails_with(check_gradient(_cookbook_126, lambda X, C, B: 1e-3 * B @ X, *args), "unrelated")


@pytest.mark.parametrize("seed", [23, 38])
def test_11_cookbook_126_zero_gradient_at_a_gaussian_point(seed):
    """Condition numbers 167 and 67: autodiff's noise (3e-11 and 4e-12) is 500 and 50 times eps |f| / |X|,
    and the finite difference of the computed f sees a 'slope' of the same noise. Measured at the
    point (every reference run again a few ulps away, f's own rounding likewise), it is the level
    at which the truth is zero: zeros and the Cookbook's formula pass, fd voting."""
    args = _point_126(np.random.default_rng(seed).normal(size=(4, 4)))
    for candidate in (lambda X, C, B: jnp.zeros_like(X), _printed_126):
        r = _fd_votes(check_gradient(_cookbook_126, candidate, *args))
        assert r.ok, str(r)


def _flipped_126(X, C, B):  # the Cookbook's formula with its first sign flipped: nonzero, of size |B| / |X|
    P = jnp.linalg.inv(X.T @ C @ X)
    return 2 * C @ X @ P @ X.T @ B @ X @ P + 2 * B @ X @ P


@pytest.mark.parametrize("seed", [23, 38])
def test_11_the_zero_level_rejects_what_is_not_rounding(seed):
    """At the same points: a sign slip in the Cookbook's formula, half of it, and 1e-9 B X (300 times
    the noise) fail."""
    args = _point_126(np.random.default_rng(seed).normal(size=(4, 4)))
    half = lambda X, C, B: 2 * B @ X @ jnp.linalg.inv(X.T @ C @ X)  # noqa: E731
    for wrong in (_flipped_126, half, lambda X, C, B: 1e-9 * B @ X):
        r = _fails_with(check_gradient(_cookbook_126, wrong, *args), "unrelated")
        assert all(r.errors[n] > r.tolerances[n] for n in r.errors), str(r)  # fd votes against it too
        assert all(r.errors[n] > 10 * r.tolerances[n] for n in ("grad", "jacrev", "jacfwd")), str(r)


def test_11_cookbook_126_zero_gradient_over_gaussian_points():
    """9 of 40 Gaussian 4 x 4 points failed the zeros (from condition number 15). Now every one passes,
    and 1e-9 B X fails at every one."""
    for seed in range(40):
        args = _point_126(np.random.default_rng(seed).normal(size=(4, 4)))
        r = check_gradient(_cookbook_126, lambda X, C, B: jnp.zeros_like(X), *args)
        assert r.ok, (seed, str(r))
        assert not check_gradient(_cookbook_126, lambda X, C, B: 1e-9 * B @ X, *args), seed


@pytest.mark.parametrize("seed", [23, 38])
def test_11_cookbook_126_tall_x_at_a_moderately_ill_conditioned_point(seed):
    """Tall X (4 x 3, one column 100 times shorter, condition number 120 to 170): the gradient is the
    Cookbook's nonzero formula. It passes; zeros and a 0.1% error fail."""
    X = np.random.default_rng(seed).normal(size=(4, 3)) * np.array([1e-2, 1.0, 1.0])
    args = _point_126(X)
    assert 100 < np.linalg.cond(X) < 200
    assert _fd_votes(check_gradient(_cookbook_126, _printed_126, *args))
    _fails_with(check_gradient(_cookbook_126, lambda X, C, B: jnp.zeros_like(X), *args), "all zeros")
    _fails_with(check_gradient(_cookbook_126, lambda X, C, B: 1.001 * _printed_126(X, C, B), *args), "scaled by 1.001")


# -- (5) diagnosis of the classic mistakes -----------------------------------------------------------


def test_5_cookbook_structured_convention_on_a_symmetric_domain():
    rng = np.random.default_rng(113)
    B, C = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    S = rng.normal(size=(3, 3))
    S = S + S.T
    f = lambda X: jnp.sum(jnp.tanh(B @ X @ C))  # noqa: E731
    G = lambda X: B.T @ (1 - jnp.tanh(B @ X @ C) ** 2) @ C.T  # noqa: E731  (the unconstrained gradient)
    assert check_gradient(f, lambda X: (G(X) + G(X).T) / 2, S, domain="symmetric")
    cookbook = lambda X: G(X) + G(X).T - jnp.diag(jnp.diag(G(X)))  # noqa: E731
    _fails_with(check_gradient(f, cookbook, S, domain="symmetric"),
                "structured-matrix convention", "independent entries (Cookbook 2.8) instead of sym(G)")


def test_5_missing_symmetrization():
    rng = np.random.default_rng(114)
    x, X = rng.normal(size=4), rng.normal(size=(4, 3))
    quadratic = lambda x: x @ A4 @ x  # noqa: E731
    assert check_gradient(quadratic, lambda x: (A4 + A4.T) @ x, x)
    _fails_with(check_gradient(quadratic, lambda x: 2 * A4 @ x, x), "missing symmetrization")
    _fails_with(check_gradient(quadratic, lambda x: 2 * A4 @ x, x.astype(np.float32)), "missing symmetrization")
    _fails_with(check_gradient(lambda X: jnp.trace(X.T @ A4 @ X), lambda X: 2 * A4 @ X, X), "missing symmetrization")


def test_5_missing_symmetrization_never_names_other_mistakes():
    rng = np.random.default_rng(115)
    x = rng.normal(size=4)
    quadratic = lambda x: x @ A4 @ x  # noqa: E731
    right = lambda x: (A4 + A4.T) @ x  # noqa: E731
    for wrong, words in [(lambda x: 2 * right(x), "scaled by 2"),
                         (lambda x: right(x) + jnp.sin(x), "unrelated"),  # a symmetric Jacobian, wrong
                         (lambda x: 2 * (A4 + A4.T + np.eye(4)) @ x, "unrelated")]:
        r = _fails_with(check_gradient(quadratic, wrong, x), words)
        assert "symmetrization" not in r.diagnosis
    # A second mistake besides: named, and the rest of the difference is said to be something else.
    _fails_with(check_gradient(quadratic, lambda x: 2 * A4 @ x + 1e-3, x), "missing symmetrization",
                "another mistake besides")


def _float32_points():
    yield np.random.default_rng(2024).normal(size=208)[192:].reshape(4, 4) + 4 * np.eye(4)
    for seed in range(4):
        yield np.random.default_rng(seed).normal(size=(4, 4)) + (4 if seed % 2 else 0) * np.eye(4)


def test_5_precision_float32_accuracy_in_a_float64_check():
    """The first point is one where fd (along three random directions) resolves 2e-8 and agrees,
    while autodiff sees 6e-8: that is no evidence against f's derivative rule."""
    logdet = lambda X: jnp.linalg.slogdet(X)[1]  # noqa: E731
    in_float32 = lambda X: jnp.linalg.inv(X.astype(jnp.float32)).T.astype(X.dtype)  # noqa: E731
    for X in _float32_points():
        r = _fails_with(check_gradient(logdet, in_float32, X),
                        "precision: right to about float32 accuracy (relative error", "computed in float32?")
        assert 1e-9 < max(r.errors.values()) < 1e-5
    # Small errors with no sign of float32 stay "unrelated" (test_check's noise of 1e-6).
    rng = np.random.default_rng(120)
    X, noise = rng.normal(size=(4, 4)) + 4 * np.eye(4), 1e-7 * rng.normal(size=(4, 4))
    r = _fails_with(check_gradient(logdet, lambda X: jnp.linalg.inv(X).T + noise, X), "unrelated")
    assert "precision" not in r.diagnosis


def test_5_two_dimensional_layout_swap_is_transposed():
    rng = np.random.default_rng(117)
    M, y = rng.normal(size=(3, 4)), rng.normal(size=4)
    f = lambda y: jnp.tanh(M @ y)  # noqa: E731
    jac = lambda y: (1 - jnp.tanh(M @ y) ** 2)[:, None] * M  # noqa: E731
    assert check_jacobian(f, jac, y)
    r = _fails_with(check_jacobian(f, lambda y: jac(y).T, y), "transposed")
    assert "axes in the order" not in r.diagnosis
    square = rng.normal(size=(4, 4))
    g = lambda y: jnp.tanh(square @ y)  # noqa: E731
    r = _fails_with(check_jacobian(g, lambda y: ((1 - jnp.tanh(square @ y) ** 2)[:, None] * square).T, y),
                    "transposed")
    assert "axes in the order" not in r.diagnosis


@pytest.mark.parametrize("offset", [0.0, 1e-12])
@pytest.mark.parametrize("factor", [1.5, 0.0, -1.0])
def test_8_a_nonzero_gradient_at_the_origin_is_not_taken_for_zero(offset, factor):
    """At T = 0, |f| / |T| is unbounded: the zero-truth rule must not call det(X) I zero there (it did,
    and det_cofactor_sum passed any candidate). A finite difference that resolves the slope vetoes it."""
    rng = np.random.default_rng(47)
    X = np.linalg.qr(rng.normal(size=(4, 4)))[0] @ np.diag([1.0, 1.5, 2.0, 2.5])
    T = offset * rng.normal(size=(4, 4))
    f = lambda T, X: jnp.linalg.det(X + T @ X)  # noqa: E731
    right = lambda T, X: jnp.linalg.det(X + T @ X) * jnp.linalg.inv(jnp.eye(4) + T).T  # noqa: E731
    assert check_gradient(f, right, T, X)
    assert not check_gradient(f, lambda T, X: factor * right(T, X), T, X)
    assert not check_gradient(f, lambda T, X: jnp.eye(4), T, X)
