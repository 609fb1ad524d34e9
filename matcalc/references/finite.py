"""AD-independent references: finite differences and the complex step, always in float64.

The problem's kind says which line through the point is differenced (``kind.fd_line``) and how
far along it the domain reaches (``kind.fd_radius``); this module computes the estimate with
``matcalc.references.numerical`` and compares. Its steps stay well inside the domain (a step that
reaches past a singularity of an invertible or SPD argument measures nothing), and the finite
differences pick among smaller steps by their own error estimates (``adaptive``), so that a point
near a singularity the domain does not know of (a nearly singular matrix on the general domain)
is measured too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.references import numerical
from matcalc.references.autodiff import Reference
from matcalc.references.problem import N_DIRECTIONS, Comparison, Problem, apply
from matcalc.vocabulary.context import compile_options

Array = jax.Array


def _in_float64(p: Problem, candidate: Array) -> tuple[Problem, Array]:
    """The same problem with float32 data cast up, so the FD reference keeps its meaning in float32."""
    up = lambda a: a.astype(jnp.float64) if jnp.issubdtype(a.dtype, jnp.floating) else a  # noqa: E731
    # A structured operator is a pytree: its arrays are cast, its shapes stay.
    return p.in_place(tuple(map(up, p.args)), tuple(map(up, p.tangents))), jax.tree.map(up, candidate)


@functools.lru_cache(maxsize=512)
def _kernel(f: Callable, kind, argnums: tuple[int, ...], domains: tuple, method: str, options: tuple = ()) -> Callable:
    """One jitted computation per (function, kind, arguments, method): the estimate along the
    directions, and the candidate applied to them.

    The arguments are traced, not closed over, so verifying the same record again (another seed,
    the other dtype's float64 references) reuses the compiled computation instead of tracing anew.
    Each method is a program of its own: fd and the complex step traced into one program hung
    XLA's CPU runtime at n = 512 (Cookbook's det(X)^-2, JAX 0.10.2: the process idle at 0% CPU for
    minutes, a deadlock rather than a slow computation), where apart they take 0.5 and 0.2 s.
    """

    def along(args: tuple[Array, ...], tangents: tuple[Array, ...], v: Array | None, radius: Array,
              candidate) -> tuple[Array, Array, Array]:
        g, x, direction = kind.fd_line(f, argnums[0], args, tangents, v)
        # The complex step has no step to choose; the finite difference picks its own.
        est = numerical.directional(g, x, direction, method=method, radius=radius,
                                    **({} if method == "complex_step" else {"adaptive": True}))
        if v is None:
            return est.value, candidate, est.error
        p = Problem(f, args, kind, argnums, domains, None, tangents)
        return kind.fd_project(p, est.value), kind.fd_project(p, apply(candidate, v)), est.error

    return jax.jit(along, compiler_options=dict(options) or None)


# Above this many input elements the finite difference probes one random direction, not
# N_DIRECTIONS. Each direction costs about seven evaluations of f (six Richardson points, and
# f's rounding measured), which at real sizes is most of a check: ln|det X| at n = 1024 took 3.9x
# jax.test_util.check_grads with three directions, 1.9x with one. One Gaussian direction still
# tells a wrong derivative from the right one with probability 1 (<D, v> = 0 only on a null set),
# and fd's tolerance is its own error estimate over the same value along that direction, so a
# direction along which the value happens to be small widens both alike. The complex step (one
# evaluation a direction, a tolerance that does not follow its value) keeps N_DIRECTIONS: along
# one unlucky direction of Cookbook (138) at n = 512 its relative error was 1.2e-10, along three
# 1.9e-12. The autodiff references keep theirs, and a pass needs both families.
FD_ONE_DIRECTION_ABOVE = 2**16


def fd_directions(x: Array) -> int:
    """How many random directions the finite difference probes at an input like ``x``."""
    return 1 if x.size > FD_ONE_DIRECTION_ABOVE else N_DIRECTIONS


def _radius(p: Problem, v: Array | None) -> np.ndarray:
    """The domain's reach along each direction of the line (inf where it sets none)."""
    try:
        return np.asarray(p.kind.fd_radius(p, v), np.float64)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return np.full(() if v is None else len(v), np.inf)  # traced: no concrete point to measure


def independent_comparisons(p: Problem, candidate, references: Sequence[Reference]) -> list[Comparison]:
    """The AD-independent ``references`` (made by ``finite_difference``) compared with
    ``candidate``, in float64; one comparison each, in order."""
    from_x64_run = p.x.dtype == jnp.float64  # before the cast: the run's own mode
    comparisons = []
    with jax.enable_x64(True):
        p64, cand64 = _in_float64(p, candidate)
        options = tuple(sorted(compile_options(p64.args).items()))
        drawn = {}  # directions by count: references probing as many share them (and their radius)
        for reference in references:
            count = reference.directions(p64.x)
            if count not in drawn:
                v = p64.directions("fd", count) if p.kind.fd_probes else None
                drawn[count] = (v, _radius(p64, v))
            kernel = _kernel(p.f, p.kind, p.argnums, p.domains, reference.method, options)
            inputs = (p64.args, p64.tangents, *drawn[count], cand64)
            comparisons.append(Comparison(*_executable(kernel, inputs, from_x64_run)(*inputs)))
    return comparisons


# Compiled kernels by kernel and argument types, kept apart from JAX's caches: ``RunContext.run``
# clears those at each switch of x64 mode, and without this a float32 check would trace, lower and
# fetch again the float64 references its float64 check just ran (a third of a warm catalog run's
# time went to tracing and lowering these kernels). Only an executable traced in a float64 run
# crosses the switch. One traced in a float32 run, though in x64 mode itself, can hold f's
# constants as the run's x64-off trace of f converted them (JAX 0.10 reuses them: a NumPy float64
# constant then computes in float32, fd errors of 3e-8), so a float64 run never runs it: it
# compiles its own, which replaces it.
_EXECUTABLES: dict = {}  # key -> (executable, traced in a float64 run)
_MAX_EXECUTABLES = 512


def _executable(kernel, inputs: tuple, from_x64_run: bool) -> Callable:
    leaves, tree = jax.tree_util.tree_flatten(inputs)
    devices = frozenset(d for leaf in leaves if isinstance(leaf, jax.Array) for d in leaf.devices())
    key = (kernel, tree, tuple(jax.typeof(leaf) for leaf in leaves), devices,
           jax.config.jax_default_device, jax.config.jax_default_matmul_precision)
    compiled, clean = _EXECUTABLES.get(key, (None, False))
    if compiled is None or (from_x64_run and not clean):
        compiled = kernel.lower(*inputs).compile()
        if len(_EXECUTABLES) >= _MAX_EXECUTABLES:
            _EXECUTABLES.pop(next(iter(_EXECUTABLES)))  # the oldest
        _EXECUTABLES[key] = (compiled, from_x64_run)
    return compiled


def finite_difference(method: str, directions: Callable[[Array], int]) -> Reference:
    """Directional finite differences by ``method`` (see ``matcalc.references.numerical``), in float64,
    along ``directions(x)`` random directions."""

    def reference(p: Problem, candidate: Array) -> Comparison:
        return independent_comparisons(p, candidate, [reference])[0]

    # Runs in float64 with the other AD-independent references (``independent_comparisons``),
    # never fused with autodiff.
    reference.independent_of_autodiff = True
    reference.method = method
    reference.directions = directions
    return reference


# The AD-independent reference: the Richardson-extrapolated central difference.
FD = finite_difference("richardson", fd_directions)
# For functions whose implementation extends analytically to complex inputs (the record says so):
# Im f(x + ihv)/h has no subtractive cancellation.
# One evaluation a direction, and a tolerance that does not follow its value: N_DIRECTIONS at any size.
COMPLEX_STEP = finite_difference("complex_step", lambda x: N_DIRECTIONS)
