"""Expression swell, measured.

Symbolic differentiation is often said to suffer from *expression swell*: the
derivative of a nested expression, written out as a tree, grows much faster
than the expression itself (exponentially when a subexpression and its
derivative both reappear at every level, as in the product rule).  Reverse-mode
autodiff records each intermediate once, so its program grows linearly.  This
module makes that claim executable:

* a few families of nested scalar functions of depth ``k``, each written ONCE
  as a builder ``build(x, lib, depth)`` that works on SymPy symbols and on JAX
  arrays alike (arithmetic by operator overloading, elementary functions from
  the ``lib`` shim: :func:`sympy_lib` or :data:`JAX_LIB`);
* :func:`swell_row` / :func:`swell_table` measure, per family and depth, the
  size of the unsimplified SymPy derivative, its size after common-subexpression
  elimination, the number of equations in the jaxpr of ``jax.grad``, and the
  time each form takes to evaluate on a batch of points;
* :func:`format_table` and :func:`plot_swell` report the measurements.

(Exact checks of a derivative rule are :func:`matcalc.studies.symbolic.verify_symbolic`'s.)

SymPy and matplotlib are optional dependencies: they are imported inside the
functions that need them, so ``import matcalc.studies.swell`` works without them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from os import PathLike
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import Jaxpr

from matcalc.studies._sympy import require_sympy
from matcalc.vocabulary.jaxprs import sub_jaxprs
from matcalc.studies.plotting import new_figure
from matcalc.studies.timing import best_of

__all__ = [
    "FAMILIES",
    "JAX_LIB",
    "Family",
    "Lib",
    "SwellRow",
    "format_table",
    "plot_swell",
    "swell_row",
    "swell_table",
    "sympy_lib",
]


# --------------------------------------------------------------------------
# The `lib` shim: the elementary functions a builder may call.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lib:
    """Elementary functions for duck-typed builders ``f(x, lib)``.

    Arithmetic (``+ - * / **``) comes from operator overloading on ``x``; only
    the named functions below come from ``lib``, so one Python function can
    build a SymPy expression (``lib = sympy_lib()``) or a JAX computation
    (``lib = JAX_LIB``).
    """

    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]
    tan: Callable[[Any], Any]
    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    tanh: Callable[[Any], Any]

    @classmethod
    def from_module(cls, module: Any) -> Lib:
        """Take the functions of the same names from ``module`` (sympy, jax.numpy, numpy)."""
        return cls(**{field.name: getattr(module, field.name) for field in fields(cls)})


JAX_LIB: Lib = Lib.from_module(jnp)
"""The ``lib`` shim backed by ``jax.numpy``."""


def sympy_lib() -> Lib:
    """The ``lib`` shim backed by SymPy (imported lazily; raises ImportError without it)."""
    return Lib.from_module(require_sympy())


# --------------------------------------------------------------------------
# Families of nested expressions.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """A family of nested scalar functions ``build(x, lib, depth)``.

    ``domain`` is the interval the numerical comparisons and timings sample
    from; it keeps every family's values finite and away from singularities.
    """

    name: str
    build: Callable[[Any, Lib, int], Any]
    domain: tuple[float, float]
    description: str


def _logistic(x: Any, lib: Lib, depth: int) -> Any:
    # Baydin et al.'s expression-swell example: l_{k+1} = 4 l_k (1 - l_k).
    # The product rule puts both l_k and l_k' into l_{k+1}', so the written-out
    # derivative roughly doubles (and more) with each level.
    del lib  # polynomial: needs no elementary functions
    value = x
    for _ in range(depth):
        value = 4 * value * (1 - value)
    return value


def _composition(x: Any, lib: Lib, depth: int) -> Any:
    # f_k = x sin(f_{k-1}): each level adds a product rule term whose chain rule
    # factor cos(f_{k-1}) repeats the whole inner expression, so the tree of
    # the derivative grows quadratically while the function grows linearly.
    value = x
    for _ in range(depth):
        value = x * lib.sin(value)
    return value


def _chain(x: Any, lib: Lib, depth: int) -> Any:
    # Alternating sin/exp nesting: the chain rule alone.  The derivative is a
    # product of k factors, each holding its inner expression: quadratic tree.
    value = x
    for level in range(depth):
        value = lib.sin(value) if level % 2 == 0 else lib.exp(value)
    return value


FAMILIES: Mapping[str, Family] = {
    family.name: family
    for family in (
        Family("product", _logistic, (0.05, 0.95), "logistic map l <- 4 l (1 - l), depth times"),
        Family("composition", _composition, (0.1, 2.0), "f <- x sin(f), depth times"),
        Family("chain", _chain, (-1.0, 1.0), "f <- sin(f), exp(f) alternating, depth times"),
    )
}
"""Registered families by name: ``product`` (exponential swell), ``composition`` and
``chain`` (quadratic swell of the tree, linear after CSE)."""


# --------------------------------------------------------------------------
# Measurements.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SwellRow:
    """Sizes and timings of one family at one depth.

    Sizes: ``symbolic_ops`` (``sympy.count_ops`` of the unsimplified
    ``sympy.diff``), ``tree_nodes`` (nodes of that expression tree, shared
    subtrees counted every time they occur), ``cse_ops`` (count_ops of the
    ``sympy.cse`` replacements plus the reduced expression), ``jaxpr_eqns``
    (equations in the jaxpr of ``jax.grad``, sub-jaxprs included).

    Times in seconds: ``diff_seconds`` for SymPy to produce the derivative;
    ``symbolic_seconds`` / ``cse_seconds`` / ``jax_seconds`` to evaluate the
    derivative on the same batch of points with the lambdified unsimplified
    form, the lambdified CSE form, and the jitted, vmapped ``jax.grad``
    (float64 everywhere; best of a few runs after a warm-up).
    """

    family: str
    depth: int
    symbolic_ops: int
    tree_nodes: int
    cse_ops: int
    jaxpr_eqns: int
    diff_seconds: float
    symbolic_seconds: float
    cse_seconds: float
    jax_seconds: float


def _count_eqns(jaxpr: Jaxpr) -> int:
    """Equations of ``jaxpr``, each call counted once plus the equations of its body."""
    return sum(
        1 + sum(_count_eqns(sub) for value in eqn.params.values() for sub in sub_jaxprs(value))
        for eqn in jaxpr.eqns
    )


def swell_row(family: str, depth: int, *, batch: int = 10_000, repeats: int = 5) -> SwellRow:
    """Measure one family at one depth (see :class:`SwellRow` for the fields).

    ``batch`` points spread evenly over the family's domain are used for the
    evaluation timings; each timing is the best of ``repeats`` runs.
    """
    sympy = require_sympy()
    fam = FAMILIES[family]
    x = sympy.Symbol("x")

    start = time.perf_counter()
    derivative = sympy.diff(fam.build(x, sympy_lib(), depth), x)
    diff_seconds = time.perf_counter() - start

    replacements, (reduced,) = sympy.cse(derivative)
    cse_ops = sum(int(sympy.count_ops(rhs, visual=False)) for _, rhs in replacements)
    cse_ops += int(sympy.count_ops(reduced, visual=False))

    points = np.linspace(*fam.domain, batch)
    plain_fn = sympy.lambdify(x, derivative, "numpy")
    cse_fn = sympy.lambdify(x, derivative, "numpy", cse=True)

    # float64 like the NumPy forms, scoped so global JAX config is untouched.
    with jax.enable_x64(True):
        grad = jax.grad(lambda t: fam.build(t, JAX_LIB, depth))
        jaxpr = jax.make_jaxpr(grad)(jnp.float64(points[0]))
        batched = jax.jit(jax.vmap(grad))
        xs = jnp.asarray(points)
        batched(xs).block_until_ready()  # warm-up: compile outside the timing
        jax_seconds = best_of(lambda: batched(xs).block_until_ready(), repeats)

    return SwellRow(
        family=family,
        depth=depth,
        symbolic_ops=int(sympy.count_ops(derivative, visual=False)),
        tree_nodes=sum(1 for _ in sympy.preorder_traversal(derivative)),
        cse_ops=cse_ops,
        jaxpr_eqns=_count_eqns(jaxpr.jaxpr),
        diff_seconds=diff_seconds,
        symbolic_seconds=best_of(lambda: plain_fn(points), repeats),
        cse_seconds=best_of(lambda: cse_fn(points), repeats),
        jax_seconds=jax_seconds,
    )


def swell_table(
    families: Sequence[str] = ("product", "composition"),
    depths: Iterable[int] = range(1, 9),
) -> list[SwellRow]:
    """Measure every family at every depth, family-major.

    The default stops at depth 8 because the ``product`` family's unsimplified
    derivative grows about 2.4x per level (13,824 operations at depth 8) and so
    does the cost of measuring it, mostly ``lambdify`` printing the tree and
    NumPy evaluating it.  Measured on 2 CPU cores: depths 1-8 of both default
    families take about 3 s in all, while a single ``product`` row takes about
    4 s at depth 10 and 22 s at depth 12 (456,704 operations).  Depth 8 already
    shows the point: exponential growth against linear growth of the jaxpr.
    """
    depth_list = list(depths)  # may be a one-shot iterator, reused per family
    return [swell_row(family, depth) for family in families for depth in depth_list]


_COLUMNS: tuple[tuple[str, str, Callable[[SwellRow], Any]], ...] = (
    ("family", "<12", lambda r: r.family),
    ("depth", ">5", lambda r: r.depth),
    ("sym_ops", ">8", lambda r: r.symbolic_ops),
    ("nodes", ">8", lambda r: r.tree_nodes),
    ("cse_ops", ">7", lambda r: r.cse_ops),
    ("jaxpr", ">5", lambda r: r.jaxpr_eqns),
    ("diff_ms", ">8", lambda r: f"{r.diff_seconds * 1e3:.2f}"),
    ("sym_ms", ">8", lambda r: f"{r.symbolic_seconds * 1e3:.3f}"),
    ("cse_ms", ">8", lambda r: f"{r.cse_seconds * 1e3:.3f}"),
    ("jax_ms", ">8", lambda r: f"{r.jax_seconds * 1e3:.3f}"),
)


def format_table(rows: Iterable[SwellRow]) -> str:
    """A fixed-width text table: a header line, a rule, then one line per row.

    Sizes are operation/node/equation counts; times are in milliseconds.
    """
    header = " ".join(f"{name:{spec}}" for name, spec, _ in _COLUMNS)
    lines = [header, "-" * len(header)]
    lines += [" ".join(f"{get(row):{spec}}" for _, spec, get in _COLUMNS) for row in rows]
    return "\n".join(lines)


def plot_swell(rows: Sequence[SwellRow], path: str | PathLike[str]) -> None:
    """Write a PNG at ``path``: size against depth on a log scale, one panel per family.

    Uses a bare Agg canvas rather than pyplot, so no display is needed and the
    process-wide matplotlib backend is left alone.
    """
    families = list(dict.fromkeys(row.family for row in rows))
    fig = new_figure(figsize=(4.5 * len(families), 3.8), layout="constrained")
    axes = fig.subplots(1, len(families), squeeze=False)[0]
    for ax, family in zip(axes, families):
        mine = sorted((r for r in rows if r.family == family), key=lambda r: r.depth)
        depths = [r.depth for r in mine]
        ax.plot(depths, [r.symbolic_ops for r in mine], "o-", label="sympy.diff (count_ops)")
        ax.plot(depths, [r.cse_ops for r in mine], "s-", label="after sympy.cse")
        ax.plot(depths, [r.jaxpr_eqns for r in mine], "^-", label="jaxpr of jax.grad (eqns)")
        ax.set_yscale("log")
        ax.set_xlabel("depth")
        ax.set_ylabel("size")
        ax.set_title(family)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    fig.savefig(path, format="png")
