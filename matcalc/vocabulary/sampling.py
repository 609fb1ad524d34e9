"""Concrete, seeded inputs for a record: sizes for its symbolic dimensions, points in its domains.

Every draw's key comes from the run context (``RunContext.key_for``): ``arg/NAME`` for an
argument, ``tangent/NAME`` for a tangent the closed form is called with.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import jax

from matcalc.references.problem import sample
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.records import Identity, resolve_shape

Array = jax.Array

# Distinct sizes, so that no default input is square unless the identity says so: a square
# input hides transposition errors.
DEFAULT_DIMS: Mapping[str, int] = {"m": 3, "n": 4, "p": 2, "q": 5, "k": 3, "r": 6, "s": 2}


def record_dims(record: Identity, dims: Mapping[str, int] | None = None) -> dict[str, int]:
    """The sizes used for a record: defaults, then the record's own, then the caller's."""
    return {**DEFAULT_DIMS, **record.dims, **(dims or {})}


def draw_point(names: Sequence[str], shapes: Sequence[tuple[int, ...]], domains: Sequence,
               context: RunContext) -> tuple[Array, ...]:
    """One point per argument, drawn from its domain in the context's dtype (inside its scope)."""
    return tuple(sample(d, context.key_for(f"arg/{n}"), tuple(s), context.dtype)
                 for n, s, d in zip(names, shapes, domains))


def draw_args(record: Identity, context: RunContext, dims: Mapping[str, int] | None = None) -> tuple[Array, ...]:
    """The record's arguments, in ``args`` order (call inside ``context.scope()``)."""
    sizes = record_dims(record, dims)
    return draw_point(list(record.args), [resolve_shape(a.shape, sizes) for a in record.args.values()],
                      [a.domain for a in record.args.values()], context)


def draw_tangents(record: Identity, context: RunContext, args: Sequence[Array]) -> tuple[Array, ...]:
    """The tangents a differential or directional closed form is called with (none for other kinds)."""
    return record.kind.sample_tangents(context.key_for, list(record.args), record.varying,
                                       [a.domain for a in record.args.values()], args)


def sample_args(record: Identity, *, seed: int = 0, dtype="float64", dims: Mapping[str, int] | None = None):
    """Arguments for ``record`` (a tuple in ``args`` order), drawn from their domains.

    The arrays keep their dtype outside the call: float64 stays float64 whatever x64 mode the
    caller is in.
    """
    context = RunContext(dtype, seed)
    with context.scope():
        return draw_args(record, context, dims)


def seed_for(text: str) -> int:
    """A deterministic seed derived from a name (test ids): stable across runs and platforms."""
    return zlib.crc32(text.encode()) % (2**31)
