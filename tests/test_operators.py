"""Structured operators agree with jax.jacrev of the functions they are the Jacobians of.

Each case is a function f and a closed form ``jac(x)`` returning an operator for its Jacobian
at x, on non-square shapes (plus vectors and scalars, where the numerator and denominator
layouts apply). Every operator is checked against ``jax.jacrev(f)(x)``: mv, rmv, the adjoint
identity, every layout, jit and vmap round trips, in float32 and float64.
"""

from __future__ import annotations

import contextlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from matcalc.vocabulary.layout import from_jax, vec
from matcalc.vocabulary.operators import (
    Commutation,
    Compose,
    Dense,
    Diagonal,
    Kronecker,
    LowRank,
    Operator,
    Scaled,
    Sum,
    is_operator,
)

LAYOUTS = ["jax", "numerator", "denominator", "vec", "diagonal"]
DTYPES = ["float32", "float64"]
RTOL = {"float32": 2e-5, "float64": 1e-12}


def _normal(key, shape, dtype):
    return jax.random.normal(key, shape, dtype)


# Each case: (key, dtype) -> (f, jac, x), jac(x) the closed-form operator of jacrev(f)(x).

def _diagonal(key, dtype):
    x = _normal(key, (3, 4), dtype)
    return jnp.sin, lambda x: Diagonal(jnp.cos(x)), x


def _diagonal_vector(key, dtype):
    x = _normal(key, (5,), dtype)
    return jnp.exp, lambda x: Diagonal(jnp.exp(x)), x


def _kronecker(key, dtype):
    ka, kb, kx = jax.random.split(key, 3)
    a, b = _normal(ka, (2, 3), dtype), _normal(kb, (4, 5), dtype)
    return lambda x: a @ x @ b, lambda x: Kronecker.of_product(a, b), _normal(kx, (3, 4), dtype)


def _kronecker_of_kron(key, dtype):
    kp, kq, kx = jax.random.split(key, 3)
    p, q = _normal(kp, (5, 4), dtype), _normal(kq, (2, 3), dtype)
    return lambda x: q @ x @ p.T, lambda x: Kronecker.of_kron(p, q), _normal(kx, (3, 4), dtype)


def _commutation(key, dtype):
    return lambda x: x.T, lambda x: Commutation(3, 4, dtype), _normal(key, (3, 4), dtype)


def _low_rank(key, dtype):
    ku, kv, kx = jax.random.split(key, 3)
    u, v = _normal(ku, (2, 5), dtype), _normal(kv, (3, 4), dtype)
    return lambda x: u * jnp.sum(v * x), lambda x: LowRank(u, v), _normal(kx, (3, 4), dtype)


def _low_rank_stacked_vector(key, dtype):
    ku, kv, kx = jax.random.split(key, 3)
    us, vs = _normal(ku, (2, 4), dtype), _normal(kv, (2, 3), dtype)
    return lambda x: us.T @ (vs @ x), lambda x: LowRank.stacked(us, vs), _normal(kx, (3,), dtype)


def _low_rank_scalar_out(key, dtype):
    # A gradient as an operator: f(X) = 3 <V, X> has the 1 x in Jacobian 3 V.
    kv, kx = jax.random.split(key)
    v = _normal(kv, (3, 4), dtype)
    return lambda x: 3 * jnp.sum(v * x), lambda x: LowRank(jnp.asarray(3, dtype), v), _normal(kx, (3, 4), dtype)


def _dense(key, dtype):
    ka, kx = jax.random.split(key)
    a = _normal(ka, (2, 3), dtype)
    g = lambda x: jnp.tanh(a @ x)  # noqa: E731
    return g, lambda x: Dense(jax.jacrev(g)(x), (2, 4), (3, 4)), _normal(kx, (3, 4), dtype)


def _dense_vector_from_numerator(key, dtype):
    ka, kx = jax.random.split(key)
    a = _normal(ka, (2, 3), dtype)
    return lambda x: a @ x, lambda x: Dense(a, (2,), (3,), layout="numerator"), _normal(kx, (3,), dtype)


def _sum(key, dtype):
    kk, kl, kd = jax.random.split(key, 3)
    fk, jk, x = _kronecker(kk, dtype)
    fl, jl, _ = _low_rank(kl, dtype)
    fd, jd, _ = _dense(kd, dtype)
    # Shapes: kronecker and low rank map (3, 4) -> (2, 5); compose a dense term to match.
    b = _normal(kd, (4, 5), dtype)
    f = lambda x: fk(x) + fl(x) + fd(x) @ b  # noqa: E731
    jac = lambda x: Sum(jk(x), jl(x), Compose(Kronecker.of_product(jnp.eye(2, dtype=dtype), b), jd(x)))  # noqa: E731
    return f, jac, x


def _compose(key, dtype):
    # X -> A sin(X) B -> its transpose: the chain rule through three operators.
    ka, kb, kx = jax.random.split(key, 3)
    a, b = _normal(ka, (2, 3), dtype), _normal(kb, (4, 5), dtype)
    f = lambda x: (a @ jnp.sin(x) @ b).T  # noqa: E731
    inner = lambda x: Compose(Kronecker.of_product(a, b), Diagonal(jnp.cos(x)))  # noqa: E731
    jac = lambda x: Compose(Commutation(2, 5, dtype), inner(x))  # noqa: E731
    return f, jac, _normal(kx, (3, 4), dtype)


def _compose_to_scalar(key, dtype):
    kv, kx = jax.random.split(key)
    v = _normal(kv, (3, 4), dtype)
    f = lambda x: jnp.sum(v * jnp.sin(x))  # noqa: E731
    return f, lambda x: LowRank(jnp.ones((), dtype), v) @ Diagonal(jnp.cos(x)), _normal(kx, (3, 4), dtype)


def _scaled(key, dtype):
    f, jac, x = _kronecker(key, dtype)
    return lambda x: -2.5 * f(x), lambda x: Scaled(-2.5, jac(x)), x


def _scaled_sugar(key, dtype):
    f, jac, x = _diagonal(key, dtype)
    return lambda x: 2 * f(x) - f(x) * 0.5, lambda x: 2 * jac(x) + -(jac(x) * 0.5), x


CASES = {case.__name__.lstrip("_"): case for case in (
    _diagonal, _diagonal_vector, _kronecker, _kronecker_of_kron, _commutation, _low_rank, _low_rank_stacked_vector,
    _low_rank_scalar_out, _dense, _dense_vector_from_numerator, _sum, _compose, _compose_to_scalar, _scaled,
    _scaled_sugar,
)}


@contextlib.contextmanager
def _precision(dtype):
    with jax.enable_x64(dtype == "float64"):
        yield


def _setup(name, dtype, seed=0):
    f, jac, x = CASES[name](jax.random.PRNGKey(seed), jnp.dtype(dtype))
    return f, jac, x, jac(x), jax.jacrev(f)(x)


def _close(actual, expected, dtype):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


def _apply(j, t, in_ndim):
    return jnp.tensordot(j, t, axes=in_ndim)


def _apply_transpose(j, c, out_ndim):
    return jnp.tensordot(c, j, axes=out_ndim)


def _probe(key, op, dtype):
    kt, kc = jax.random.split(key)
    return _normal(kt, op.in_shape, dtype), _normal(kc, op.out_shape, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_mv_and_rmv_match_jacrev(name, dtype):
    with _precision(dtype):
        _, _, x, op, j = _setup(name, dtype)
        assert is_operator(op)
        assert j.shape == op.out_shape + op.in_shape
        assert op.dtype == jnp.dtype(dtype)
        t, c = _probe(jax.random.PRNGKey(1), op, dtype)
        _close(op.mv(t), _apply(j, t, len(op.in_shape)), dtype)
        _close(op.rmv(c), _apply_transpose(j, c, len(op.out_shape)), dtype)
        assert op.mv(t).dtype == op.rmv(c).dtype == jnp.dtype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_adjoint_identity(name, dtype):
    with _precision(dtype):
        _, _, _, op, _ = _setup(name, dtype)
        t, c = _probe(jax.random.PRNGKey(2), op, dtype)
        lhs, rhs = jnp.vdot(c, op.mv(t)), jnp.vdot(op.rmv(c), t)
        scale = float(jnp.linalg.norm(c) * jnp.linalg.norm(op.mv(t)) + jnp.linalg.norm(op.rmv(c)) * jnp.linalg.norm(t))
        assert abs(float(lhs - rhs)) <= 10 * RTOL[dtype] * scale


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_as_dense_in_every_layout(name, dtype):
    with _precision(dtype):
        _, _, _, op, j = _setup(name, dtype)
        for layout in LAYOUTS:
            try:
                expected = from_jax(j, layout, op.out_shape, op.in_shape)
            except ValueError as error:  # the layout does not apply to these shapes
                with pytest.raises(ValueError, match=re.escape(str(error)[:30])):
                    op.as_dense(layout)
                continue
            _close(op.as_dense(layout), expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_jit_round_trip(name, dtype):
    with _precision(dtype):
        _, jac, x, op, _ = _setup(name, dtype)
        t, c = _probe(jax.random.PRNGKey(3), op, dtype)
        returned = jax.jit(jac)(x)  # an operator as a jit result
        assert type(returned) is type(op)
        assert (returned.out_shape, returned.in_shape, returned.dtype) == (op.out_shape, op.in_shape, op.dtype)
        apply = jax.jit(lambda op, t, c: (op.mv(t), op.rmv(c)))  # and as a jit argument
        mv, rmv = apply(returned, t, c)
        _close(mv, op.mv(t), dtype)
        _close(rmv, op.rmv(c), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_vmap_round_trip(name, dtype):
    with _precision(dtype):
        f, jac, x, op, _ = _setup(name, dtype)
        batch = 3
        keys = jax.random.split(jax.random.PRNGKey(4), 3)
        xs = x + 0.1 * _normal(keys[0], (batch, *x.shape), dtype)
        ts = _normal(keys[1], (batch, *op.in_shape), dtype)
        cs = _normal(keys[2], (batch, *op.out_shape), dtype)
        ops = jax.vmap(jac)(xs)  # a batch of operators from a vmapped closed form
        assert (ops.out_shape, ops.in_shape) == (op.out_shape, op.in_shape)  # shapes are per member
        js = jax.vmap(jax.jacrev(f))(xs)
        _close(jax.vmap(lambda op, t: op.mv(t))(ops, ts),
               jax.vmap(lambda j, t: _apply(j, t, len(op.in_shape)))(js, ts), dtype)
        _close(jax.vmap(lambda op, c: op.rmv(c))(ops, cs),
               jax.vmap(lambda j, c: _apply_transpose(j, c, len(op.out_shape)))(js, cs), dtype)


def test_a_transposed_factor_is_caught():
    # A check that cannot fail is a defect: X -> A X B^T where X -> A X B was meant.
    ka, kb, kx = jax.random.split(jax.random.PRNGKey(0), 3)
    a, b, x = _normal(ka, (2, 3), "float32"), _normal(kb, (4, 4), "float32"), _normal(kx, (3, 4), "float32")
    wrong, j = Kronecker.of_kron(b, a), jax.jacrev(lambda x: a @ x @ b)(x)
    t, c = _probe(jax.random.PRNGKey(1), wrong, "float32")
    with pytest.raises(AssertionError):
        _close(wrong.mv(t), _apply(j, t, 2), "float32")
    with pytest.raises(AssertionError):
        _close(wrong.rmv(c), _apply_transpose(j, c, 2), "float32")
    with pytest.raises(AssertionError):
        _close(wrong.as_dense("vec"), from_jax(j, "vec", (2, 4), (3, 4)), "float32")


def test_kronecker_is_the_vec_layout_kronecker_product():
    a, b = _normal(jax.random.PRNGKey(0), (2, 3), "float32"), _normal(jax.random.PRNGKey(1), (4, 5), "float32")
    np.testing.assert_allclose(Kronecker.of_product(a, b).as_dense("vec"), jnp.kron(b.T, a), rtol=1e-6)
    np.testing.assert_allclose(Kronecker.of_kron(b, a).as_dense("vec"), jnp.kron(b, a), rtol=1e-6)


def test_commutation_is_the_commutation_matrix():
    x = _normal(jax.random.PRNGKey(0), (3, 4), "float32")
    k = Commutation(3, 4).as_dense("vec")
    np.testing.assert_array_equal(k @ vec(x), vec(x.T))
    np.testing.assert_array_equal(k.T @ k, jnp.eye(12))


def test_diagonal_layout_is_stored_not_densified():
    d = jnp.arange(1.0, 7.0).reshape(2, 3)
    assert Diagonal(d).as_dense("diagonal") is d


def test_sugar_builds_sum_compose_and_scaled():
    k = Kronecker.of_product(jnp.ones((2, 3)), jnp.ones((4, 5)))
    d = Diagonal(jnp.ones((3, 4)))
    assert isinstance(k + k, Sum) and isinstance(k @ d, Compose)
    for scaled in (2.0 * k, k * 2.0, jnp.asarray(2.0) * k, np.float32(2.0) * k, -k):
        assert isinstance(scaled, Scaled)
    with pytest.raises(TypeError):
        k + jnp.ones((2, 5, 3, 4))
    with pytest.raises(TypeError):
        k @ jnp.ones((3, 4))


def test_is_operator():
    assert is_operator(Commutation(2, 3)) and isinstance(Commutation(2, 3), Operator)
    assert not any(is_operator(x) for x in (jnp.ones((2, 2)), np.ones(2), 1.0, None))


def test_operators_are_frozen():
    d = Diagonal(jnp.ones(3))
    with pytest.raises(AttributeError, match="frozen"):
        d.d = jnp.zeros(3)


_F = jnp.ones((3, 4))


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: Diagonal(jnp.ones(3, jnp.int32)), ValueError, "floating or complex, got dtype int32"),
        (lambda: Kronecker.of_product(jnp.ones((2, 3, 1)), _F), ValueError, r"right \(l, p\); got left \(2, 3, 1\)"),
        (lambda: Kronecker.of_kron(jnp.ones(4), _F), ValueError, r"matrices p and q, got p \(4,\)"),
        (lambda: Kronecker(_F, _F), TypeError, "positional"),
        (lambda: Commutation(0, 3), ValueError, r"positive sizes of X \(m, n\), got m=0"),
        (lambda: Commutation(2.5, 3), ValueError, "non-negative ints"),
        (lambda: LowRank.stacked(jnp.ones((2, 3)), jnp.ones((3, 4))), ValueError,
         r"same rank r; got us \(2, 3\), vs \(3, 4\)"),
        (lambda: Dense(jnp.ones((2, 3, 4)), (2,), (3,)), ValueError, r"has shape \(2, 3\), got \(2, 3, 4\)"),
        (lambda: Dense(jnp.ones((2, 3)), (2,), (3,), layout="vec-ish"), ValueError, "vec-ish"),
        (lambda: Sum(), ValueError, "at least one"),
        (lambda: Sum(Diagonal(jnp.ones(3)), Diagonal(jnp.ones(4))), ValueError, r"term 0 maps \(3,\) -> \(3,\), term 1"),
        (lambda: Sum(Diagonal(jnp.ones(3)), jnp.eye(3)), TypeError, "term 1 must be an operator"),
        (lambda: Compose(Diagonal(jnp.ones(3)), Diagonal(jnp.ones(4))), ValueError, r"takes \(3,\), inner gives \(4,\)"),
        (lambda: Scaled(jnp.ones(2), Diagonal(jnp.ones(2))), ValueError, r"scalar of shape \(\), got \(2,\)"),
        (lambda: Diagonal(_F).mv(_F.T), ValueError, r"tangent of the input's shape \(3, 4\), got \(4, 3\)"),
        (lambda: Commutation(3, 4).rmv(_F), ValueError, r"cotangent of the output's shape \(4, 3\), got \(3, 4\)"),
        (lambda: Kronecker.of_product(jnp.ones((2, 3)), _F).as_dense("numerator"), ValueError, "scalars and vectors"),
        (lambda: Commutation(3, 4).as_dense("diagonal"), ValueError, "out.shape == in.shape"),
    ],
)
def test_constructor_and_application_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()
