"""Check users' own derivatives: the public ``check_*`` functions.

Each validates the user's inputs, makes one ``RunContext`` (float64 when any input is float64),
builds the ``Problem`` and hands it to ``compare``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.checker.compare import compare
from matcalc.checker.errors import InputError
from matcalc.checker.result import CheckResult
from matcalc.references.problem import Problem
from matcalc.vocabulary.context import RunContext, dtype_name
from matcalc.vocabulary.domains import Domain, resolve_domain
from matcalc.vocabulary.kinds import Kind

Array = jax.Array


def _as_floating(i: int, a) -> np.ndarray:
    arr = np.asarray(a)
    if not np.issubdtype(arr.dtype, np.floating):
        raise InputError(
            f"argument {i} has dtype {arr.dtype} (shape {arr.shape}): matcalc differentiates "
            "float32 or float64 arrays; convert with .astype(float)"
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"argument {i} (shape {arr.shape}) contains NaN or inf: derivatives need finite inputs")
    dtype_name(arr.dtype)
    return arr


def _domains(domain, n_args: int, argnums: tuple[int, ...]) -> tuple[Domain, ...]:
    if isinstance(domain, (list, tuple)):
        if len(domain) != n_args:
            raise InputError(f"got {len(domain)} domains for {n_args} arguments")
        return tuple(resolve_domain(d) for d in domain)
    d = resolve_domain(domain)
    return tuple(d if i in argnums else resolve_domain("general") for i in range(n_args))


def _checked(
    kind: Kind,
    f: Callable,
    closed: Callable | Array,
    args: tuple,
    *,
    argnum: int = 0,
    domain="general",
    layout="jax",
    rtol=None,
    atol=None,
    seed: int = 0,
    tangents=None,
    references: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    max_dense: float | None = None,
) -> CheckResult:
    if not args:
        raise InputError("pass the point to check at: check_gradient(f, grad, x, ...)")
    arrays = [_as_floating(i, a) for i, a in enumerate(args)]
    if kind.varies_many:
        argnums = tuple(range(len(arrays)))
    elif not 0 <= argnum < len(arrays):
        raise InputError(f"argnum={argnum} but only {len(arrays)} arguments were given")
    else:
        argnums = (argnum,)
    domains = _domains(domain, len(arrays), argnums)
    for i, (d, a) in enumerate(zip(domains, arrays)):
        if not d.contains(a):
            raise InputError(f"argument {i} (shape {a.shape}) is not in domain {d.name!r} ({d.description})")
    context = RunContext.for_arrays(arrays, seed=seed)

    def work() -> CheckResult:
        jargs = tuple(jnp.asarray(a) for a in arrays)
        jtangents = _tangents(tangents, jargs, domains, context) if kind.varies_many else ()
        problem = Problem(f, jargs, kind, argnums, domains, context.key_for("references"), jtangents)
        label = getattr(closed, "__name__", "closed form")
        chosen = [n for n in (references or kind.reference_names()) if n not in exclude]
        if not chosen:
            raise InputError(f"no reference left to check against: references={references}, exclude={list(exclude)}")
        return compare(problem, closed, context, layout=layout, references=chosen, rtol=rtol, atol=atol or 0.0,
                       label=label, max_dense=max_dense)

    return context.run(work)


def _tangents(tangents, args, domains, context: RunContext) -> tuple[Array, ...]:
    if tangents is None:
        names = [f"arg{i}" for i in range(len(args))]
        return Kind.DIFFERENTIAL.sample_tangents(context.key_for, names, names, domains, args)
    if len(tangents) != len(args):
        raise InputError(f"got {len(tangents)} tangents for {len(args)} arguments: pass one per argument")
    out = []
    for i, (t, a) in enumerate(zip(tangents, args)):
        t = jnp.asarray(_as_floating(i, t), a.dtype)
        if t.shape != a.shape:
            raise InputError(f"tangent {i} has shape {t.shape}, but argument {i} has shape {a.shape}")
        out.append(t)
    return tuple(out)


# -- public API --------------------------------------------------------------------------------


def check_gradient(f: Callable, grad: Callable | Array, *args, argnum: int = 0, domain="general",
                   rtol: float | None = None, atol: float | None = None, seed: int = 0,
                   **options) -> CheckResult:
    """Check ``grad(*args)`` (shaped like ``args[argnum]``) against the gradient of scalar ``f``.

    Options of every ``check_*``: ``references`` (the names to run; default all of the kind),
    ``exclude`` (names to drop), ``max_dense`` (the size budget of full references, in elements).
    """
    return _checked(Kind.GRADIENT, f, grad, args, argnum=argnum, domain=domain, rtol=rtol, atol=atol, seed=seed,
                    **options)


def check_jacobian(f: Callable, jac: Callable | Array, *args, argnum: int = 0, layout: str = "jax",
                   domain="general", rtol: float | None = None, atol: float | None = None,
                   seed: int = 0, **options) -> CheckResult:
    """Check ``jac(*args)``, in ``layout`` (or a structured operator), against the Jacobian of ``f``
    by ``args[argnum]``."""
    return _checked(Kind.JACOBIAN, f, jac, args, argnum=argnum, layout=layout, domain=domain,
                    rtol=rtol, atol=atol, seed=seed, **options)


def check_hessian(f: Callable, hess: Callable | Array, *args, argnum: int = 0, layout: str = "jax",
                  domain="general", rtol: float | None = None, atol: float | None = None,
                  seed: int = 0, **options) -> CheckResult:
    """Check ``hess(*args)`` (``in + in`` in the ``jax`` layout) against the Hessian of scalar ``f``."""
    return _checked(Kind.HESSIAN, f, hess, args, argnum=argnum, layout=layout, domain=domain,
                    rtol=rtol, atol=atol, seed=seed, **options)


def check_differential(f: Callable, df: Callable | Array, args: Sequence, tangents: Sequence | None = None, *,
                       domain="general", rtol: float | None = None, atol: float | None = None,
                       seed: int = 0, **options) -> CheckResult:
    """Check ``df(*args, *tangents)`` against dF, the JVP of ``f`` at ``args`` along ``tangents``.

    Tangents are sampled from the domains when not given (one per argument; pass zeros for an
    argument held constant).
    """
    return _checked(Kind.DIFFERENTIAL, f, df, tuple(args), domain=domain, rtol=rtol, atol=atol,
                    seed=seed, tangents=tangents, **options)
