"""Layouts convert round-trip, and agree with jax.jacrev and the Kronecker identity."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from matcalc.vocabulary.layout import expected_shape, from_jax, off_diagonal, to_jax, vec

SHAPES = [((), (3,)), ((2,), (3,)), ((2, 3), ()), ((2,), (3, 4)), ((2, 3), (4,)), ((2, 3), (4, 5)), ((1,), (1, 1))]


def _random(shape, seed=0):
    return jax.random.normal(jax.random.PRNGKey(seed), shape)


@pytest.mark.parametrize(("out", "inp"), SHAPES)
@pytest.mark.parametrize("layout", ["jax", "numerator", "denominator", "vec"])
def test_round_trip(layout, out, inp):
    if layout in ("numerator", "denominator") and (len(out) > 1 or len(inp) > 1):
        with pytest.raises(ValueError, match="scalars and vectors"):
            expected_shape(layout, out, inp)
        return
    j = _random(out + inp)
    converted = from_jax(j, layout, out, inp)
    assert converted.shape == expected_shape(layout, out, inp)
    np.testing.assert_array_equal(to_jax(converted, layout, out, inp), j)


def test_numerator_and_denominator_are_the_two_textbook_matrices():
    a = _random((2, 3))
    j = jax.jacrev(lambda x: a @ x)(jnp.ones(3))
    np.testing.assert_array_equal(from_jax(j, "numerator", (2,), (3,)), a)
    np.testing.assert_array_equal(from_jax(j, "denominator", (2,), (3,)), a.T)


def test_vec_layout_is_column_major_kronecker():
    a, b, x = _random((2, 3), 1), _random((4, 5), 2), _random((3, 4), 3)
    j = jax.jacrev(lambda x: a @ x @ b)(x)
    np.testing.assert_allclose(from_jax(j, "vec", (2, 5), (3, 4)), jnp.kron(b.T, a), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(vec(a @ x @ b), jnp.kron(b.T, a) @ vec(x), rtol=1e-5, atol=1e-6)
    assert not np.allclose(j.reshape(10, 12), jnp.kron(b.T, a)), "row-major flattening is not the vec layout"


def test_diagonal_layout_dense_and_off_diagonal():
    x = _random((2, 3))
    j = jax.jacrev(jnp.sin)(x)
    d = from_jax(j, "diagonal", (2, 3), (2, 3))
    np.testing.assert_allclose(d, jnp.cos(x), rtol=1e-6)
    np.testing.assert_array_equal(to_jax(d, "diagonal", (2, 3), (2, 3)), j)
    assert float(jnp.abs(off_diagonal(j, (2, 3))).max()) == 0.0
    mixing = jax.jacrev(lambda x: x * x.sum())(x)
    assert float(jnp.abs(off_diagonal(mixing, (2, 3))).max()) > 0


@pytest.mark.parametrize(("layout", "out", "inp", "bad"), [
    ("jax", (2,), (3,), (3, 2)),
    ("vec", (2, 3), (4,), (6, 5)),
    ("diagonal", (3,), (3,), (3, 3)),
])
def test_wrong_shape_names_expected_shape_and_layout(layout, out, inp, bad):
    with pytest.raises(ValueError, match=rf"layout '{layout}'.*has shape"):
        to_jax(jnp.zeros(bad), layout, out, inp)


def test_diagonal_needs_matching_shapes():
    with pytest.raises(ValueError, match="elementwise"):
        expected_shape("diagonal", (2,), (3,))


def test_every_permutation_round_trips_through_vec():
    for out, inp in itertools.product([(2,), (2, 3)], [(4,), (4, 1)]):
        j = _random(out + inp, 5)
        np.testing.assert_array_equal(to_jax(from_jax(j, "vec", out, inp), "vec", out, inp), j)
