"""Concrete, seeded inputs for a record: sizes for its symbolic dimensions, points in its domains."""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.vocabulary.records import Identity, Kind, resolve_shape

# Distinct sizes, so that no default input is square unless the identity says so: a square
# input hides transposition errors.
DEFAULT_DIMS: Mapping[str, int] = {"m": 3, "n": 4, "p": 2, "q": 5, "k": 3, "r": 6, "s": 2}


def record_dims(record: Identity, dims: Mapping[str, int] | None = None) -> dict[str, int]:
    """The sizes used for a record: defaults, then the record's own, then the caller's."""
    return {**DEFAULT_DIMS, **record.dims, **(dims or {})}


def sample_args(record: Identity, *, seed: int = 0, dtype="float64", dims: Mapping[str, int] | None = None):
    """Arguments for ``record`` (a tuple in ``args`` order), drawn from their domains.

    float64 arrays need x64: call this inside ``jax.enable_x64(True)``; outside it, float64 is
    refused rather than silently truncated to float32.
    """
    dtype = jnp.dtype(dtype)
    if dtype == jnp.float64 and not jax.config.jax_enable_x64:
        raise RuntimeError("float64 sampling needs x64: wrap the call in `with jax.enable_x64(True):`")
    sizes = record_dims(record, dims)
    key = jax.random.PRNGKey(seed)
    return tuple(
        arg.domain.sample(jax.random.fold_in(key, i), resolve_shape(arg.shape, sizes), dtype)
        for i, arg in enumerate(record.args.values())
    )


def sample_tangents(record: Identity, args: tuple, *, seed: int = 0) -> tuple:
    """The tangents a differential or directional closed form is called with.

    A differential gets one tangent per argument (zeros for those held constant); a directional
    derivative gets one direction for ``wrt``; other kinds get none.
    """
    key = jax.random.fold_in(jax.random.PRNGKey(seed), 10_007)
    names = list(record.args)
    if record.kind is Kind.DIFFERENTIAL:
        return tuple(
            record.args[n].domain.tangent(jax.random.fold_in(key, i), a) if n in record.varying else jnp.zeros_like(a)
            for i, (n, a) in enumerate(zip(names, args))
        )
    if record.kind is Kind.DIRECTIONAL:
        i = record.argnum
        return (record.args[names[i]].domain.tangent(jax.random.fold_in(key, i), args[i]),)
    return ()


def seed_for(text: str) -> int:
    """A deterministic seed derived from a name (test ids): stable across runs and platforms."""
    import zlib

    return zlib.crc32(text.encode()) % (2**31)


__all__ = ["DEFAULT_DIMS", "record_dims", "sample_args", "sample_tangents", "seed_for", "np"]
