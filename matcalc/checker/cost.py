"""What evaluating a function materializes, measured before running it: the largest array its
program holds.

The size budget (``max_dense``) keeps the *references* proportional to f; it cannot help when f
itself, or a closed form, is too big at the requested sizes (``tr(X ⊗ X)`` holds n⁴ numbers, a
dense vector-by-matrix Jacobian n³). Tracing costs no computation: the jaxpr states every
intermediate's shape, so ``verify`` can refuse such a size with the reason instead of exhausting
the machine's memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import jax

from matcalc.vocabulary.jaxprs import sub_jaxprs

# No single array of f or a closed form may hold more elements than this (1 GiB in float64): the
# references evaluate f several times over (probes are batched, each reference has its own copy),
# so a check's peak is several times its largest array (about 6 GB at 2^27, measured at n = 512).
MAX_ARRAY_ELEMENTS = 2**27


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


def largest_array(fn: Callable, args: Sequence) -> tuple[int, tuple[int, ...]]:
    """(elements, shape) of the largest array ``fn(*args)`` materializes, from its jaxpr (traced on
    the shapes and dtypes of ``args``, not run)."""
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in args]
    return _largest(jax.make_jaxpr(fn)(*specs).jaxpr)


def too_large(functions: dict[str, Callable], args: Sequence, limit: float = MAX_ARRAY_ELEMENTS) -> str | None:
    """Why these functions cannot run on ``args`` (their largest array is over ``limit``), or None."""
    for name, fn in functions.items():
        try:
            elements, shape = largest_array(fn, args)
        except MemoryError as err:  # NumPy constants built while tracing (an index table of n^4 entries)
            return f"{name} cannot even be traced at these sizes: {err}"
        if elements > limit:
            return (f"{name} materializes an array of shape {shape} ({elements:.1e} elements, over the "
                    f"{limit:.1e} that one evaluation may hold) at these sizes")
    return None
