"""Tests for matcalc.studies.symbolic: JAX functions translated to SymPy, scalar rules verified exactly."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pytest

sympy = pytest.importorskip("sympy")

from matcalc import Source  # noqa: E402 (after the optional-dependency skip)
from matcalc.vocabulary.catalog import catalog  # noqa: E402
from matcalc.vocabulary.domains import Domain  # noqa: E402
from matcalc.vocabulary.records import Identity, Kind  # noqa: E402
from matcalc.studies.symbolic import SymbolicResult, symbolic_records, to_sympy, verify_symbolic  # noqa: E402

X, Y = sympy.symbols("x y", positive=True)

# name -> (JAX function, the SymPy expression it must translate to). Positive symbols, and
# positive sample points below, so that sqrt and log are real everywhere they are evaluated.
ROUND_TRIPS = {
    "polynomial": (lambda x: 3 * x**3 - 2 * x + 0.5, 3 * X**3 - 2 * X + sympy.Rational(1, 2)),
    "log_square": (lambda x: jnp.log(x**2), sympy.log(X**2)),
    "sin_exp": (lambda x: jnp.sin(jnp.exp(x)), sympy.sin(sympy.exp(X))),
    "x2y2": (lambda x, y: x**2 * y**2, X**2 * Y**2),
    "tanh": (jnp.tanh, sympy.tanh(X)),
    "reciprocal": (lambda x: 1 / x, 1 / X),
    "sqrt": (jnp.sqrt, sympy.sqrt(X)),
    "rsqrt_log1p_expm1": (lambda x: jax.lax.rsqrt(x) + jnp.log1p(x) * jnp.expm1(x), (
        1 / sympy.sqrt(X) + sympy.log(1 + X) * (sympy.exp(X) - 1)
    )),
    # jit, custom_jvp_call (logaddexp) and a trivial select_n (its NaN guard) inside:
    "softplus": (jax.nn.softplus, sympy.log(1 + sympy.exp(X))),
    "sigmoid": (jax.nn.sigmoid, 1 / (1 + sympy.exp(-X))),
    "jit_and_checkpoint": (
        lambda x: jax.jit(jnp.cos)(x) * jax.checkpoint(jnp.arctan)(x),
        sympy.cos(X) * sympy.atan(X),
    ),
    "max_abs_pow": (lambda x, y: jnp.maximum(x, y) + jnp.abs(x) ** y, sympy.Max(X, Y) + X**Y),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_translation_is_exact_and_numerically_faithful(name, x64):
    fn, expected = ROUND_TRIPS[name]
    symbols = sorted(expected.free_symbols, key=str)
    translated = to_sympy(fn, symbols)
    assert sympy.simplify(translated - expected) == 0, translated

    numeric = sympy.lambdify(symbols, translated, "numpy")
    for point in ([0.5, 1.3], [1.7, 0.8], [2.0, 2.0]):
        args = point[: len(symbols)]
        np.testing.assert_allclose(numeric(*args), fn(*map(jnp.float64, args)), rtol=1e-13)


def test_literals_become_exact_rationals():
    assert to_sympy(lambda x: 0.5 * x + 7.0, [X]) == X / 2 + 7  # structural: 1/2 and 7, not floats
    assert to_sympy(lambda x: jnp.full_like(x, 10), [X]) == 10


def test_global_x64_flag_is_left_alone():
    before = jax.config.jax_enable_x64
    to_sympy(jnp.sin, [X])
    assert jax.config.jax_enable_x64 == before


# --------------------------------------------------------------------------
# verify_symbolic on the catalog and on records built here.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("record", symbolic_records(), ids=lambda record: record.id)
def test_catalog_scalar_rule_verifies_exactly(record):
    result = verify_symbolic(record)
    assert result.ok, result


def test_scalar_rules_are_covered():
    if not any(record.id.startswith("scalar_rules.") for record in catalog()):
        pytest.skip("the catalog has no scalar_rules records yet")
    assert symbolic_records()


def _rule(f, closed_form, args=None, wrt="x", kind=Kind.DERIVATIVE) -> Identity:
    return Identity(
        id="test.rule",
        title="a rule under test",
        latex="-",
        f=f,
        closed_form=closed_form,
        wrt=wrt,
        args=args or {"x": ""},
        kind=kind,
        sources=(Source.paper("test"),),
    )


RIGHT = {
    "power": _rule(lambda x: x**6, lambda x: 6 * x**5),
    "chain_log_square": _rule(lambda x: jnp.log(x**2), lambda x: 2 / x, {"x": ("", "nonzero")}),
    "product": _rule(lambda x: x**2 * x, lambda x: x**2 * 1 + x * (2 * x)),
    "partial_dy": _rule(lambda x, y: x**2 * y**2, lambda x, y: 2 * x**2 * y, {"x": "", "y": ""}, wrt="y"),
    "real_power": _rule(lambda x, n: x**n, lambda x, n: n * x ** (n - 1), {"x": ("", "positive"), "n": ""}),
    "polynomial": _rule(lambda x: x**5 + x, lambda x: 5 * x**4 + 1),
    "sin_squared": _rule(lambda x: jnp.sin(x) ** 2, lambda x: jnp.sin(2 * x)),
    "sqrt": _rule(jnp.sqrt, lambda x: 1 / (2 * jnp.sqrt(x)), {"x": ("", "positive")}),
    "tanh": _rule(jnp.tanh, lambda x: 1 - jnp.tanh(x) ** 2),
    # Exactly 1 only where x > 0: the positive domain must reach SymPy as an assumption.
    "sqrt_square_positive": _rule(lambda x: jnp.sqrt(x**2), jnp.ones_like, {"x": ("", "positive")}),
}

WRONG = {
    "power_exponent": _rule(lambda x: x**6, lambda x: 6 * x**6),
    "chain_missing_factor": _rule(lambda x: jnp.log(x**2), lambda x: 1 / x, {"x": ("", "nonzero")}),
    "sign": _rule(jnp.cos, jnp.sin),
    "polynomial_lost_term": _rule(lambda x: x**5 + x, lambda x: 5 * x**4),
    "chain_missing_inner": _rule(lambda x: jnp.exp(2 * x), lambda x: jnp.exp(2 * x)),
    "partial_wrong_variable": _rule(
        lambda x, y: x**2 * y**2, lambda x, y: 2 * x * y**2, {"x": "", "y": ""}, wrt="y"
    ),
    # d/dx |x| is sign(x), not 1, once x may be negative.
    "sqrt_square_general": _rule(lambda x: jnp.sqrt(x**2), jnp.ones_like),
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_rules_verify(name):
    result = verify_symbolic(RIGHT[name])
    assert isinstance(result, SymbolicResult)
    assert result.ok and result.difference == "0", result


def test_result_shows_the_expressions():
    result = verify_symbolic(RIGHT["power"])
    assert (result.id, result.derivative, result.closed_form) == ("test.rule", "6*x**5", "6*x**5")


@pytest.mark.parametrize("name", WRONG)
def test_wrong_rules_are_rejected(name):
    result = verify_symbolic(WRONG[name])
    assert not result.ok and result.difference != "0", result


@dataclasses.dataclass(frozen=True)
class _AboveOne(Domain):
    """A domain the symbolic checker has never heard of by name: only its assumptions speak."""

    name: ClassVar[str] = "above_one"
    sympy_assumptions: ClassVar[Mapping[str, bool]] = {"positive": True}


def test_the_domain_states_its_assumptions():
    """d/dx sqrt(x^2) = 1 holds for x > 0: the domain's sympy_assumptions, not its name, decide."""
    sqrt_square = _rule(lambda x: jnp.sqrt(x**2), jnp.ones_like, {"x": ("", _AboveOne())})
    assert verify_symbolic(sqrt_square).ok
    assert not verify_symbolic(dataclasses.replace(sqrt_square, args={"x": ""})).ok


# --------------------------------------------------------------------------
# Clear errors.
# --------------------------------------------------------------------------


def test_non_scalar_records_are_refused():
    gradient = _rule(lambda A: jnp.sum(A**2), lambda A: 2 * A, {"A": "m n"}, wrt="A", kind=Kind.GRADIENT)
    with pytest.raises(ValueError, match="scalar"):
        verify_symbolic(gradient)
    # A derivative by a scalar with a vector argument alongside is not a scalar program either.
    with_vector = _rule(lambda x, a: x * jnp.sum(a), lambda x, a: jnp.sum(a), {"x": "", "a": "n"})
    with pytest.raises(ValueError, match="test.rule"):
        verify_symbolic(with_vector)


def test_non_scalar_symbols_and_outputs_are_refused():
    with pytest.raises(ValueError, match="scalar symbols"):
        to_sympy(jnp.sin, [sympy.MatrixSymbol("A", 2, 2)])
    with pytest.raises(ValueError, match="one scalar"):
        to_sympy(lambda x: jnp.stack([x, x]), [X])


@pytest.mark.parametrize(
    "fn, primitive",
    [
        (lambda x: jax.lax.cumsum(jnp.reshape(x, (1,)))[0], "cumsum"),
        (lambda x: jnp.linalg.det(jnp.array([[x, 1.0], [2.0, x]])), "concatenate"),
        (lambda x: jnp.floor(x), "floor"),
        (lambda x: jnp.where(x > 1, x, 2 * x), "select_n"),
        (lambda x: x.astype(jnp.int32) * 1.0, "convert_element_type"),
    ],
    ids=["cumsum", "det", "floor", "where", "truncation"],
)
def test_untranslatable_programs_name_the_primitive(fn, primitive):
    with pytest.raises(NotImplementedError, match=primitive):
        to_sympy(fn, [X])


def test_missing_sympy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # makes `import sympy` raise ImportError
    with pytest.raises(ImportError, match=r"matcalc\[symbolic\]"):
        to_sympy(jnp.sin, [X])
