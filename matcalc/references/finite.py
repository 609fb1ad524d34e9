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
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.references import numerical
from matcalc.references.autodiff import Reference
from matcalc.references.problem import N_DIRECTIONS, QUICK_COMPILE, Comparison, Problem, apply
from matcalc.vocabulary.context import compile_options

Array = jax.Array


def _in_float64(p: Problem, candidate: Array) -> tuple[Problem, Array]:
    """The same problem with float32 data cast up, so the FD reference keeps its meaning in float32."""
    up = lambda a: a.astype(jnp.float64) if jnp.issubdtype(a.dtype, jnp.floating) else a  # noqa: E731
    # A structured operator is a pytree: its arrays are cast, its shapes stay.
    return p.in_place(tuple(map(up, p.args)), tuple(map(up, p.tangents))), jax.tree.map(up, candidate)


@functools.lru_cache(maxsize=512)
def _kernel(f: Callable, kind, argnum: int, method: str, options: tuple = ()) -> Callable:
    """One jitted finite-difference computation per (function, kind, argument, method).

    The arguments are traced, not closed over, so verifying the same record again (another seed,
    the other dtype's float64 reference) reuses the compiled computation instead of tracing anew.
    """

    adaptive = {} if method == "complex_step" else {"adaptive": True}  # the complex step has no step to choose

    def along(args: tuple[Array, ...], tangents: tuple[Array, ...], v: Array | None,
              radius: Array) -> numerical.Estimate:
        g, x, direction = kind.fd_line(f, argnum, args, tangents, v)
        return numerical.directional(g, x, direction, method=method, radius=radius, **adaptive)

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


# The candidate applied to the directions: one compiled call on the host, not eager ops.
_applied = jax.jit(apply, compiler_options=QUICK_COMPILE)


def _radius(p: Problem, v: Array | None) -> np.ndarray:
    """The domain's reach along each direction of the line (inf where it sets none)."""
    try:
        return np.asarray(p.kind.fd_radius(p, v), np.float64)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return np.full(() if v is None else len(v), np.inf)  # traced: no concrete point to measure


def finite_difference(method: str, directions: Callable[[Array], int]) -> Reference:
    """Directional finite differences by ``method`` (see ``matcalc.references.numerical``), in float64,
    along ``directions(x)`` random directions."""

    def reference(p: Problem, candidate: Array) -> Comparison:
        with jax.enable_x64(True):
            p64, cand64 = _in_float64(p, candidate)
            v = p64.directions("fd", directions(p64.x)) if p.kind.fd_probes else None
            options = tuple(sorted(compile_options(p64.args).items()))
            est = _kernel(p.f, p.kind, p.argnums[0], method, options)(p64.args, p64.tangents, v, _radius(p64, v))
            if v is None:
                return Comparison(est.value, cand64, est.error)
            applied = _applied(cand64, v)
            return Comparison(p.kind.fd_project(p64, est.value), p.kind.fd_project(p64, applied), est.error)

    # Runs on its own (in float64, with its own compiled kernel), never fused with autodiff.
    reference.independent_of_autodiff = True
    return reference


# The AD-independent reference: the Richardson-extrapolated central difference.
FD = finite_difference("richardson", fd_directions)
# For functions whose implementation extends analytically to complex inputs (the record says so):
# Im f(x + ihv)/h has no subtractive cancellation.
# One evaluation a direction, and a tolerance that does not follow its value: N_DIRECTIONS at any size.
COMPLEX_STEP = finite_difference("complex_step", lambda x: N_DIRECTIONS)
