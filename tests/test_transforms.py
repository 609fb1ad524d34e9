"""Every closed form is a JAX function: ``jax.jit`` gives what an eager call gives, and ``jax.vmap``
over a batch gives the stack of single calls.

A closed form that branches on a concrete value (a Python ``if`` on an array, ``float(x)``) or
leaves JAX (``np.asarray``) works eagerly and breaks under both transformations; a user who
imports it into a jitted or vmapped program would find out there. One test id per record, float64,
default sizes. A closed form that returns a structured operator is compared densified in its
record's layout (a vmapped operator densifies member by member).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc import Identity, Kind, RunContext, Source
from matcalc.vocabulary.operators import is_operator
from matcalc.vocabulary.sampling import draw_tangents

SEEDS = (0, 1, 2)  # the batch: one seeded input set per seed
# jit may fuse (an FMA, a reassociated sum), so agreement is to a few ulps, not bitwise: the worst
# record measured 7 ulps of its scale under jit (0 under vmap, bar one at 0.6).
ULPS = 16


def _inputs(record, seed):
    """The closed form's positional inputs: the record's arguments, then its tangents (if any)."""
    args = matcalc.sample_args(record, seed=seed)
    with RunContext("float64", seed).scope() as context:
        return args + draw_tangents(record, context, args)


def _assert_close(actual, expected, what):
    """Each leaf within a few ulps of the expected leaf's largest entry (scale-relative, so entries
    that cancel to rounding level are not held to a relative bound of their own)."""
    actual_leaves, actual_tree = jax.tree.flatten(actual)
    expected_leaves, expected_tree = jax.tree.flatten(expected)
    assert actual_tree == expected_tree, f"{what}: {actual_tree} != {expected_tree}"
    for a, e in zip(actual_leaves, expected_leaves):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape and a.dtype == e.dtype, f"{what}: {a.shape} {a.dtype} != {e.shape} {e.dtype}"
        eps = np.finfo(e.dtype).eps if np.issubdtype(e.dtype, np.inexact) else 0  # integers: exactly
        np.testing.assert_allclose(a, e, rtol=0, atol=ULPS * eps * np.max(np.abs(e), initial=0), err_msg=what)


def _dense(record, value, batched=False):
    """An operator materialized in the record's layout (each member of a vmapped batch); arrays as they are."""
    if not is_operator(value):
        return value
    densify = lambda op: op.as_dense(record.layout)  # noqa: E731
    return jax.vmap(densify)(value) if batched else densify(value)


def _check_transforms(record):
    batch = [_inputs(record, seed) for seed in SEEDS]
    eager = [_dense(record, record.closed_form(*inputs)) for inputs in batch]
    jitted = jax.jit(record.closed_form)
    for seed, inputs, expected in zip(SEEDS, batch, eager):
        _assert_close(_dense(record, jitted(*inputs)), expected, f"{record.id}: jit, seed {seed}")
    stacked = [jnp.stack(column) for column in zip(*batch)]
    _assert_close(_dense(record, jax.vmap(record.closed_form)(*stacked), batched=True),
                  jax.tree.map(lambda *leaves: jnp.stack(leaves), *eager), f"{record.id}: vmap over seeds {SEEDS}")


@pytest.mark.parametrize("identity_id", [r.id for r in matcalc.catalog()])
def test_closed_form_under_jit_and_vmap(identity_id, x64):
    _check_transforms(matcalc.get(identity_id))


def _square_sum(closed_form):
    return Identity(id="test.square_sum", title="gradient of sum(X^2)", latex="2X", f=lambda X: jnp.sum(X**2),
                    closed_form=closed_form, wrt="X", args={"X": "m n"}, kind=Kind.GRADIENT,
                    sources=(Source.paper("test"),))


def _branches(X):
    if X[0, 0] > 0:  # both branches are right, but a tracer has no truth value to choose by
        return 2 * X
    return X + X


def _leaves_jax(X):
    return jnp.asarray(2 * np.asarray(X))  # a tracer cannot become a NumPy array


@pytest.mark.parametrize("closed_form", [_branches, _leaves_jax])
def test_a_closed_form_that_needs_concrete_values_is_caught(closed_form, x64):
    """The check above can fail: closed forms that are right eagerly but cannot be traced."""
    record = _square_sum(closed_form)
    for seed in SEEDS:
        (X,) = matcalc.sample_args(record, seed=seed)
        np.testing.assert_array_equal(record.closed_form(X), 2 * X)
    with pytest.raises((jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError)):
        _check_transforms(record)


def test_the_traceable_form_passes(x64):
    _check_transforms(_square_sum(lambda X: 2 * X))
