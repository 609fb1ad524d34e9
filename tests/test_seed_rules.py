"""Checked statements of the seed's first sections, beyond one record per identity: the scalar rules
on many random compositions, the equality of mixed partials, and the gradient's steepest ascent."""

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from identities import scalar_rules
from identities.partials import d2f_dx2, x2y2
from identities.scalar_rules import ELEMENTARY, chain_rule, product_rule, sum_rule
from matcalc.vocabulary.sampling import seed_for

N_COMPOSITIONS = 30


def _random_compositions(seed=2024):
    """Seeded sums, products, chains and nested chains g(h(k(x))) of distinct elementary functions.

    Distinct, because a repeated growing function (exp(exp(exp(x)))) would overflow float32.
    """
    rng = np.random.default_rng(seed)
    builders = [(sum_rule, 2), (product_rule, 2), (chain_rule, 2), (chain_rule, 3)]
    records = {}
    while len(records) < N_COMPOSITIONS:
        build, arity = builders[len(records) % len(builders)]
        record = build(*rng.choice(sorted(ELEMENTARY), arity, replace=False))
        records.setdefault(record.id, record)
    return list(records.values())


COMPOSITIONS = _random_compositions()


# All references in float64 (finite differences are independent of autodiff); float32 against
# autodiff only, the finite-difference reference being a float64 computation anyway.
DTYPE_REFERENCES = {"float64": None, "float32": ["grad", "jacfwd"]}


@pytest.mark.parametrize("dtype", DTYPE_REFERENCES)
@pytest.mark.parametrize("record", COMPOSITIONS, ids=[r.id for r in COMPOSITIONS])
def test_rule_built_derivative_of_random_composition(record, dtype):
    result = matcalc.verify(record, dtype=dtype, seed=seed_for(record.id), references=DTYPE_REFERENCES[dtype])
    assert result.ok, str(result)


def _naive_product(g, h):
    """(gh)' = g'h', a classic mistake."""
    return dataclasses.replace(product_rule(g, h), closed_form=lambda x: ELEMENTARY[g][1](x) * ELEMENTARY[h][1](x))


def _outer_only(g, h):
    """(g o h)' = g'(h(x)), forgetting the inner derivative."""
    return dataclasses.replace(chain_rule(g, h), closed_form=lambda x: ELEMENTARY[g][1](ELEMENTARY[h][0](x)))


MISTAKES = [(mistake, g, h) for mistake, pairs in ((_naive_product, scalar_rules.PRODUCT_PAIRS),
                                                   (_outer_only, scalar_rules.CHAIN_PAIRS)) for g, h in pairs]


@pytest.mark.parametrize(("mistake", "g", "h"), MISTAKES, ids=[f"{m.__name__[1:]}-{g}-{h}" for m, g, h in MISTAKES])
def test_misapplied_rules_are_rejected(mistake, g, h):
    """The checks above can fail: a misapplied rule is caught for every pair of the catalog."""
    assert not matcalc.verify(mistake(g, h), references=["grad"]).ok


def test_general_form_ids_are_stable():
    """The seeded selection of pairs is part of the catalog's ids (pytest ids, docs links)."""
    general = [r.id.split(".", 1)[1] for r in scalar_rules.RECORDS if r.id.count(".") == 2]
    assert general == [
        "sum_rule.log1p_sqrt", "sum_rule.exp_softplus", "sum_rule.sqrt_square", "sum_rule.exp_log1p",
        "product_rule.arctan_square", "product_rule.log1p_sqrt", "product_rule.arctan_log1p",
        "product_rule.arctan_sqrt",
        "chain_rule.exp_of_softplus", "chain_rule.arctan_of_softplus", "chain_rule.exp_of_arctan",
        "chain_rule.sqrt_of_exp",
    ]


# Second partials of the seed's f(x, y) = x^2 y^2 by jax.grad of jax.grad of f itself: a truth
# independent of the records, whose f is a hand-written first partial and whose closed forms are
# hand-written second ones. (i, j): differentiate by argument i, then the result by argument j.
SECOND_PARTIALS = {"d2_dx2": (0, 0), "d2_dy_dx": (0, 1), "d2_dx_dy": (1, 0), "d2_dy2": (1, 1)}


def _grad_of_grad(i, j):
    return jax.vmap(jax.grad(jax.grad(x2y2, i), j))


@pytest.fixture
def points(x64):
    return tuple(jax.random.normal(jax.random.PRNGKey(0), (2, 200), jnp.float64))


def _assert_second_partial(record, i, j, x, y):
    np.testing.assert_allclose(record.closed_form(x, y), _grad_of_grad(i, j)(x, y), rtol=1e-14, err_msg=record.id)


@pytest.mark.parametrize("name", SECOND_PARTIALS)
def test_second_partial_is_grad_of_grad(name, points):
    """Each record against jax's own order of differentiation; the two mixed records share one closed
    form, 4xy, so their passing against both orders is the mixed partials' agreement (Schwarz)."""
    _assert_second_partial(matcalc.get(f"partials.x2y2.{name}"), *SECOND_PARTIALS[name], *points)


def test_hessian_record_collects_the_second_partials(points):
    """H[i, j] = d/dz_j (df/dz_i), each entry by jax.grad of jax.grad of f(x, y)."""
    x, y = points
    hessians = jax.vmap(matcalc.get("partials.x2y2.hessian").closed_form)(jnp.stack([x, y], axis=1))
    expected = jnp.stack([jnp.stack([_grad_of_grad(i, j)(x, y) for j in (0, 1)], -1) for i in (0, 1)], -2)
    np.testing.assert_allclose(hessians, expected, rtol=1e-14)


@pytest.mark.parametrize(("name", "wrong"), [("d2_dx_dy", d2f_dx2), ("d2_dy_dx", lambda x, y: 2 * x * y)])
def test_a_wrong_second_partial_is_caught(name, wrong, points):
    """The check above can fail: the unmixed partial, or a missing factor 2, in a mixed one's place."""
    record = dataclasses.replace(matcalc.get(f"partials.x2y2.{name}"), closed_form=wrong)
    with pytest.raises(AssertionError):
        _assert_second_partial(record, *SECOND_PARTIALS[name], *points)


@functools.cache
def _slopes(identity_id):
    """A jitted (args, v) -> (nabla_v f by autodiff for each unit v, nabla_v f along the closed form's
    gradient, |nabla f| from the closed form); one per record, compiled once for all seeds."""
    record = matcalc.get(identity_id)
    i = record.argnum

    @jax.jit
    def slopes(args, v):
        f = lambda x: record.f(*args[:i], x, *args[i + 1 :])  # noqa: E731
        grad = record.closed_form(*args)
        norm = jnp.linalg.norm(grad)
        slope = lambda u: jax.jvp(f, (args[i],), (u,))[1]  # noqa: E731
        return jax.vmap(slope)(v), slope(grad / norm), norm

    return slopes


@pytest.mark.parametrize("seed", range(50))
@pytest.mark.parametrize("identity_id", ["gradients.x2y2", "gradients.quadratic_form"])
def test_gradient_is_the_direction_of_steepest_ascent(identity_id, seed, x64):
    """For every unit v, nabla_v f <= |nabla f|, with equality at v = nabla f / |nabla f|."""
    record = matcalc.get(identity_id)
    i = record.argnum
    args = matcalc.sample_args(record, seed=seed)
    v = jax.random.normal(jax.random.PRNGKey(seed), (100, args[i].size), jnp.float64)
    v = (v / jnp.linalg.norm(v, axis=1, keepdims=True)).reshape((100,) + args[i].shape)
    random, steepest, norm = _slopes(identity_id)(args, v)
    assert jnp.all(random <= norm * (1 + 1e-12))
    np.testing.assert_allclose(steepest, norm, rtol=1e-12)
