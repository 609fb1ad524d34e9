"""Checked statements of the seed's first sections, beyond one record per identity: the scalar rules
on many random compositions, the equality of mixed partials, and the gradient's steepest ascent."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from identities import scalar_rules
from identities.partials import d2f_mixed, x2y2
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


@pytest.mark.parametrize("record", COMPOSITIONS, ids=[r.id for r in COMPOSITIONS])
def test_rule_built_derivative_of_random_composition(record):
    # All references in float64 (finite differences are independent of autodiff); float32 against
    # autodiff only, the finite-difference reference being a float64 computation anyway.
    for dtype, references in (("float64", None), ("float32", ["grad", "jacfwd"])):
        result = matcalc.verify(record, dtype=dtype, seed=seed_for(record.id), references=references)
        assert result.ok, str(result)


def _naive_product(g, h):
    """(gh)' = g'h', a classic mistake."""
    return dataclasses.replace(product_rule(g, h), closed_form=lambda x: ELEMENTARY[g][1](x) * ELEMENTARY[h][1](x))


def _outer_only(g, h):
    """(g o h)' = g'(h(x)), forgetting the inner derivative."""
    return dataclasses.replace(chain_rule(g, h), closed_form=lambda x: ELEMENTARY[g][1](ELEMENTARY[h][0](x)))


@pytest.mark.parametrize(
    ("mistake", "pairs"), [(_naive_product, scalar_rules.PRODUCT_PAIRS), (_outer_only, scalar_rules.CHAIN_PAIRS)]
)
def test_misapplied_rules_are_rejected(mistake, pairs):
    """The checks above can fail: a misapplied rule is caught for every pair of the catalog."""
    for g, h in pairs:
        assert not matcalc.verify(mistake(g, h), references=["grad"]).ok, (g, h)


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


def test_mixed_partials_agree(x64):
    """d/dx (df/dy) = d/dy (df/dx) for x^2 y^2: by jax, by the two records, and in the Hessian record."""
    x, y = jax.random.normal(jax.random.PRNGKey(0), (2, 200), jnp.float64)
    dx_dy = jax.vmap(jax.grad(jax.grad(x2y2, 1), 0))(x, y)
    dy_dx = jax.vmap(jax.grad(jax.grad(x2y2, 0), 1))(x, y)
    np.testing.assert_allclose(dx_dy, dy_dx, rtol=1e-14)
    by_records = [matcalc.get(f"partials.x2y2.{name}").closed_form(x, y) for name in ("d2_dx_dy", "d2_dy_dx")]
    np.testing.assert_allclose(by_records[0], by_records[1], rtol=0)
    np.testing.assert_allclose(by_records[0], dx_dy, rtol=1e-14)
    hessians = jax.vmap(matcalc.get("partials.x2y2.hessian").closed_form)(jnp.stack([x, y], axis=1))
    np.testing.assert_array_equal(hessians[:, 0, 1], hessians[:, 1, 0])
    np.testing.assert_array_equal(hessians[:, 0, 1], d2f_mixed(x, y))


@pytest.mark.parametrize("identity_id", ["gradients.x2y2", "gradients.quadratic_form"])
def test_gradient_is_the_direction_of_steepest_ascent(identity_id, x64):
    """For every unit v, nabla_v f <= |nabla f|, with equality at v = nabla f / |nabla f|."""
    record = matcalc.get(identity_id)
    i = record.argnum

    @jax.jit
    def slopes(args, v):
        """nabla_v f by autodiff for each unit v, and |nabla f| from the closed form."""
        f = lambda x: record.f(*args[:i], x, *args[i + 1 :])  # noqa: E731
        grad = record.closed_form(*args)
        norm = jnp.linalg.norm(grad)
        slope = lambda u: jax.jvp(f, (args[i],), (u,))[1]  # noqa: E731
        return jax.vmap(slope)(v), slope(grad / norm), norm

    for seed in range(50):
        args = matcalc.sample_args(record, seed=seed)
        v = jax.random.normal(jax.random.PRNGKey(seed), (100, args[i].size), jnp.float64)
        v = (v / jnp.linalg.norm(v, axis=1, keepdims=True)).reshape((100,) + args[i].shape)
        random, steepest, norm = slopes(args, v)
        assert jnp.all(random <= norm * (1 + 1e-12)), seed
        np.testing.assert_allclose(steepest, norm, rtol=1e-12, err_msg=f"seed {seed}")
