"""The seed's Jacobian, Hessian, elementwise and dot-product sections, beyond the generated tests:
diagonal Jacobians read as diagonals, the chain rule as a product of the catalog's own pieces,
each Jacobian twin as jax.jacrev read in its own layout, and symmetric Hessians."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc import Kind, Layout
from matcalc.vocabulary.layout import from_jax, off_diagonal
from matcalc.vocabulary.operators import is_operator

SEEDS = range(5)
DIAGONAL = [r.id for r in matcalc.catalog() if r.layout is Layout.DIAGONAL]
NUMERATOR_JACOBIANS = [
    r.id for r in matcalc.catalog() if r.id.startswith("jacobians.") and r.layout is Layout.NUMERATOR
]
HESSIANS = [r.id for r in matcalc.catalog() if r.kind is Kind.HESSIAN]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("identity_id", DIAGONAL)
def test_diagonal_closed_form_is_the_diagonal_of_jacrev_and_nothing_else_is(identity_id, seed, x64):
    record = matcalc.get(identity_id)
    args = matcalc.sample_args(record, seed=seed)
    shape = args[record.argnum].shape
    jac = jax.jacrev(record.f, argnums=record.argnum)(*args)
    diagonal = record.closed_form(*args).as_dense("diagonal")  # the operator diag(d), read as d
    np.testing.assert_allclose(from_jax(jac, "diagonal", shape, shape), diagonal, rtol=1e-12)
    # Elementwise: no coordinate influences another, exactly, not merely to rounding.
    assert not np.any(off_diagonal(jac, shape)), f"{identity_id}: an off-diagonal entry is nonzero"


def test_a_map_that_is_not_elementwise_is_rejected_in_diagonal_layout():
    x = np.random.default_rng(0).normal(size=4)

    def f(x):
        return x * jnp.sum(x)  # J = sum(x) I + x 1^T: every coordinate influences every other

    def its_diagonal(x):
        return jnp.sum(x) + x  # the true diagonal of J, claimed to be the whole Jacobian

    def its_jacobian(x):
        return jnp.sum(x) * jnp.eye(x.size, dtype=x.dtype) + jnp.outer(x, jnp.ones_like(x))

    result = matcalc.check_jacobian(f, its_diagonal, x, layout="diagonal")
    assert not result and "not elementwise" in result.diagnosis and "layout" in result.diagnosis
    assert matcalc.check_jacobian(f, its_jacobian, x)


@pytest.mark.parametrize("seed", SEEDS)
def test_dot_product_derivatives_are_products_of_their_chain_pieces(seed, x64):
    dy_dv, dy_dx, dy_dw = (matcalc.get(f"dot_product.{name}") for name in ("sum_by_v", "y_by_x", "y_by_w"))
    dv_dx, dv_dw = (matcalc.get(f"elementwise.{name}") for name in ("weighted", "weighted_by_w"))
    w, x = matcalc.sample_args(dy_dx, seed=seed)
    row = dy_dv.closed_form(w * x)  # 1^T, 1 x n
    chain_x = row @ dv_dx.closed_form(w, x).as_dense("jax")  # 1^T diag(w)
    chain_w = row @ dv_dw.closed_form(w, x).as_dense("jax")  # 1^T diag(x)
    np.testing.assert_allclose(chain_x, dy_dx.closed_form(w, x), rtol=1e-14)
    np.testing.assert_allclose(chain_x[0], jax.grad(jnp.dot, argnums=1)(w, x), rtol=1e-14)
    np.testing.assert_allclose(chain_w[0], dy_dw.closed_form(w, x), rtol=1e-14)
    np.testing.assert_allclose(chain_w[0], jax.grad(jnp.dot, argnums=0)(w, x), rtol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_composition_jacobian_is_the_product_of_the_component_records(seed, x64):
    """g(sin(Ax)): the catalog's Jacobians of g, of sin and of x -> Ax, multiplied in the order the maps compose."""
    outer, sin, linear, whole = (
        matcalc.get(name)
        for name in ("jacobians.polynomial", "elementwise.sin", "jacobians.linear", "jacobians.composition")
    )
    A, x = matcalc.sample_args(whole, seed=seed)
    z = A @ x
    dsin = sin.closed_form(z).as_dense("jax")
    product = outer.closed_form(jnp.sin(z)) @ dsin @ linear.closed_form(A, x)  # (3 x 2)(2 x 2)(2 x n)
    np.testing.assert_allclose(product, whole.closed_form(A, x), rtol=1e-14)
    np.testing.assert_allclose(product, jax.jacfwd(whole.f, argnums=1)(A, x), rtol=1e-12)


def test_tanh_layer_closed_form_stays_accurate_where_tanh_saturates(x64):
    """The closed form's 1/cosh^2 keeps float32 accuracy where 1 - tanh^2 (and jax's own tanh rule) cancel."""
    record = matcalc.get("jacobians.tanh_layer")
    A = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    x = (8 * np.sign(A[0]) / np.abs(A[0]).sum()).astype(np.float32)  # (Ax)_0 = 8: tanh saturates
    assert abs(A[0] @ x) > 7
    truth = np.asarray(jax.jacrev(record.f, argnums=1)(A.astype(np.float64), x.astype(np.float64)))
    np.testing.assert_allclose(np.asarray(record.closed_form(A, x), np.float64), truth, rtol=1e-5)


def _assert_is_jacrev_in_its_layout(record, args):
    """The closed form equals jax.jacrev's Jacobian converted into the record's declared layout."""
    jac = jax.jacrev(record.f, argnums=record.argnum)(*args)
    out_shape, in_shape = jac.shape[: jac.ndim - args[record.argnum].ndim], args[record.argnum].shape
    expected = from_jax(jac, record.layout, out_shape, in_shape)
    closed = record.closed_form(*args)
    closed = closed.as_dense(record.layout) if is_operator(closed) else closed
    np.testing.assert_allclose(closed, expected, rtol=1e-12, err_msg=record.id)


@pytest.mark.parametrize("identity_id", NUMERATOR_JACOBIANS)
def test_each_jacobian_and_its_denominator_twin_are_jacrev_in_their_layouts(identity_id, x64):
    """Each twin against jax.jacrev read in its own declared layout, not against the other twin."""
    numerator, denominator = matcalc.get(identity_id), matcalc.get(f"{identity_id}_denominator")
    assert (numerator.layout, denominator.layout) == (Layout.NUMERATOR, Layout.DENOMINATOR)
    args = matcalc.sample_args(numerator)
    _assert_is_jacrev_in_its_layout(numerator, args)
    _assert_is_jacrev_in_its_layout(denominator, args)


@pytest.mark.parametrize("dims", [None, {"m": 4, "n": 4}], ids=["non-square", "square"])
def test_a_twin_that_is_not_transposed_is_caught(dims, x64):
    """The check above can fail: a denominator twin holding the numerator form, even where J is square."""
    numerator = matcalc.get("jacobians.linear")
    untransposed = dataclasses.replace(matcalc.get("jacobians.linear_denominator"), closed_form=numerator.closed_form)
    args = matcalc.sample_args(numerator, dims=dims)
    _assert_is_jacrev_in_its_layout(numerator, args)
    with pytest.raises(AssertionError):
        _assert_is_jacrev_in_its_layout(untransposed, args)


@pytest.mark.parametrize("identity_id", HESSIANS)
def test_hessians_are_symmetric(identity_id, x64):
    """The mixed partials agree (Schwarz), in the jax layout and in the vec layout alike."""
    record = matcalc.get(identity_id)
    args = matcalc.sample_args(record)
    size = args[record.argnum].size
    h = np.asarray(record.closed_form(*args)).reshape(size, size)
    np.testing.assert_allclose(h, h.T, rtol=0, atol=1e-12 * np.linalg.norm(h))
