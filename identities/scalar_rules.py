"""The scalar rules of a first calculus course, d/dx of a scalar (seed section 1).

Each rule is a record with the seed's own example. The sum, product and chain rules are also
checked in general form: their closed forms are *built by the rule* from a small table of
elementary functions and their known derivatives, for a seeded selection of pairs.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from identities._sources import SCALAR_RULES
from matcalc import Identity, Kind

# name -> (g, g'). Every g maps (0, inf) into (0, inf) and is increasing, so that any sum, product
# or composition is defined on the positive domain and its rule-built derivative adds and
# multiplies only positive terms: no cancellation, no root where a relative check would be
# meaningless. The derivatives are written in their well-conditioned forms; functions whose
# jax.grad loses float32 accuracy once saturated (tanh, sigmoid) are left out.
ELEMENTARY = {
    "exp": (jnp.exp, jnp.exp),
    "square": (jnp.square, lambda u: 2 * u),
    "sqrt": (jnp.sqrt, lambda u: 0.5 / jnp.sqrt(u)),
    "log1p": (jnp.log1p, lambda u: 1 / (1 + u)),
    "arctan": (jnp.arctan, lambda u: 1 / (1 + u**2)),
    "softplus": (jax.nn.softplus, jax.nn.sigmoid),
}

_X = {"x": ("", "positive")}
_BUILT = (
    "General form: the closed form is built by the rule from the derivatives of the elementary "
    "functions (identities.scalar_rules.ELEMENTARY), for pairs drawn with a fixed seed."
)


def _rule(name, title, latex, f, closed_form, args=_X, notes=""):
    # softplus is built on logaddexp's max/where, which has no analytic complex extension.
    return Identity(
        real_analytic="softplus" not in name,
        id=f"scalar_rules.{name}",
        title=title,
        latex=latex,
        f=f,
        closed_form=closed_form,
        wrt="x",
        args=args,
        kind=Kind.DERIVATIVE,
        sources=(SCALAR_RULES,),
        notes=notes,
    )


def _composition(names):
    """g_1(g_2(...g_k(x))) and its derivative, built by applying the chain rule recursively."""
    g, dg = ELEMENTARY[names[0]]
    if len(names) == 1:
        return g, dg
    h, dh = _composition(names[1:])
    return (lambda x: g(h(x))), (lambda x: dg(h(x)) * dh(x))


def _op(name: str) -> str:
    return rf"\operatorname{{{name}}}"


def _nest(names) -> str:
    """LaTeX of names[0](names[1](...(x)))."""
    return "x" if not names else rf"{_op(names[0])}({_nest(names[1:])})"


def sum_rule(g: str, h: str) -> Identity:
    (fg, dg), (fh, dh) = ELEMENTARY[g], ELEMENTARY[h]
    return _rule(
        f"sum_rule.{g}_{h}",
        f"Sum rule: {g}(x) + {h}(x)",
        rf"\frac{{d}}{{dx}}\left({_nest([g])} + {_nest([h])}\right) = {_op(g)}'(x) + {_op(h)}'(x)",
        lambda x: fg(x) + fh(x),
        lambda x: dg(x) + dh(x),
        notes=_BUILT,
    )


def product_rule(g: str, h: str) -> Identity:
    (fg, dg), (fh, dh) = ELEMENTARY[g], ELEMENTARY[h]
    return _rule(
        f"product_rule.{g}_{h}",
        f"Product rule: {g}(x) {h}(x)",
        rf"\frac{{d}}{{dx}}\left({_nest([g])} \, {_nest([h])}\right)"
        rf" = {_op(g)}'(x) \, {_nest([h])} + {_nest([g])} \, {_op(h)}'(x)",
        lambda x: fg(x) * fh(x),
        lambda x: dg(x) * fh(x) + fg(x) * dh(x),
        notes=_BUILT,
    )


def chain_rule(*names: str) -> Identity:
    """The composition names[0](names[1](...(x))), outermost first."""
    f, df = _composition(names)
    factors = [rf"{_op(n)}'({_nest(names[i + 1:])})" for i, n in enumerate(names)]
    return _rule(
        "chain_rule." + "_of_".join(names),
        "Chain rule: " + "(".join(names) + "(x" + ")" * len(names),
        rf"\frac{{d}}{{dx}} {_nest(names)} = " + r" \cdot ".join(factors),
        f,
        df,
        notes=_BUILT,
    )


def _seeded_pairs(pairs, count: int, seed: int):
    """``count`` pairs drawn without replacement by a fixed seed: the ids stay stable."""
    pairs = list(pairs)
    return [pairs[i] for i in np.random.default_rng(seed).choice(len(pairs), count, replace=False)]


_NAMES = sorted(ELEMENTARY)
SUM_PAIRS = _seeded_pairs(itertools.combinations(_NAMES, 2), 4, seed=1)
PRODUCT_PAIRS = _seeded_pairs(itertools.combinations(_NAMES, 2), 4, seed=2)
CHAIN_PAIRS = _seeded_pairs(itertools.permutations(_NAMES, 2), 4, seed=3)  # (outer, inner)

RECORDS = (
    _rule(
        "constant",
        "Constant rule: d/dx 10 = 0",
        r"\frac{d}{dx} 10 = 0",
        lambda x: jnp.full_like(x, 10),
        jnp.zeros_like,
        args={"x": ""},
    ),
    _rule(
        "constant_multiple",
        "Multiplication by a constant: d/dx 7x = 7",
        r"\frac{d}{dx} 7x = 7",
        lambda x: 7 * x,
        lambda x: jnp.full_like(x, 7),
        args={"x": ""},
    ),
    _rule(
        "power",
        "Power rule: d/dx x^6 = 6x^5",
        r"\frac{d}{dx} x^6 = 6x^5",
        lambda x: x**6,
        lambda x: 6 * x**5,
        args={"x": ""},
    ),
    _rule(
        "power_rule",
        "Power rule, real exponent: d/dx x^n = n x^(n-1)",
        r"\frac{d}{dx} x^n = n x^{n-1}",
        lambda x, n: x**n,
        lambda x, n: n * x ** (n - 1),
        args={"x": ("", "positive"), "n": ""},
        notes="x > 0, so that x^n is real for every real n.",
    ),
    _rule(
        "sum",
        "Sum rule: d/dx (x^5 + x) = 5x^4 + 1",
        r"\frac{d}{dx} (x^5 + x) = 5x^4 + 1",
        lambda x: x**5 + x,
        lambda x: 5 * x**4 + 1,
        args={"x": ""},
    ),
    _rule(
        "product",
        "Product rule: d/dx (x^2 x) = 3x^2",
        r"\frac{d}{dx} (x^2 \cdot x) = x^2 \cdot 1 + x \cdot 2x = 3x^2",
        lambda x: x**2 * x,
        lambda x: x**2 * 1 + x * (2 * x),
        args={"x": ""},
    ),
    _rule(
        "chain",
        "Chain rule: d/dx ln(x^2) = 2/x",
        r"\frac{d}{dx} \ln(x^2) = \frac{1}{x^2} \cdot 2x = \frac{2}{x}",
        lambda x: jnp.log(x**2),
        lambda x: 1 / x**2 * (2 * x),
        args={"x": ("", "nonzero")},
    ),
    *(sum_rule(g, h) for g, h in SUM_PAIRS),
    *(product_rule(g, h) for g, h in PRODUCT_PAIRS),
    *(chain_rule(g, h) for g, h in CHAIN_PAIRS),
)
