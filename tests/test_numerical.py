"""Tests for matcalc.references.numerical: orders, values against hand-written derivatives, error estimates, bad input.

Each derivative call compiles one XLA computation, so related calls are grouped under one ``jax.jit``,
and exact values and comparisons use numpy (eager jax ops would each compile too) to keep the file fast.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from matcalc import RunContext
from matcalc.references import numerical as nm

FIRST_ORDER_METHODS = ["forward", "backward", "central", "central4", "central6", "richardson", "complex_step"]


def sin_exp(x):
    return jnp.sin(x) * jnp.exp(x)


def sin_exp_prime(x):
    x = np.asarray(x, np.float64)
    return np.exp(x) * (np.sin(x) + np.cos(x))


def sin_exp_second(x):
    x = np.asarray(x, np.float64)
    return 2 * np.exp(x) * np.cos(x)


def mixed_function(z):  # R^2 -> R
    return jnp.sin(z[0]) * jnp.exp(z[1]) + z[0] ** 3 * z[1] ** 2


def mixed_function_cross(z):  # d^2/dz0 dz1 of mixed_function
    z = np.asarray(z, np.float64)
    return np.cos(z[0]) * np.exp(z[1]) + 6 * z[0] ** 2 * z[1]


def mixed_function_pure(z):  # d^2/dz0^2 of mixed_function
    z = np.asarray(z, np.float64)
    return -np.sin(z[0]) * np.exp(z[1]) + 6 * z[0] * z[1] ** 2


def logsumexp(x):
    return jnp.log(jnp.sum(jnp.exp(x)))


def logsumexp_hessian(x):
    e = np.exp(np.asarray(x, np.float64))
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)


NONSQUARE_A = np.arange(12.0).reshape(3, 4) / 10 - 0.5


def nonsquare(x):
    """R^4 -> R^3: tanh(A x) + x[:3]^2."""
    return jnp.tanh(jnp.asarray(NONSQUARE_A, x.dtype) @ x) + x[:3] ** 2


def nonsquare_jacobian(x):
    x = np.asarray(x, np.float64)
    square = np.zeros((3, 4))
    square[:, :3] = np.diag(2 * x[:3])
    return (1 - np.tanh(NONSQUARE_A @ x) ** 2)[:, None] * NONSQUARE_A + square


def sum_sin_cube(x):
    return jnp.sum(jnp.sin(x)) + jnp.sum(x**3)


def sum_sin_cube_gradient(x):
    x = np.asarray(x, np.float64)
    return np.cos(x) + 3 * x**2


def logdet(x):  # analytic (complex-step friendly) while det x > 0; gradient x^{-T}
    return jnp.log(jnp.linalg.det(x))


def well_conditioned(n, seed):
    """I + small noise (numpy float64): cond ~ 2 and det > 0, so log det is smooth and real-analytic nearby."""
    rng = np.random.default_rng(seed)
    return np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)


def normal(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def relative_error(value, exact):
    value, exact = np.asarray(value, np.float64), np.asarray(exact, np.float64)
    return np.linalg.norm(value - exact) / np.linalg.norm(exact)


def true_errors_bounded(estimate, exact):
    """Whether |value - exact| <= error, elementwise (numpy bool array)."""
    value, error = np.asarray(estimate.value, np.float64), np.asarray(estimate.error, np.float64)
    return np.abs(value - np.asarray(exact, np.float64)) <= error


# ----------------------------------------------------------------------------- order of accuracy


def scalar_rule(name):
    """Stencil `name` for sin_exp along direction 1, as a function of (x, h)."""
    rules = {
        "forward": lambda x, h: nm.forward_difference(sin_exp, x, 1.0, h=h),
        "backward": lambda x, h: nm.backward_difference(sin_exp, x, 1.0, h=h),
        "central": lambda x, h: nm.central_difference(sin_exp, x, 1.0, h=h),
        "central4": lambda x, h: nm.central_difference(sin_exp, x, 1.0, h=h, accuracy=4),
        "central6": lambda x, h: nm.central_difference(sin_exp, x, 1.0, h=h, accuracy=6),
        "richardson2": lambda x, h: nm.richardson(sin_exp, x, 1.0, h=h, levels=2),
        "richardson3": lambda x, h: nm.richardson(sin_exp, x, 1.0, h=h, levels=3),
        "second2": lambda x, h: nm.second_difference(sin_exp, x, 1.0, h=h),
        "second4": lambda x, h: nm.second_difference(sin_exp, x, 1.0, h=h, accuracy=4),
    }
    return rules[name]


def fitted_order(steps, errors):
    return np.polyfit(np.log(steps), np.log(errors), 1)[0]


@pytest.mark.parametrize(
    "name, order, largest_h",  # steps largest_h / 2**k, k < 4: truncation dominates round-off throughout
    [
        ("forward", 1, 1e-2),
        ("backward", 1, 1e-2),
        ("central", 2, 1e-2),
        ("central4", 4, 1e-1),
        ("central6", 6, 1e-1),
        ("richardson2", 4, 1e-1),
        ("richardson3", 6, 4e-1),
        ("second2", 2, 1e-2),
        ("second4", 4, 1e-1),
    ],
)
def test_order_of_accuracy(name, order, largest_h, x64):
    x = jnp.asarray(0.7)
    exact = sin_exp_second(x) if name.startswith("second") else sin_exp_prime(x)
    steps = largest_h * 0.5 ** np.arange(4)
    values = jax.jit(lambda x: [scalar_rule(name)(x, h).value for h in steps])(x)
    errors = np.abs(np.asarray(values) - exact)
    assert abs(fitted_order(steps, errors) - order) < 0.5, errors


@pytest.mark.parametrize("accuracy", [2, 4])
def test_order_of_mixed_second_difference(accuracy, x64):
    z = jnp.array([0.7, -0.3])
    u, v = jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])
    steps = (1e-2 if accuracy == 2 else 1e-1) * 0.5 ** np.arange(4)
    values = jax.jit(
        lambda z: [nm.second_difference(mixed_function, z, u, v, h=h, accuracy=accuracy).value for h in steps]
    )(z)
    errors = np.abs(np.asarray(values) - float(mixed_function_cross(z)))
    assert abs(fitted_order(steps, errors) - accuracy) < 0.5, errors


def test_complex_step_error_is_quadratic_in_h(x64):
    """Without cancellation, large steps expose the h^2 truncation term."""
    x = jnp.asarray(0.7)
    steps = 1e-1 * 0.5 ** np.arange(4)
    values = jax.jit(lambda x: [nm.complex_step(sin_exp, x, 1.0, h=h).value for h in steps])(x)
    errors = np.abs(np.asarray(values) - float(sin_exp_prime(x)))
    assert abs(fitted_order(steps, errors) - 2) < 0.5, errors


# ----------------------------------------------------------------------------- values

SCALAR_TOLERANCES = {  # method: (float64, float32) relative tolerance at the default step
    "forward": (1e-6, 3e-3),
    "backward": (1e-6, 3e-3),
    "central": (1e-9, 1e-4),
    "central4": (1e-11, 3e-5),
    "central6": (1e-11, 3e-5),
    "richardson": (1e-12, 3e-5),
    "complex_step": (1e-15, 1e-6),
}


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
def test_scalar_derivative_every_method(dtype):
    with RunContext(jnp.dtype(dtype).name).scope():
        x = jnp.asarray(0.7, dtype)
        estimates = jax.jit(lambda x: {m: nm.directional(sin_exp, x, 1.0, method=m) for m in FIRST_ORDER_METHODS})(x)
        exact = sin_exp_prime(0.7)
        for method, estimate in estimates.items():
            assert estimate.value.dtype == estimate.error.dtype == dtype, method
            tolerance = SCALAR_TOLERANCES[method][dtype == jnp.float32]
            assert abs(float(estimate.value) - exact) <= tolerance * abs(exact), method


@pytest.mark.parametrize("method", FIRST_ORDER_METHODS)
def test_gradient_and_jacobian_of_nonsquare_map(method, x64):
    """Gradient of a function of a 2x3 matrix is laid out like it; Jacobian of R^4 -> R^3 is 3x4.

    Their error estimates must bound the true errors too (see also test_error_estimates_bound_true_error).
    """
    tolerance = 1e-6 if method in ("forward", "backward") else 1e-9
    x, y = jnp.asarray(normal(0, (2, 3))), jnp.asarray(normal(1, (4,)))
    grad, jac = jax.jit(
        lambda x, y: (nm.gradient(sum_sin_cube, x, method=method), nm.jacobian(nonsquare, y, method=method))
    )(x, y)
    assert grad.value.shape == grad.error.shape == (2, 3)
    assert grad.value.dtype == jnp.float64
    assert relative_error(grad.value, sum_sin_cube_gradient(x)) <= tolerance
    assert true_errors_bounded(grad, sum_sin_cube_gradient(x)).all()
    assert jac.value.shape == jac.error.shape == (3, 4)
    assert relative_error(jac.value, nonsquare_jacobian(y)) <= tolerance
    assert true_errors_bounded(jac, nonsquare_jacobian(y)).all()


def test_float32_jacobians_every_method():
    y = jnp.asarray(normal(1, (4,)), jnp.float32)
    estimates = jax.jit(lambda y: {m: nm.jacobian(nonsquare, y, method=m) for m in FIRST_ORDER_METHODS})(y)
    for method, estimate in estimates.items():
        assert estimate.value.dtype == estimate.error.dtype == jnp.float32, method
        tolerance = 3e-3 if method in ("forward", "backward") else 1e-4
        assert relative_error(estimate.value, nonsquare_jacobian(y)) <= tolerance, method


def test_jacobian_layout_matrix_to_matrix(x64):
    """F(X) = X @ X: dF_ij/dX_kl = delta_ik X_lj + X_ik delta_jl, in layout out + in = (i, j, k, l)."""
    x = normal(2, (3, 3))
    eye = np.eye(3)
    exact = np.einsum("ik,lj->ijkl", eye, x) + np.einsum("ik,jl->ijkl", x, eye)
    estimate = nm.jacobian(lambda X: X @ X, jnp.asarray(x))
    assert estimate.value.shape == (3, 3, 3, 3)
    assert relative_error(estimate.value, exact) <= 1e-12


def test_zero_dimensional_input_and_output(x64):
    x = jnp.asarray(0.3)
    grad, hess, hess4 = jax.jit(
        lambda x: (nm.gradient(sin_exp, x), nm.hessian(sin_exp, x), nm.hessian(sin_exp, x, method="central4"))
    )(x)
    assert grad.value.shape == hess.value.shape == hess4.value.shape == ()
    assert abs(float(grad.value) - sin_exp_prime(0.3)) <= 1e-12
    assert abs(float(hess.value) - sin_exp_second(0.3)) <= 1e-7
    assert abs(float(hess4.value) - sin_exp_second(0.3)) <= 1e-9


@pytest.mark.parametrize("method, tol64, tol32", [("central", 1e-7, 3e-2), ("central4", 1e-9, 1e-2)])
def test_hessian_of_quadratic_and_logsumexp(method, tol64, tol32):
    """Quadratic: H = (A + A^T) / 2; log-sum-exp: H = diag(p) - p p^T with p = softmax(x)."""
    rng = np.random.default_rng(3)
    a, b, x = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    for dtype, tolerance in [(jnp.float64, tol64), (jnp.float32, tol32)]:
        with RunContext(jnp.dtype(dtype).name).scope():
            A, B, X = (jnp.asarray(t, dtype) for t in (a, b, x))
            quadratic, lse = jax.jit(
                lambda X: (
                    nm.hessian(lambda z: 0.5 * z @ A @ z + B @ z, X, method=method),
                    nm.hessian(logsumexp, X, method=method),
                )
            )(X)
            assert quadratic.value.dtype == lse.value.dtype == dtype
            assert relative_error(quadratic.value, (a + a.T) / 2) <= tolerance
            assert relative_error(lse.value, logsumexp_hessian(x)) <= tolerance
            np.testing.assert_array_equal(lse.value, np.asarray(lse.value).T)


def test_hessian_of_matrix_input_has_doubled_shape(x64):
    x = normal(4, (2, 2))
    estimate = nm.hessian(lambda X: jnp.sum(X**3), jnp.asarray(x))
    assert estimate.value.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(estimate.value, np.diag(6 * x.ravel()).reshape(2, 2, 2, 2), atol=1e-6)


@pytest.mark.parametrize("accuracy", [2, 4])
def test_second_difference_mixed_and_pure(accuracy, x64):
    z = jnp.array([0.7, -0.3])
    u, v = jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])
    mixed, pure = jax.jit(
        lambda z: (
            nm.second_difference(mixed_function, z, u, v, accuracy=accuracy),
            nm.second_difference(mixed_function, z, u, accuracy=accuracy),  # v=None: along u twice
        )
    )(z)
    assert abs(float(mixed.value) - mixed_function_cross(z)) <= 1e-6
    assert abs(float(pure.value) - mixed_function_pure(z)) <= 1e-6


def test_richardson_and_complex_step_on_logdet_gradient(x64):
    """Gradient of log|det X| is X^{-T}; a well-conditioned 32x32 X makes it a clean float64 target."""
    x = well_conditioned(32, 0)
    exact = np.linalg.inv(x).T
    richardson = nm.gradient(lambda X: jnp.linalg.slogdet(X)[1], jnp.asarray(x))
    assert richardson.evaluations == 6
    assert relative_error(richardson.value, exact) <= 1e-10
    complex_step = nm.gradient(logdet, jnp.asarray(x), method="complex_step")
    assert complex_step.evaluations == 1
    assert relative_error(complex_step.value, exact) <= 1e-14
    # log det carries several ulps of round-off of its own; the estimates must allow for it
    assert true_errors_bounded(richardson, exact).mean() >= 0.95
    assert true_errors_bounded(complex_step, exact).mean() >= 0.95


def test_evaluation_counts():
    """Counts are static, so eval_shape reads them without compiling anything."""
    x = jnp.asarray(0.5)

    def count(call):
        return jax.eval_shape(call, x).evaluations

    expected = {
        "forward": 3,  # x, x + h, x + 2h
        "backward": 3,
        "central": 4,  # +-h, +-2h
        "central4": 6,  # +-h, +-2h, +-4h
        "central6": 10,  # +-h, +-2h, +-3h, +-4h, +-6h
        "richardson": 6,  # +-h, +-h/2, +-h/4
        "complex_step": 1,
    }
    for method, evaluations in expected.items():
        assert count(lambda x: nm.directional(jnp.sin, x, 1.0, method=method)) == evaluations, method
    assert count(lambda x: nm.richardson(jnp.sin, x, 1.0, levels=4)) == 8
    assert count(lambda x: nm.second_difference(jnp.sin, x, 1.0)) == 5  # 0, +-h, +-2h
    assert count(lambda x: nm.second_difference(jnp.sin, jnp.ones(2) * x, jnp.ones(2), jnp.ones(2))) == 8


# ----------------------------------------------------------------------------- batching and jit


@pytest.mark.parametrize("method", ["forward", "central6", "richardson", "complex_step"])  # the distinct code paths
def test_batched_directions_match_single_and_jit(method, x64):
    x, directions = jnp.asarray(normal(5, (4,))), jnp.asarray(normal(6, (3, 4)))
    batched, singles = jax.jit(
        lambda x, vs: (
            nm.directional(nonsquare, x, vs, method=method),
            [nm.directional(nonsquare, x, v, method=method) for v in vs[:2]],
        )
    )(x, directions)
    assert batched.value.shape == batched.error.shape == (3, 3)
    for row, single in enumerate(singles):
        assert single.value.shape == (3,)
        # compiled differently, so equal only up to round-off, which a difference amplifies by 1/h
        assert true_errors_bounded(single, batched.value[row]).all()
        np.testing.assert_allclose(batched.error[row], single.error, rtol=0.2)
    np.testing.assert_allclose(batched.value, np.asarray(directions) @ nonsquare_jacobian(x).T, rtol=1e-5)


def test_batched_second_difference_and_zero_dimensional_batches(x64):
    z = jnp.array([0.7, -0.3])
    us = jnp.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    v = jnp.array([0.0, 1.0])
    x = jnp.asarray(0.7)
    batched, singles, scalar = jax.jit(
        lambda z, x: (
            nm.second_difference(mixed_function, z, us, v),  # unbatched v is broadcast against us
            [nm.second_difference(mixed_function, z, u, v) for u in us],
            nm.richardson(sin_exp, x, jnp.array([1.0, -2.0])),  # 0-d x, directions of shape (2,)
        )
    )(z, x)
    assert batched.value.shape == (3,)
    for row, single in enumerate(singles):
        assert true_errors_bounded(single, batched.value[row])
    np.testing.assert_allclose(scalar.value, np.array([1.0, -2.0]) * sin_exp_prime(0.7), rtol=1e-12)


def test_jit_with_closure_over_traced_values(x64):
    """f may close over tracers of an enclosing jit (here the matrix of a quadratic form)."""
    a, x = normal(8, (3, 3)), np.array([0.1, -0.4, 0.3])
    hess, grad = jax.jit(
        lambda a, x: (nm.hessian(lambda z: z @ a @ z, x), nm.gradient(lambda z: z @ a @ z, x, method="central4"))
    )(jnp.asarray(a), jnp.asarray(x))
    np.testing.assert_allclose(hess.value, a + a.T, atol=1e-7)
    np.testing.assert_allclose(grad.value, (a + a.T) @ x, atol=1e-10)


# ----------------------------------------------------------------------------- steps and error estimates


def test_relative_step_scales_with_magnitude_and_dtype(x64):
    eps64 = float(jnp.finfo(jnp.float64).eps)
    small, large = np.array([0.5, -0.2]), np.array([3.0, -100.0])
    steps = jax.jit(
        lambda small, large: (
            nm.relative_step(small, jnp.float64, order=2),
            nm.relative_step(large, jnp.float64, order=2),
            nm.relative_step(1.0, jnp.float64, order=2, derivative=2),
            nm.central_difference(jnp.sin, large[1], 1.0).step,  # the default step is relative too
        )
    )(small, large)
    central = eps64 ** (1 / 3)  # order 2, first derivative
    np.testing.assert_allclose(steps, [central, 100 * central, eps64**0.25, 100 * central])
    step32 = nm.relative_step(jnp.ones(3, jnp.float32), jnp.float32, order=4)
    assert step32.dtype == jnp.float32
    assert float(step32) == pytest.approx(float(jnp.finfo(jnp.float32).eps) ** 0.2, rel=1e-6)


def error_examples():
    """(name, f, x, exact Jacobian): smooth float64 functions beyond those of the other tests.

    (log det, with its internal round-off, is covered by the log|det X| and float32 tests.)
    """
    big = np.array([120.0, -75.0])
    x3 = np.array([0.3, -1.2, 2.0])
    return [
        ("large_x", lambda z: jnp.sin(z / 50) * z, big, np.diag(np.cos(big / 50) * big / 50 + np.sin(big / 50))),
        ("softmax", lambda z: jnp.exp(z) / jnp.sum(jnp.exp(z)), x3, logsumexp_hessian(x3)),
    ]


@pytest.mark.parametrize("method", FIRST_ORDER_METHODS)
def test_error_estimates_bound_true_error(method, x64):
    examples = error_examples()
    estimates = jax.jit(lambda xs: [nm.jacobian(f, x, method=method) for (_, f, _, _), x in zip(examples, xs)])(
        [jnp.asarray(x) for _, _, x, _ in examples]
    )
    bounded, total = 0, 0
    for (name, _, _, exact), estimate in zip(examples, estimates):
        assert estimate.error.shape == estimate.value.shape
        assert (np.asarray(estimate.error) >= 0).all(), name
        bounded += true_errors_bounded(estimate, exact).sum()
        total += exact.size
        # conservative but still informative: not wildly above the largest true error
        largest = np.abs(np.asarray(estimate.value) - exact).max()
        assert np.asarray(estimate.error).max() <= 1e4 * max(largest, 1e-15), name
    assert bounded / total >= 0.95, (bounded, total)


def test_error_estimates_bound_true_error_at_chosen_steps(x64):
    """Error estimates track the truncation error as h grows, for every stencil."""
    x = jnp.asarray(0.7)
    names = ["forward", "backward", "central", "central4", "central6", "richardson3", "second2", "second4"]
    steps = [1e-1, 1e-2, 1e-3]
    estimates = jax.jit(lambda x: {n: [scalar_rule(n)(x, h) for h in steps] for n in names})(x)
    for name in names:
        exact = sin_exp_second(x) if name.startswith("second") else sin_exp_prime(x)
        for h, estimate in zip(steps, estimates[name]):
            assert true_errors_bounded(estimate, exact), (name, h)


def test_hessian_error_estimate_bounds_true_error(x64):
    x = np.array([0.3, -1.2, 2.0, 0.1])
    methods = ["central", "central4"]
    estimates = jax.jit(lambda x: [nm.hessian(logsumexp, x, method=m) for m in methods])(jnp.asarray(x))
    for method, estimate in zip(methods, estimates):
        assert true_errors_bounded(estimate, logsumexp_hessian(x)).all(), method


def test_error_estimate_is_not_a_constant(x64):
    """The truncation part shrinks with h like h^order; a fixed guess would not."""
    x = jnp.asarray(0.7)
    forward = [scalar_rule("forward")(x, h).error for h in (1e-2, 1e-3)]
    central4 = [scalar_rule("central4")(x, h).error for h in (1e-1, 5e-2)]
    assert 8 < float(forward[0] / forward[1]) < 12  # 10^1
    assert 12 < float(central4[0] / central4[1]) < 20  # 2^4


def test_float32_error_estimates():
    x = jnp.asarray(well_conditioned(8, 9), jnp.float32)
    exact = np.linalg.inv(well_conditioned(8, 9)).T
    methods = ["central", "richardson", "complex_step"]
    estimates = jax.jit(lambda x: [nm.gradient(logdet, x, method=m) for m in methods])(x)
    for method, estimate in zip(methods, estimates):
        assert estimate.value.dtype == estimate.error.dtype == jnp.float32
        assert true_errors_bounded(estimate, exact).mean() >= 0.95, method


def test_complex_step_reaches_machine_precision(x64):
    x = np.array([0.7, -1.3, 2.5])
    estimate = nm.gradient(lambda z: jnp.sum(sin_exp(z)) * jnp.cosh(z[0]), jnp.asarray(x), method="complex_step")
    exact = sin_exp_prime(x) * np.cosh(x[0])
    exact[0] += np.sum(np.sin(x) * np.exp(x)) * np.sinh(x[0])
    value, error = np.asarray(estimate.value), np.asarray(estimate.error)
    assert (np.abs(value - exact) <= 4 * np.finfo(np.float64).eps * np.abs(exact)).all()
    assert true_errors_bounded(estimate, exact).all()
    assert (error <= 1e-13 * np.abs(exact)).all()


# ----------------------------------------------------------------------------- steps near singularities


def pole(x):  # 1 / (x_0 - 1e-3) + x_1: a pole 1e-3 from x = 0, which the default step (~6e-3) reaches past
    return 1.0 / (x[0] - 1e-3) + x[1]


POLE_DIRECTIONS = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
POLE_EXACT = POLE_DIRECTIONS @ np.array([-1e6, 1.0])  # the gradient at 0 is (-1 / 1e-3**2, 1)


def test_radius_caps_each_directions_step(x64):
    """The farthest stencil point (h along d for Richardson) lands at RADIUS_FRACTION of the radius."""
    x = jnp.zeros(2)
    default = nm.richardson(pole, x, POLE_DIRECTIONS)
    capped = nm.richardson(pole, x, POLE_DIRECTIONS, radius=jnp.array([1e-3, 1e-3 / 0.6, np.inf]))
    np.testing.assert_allclose(capped.step, [nm.RADIUS_FRACTION * 1e-3, nm.RADIUS_FRACTION * 1e-3 / 0.6,
                                             float(default.step[2])])
    assert float(default.step[0]) > 1e-3  # the default reaches past the pole ...
    assert relative_error(default.value[:2], POLE_EXACT[:2]) > 0.1
    assert true_errors_bounded(capped, POLE_EXACT).all()  # ... the capped step does not
    assert relative_error(capped.value, POLE_EXACT) < 1e-6  # 6e-8: the pole is 8 steps away
    # a point on the boundary (radius 0) keeps the default step: its estimate says what it is worth
    assert float(nm.richardson(pole, x, POLE_DIRECTIONS[0], radius=0.0).step) == float(default.step[0])
    with pytest.raises(ValueError, match=r"radius has shape \(2,\); expected \(\) or one per direction \(3,\)"):
        nm.richardson(pole, x, POLE_DIRECTIONS, radius=jnp.ones(2))


def test_adaptive_step_finds_its_way_past_a_pole_it_was_not_told_of(x64):
    x = jnp.zeros(2)
    fixed = nm.richardson(pole, x, POLE_DIRECTIONS)
    adaptive = nm.richardson(pole, x, POLE_DIRECTIONS, adaptive=True)
    assert (np.asarray(fixed.error[:2]) > 1e-2 * np.abs(POLE_EXACT[:2])).all()  # the fixed step's estimate knew
    assert true_errors_bounded(adaptive, POLE_EXACT).all()
    assert (np.asarray(adaptive.error) < 1e-8 * np.abs(POLE_EXACT)).all()
    assert float(adaptive.step[0]) < 1e-3 / 8 and float(adaptive.step[2]) == float(fixed.step[2])
    # where the first step is good it is kept, and so is the estimate
    smooth = jax.jit(lambda x: (nm.richardson(sin_exp, x, 1.0), nm.richardson(sin_exp, x, 1.0, adaptive=True)))
    plain, kept = smooth(jnp.asarray(0.7))
    assert float(kept.step) == float(plain.step) and float(kept.value) == float(plain.value)


def test_adaptive_step_where_f_is_nowhere_defined_is_unbounded(x64):
    """sqrt at 0 is NaN on one side at every step: the estimate is inf, never a finite guess."""
    estimate = nm.central_difference(lambda x: jnp.sum(jnp.sqrt(x)), jnp.array([0.0, 1.0]), jnp.array([1.0, 1.0]),
                                     adaptive=True)
    assert float(estimate.error) == np.inf


def test_adaptive_measures_f_s_own_rounding(x64):
    """tr((X^T C X)^-1 X^T B X) is constant for square X, but computed it wanders by eps times the
    condition number of X^T C X (3e-12 here, 1e4 ulps): its difference quotients look like a slope.
    The model's 10 ulps miss that noise; the measured rounding covers it."""
    rng = np.random.default_rng(126)
    c, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    c, b = c @ c.T + 4 * np.eye(4), b + b.T
    x = np.random.default_rng(23).normal(size=(4, 4))  # condition number 167
    f = lambda x: jnp.trace(jnp.linalg.solve(x.T @ c @ x, x.T @ b @ x))  # noqa: E731
    directions = jnp.asarray(normal(11, (8, 4, 4)))
    fixed, adaptive = jax.jit(lambda x: (nm.richardson(f, x, directions),
                                         nm.richardson(f, x, directions, adaptive=True)))(jnp.asarray(x))
    assert not true_errors_bounded(fixed, np.zeros(8)).all()  # the truth is 0
    assert true_errors_bounded(adaptive, np.zeros(8)).all()
    assert (np.asarray(adaptive.error) < 1e-9).all()  # still resolving: the noise is 1e-11


def test_complex_step_takes_a_radius(x64):
    estimate = nm.complex_step(jnp.sin, jnp.asarray(0.5), 1.0, radius=1e-25)
    assert float(estimate.step) == pytest.approx(nm.RADIUS_FRACTION * 1e-25)
    assert float(estimate.value) == pytest.approx(np.cos(0.5), rel=1e-15)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call",
    [
        lambda x, v: nm.forward_difference(jnp.sin, x, v),
        lambda x, v: nm.backward_difference(jnp.sin, x, v),
        lambda x, v: nm.central_difference(jnp.sin, x, v),
        lambda x, v: nm.richardson(jnp.sin, x, v),
        lambda x, v: nm.complex_step(jnp.sin, x, v),
        lambda x, v: nm.second_difference(jnp.sin, x, v),
        lambda x, v: nm.second_difference(jnp.sin, x, jnp.ones(3), v),
        lambda x, v: nm.directional(jnp.sin, x, v, method="central6"),
    ],
)
def test_bad_direction_shape(call):
    with pytest.raises(ValueError, match=r"direction has shape \(2, 2\); expected x.shape \(3,\)"):
        call(jnp.ones(3), jnp.ones((2, 2)))


def test_mismatched_batches():
    with pytest.raises(ValueError, match=r"disagree on the batch size: \[2, 3\]"):
        nm.second_difference(jnp.sin, jnp.ones(3), jnp.ones((2, 3)), jnp.ones((3, 3)))


def test_unknown_accuracy_and_method():
    x = jnp.ones(3)
    with pytest.raises(ValueError, match=r"unknown accuracy 3; valid: 2, 4, 6"):
        nm.central_difference(jnp.sin, x, x, accuracy=3)
    with pytest.raises(ValueError, match=r"unknown accuracy 6; valid: 2, 4"):
        nm.second_difference(jnp.sin, x, x, accuracy=6)
    with pytest.raises(ValueError, match=r"unknown method 'spline'; valid: 'forward', .*'complex_step'"):
        nm.directional(jnp.sin, x, x, method="spline")
    with pytest.raises(ValueError, match=r"unknown method 'spline'"):
        nm.gradient(jnp.sum, x, method="spline")
    with pytest.raises(ValueError, match=r"unknown method 'spline'"):
        nm.jacobian(jnp.sin, x, method="spline")
    with pytest.raises(ValueError, match=r"unknown method 'richardson'; valid: 'central', 'central4'"):
        nm.hessian(jnp.sum, x, method="richardson")


@pytest.mark.parametrize(
    "call",
    [
        lambda x: nm.forward_difference(jnp.sin, x, x),
        lambda x: nm.central_difference(jnp.sin, x, x, accuracy=4),
        lambda x: nm.richardson(jnp.sin, x, x),
        lambda x: nm.complex_step(jnp.sin, x, x),
        lambda x: nm.second_difference(jnp.sin, x, x),
        lambda x: nm.gradient(jnp.sum, x),
        lambda x: nm.jacobian(jnp.sin, x),
        lambda x: nm.hessian(jnp.sum, x),
    ],
)
def test_integer_input(call):
    with pytest.raises(ValueError, match=r"x must have a floating dtype.*int32"):
        call(jnp.arange(3))


def test_complex_step_rejects_complex_input_and_real_only_f():
    with pytest.raises(ValueError, match=r"complex_step needs real x.*complex64"):
        nm.complex_step(jnp.sin, jnp.ones(2, jnp.complex64), jnp.ones(2))
    with pytest.raises(ValueError, match=r"complex_step needs f to return complex output.*float32"):
        nm.complex_step(jnp.abs, jnp.ones(2), jnp.ones(2))


def test_other_bad_arguments():
    x = jnp.ones(3)
    with pytest.raises(ValueError, match=r"gradient needs a scalar-valued f, but f\(x\) has shape \(3,\)"):
        nm.gradient(jnp.sin, x)
    with pytest.raises(ValueError, match=r"hessian needs a scalar-valued f"):
        nm.hessian(jnp.sin, x)
    with pytest.raises(ValueError, match=r"levels must be an int >= 2"):
        nm.richardson(jnp.sin, x, x, levels=1)
    with pytest.raises(ValueError, match=r"ratio must be > 1"):
        nm.richardson(jnp.sin, x, x, ratio=1.0)
    with pytest.raises(ValueError, match=r"step h must be positive, got -0.1"):
        nm.central_difference(jnp.sin, x, x, h=-0.1)
    with pytest.raises(ValueError, match=r"step h must be positive, got 0"):
        nm.complex_step(jnp.sin, x, x, h=0)
