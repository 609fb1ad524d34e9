"""The probes' random numbers (jvp's tangents, vjp's cotangents, fd's directions) are drawn on the
host by NumPy from the run's key, and only projected onto the domain in the programs: no program
compiles a random-number generator. Each probe, so fed, must still reject wrong derivatives.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from matcalc import check_gradient, check_jacobian
from matcalc.checker.program import _program, probe_normals
from matcalc.references.problem import Problem, gaussians
from matcalc.vocabulary.domains import Domain, resolve_domain
from matcalc.vocabulary.kinds import Kind
from matcalc.vocabulary.layout import Layout


def _f(x):
    return jnp.tanh(jnp.outer(x, x[:3]) @ jnp.arange(1.0, 4.0)) * x


def _jac(x):
    return jax.jacrev(_f)(x)


def _x(dtype="float64"):
    return np.random.default_rng(3).normal(size=5).astype(dtype)


def test_the_draws_are_seeded_by_the_key_and_the_name():
    key, other = jax.random.PRNGKey(0), jax.random.PRNGKey(1)
    g = gaussians(key, "jvp", (3, 4, 2), np.float64)
    assert g.shape == (3, 4, 2) and g.dtype == np.float64
    np.testing.assert_array_equal(g, gaussians(key, "jvp", (3, 4, 2), np.float64))
    assert not np.allclose(g, gaussians(key, "vjp", (3, 4, 2), np.float64))
    assert not np.allclose(g, gaussians(other, "jvp", (3, 4, 2), np.float64))
    assert not np.allclose(g, gaussians(jax.random.key(0), "jvp", (3, 4, 2), np.float64)[::-1])
    # the float32 check probes along the float64 check's directions, rounded
    np.testing.assert_array_equal(gaussians(key, "fd", (3, 4), np.float32),
                                  gaussians(key, "fd", (3, 4), np.float64).astype(np.float32))


def test_the_draws_are_standard_normal_and_complex_ones_split_the_variance():
    g = gaussians(jax.random.PRNGKey(2), "fd", (40000,), np.float64)
    assert abs(g.mean()) < 0.02 and abs(g.var() - 1) < 0.03
    z = gaussians(jax.random.PRNGKey(2), "fd", (40000,), np.complex128)
    assert abs(z.real.var() - 0.5) < 0.02 and abs(z.imag.var() - 0.5) < 0.02
    assert abs(np.mean(z.real * z.imag)) < 0.01


@pytest.mark.parametrize("name", ["symmetric", "spd", "diagonal"])
def test_directions_are_projected_onto_the_domain_on_the_host_and_in_a_program(name, x64):
    domain = resolve_domain(name)
    x = domain.sample(jax.random.PRNGKey(4), (4, 4), "float64")
    p = Problem(lambda x: x, (x,), Kind.GRADIENT, (0,), (domain,), jax.random.PRNGKey(9))
    host = np.asarray(p.directions("fd"))
    assert host.shape == (3, 4, 4)
    np.testing.assert_allclose(host, np.asarray(jax.vmap(lambda g: domain.project(g, x))(
        gaussians(p.key, "fd", (3, 4, 4), np.float64))), rtol=1e-15, atol=1e-15)
    if name == "diagonal":
        assert np.all(host[:, ~np.eye(4, dtype=bool)] == 0)
    else:
        np.testing.assert_allclose(host, np.swapaxes(host, 1, 2), rtol=0, atol=1e-15)
    # inside a program the key is traced: the same draws, given as ``drawn``, projected there
    drawn = p.normals_for({("fd", 3): ((3, 4, 4), np.float64)})
    traced = jax.jit(lambda x, key, drawn: dataclasses.replace(p, args=(x,), key=key, drawn=drawn).directions("fd"))
    np.testing.assert_allclose(np.asarray(traced(x, p.key, drawn)), host, rtol=1e-14, atol=1e-15)


def _jaxpr_of_check_program(domain, f=_f, x=None):
    x = jnp.asarray(_x() if x is None else x)
    p = Problem(f, (x,), Kind.JACOBIAN, (0,), (domain,), jax.random.PRNGKey(0))
    names = ("jacrev", "jvp", "vjp")
    program = _program(f, None, Kind.JACOBIAN, (0,), (domain,), Layout.JAX, names, True)
    copies = tuple((x,) for _ in range(len(names) + 1))
    return str(jax.make_jaxpr(program)(copies, (), p.key, _jac(x), probe_normals(p, names)))


@dataclasses.dataclass(frozen=True)
class _SignTangents(Domain):
    """A user's domain with its own tangent draw (entries +-1): it keeps it, drawn by JAX."""

    name = "sign-tangents"

    def tangent(self, key, x):
        return jnp.where(jax.random.bernoulli(key, 0.5, x.shape), 1.0, -1.0).astype(x.dtype)


def test_a_checks_program_holds_no_random_number_generator(x64):
    assert "random_bits" not in _jaxpr_of_check_program(resolve_domain("general"))
    assert "random_bits" not in _jaxpr_of_check_program(resolve_domain("positive"), x=np.abs(_x()) + 0.5)
    # the test can see one: a domain with its own tangent draws it in the program
    assert "random_bits" in _jaxpr_of_check_program(_SignTangents())


def test_a_domain_with_its_own_tangent_draw_keeps_it_and_its_check_still_rejects(x64):
    x = jnp.asarray(_x())
    p = Problem(_f, (x,), Kind.JACOBIAN, (0,), (_SignTangents(),), jax.random.PRNGKey(0))
    assert set(np.unique(np.asarray(p.directions("fd")))) == {-1.0, 1.0}
    assert check_jacobian(_f, _jac, _x(), domain=_SignTangents()).ok
    wrong = check_jacobian(_f, lambda x: 1.01 * _jac(x), _x(), domain=_SignTangents())
    assert not wrong.ok and wrong.errors["jvp"] > wrong.tolerances["jvp"], str(wrong)


def _one_entry_off(x):
    return _jac(x).at[1, 3].add(1e-4 * jnp.max(jnp.abs(_jac(x))))


WRONG = {
    "transposed": lambda x: _jac(x).T,
    "negated": lambda x: -_jac(x),
    "one entry off by 1e-4": _one_entry_off,
}


# (an entry off by 1e-4 of the largest is below float32's tolerance: it is checked in float64 only)
@pytest.mark.parametrize("probe", ["jvp", "vjp", "fd"])
@pytest.mark.parametrize("wrong,dtype", [(w, d) for w in WRONG for d in ("float64", "float32")
                                         if (w, d) != ("one entry off by 1e-4", "float32")])
def test_each_probe_alone_rejects_wrong_jacobians(probe, dtype, wrong):
    right = check_jacobian(_f, _jac, _x(dtype), references=[probe])
    assert right.errors[probe] <= right.tolerances[probe], str(right)
    result = check_jacobian(_f, WRONG[wrong], _x(dtype), references=[probe])
    assert not result.ok and result.errors[probe] > result.tolerances[probe], str(result)


def test_probes_alone_reject_a_wrong_gradient_at_a_large_size_and_every_seed():
    """Probes only (no full reference), n = 300: one fd direction, three jvp tangents."""
    n = 300
    A = np.random.default_rng(5).normal(size=(n, n))
    f = lambda X: jnp.sum(jnp.tanh(X) * A)  # noqa: E731
    df = lambda X: (1 - jnp.tanh(X) ** 2) * A  # noqa: E731
    X = np.random.default_rng(6).normal(size=(n, n)) / 2
    for seed in (0, 1):
        assert check_gradient(f, df, X, references=["grad", "fd"], seed=seed).ok
        for wrong in (lambda X: df(X).T, lambda X: df(X).at[7, 11].add(1e-3)):
            result = check_gradient(f, wrong, X, references=["grad", "fd"], seed=seed, max_dense=0)
            assert not result.ok and result.errors["fd"] > result.tolerances["fd"], str(result)


@pytest.mark.parametrize("probe", ["jvp", "vjp", "fd"])
@pytest.mark.parametrize("magnitude", [1e-150, 1e150])
def test_each_probe_rejects_wrong_jacobians_at_extreme_magnitudes(probe, magnitude, x64):
    """f scaled by 1e+-150 (its derivative too): the host-drawn directions carry no scale of their own."""
    f = lambda x: magnitude * _f(x)  # noqa: E731
    jac = lambda x: magnitude * _jac(x)  # noqa: E731
    right = check_jacobian(f, jac, _x(), references=[probe])
    assert right.errors[probe] <= right.tolerances[probe], str(right)
    for wrong in (lambda x: jac(x).T, lambda x: 1.01 * jac(x), lambda x: jnp.zeros_like(jac(x))):
        result = check_jacobian(f, wrong, _x(), references=[probe])
        assert not result.ok and result.errors[probe] > result.tolerances[probe], (probe, str(result))


@pytest.mark.parametrize("probe", ["jvp", "vjp", "fd"])
def test_on_a_symmetric_domain_each_probe_rejects_an_error_along_it_and_not_across_it(probe, x64):
    """The directions are projected onto the symmetric matrices: an error in the derivative's
    symmetric part is caught, an antisymmetric one (invisible to every symmetric direction) is not
    an error there."""
    X = resolve_domain("symmetric").sample(jax.random.PRNGKey(8), (4, 4), "float64")
    f = lambda X: jnp.sin(X @ X)  # noqa: E731
    jac = jax.jacrev(f)
    right = check_jacobian(f, jac, X, domain="symmetric", references=[probe])
    assert right.errors[probe] <= right.tolerances[probe], str(right)
    bump = jnp.zeros((4, 4)).at[0, 1].set(1.0)
    along = lambda X: jac(X) + 1e-3 * jnp.max(jnp.abs(jac(X))) * (bump + bump.T)  # noqa: E731
    across = lambda X: jac(X) + 1e-3 * jnp.max(jnp.abs(jac(X))) * (bump - bump.T)  # noqa: E731
    caught = check_jacobian(f, along, X, domain="symmetric", references=[probe])
    assert not caught.ok and caught.errors[probe] > caught.tolerances[probe], str(caught)
    unseen = check_jacobian(f, across, X, domain="symmetric", references=[probe])
    assert unseen.errors[probe] <= unseen.tolerances[probe], str(unseen)
