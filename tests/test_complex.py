"""Complex arguments and values: each convention passes the right derivative and rejects the wrong ones
(the other convention, a conjugate, a factor, a transpose, a small perturbation), with a diagnosis in
the user's complex terms; the requests that make no sense are InputErrors that say why."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from matcalc import InputError, check_differential, check_gradient, check_hessian, check_jacobian, check_rules

RNG = np.random.default_rng(7)
A = RNG.normal(size=(4, 3)) + 1j * RNG.normal(size=(4, 3))
Z = RNG.normal(size=3) + 1j * RNG.normal(size=3)
M = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))


def loss(z):  # real-valued: ||A z||^2
    return jnp.sum(jnp.abs(A @ z) ** 2)


def loss_grad_jax(z):  # df/dx - i df/dy = 2 conj(A^H A z)
    return 2 * jnp.conj(A.conj().T @ (A @ z))


def _fails(result, *words):
    assert not result.ok, str(result)
    for word in words:
        assert word in result.diagnosis, result.diagnosis


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_real_loss_in_jax_convention_passes_in_both_precisions(dtype):
    result = check_gradient(loss, loss_grad_jax, Z.astype(dtype))
    assert result.ok, str(result)
    assert result.dtype == ("complex128" if dtype == np.complex128 else "complex64")
    assert result.expected_shape == (3,) and "JAX's convention" in result.layout
    assert set(result.errors) >= {"grad", "jacrev", "fd"}


def test_conjugate_convention_is_named_and_accepted_when_asked():
    conjugate = lambda z: jnp.conj(loss_grad_jax(z))  # noqa: E731  (PyTorch's, the Cookbook's)
    _fails(check_gradient(loss, conjugate, Z), "convention", "convention='conjugate'")
    assert check_gradient(loss, conjugate, Z, convention="conjugate")
    _fails(check_gradient(loss, loss_grad_jax, Z, convention="conjugate"), "convention", "convention='jax'")


@pytest.mark.parametrize("wrong, words", [
    (lambda z: -loss_grad_jax(z), ("negated",)),
    (lambda z: loss_grad_jax(z) / 2, ("scaled by 0.5", "Wirtinger")),
    (lambda z: 1.05 * loss_grad_jax(z), ("scaled by 1.05",)),
    (lambda z: jnp.zeros_like(z), ("zeros",)),
    (lambda z: loss_grad_jax(z) * (1 + 1e-6), ()),
    (lambda z: jnp.real(loss_grad_jax(z)) + 0j, ()),  # the imaginary part dropped
])
def test_real_loss_rejects_wrong_gradients(wrong, words):
    _fails(check_gradient(loss, wrong, Z), *words)


def test_holomorphic_gradient_and_jacobian():
    h = lambda z: jnp.sum(jnp.sin(z) * z)  # noqa: E731
    dh = lambda z: jnp.cos(z) * z + jnp.sin(z)  # noqa: E731
    assert check_gradient(h, dh, Z, holomorphic=True)
    _fails(check_gradient(h, lambda z: jnp.conj(dh(z)), Z, holomorphic=True), "conjugated")
    _fails(check_gradient(h, lambda z: 1j * dh(z), Z, holomorphic=True))
    assert check_jacobian(lambda X: M @ X, lambda X: jnp.einsum("ij,kl->ikjl", M, jnp.eye(2)),
                          M[:, :2], holomorphic=True)
    _fails(check_jacobian(lambda z: M @ z, lambda z: M.T, Z, holomorphic=True), "transposed")


def test_an_f_that_is_not_holomorphic_is_named():
    f = lambda z: jnp.sum(z * jnp.conj(z) * z)  # noqa: E731
    _fails(check_gradient(f, lambda z: 2 * z, Z, holomorphic=True), "not holomorphic")


def test_complex_value_of_a_real_argument():
    x = RNG.normal(size=3)
    f = lambda x: jnp.exp(1j * x)  # noqa: E731
    assert check_jacobian(f, lambda x: jnp.diag(1j * jnp.exp(1j * x)), x)
    _fails(check_jacobian(f, lambda x: jnp.diag(-1j * jnp.exp(-1j * x)), x), "conjugated")


def test_differentials_along_complex_tangents():
    f = lambda X: X @ X  # noqa: E731
    assert check_differential(f, lambda X, dX: dX @ X + X @ dX, [M])
    assert check_differential(f, lambda X, dX: dX @ X + X @ dX, [M], [M.conj()])
    assert check_differential(lambda X: jnp.conj(X) @ X, lambda X, dX: jnp.conj(dX) @ X + jnp.conj(X) @ dX, [M])
    _fails(check_differential(f, lambda X, dX: 2 * dX @ X, [M]))
    _fails(check_differential(lambda X: jnp.conj(X) @ X, lambda X, dX: dX @ X + jnp.conj(X) @ dX, [M]))


def test_probes_only_at_size_still_reject_the_other_convention():
    n = 120
    rng = np.random.default_rng(8)
    B = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    X = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    f = lambda X: jnp.sum(jnp.abs(B @ X) ** 2)  # noqa: E731
    g = lambda X: 2 * jnp.conj(B.conj().T @ (B @ X))  # noqa: E731
    right = check_gradient(f, g, X, max_dense=0)
    assert right.ok and "jacrev" in right.skipped, str(right)
    _fails(check_gradient(f, lambda X: jnp.conj(g(X)), X, max_dense=0))
    _fails(check_gradient(f, lambda X: g(X) * (1 + 1e-6), X, max_dense=0))


def test_check_rules_with_complex_arguments():
    assert check_rules(loss, Z)
    assert check_rules(lambda z: jnp.sum(jnp.sin(z)), Z, holomorphic=True)

    @jax.custom_jvp
    def wrong_rule(z):
        return jnp.sum(jnp.abs(z) ** 2)

    wrong_rule.defjvp(lambda p, t: (wrong_rule(p[0]), jnp.sum(3 * jnp.real(jnp.conj(p[0]) * t[0]))))
    result = check_rules(wrong_rule, Z)
    assert not result.ok and all("derivative rule" in r.diagnosis for r in result.results.values())


@pytest.mark.parametrize("call, words", [
    (lambda: check_gradient(loss, loss_grad_jax, Z, convention="pytorch"), "unknown convention"),
    (lambda: check_gradient(loss, loss_grad_jax, Z, references=["complex_step"]), "complex step"),
    (lambda: check_jacobian(lambda z: M @ z, lambda z: M, Z), "holomorphic=True"),
    (lambda: check_gradient(loss, loss_grad_jax, Z, holomorphic=True), "holomorphic=True needs"),
    (lambda: check_gradient(loss, lambda z: z[:2], Z), "must have shape (3,)"),
    (lambda: check_gradient(loss, loss_grad_jax, Z, domain="spd"), "general domain"),
    (lambda: check_jacobian(lambda z: M @ z, lambda z: M, Z, holomorphic=True, layout="numerator"), "'jax' layout"),
    (lambda: check_gradient(lambda x: jnp.sum(x**2), lambda x: 2 * x, Z.real, convention="conjugate"), "real"),
    (lambda: check_hessian(lambda z: jnp.sum(z**2), lambda z: 2 * jnp.eye(3), Z, holomorphic=True), "Hessians"),
    (lambda: check_gradient(lambda d: loss(d["z"]), lambda d: {"z": loss_grad_jax(d["z"])}, {"z": Z}),
     "one array"),
])
def test_complex_requests_that_make_no_sense_are_input_errors(call, words):
    with pytest.raises(InputError) as err:
        call()
    assert words in str(err.value), str(err.value)


def test_cookbook_89_as_printed_is_the_conjugate_convention():
    """(89): d(a - x^H b)^2/dx = -2 b (a - x^H b)^*, read with |.|^2: it is 2 df/dx-bar, the conjugate
    convention, and fails in JAX's; a, b complex and not differentiated."""
    rng = np.random.default_rng(89)
    x, b = (rng.normal(size=4) + 1j * rng.normal(size=4) for _ in range(2))
    a = 0.7 - 0.2j
    f = lambda x, a, b: jnp.abs(a - jnp.vdot(x, b)) ** 2  # noqa: E731  (vdot conjugates x: x^H b)
    printed = lambda x, a, b: -2 * b * jnp.conj(a - jnp.vdot(x, b))  # noqa: E731
    assert check_gradient(f, printed, x, a, b, convention="conjugate")
    _fails(check_gradient(f, printed, x, a, b), "convention")


def test_cookbook_45_differential_of_the_conjugate_transpose():
    """(45): d(X^H) = (dX)^H, X non-square; (dX)^T, the real rule (44), fails for complex X."""
    X = RNG.normal(size=(3, 2)) + 1j * RNG.normal(size=(3, 2))
    assert check_differential(lambda X: X.conj().T, lambda X, dX: dX.conj().T, [X])
    _fails(check_differential(lambda X: X.conj().T, lambda X, dX: dX.T, [X]))
