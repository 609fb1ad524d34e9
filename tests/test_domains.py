"""Domains sample what they claim, tangents stay in them, projections are idempotent."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from matcalc.vocabulary.domains import DOMAINS, SPECTRUM_HIGH, SPECTRUM_LOW, resolve_domain

SHAPES = {"general": (3, 4), "positive": (3, 4), "nonzero": (5,), "small": (2, 3)}


def _shape(name):
    return SHAPES.get(name, (4, 4))


@pytest.mark.parametrize("name", sorted(DOMAINS))
@pytest.mark.parametrize("seed", range(5))
def test_samples_are_in_the_domain(name, seed, x64):
    d = DOMAINS[name]
    x = d.sample(jax.random.PRNGKey(seed), _shape(name), jnp.float64)
    assert x.shape == _shape(name) and x.dtype == jnp.float64
    assert d.contains(x)


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_tangents_stay_in_the_domain_and_projection_is_idempotent(name, x64):
    d = DOMAINS[name]
    x = d.sample(jax.random.PRNGKey(0), _shape(name), jnp.float64)
    t = d.tangent(jax.random.PRNGKey(1), x)
    np.testing.assert_allclose(d.project(t, x), t, atol=1e-12)
    g = jax.random.normal(jax.random.PRNGKey(2), (3,) + x.shape, jnp.float64)  # leading axes allowed
    once = d.project(g, x)
    np.testing.assert_allclose(d.project(once, x), once, atol=1e-12)
    if name not in ("positive", "small", "invertible", "spd"):  # open sets: any small step stays inside
        moved = x + 1e-7 * t
        if name == "orthogonal":  # first order only: the step leaves by O(h^2)
            assert np.abs(np.asarray(moved.T @ moved - jnp.eye(4))).max() < 1e-12
        else:
            assert d.contains(moved)


@pytest.mark.parametrize("name", ["invertible", "spd"])
def test_invertible_and_spd_are_well_conditioned(name, x64):
    x = DOMAINS[name].sample(jax.random.PRNGKey(3), (5, 5), jnp.float64)
    assert np.linalg.cond(np.asarray(x)) <= SPECTRUM_HIGH / SPECTRUM_LOW + 1e-9
    assert DOMAINS[name].conditioning(x) <= SPECTRUM_HIGH / SPECTRUM_LOW + 1e-9


def test_invertible_samples_have_both_signs_of_determinant(x64):
    signs = {float(jnp.sign(jnp.linalg.det(DOMAINS["invertible"].sample(jax.random.PRNGKey(s), (3, 3), jnp.float64))))
             for s in range(20)}
    assert signs == {-1.0, 1.0}


def test_general_samples_are_not_symmetric():
    x = DOMAINS["general"].sample(jax.random.PRNGKey(0), (4, 4), jnp.float32)
    assert not DOMAINS["symmetric"].contains(x)


@pytest.mark.parametrize("name", ["symmetric", "spd", "orthogonal", "diagonal", "invertible"])
def test_square_domains_refuse_non_square_shapes(name):
    with pytest.raises(ValueError, match="square"):
        DOMAINS[name].sample(jax.random.PRNGKey(0), (2, 3), jnp.float32)


def test_contains_rejects_outsiders():
    assert not DOMAINS["spd"].contains(-np.eye(3))
    assert not DOMAINS["positive"].contains(np.array([1.0, -1.0]))
    assert not DOMAINS["orthogonal"].contains(2 * np.eye(3))
    assert not DOMAINS["diagonal"].contains(np.ones((3, 3)))
    assert not DOMAINS["invertible"].contains(np.ones((3, 3)))
    assert not DOMAINS["general"].contains(np.array([np.nan]))


def test_unknown_domain_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: .*symmetric"):
        resolve_domain("hermitian")
