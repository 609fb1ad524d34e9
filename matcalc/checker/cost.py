"""What evaluating a function materializes, measured before running it: the largest array its
program holds.

The size budget (``max_dense``) keeps the *references* proportional to f; it cannot help when f
itself, or a closed form, is too big at the requested sizes (``tr(X ⊗ X)`` holds n⁴ numbers, a
dense vector-by-matrix Jacobian n³). Tracing costs no computation: the jaxpr states every
intermediate's shape, so ``verify`` can refuse such a size with the reason instead of exhausting
the machine's memory.

A full reference holds more than f: ``jacfwd`` (and ``hessian``, forward over reverse) pushes one
basis tangent per input through f at once, ``jacrev`` pulls one basis cotangent per output, so
each of f's intermediates is held that many times over. ``too_large_references`` measures that
(the batch times f's largest array), for the references to be skipped for size with the reason.

A record whose identity does not apply at some sizes (a matrix meant tall that comes out square
or wide) says so by raising ``SizeError`` while f is traced: ``too_large`` reports it as not run
at these sizes, with the record's reason.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import jax
import numpy as np
from jax.extend.core import Var

from matcalc.vocabulary.jaxprs import sub_jaxprs

# No single array of f or a closed form may hold more elements than this (1 GiB in float64): the
# references evaluate f several times over (probes are batched, each reference has its own copy),
# so a check's peak is several times its largest array (about 6 GB at 2^27, measured at n = 512).
MAX_ARRAY_ELEMENTS = 2**27


class SizeError(ValueError):
    """Raised by a record's f (or closed form) while it is traced, when the requested sizes break a
    condition of the identity (for example a matrix meant tall that is square or wide at these
    sizes): the record is reported as not run at these sizes, with this message as the reason."""


# How many basis vectors a full reference pushes or pulls through f at once, from (out_size,
# in_size): one per input in forward mode (jacfwd; hessian = jacfwd of one reverse pass), one per
# output in reverse mode (jacrev), and rev_over_fwd = jacrev(jacfwd) pulls one per input back
# through a program that already pushes one per input.
BATCH: dict[str, tuple[str, Callable[[int, int], int]]] = {
    "jacfwd": ("one basis tangent per input", lambda out_size, in_size: in_size),
    "hessian": ("one basis tangent per input", lambda out_size, in_size: in_size),
    "jacrev": ("one basis cotangent per output", lambda out_size, in_size: out_size),
    "rev_over_fwd": ("one basis cotangent per input, over one tangent per input", lambda out_size, in_size: in_size**2),
}


def _largest(jaxpr) -> tuple[int, tuple[int, ...]]:
    best = (0, ())
    for var in (*jaxpr.constvars, *jaxpr.invars, *jaxpr.outvars):  # constants: NumPy tables built while tracing
        shape = tuple(getattr(getattr(var, "aval", None), "shape", ()))
        best = max(best, (math.prod(shape), shape))
    for eqn in jaxpr.eqns:
        for var in eqn.outvars:
            shape = tuple(getattr(var.aval, "shape", ()))
            best = max(best, (math.prod(shape), shape))
        for value in eqn.params.values():
            for inner in sub_jaxprs(value):
                best = max(best, _largest(inner))
    return best


def _size(var) -> tuple[int, tuple[int, ...]]:
    shape = tuple(getattr(getattr(var, "aval", None), "shape", ()))
    return math.prod(shape), shape


def _largest_dependent(jaxpr, live: Sequence[bool]) -> tuple[int, tuple[int, ...]]:
    """Like ``_largest``, over the arrays that depend on the inputs flagged in ``live``: the only ones
    a tangent pushed from those inputs (or a cotangent pulled back to them) goes through. A nested
    jaxpr whose inputs do not line up with its equation's (cond, while) counts whole."""
    marked = {v for v, flag in zip(jaxpr.invars, live) if flag}
    best = max((_size(v) for v in marked), default=(0, ()))
    for eqn in jaxpr.eqns:
        flags = [isinstance(v, Var) and v in marked for v in eqn.invars]
        if not any(flags):
            continue
        marked.update(eqn.outvars)
        best = max(best, *(_size(v) for v in eqn.outvars))
        for value in eqn.params.values():
            for inner in sub_jaxprs(value):
                same = len(inner.invars) == len(flags)
                best = max(best, _largest_dependent(inner, flags) if same else _largest(inner))
    return best


def largest_array(fn: Callable, args: Sequence, wrt: Sequence[int] | None = None) -> tuple[int, tuple[int, ...]]:
    """(elements, shape) of the largest array ``fn(*args)`` materializes, from its jaxpr (traced on
    the shapes and dtypes of ``args``, not run); with ``wrt`` (argument positions), of the largest
    that depends on those arguments."""
    specs = tuple((tuple(a.shape), np.dtype(a.dtype)) for a in args)
    wrt = None if wrt is None else tuple(wrt)
    try:  # the same function at the same shapes (another seed, the other reference): traced once
        return _largest_cached(fn, specs, wrt, bool(jax.config.jax_enable_x64))
    except TypeError:  # an unhashable callable
        return _largest_traced(fn, specs, wrt)


def _largest_traced(fn: Callable, specs: tuple, wrt: tuple[int, ...] | None) -> tuple[int, tuple[int, ...]]:
    jaxpr = jax.make_jaxpr(fn)(*(jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in specs)).jaxpr
    if wrt is None:
        return _largest(jaxpr)
    return _largest_dependent(jaxpr, [i in wrt for i in range(len(specs))])


@functools.lru_cache(maxsize=1024)
def _largest_cached(fn: Callable, specs: tuple, wrt, x64: bool) -> tuple[int, tuple[int, ...]]:
    return _largest_traced(fn, specs, wrt)  # (x64 is in the key: constants trace to other dtypes)


def too_large(functions: dict[str, Callable], args: Sequence, limit: float = MAX_ARRAY_ELEMENTS) -> str | None:
    """Why these functions cannot run on ``args`` (their largest array is over ``limit``), or None."""
    for name, fn in functions.items():
        try:
            elements, shape = largest_array(fn, args)
        except MemoryError as err:  # NumPy constants built while tracing (an index table of n^4 entries)
            return f"{name} cannot even be traced at these sizes: {err}"
        except SizeError as err:
            return f"{name} does not apply at these sizes: {err}"
        if elements > limit:
            return (f"{name} materializes an array of shape {shape} ({elements:.1e} elements, over the "
                    f"{limit:.1e} that one evaluation may hold) at these sizes")
    return None


def batched_elements(name: str, out_size: int, in_size: int, largest: int) -> int:
    """What the full reference ``name`` holds at once beyond its result, in elements: f's largest
    array times the basis vectors it batches (``BATCH``); 0 for a reference that batches none."""
    return BATCH[name][1](out_size, in_size) * largest if name in BATCH else 0


def too_large_references(problem, names: Sequence[str], limit: float = MAX_ARRAY_ELEMENTS) -> dict[str, str]:
    """The full references among ``names`` that would hold an array over ``limit`` elements at the
    problem's sizes, each with its reason: jacfwd holds each of f's intermediates once per input,
    jacrev once per output. f's largest array that depends on the differentiated argument (what the
    tangents and cotangents go through) comes from its jaxpr, traced, not run."""
    batched = [n for n in names if n in BATCH]
    if not batched:
        return {}
    try:  # users' f may take pytrees and arguments that are not arrays: then no estimate, only the budget
        out_shape, in_shape = problem.kind.layout_shapes(problem)
        out_size, in_size = math.prod(out_shape), math.prod(in_shape)
        largest, shape = largest_array(problem.f, problem.args, wrt=problem.argnums)
    except (TypeError, AttributeError, ValueError):
        return {}
    reasons = {}
    for name in batched:
        elements = batched_elements(name, out_size, in_size, largest)
        if elements > limit:
            what, batch = BATCH[name]
            reasons[name] = (f"size: it pushes {what} through f at once ({batch(out_size, in_size)} of them), and "
                             f"f's largest array is {shape}: {elements:.1e} elements, over the {limit:.1e} that one "
                             "evaluation may hold; the probes below check the same derivative")
    return reasons
