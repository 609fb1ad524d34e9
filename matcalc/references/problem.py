"""What a reference is asked: a ``Problem`` (f, the point, what is differentiated), and what it
answers: a ``Comparison`` (two arrays that must agree, with the reference's own error estimate).

The problem's ``kind`` (a ``matcalc.vocabulary.kinds.Kind``) decides what the derivative is; this
module only holds the data and the arithmetic every reference shares.
"""

from __future__ import annotations

import dataclasses
import functools
import zlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array
N_DIRECTIONS = 3  # random tangents / cotangents per probing reference
# matcalc's own programs over small inputs compile for compile time, not run time: at the
# catalog's sizes compiling is most of a check and running it microseconds. XLA CPU's fusion
# emitters (its MLIR code generator) took 1.5-2.6x the compile time of the classic emitters on
# matcalc's programs (a tanh layer's fused program: 349 -> 201 ms; its finite differences 145 ->
# 61 ms), and LLVM's optimizer as much again (60 records: 39 s cold, 54 s with it on). Both are
# options of the one program's compile, never set globally. XLA's HLO passes still run and the
# arithmetic is IEEE; only elementwise functions with their own approximation in each emitter
# (tanh, exp, erf_inv) may round differently, by a few ulps (measured: at most 5 for tanh in float64).
QUICK_COMPILE = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}
# Programs whose inputs hold at most this many elements in all compile with QUICK_COMPILE; larger
# ones keep XLA's defaults, where running dominates.
FAST_COMPILE_ELEMENTS = 2**16


def quick_compile(elements: int) -> dict:
    """The compiler options of one of matcalc's programs whose inputs hold ``elements`` in all."""
    return dict(QUICK_COMPILE) if elements <= FAST_COMPILE_ELEMENTS else {}


def _traced(*arrays) -> bool:
    """Whether any of ``arrays`` is a tracer: inside a traced program, nothing is drawn or compiled on the host."""
    return any(isinstance(a, jax.core.Tracer) for a in arrays)


def key_for(key: Array, name: str) -> Array:
    """The one rule that turns a run's key into the key of a named draw: fold in a hash of the name."""
    data = zlib.crc32(name.encode()) % (2**31)
    # Inside a traced program, part of it; on the host, one compiled call (see QUICK_COMPILE).
    return jax.random.fold_in(key, data) if _traced(key) else _fold_in(key, data)


_fold_in = jax.jit(jax.random.fold_in, compiler_options=QUICK_COMPILE)  # one compiled call, not eager ops


def _draw_directions(domain, name: str, count: int, key: Array, x: Array) -> Array:
    """Directions by the domain's own ``tangent`` draw, for a domain that has one (the others'
    are normal draws on the host, projected: ``Problem.directions``)."""
    keys = jax.random.split(key_for(key, name), count)
    # One batched draw, not ``count`` (the same numbers: JAX's random functions vmap over keys),
    # so threefry is compiled once: 0.11 -> 0.07 s for three directions.
    return jax.vmap(lambda k: domain.tangent(k, x))(keys)


# Drawn on the host: one compiled call, not a dozen eager ops.
_directions = jax.jit(_draw_directions, static_argnums=(0, 1, 2), compiler_options=QUICK_COMPILE)


def gaussians(key: Array, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """Standard normal draws for the probes (their directions and cotangents), made on the host by
    NumPy's generator, seeded by the run's key and the draw's name.

    The probes only need directions no wrong derivative is orthogonal to, which any continuous
    distribution gives with probability 1. Drawn by JAX, each draw was threefry and the normal's
    inverse error function compiled into a program: 50-90 ms of XLA compile per draw at the
    catalog's sizes, three draws in a check that compiles in 0.4 s in all. NumPy's draws compile
    nothing and are the same on every platform. Complex dtypes get real and imaginary parts of
    variance 1/2 each, as ``jax.random.normal`` draws them. The points themselves stay JAX's
    draws (``sample``).
    """
    data = np.asarray(jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key)
    seeds = [int(w) for w in data.astype(np.uint32).ravel()] + [zlib.crc32(name.encode())]
    rng = np.random.default_rng(np.random.SeedSequence(seeds))
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        parts = rng.standard_normal((2,) + tuple(shape)) / np.sqrt(2.0)
        return (parts[0] + 1j * parts[1]).astype(dtype, copy=False)
    return rng.standard_normal(tuple(shape)).astype(dtype, copy=False)  # float64 draws stay uncopied


def projected(domain, g: Array, x: Array) -> Array:
    """Each of the stacked draws g[k] projected onto the domain's tangent space at x: inside a
    traced program, part of it; on the host, one compiled call (none when the projection is the
    identity)."""
    if getattr(domain, "projects_to_itself", False):
        return jnp.asarray(g)
    if _traced(g, x):
        return jax.vmap(lambda gk: domain.project(gk, x))(g)
    x64, quick = bool(jax.config.jax_enable_x64), bool(quick_compile(int(np.size(g))))
    eager = lambda: jax.vmap(lambda gk: domain.project(gk, x))(jnp.asarray(g))  # noqa: E731
    return _compiled_or_eager(lambda: _compiled_projection(domain, x64, quick), eager, g, x)


# Errors of a domain whose draw needs concrete values (a user's domain written with NumPy): it is
# then drawn op by op, as written.
_NEEDS_CONCRETE = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                   jax.errors.TracerBoolConversionError, jax.errors.TracerIntegerConversionError)


# x64 in the keys: each mode traces its own (see checker.program on JAX's stale constants). The
# options follow the size, as for every program of matcalc's (``quick_compile``).
@functools.lru_cache(maxsize=1024)
def _compiled_sample(domain, shape: tuple[int, ...], dtype: str, x64: bool) -> Callable[[Array], Array]:
    options = quick_compile(int(np.prod(shape, dtype=np.int64)))
    return jax.jit(lambda key: domain.sample(key, shape, dtype), compiler_options=options or None)


@functools.lru_cache(maxsize=1024)
def _compiled_tangent(domain, x64: bool, quick: bool) -> Callable[[Array, Array], Array]:
    return jax.jit(domain.tangent, compiler_options=QUICK_COMPILE if quick else None)


@functools.lru_cache(maxsize=1024)
def _compiled_projection(domain, x64: bool, quick: bool) -> Callable[[Array, Array], Array]:
    return jax.jit(lambda g, x: jax.vmap(lambda gk: domain.project(gk, x))(g),
                   compiler_options=QUICK_COMPILE if quick else None)


def _compiled_or_eager(compiled: Callable[[], Callable], eager: Callable[[], Array], *args) -> Array:
    try:
        draw = compiled()
    except TypeError:  # an unhashable domain: no compiled call to keep
        return eager()
    try:
        return draw(*args)
    except _NEEDS_CONCRETE:
        return eager()


def sample(domain, key: Array, shape: tuple[int, ...], dtype) -> Array:
    """``domain.sample(key, shape, dtype)`` on the host as one compiled call: drawn op by op, each
    random op compiled on its own (threefry's normal alone took 0.12 s)."""
    shape, x64 = tuple(shape), bool(jax.config.jax_enable_x64)
    return _compiled_or_eager(lambda: _compiled_sample(domain, shape, np.dtype(dtype).name, x64),
                              lambda: domain.sample(key, shape, dtype), key)


def tangent(domain, key: Array, x: Array) -> Array:
    """``domain.tangent(key, x)`` on the host as one compiled call (see ``sample``); traced, inline."""
    if _traced(x):
        return domain.tangent(key, x)
    x64, quick = bool(jax.config.jax_enable_x64), bool(quick_compile(int(np.size(x))))
    return _compiled_or_eager(lambda: _compiled_tangent(domain, x64, quick), lambda: domain.tangent(key, x), key, x)


@dataclasses.dataclass(frozen=True)
class Problem:
    """f at args, differentiated with respect to the arguments at ``argnums``.

    ``tangents`` holds one tangent per argument for a differential (zeros for constants) and the
    single direction ``(v,)`` for a directional derivative. ``kind`` is a Kind object.
    ``drawn`` holds normal draws made on the host for a traced program (``gaussians``), by
    ``(name, count)``: inside the program the key is traced and nothing can be drawn on the host.
    """

    f: Callable
    args: tuple[Array, ...]
    kind: Any
    argnums: tuple[int, ...]
    domains: tuple[Any, ...]
    key: Array
    tangents: tuple[Array, ...] = ()
    drawn: dict = dataclasses.field(default_factory=dict, compare=False)

    @property
    def x(self) -> Array:
        return self.args[self.argnums[0]]

    @property
    def domain(self):
        return self.domains[self.argnums[0]]

    def f_wrt(self, x: Array) -> Array:
        """f as a function of the differentiated argument alone."""
        args = list(self.args)
        args[self.argnums[0]] = x
        return self.f(*args)

    def in_place(self, args: tuple[Array, ...], tangents: tuple[Array, ...]) -> Problem:
        return dataclasses.replace(self, args=args, tangents=tangents)

    def project(self, j: Array) -> Array:
        return self.kind.project(self, j)

    def directions(self, name: str, count: int = N_DIRECTIONS) -> Array:
        """``count`` random domain tangents at x, stacked on a leading axis: normal draws on the
        host (``gaussians``) projected onto the domain's tangent space, or the domain's own
        ``tangent`` draw when it has one."""
        shape = (count,) + tuple(jnp.shape(self.x))
        if getattr(self.domain, "tangent_projects_a_normal", False):
            g = self._normals(name, count, shape, self.x.dtype)
            if g is not None:
                return projected(self.domain, g, self.x)
        if _traced(self.x, self.key):
            return _draw_directions(self.domain, name, count, self.key, self.x)  # part of the traced program
        return _directions(self.domain, name, count, self.key, self.x)

    def cotangents(self, name: str, out_shape: tuple[int, ...], dtype) -> Array:
        shape = (N_DIRECTIONS,) + tuple(out_shape)
        g = self._normals(name, N_DIRECTIONS, shape, dtype)
        return jax.random.normal(key_for(self.key, name), shape, dtype) if g is None else jnp.asarray(g, dtype)

    def _normals(self, name: str, count: int, shape: tuple[int, ...], dtype):
        """The draw ``name`` from ``drawn``, or on the host; None inside a program that was given none."""
        g = self.drawn.get((name, count))
        if g is not None and tuple(g.shape) == shape:
            return g
        return None if _traced(self.key) else gaussians(self.key, name, shape, dtype)

    def normals_for(self, draws: dict) -> dict:
        """The normal draws ``draws`` (``{(name, count): (shape, dtype)}``) made on the host, for a
        traced program to take as its ``drawn``."""
        return {(name, count): gaussians(self.key, name, shape, dtype)
                for (name, count), (shape, dtype) in draws.items()}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two arrays that must agree; errors are relative to ``scale`` (default: the reference's norm).

    The fields are arrays, so a comparison can be computed inside a jitted program and measured on
    the host afterwards (``norm``).
    """

    reference: Array
    candidate: Array
    error: Array | float = 0.0  # the error the reference itself may carry (finite differences): its norm counts
    scale: Array | float = 0.0  # a magnitude the error is measured against when larger than the reference's norm


def is_operator(j) -> bool:
    """A structured linear operator (``matcalc.vocabulary.operators``): it applies itself."""
    return hasattr(j, "mv") and hasattr(j, "rmv")


def apply(j, v: Array) -> Array:
    """A JAX-layout derivative (or an operator) applied to a stack of directions v[k, ...]."""
    if is_operator(j):
        return jax.vmap(j.mv)(v)
    axes = tuple(range(j.ndim - (v.ndim - 1), j.ndim))
    return jax.vmap(lambda vk: jnp.tensordot(j, vk, axes=(axes, tuple(range(vk.ndim)))))(v)


def pull(j, ybar: Array) -> Array:
    """A stack of cotangents ybar[k, ...] contracted with the derivative's leading (output) axes."""
    if is_operator(j):
        return jax.vmap(j.rmv)(ybar)
    return jax.vmap(lambda yk: jnp.tensordot(yk, j, axes=yk.ndim))(ybar)


def traced_norm(a: Array) -> Array:
    """``norm`` inside a traced computation: scaled before squaring, 0 for an all-zero array."""
    a = jnp.abs(a)
    peak = jnp.max(a) if a.size else jnp.zeros((), a.dtype)
    safe = jnp.where(peak > 0, peak, 1)
    return jnp.where(peak > 0, peak * jnp.sqrt(jnp.sum((a / safe) ** 2)), 0)


def norm(a) -> float:
    """Frobenius norm in float64 on the host, scaled before squaring: no underflow at 1e-200,
    no overflow at 1e200 (a plain sum of squares turns both into 0 or inf)."""
    a = np.abs(np.asarray(a, np.complex128 if np.iscomplexobj(a) else np.float64))
    if a.size == 0:
        return 0.0
    peak = float(np.max(a))
    if peak == 0.0 or not np.isfinite(peak):
        return peak
    return peak * float(np.sqrt(np.sum((a / peak) ** 2)))
