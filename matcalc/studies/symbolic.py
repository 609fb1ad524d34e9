"""Exact, symbolic verification of the catalog's scalar derivative rules.

The catalog writes each identity once, as JAX functions. To check a scalar rule exactly we
translate those very functions into SymPy rather than re-typing them: :func:`to_sympy` traces a
function to a jaxpr on scalar float64 placeholders and evaluates the jaxpr's equations on SymPy
symbols. :func:`verify_symbolic` then checks ``simplify(diff(f, x) - closed_form) == 0``.

Only scalar programs translate: every value in the jaxpr must hold a single element (shape
``()`` or a size-1 array reshaped on the way), and only the primitives that ``_rules`` maps, the
shape-only ones and the call primitives (whose bodies are translated in place) are understood;
anything else raises ``NotImplementedError`` naming the primitive.

SymPy is the optional extra ``matcalc[symbolic]``; it is imported inside the functions that need
it, so ``import matcalc.studies.symbolic`` works without it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import ClosedJaxpr, Jaxpr, Literal

from matcalc.studies._sympy import require_sympy
from matcalc.vocabulary.domains import Domain
from matcalc.vocabulary.kinds import Kind
from matcalc.vocabulary.records import Identity

if TYPE_CHECKING:
    import sympy

__all__ = ["SymbolicResult", "symbolic_records", "to_sympy", "verify_symbolic"]

# Primitives that only carry a value through a shape change: on single-element values they are
# the identity.
_RESHAPES = frozenset({"broadcast_in_dim", "reshape", "squeeze", "copy"})
# Call-like primitives whose body is a jaxpr in params["jaxpr"] or params["call_jaxpr"]; their
# custom derivative rules are irrelevant here, since SymPy differentiates the primal body.
# (remat2 is jax.checkpoint.)
_CALLS = frozenset({"jit", "closed_call", "custom_jvp_call", "custom_vjp_call", "remat2"})
_UNARY = (
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "exp", "log", "sqrt", "sign", "erf",
)  # fmt: skip


def _exact(fn: Callable[..., Any]) -> Callable[..., Any]:
    # Params such as `accuracy` tune the floating-point kernel, not the exact value: drop them.
    return lambda *operands, **params: fn(*operands)


@functools.cache
def _rules() -> dict[str, Callable[..., Any]]:
    """Primitive name -> rule, called with the SymPy operands and the equation's params."""
    sp = require_sympy()
    rules = {name: getattr(sp, name) for name in _UNARY} | {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "neg": lambda a: -a,
        "pow": lambda a, b: a**b,
        "square": lambda a: a**2,
        "rsqrt": lambda a: 1 / sp.sqrt(a),
        # SymPy has no log1p/expm1 in its core; the plain forms are the same exact functions.
        "log1p": lambda a: sp.log(1 + a),
        "expm1": lambda a: sp.exp(a) - 1,
        "exp2": lambda a: 2**a,
        "logistic": lambda a: 1 / (1 + sp.exp(-a)),
        "atan2": sp.atan2,
        "abs": sp.Abs,
        "max": sp.Max,
        "min": sp.Min,
        # Comparisons feed select_n; SymPy settles them from the symbols' assumptions when it can
        # (Ne(e, e) is false, so softplus's NaN guard vanishes; Lt(x, 0) is false for positive x).
        "eq": sp.Eq,
        "ne": sp.Ne,
        "lt": sp.Lt,
        "le": sp.Le,
        "gt": sp.Gt,
        "ge": sp.Ge,
        "select_n": _select_n,
    }
    return {name: _exact(rule) for name, rule in rules.items()} | {
        "integer_pow": lambda a, *, y: a**y,
        "convert_element_type": _convert,
    }


def _convert(value: Any, *, new_dtype: Any, **params: Any) -> Any:
    # Casting to a float keeps the exact value; casting a non-integer to an integer type truncates,
    # which has no smooth translation.
    if jnp.issubdtype(new_dtype, jnp.floating) or getattr(value, "is_integer", False):
        return value
    raise NotImplementedError(f"primitive 'convert_element_type' to {new_dtype} truncates {value}")


def _select_n(predicate: Any, *cases: Any) -> Any:
    """``lax.select_n``, only where the choice is known symbolically (no Piecewise)."""
    sp = require_sympy()
    if predicate is sp.true or predicate is sp.false:
        return cases[int(predicate is sp.true)]  # select_n picks cases[1] where the predicate holds
    if isinstance(predicate, sp.Integer):
        return cases[int(predicate)]
    if all(case == cases[0] for case in cases):
        return cases[0]
    raise NotImplementedError(
        f"primitive 'select_n' with the data-dependent predicate {predicate} is not supported "
        "(a jnp.where whose branch depends on the input)"
    )


def _number(value: Any) -> Any:
    """A JAX literal or constant as an exact SymPy number (7.0 -> 7, 0.5 -> 1/2)."""
    sp = require_sympy()
    array = np.asarray(value)
    if array.size != 1:
        raise NotImplementedError(
            f"a constant of shape {array.shape}: only single-element (scalar) programs are supported"
        )
    item = array.item()
    if isinstance(item, bool):
        return sp.true if item else sp.false
    if isinstance(item, int) or (math.isfinite(item) and float(item).is_integer()):
        return sp.Integer(int(item))
    return sp.nsimplify(item, rational=True)


def _evaluate(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any]) -> list[Any]:
    env: dict[Any, Any] = {}

    def read(var: Any) -> Any:
        return _number(var.val) if isinstance(var, Literal) else env[var]

    env.update(zip(jaxpr.constvars, (_number(c) for c in consts)))
    env.update(zip(jaxpr.invars, args))
    rules = _rules()
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name not in rules and name not in _RESHAPES and name not in _CALLS:
            raise NotImplementedError(f"primitive {name!r} has no SymPy translation")
        # A size-1 array is still one number; anything larger is no longer a scalar program.
        for var in eqn.outvars:
            if math.prod(var.aval.shape) != 1:
                raise NotImplementedError(
                    f"primitive {name!r} produces {var.aval.str_short()}: only single-element "
                    "(scalar) programs are supported"
                )
        operands = [read(var) for var in eqn.invars]
        if name in _CALLS:
            body = eqn.params.get("jaxpr", eqn.params.get("call_jaxpr"))
            if isinstance(body, ClosedJaxpr):
                outs = _evaluate(body.jaxpr, body.consts, operands)
            else:
                outs = _evaluate(body, (), operands)
        elif name in _RESHAPES:
            outs = operands[:1]
        else:
            outs = [rules[name](*operands, **eqn.params)]
        env.update(zip(eqn.outvars, outs))
    return [read(var) for var in jaxpr.outvars]


def to_sympy(fn: Callable[..., Any], symbols: Sequence[sympy.Symbol]) -> sympy.Expr:
    """The SymPy expression that ``fn`` computes, ``fn`` called with one scalar per symbol.

    ``fn`` is traced with ``jax.make_jaxpr`` on scalar float64 placeholders (x64 scoped to the
    call) and its jaxpr is evaluated on ``symbols``. Floating literals become exact rationals.
    Raises ``ValueError`` for non-scalar symbols or outputs and ``NotImplementedError`` naming
    any primitive that has no translation.
    """
    sp = require_sympy()
    symbols = list(symbols)
    for symbol in symbols:
        if not isinstance(symbol, sp.Symbol):
            kind = type(symbol).__name__
            raise ValueError(f"to_sympy takes scalar symbols (sympy.Symbol), got {kind} {symbol}")
    with jax.enable_x64(True):
        closed = jax.make_jaxpr(fn)(*[jax.ShapeDtypeStruct((), jnp.float64)] * len(symbols))
    if len(closed.out_avals) != 1 or closed.out_avals[0].shape != ():
        outs = ", ".join(aval.str_short() for aval in closed.out_avals)
        raise ValueError(f"to_sympy needs a function returning one scalar, got ({outs})")
    (out,) = _evaluate(closed.jaxpr, closed.consts, symbols)
    return out


@dataclasses.dataclass(frozen=True)
class SymbolicResult:
    """The symbolic check of one record; the expressions are SymPy's strings."""

    id: str
    ok: bool  # simplify(derivative - closed_form) is exactly 0
    derivative: str  # sympy.diff of the translated f
    closed_form: str  # the translated closed form
    difference: str  # the simplified difference ("0" when ok)


def _is_scalar_derivative(record: Identity) -> bool:
    return record.kind is Kind.DERIVATIVE and all(arg.shape == "" for arg in record.args.values())


def _symbol(name: str, domain: Domain) -> sympy.Symbol:
    # The domain's assumptions are what let SymPy simplify e.g. d/dx ln(x^2) = 2/x (x != 0)
    # or x^n with real n (x > 0).
    return require_sympy().Symbol(name, **domain.sympy_assumptions)


def verify_symbolic(record: Identity) -> SymbolicResult:
    """Check exactly that ``record.closed_form`` is the derivative of ``record.f`` by ``wrt``.

    Only for records of kind ``derivative`` with all-scalar arguments; others raise ValueError.
    """
    if not _is_scalar_derivative(record):
        shapes = {name: arg.shape for name, arg in record.args.items()}
        raise ValueError(
            f"identity {record.id!r} ({record.kind.value}, arg shapes {shapes}): symbolic verification "
            "covers only derivatives of scalar functions of scalar arguments"
        )
    sp = require_sympy()
    symbols = {name: _symbol(name, arg.domain) for name, arg in record.args.items()}
    derivative = sp.diff(to_sympy(record.f, list(symbols.values())), symbols[record.wrt])
    closed_form = to_sympy(record.closed_form, list(symbols.values()))
    difference = sp.simplify(derivative - closed_form)
    return SymbolicResult(
        id=record.id,
        ok=bool(difference == 0),
        derivative=str(derivative),
        closed_form=str(closed_form),
        difference=str(difference),
    )


def symbolic_records() -> tuple[Identity, ...]:
    """The catalog's records that :func:`verify_symbolic` accepts, in catalog order."""
    from matcalc.vocabulary.catalog import catalog  # late, like every engine module's door into the catalog

    return tuple(record for record in catalog() if _is_scalar_derivative(record))
