"""Compare a closed-form derivative with the references, and check users' own derivatives.

``compare`` is the engine shared by the catalog's verification and the public ``check_*``
functions: it validates shapes, converts the closed form to JAX layout, runs each reference,
applies the tolerances and, when something fails, asks ``diagnosis`` how it is wrong.

float64 needs JAX's x64 mode. matcalc never flips it globally: each check runs inside
``jax.enable_x64(...)`` scoped to the call, switched on when the inputs are float64 (NumPy
float64 arrays and Python floats are float64) and off for float32, so a float32 check cannot be
silently promoted to float64.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.references import oracles
from matcalc.checker.diagnosis import diagnose
from matcalc.vocabulary.domains import Domain, resolve_domain
from matcalc.vocabulary.records import Kind, Layout
from matcalc.vocabulary.layout import expected_shape, to_jax
from matcalc.checker.result import CheckResult
from matcalc.checker.tolerance import default_rtol, dtype_name, reference_rtol

Array = jax.Array
T = TypeVar("T")


class InputError(ValueError):
    """Inputs a check cannot use: wrong dtype, non-finite values, outside the domain, bad argnum."""


# -- the engine --------------------------------------------------------------------------------


def compare(
    problem: oracles.Problem,
    candidate,
    *,
    layout: Layout | str = Layout.JAX,
    references: Sequence[str] | None = None,
    rtol: float | None = None,
    atol: float = 0.0,
    label: str = "closed form",
    seed: int = 0,
    arg_names: Sequence[str] | None = None,
    real_analytic: bool = False,
    **report,
) -> CheckResult:
    """Check ``candidate`` (the closed form's value, in ``layout``) against the problem's references.

    By default all references of the kind; ``real_analytic`` adds the complex-step reference.
    """
    start = time.perf_counter()
    kind, layout = Kind(problem.kind), Layout(layout)
    dtype = dtype_name(problem.x.dtype)
    out_shape, in_shape = _layout_shapes(problem)
    want = expected_shape(layout, out_shape, in_shape)
    raw = np.asarray(candidate)
    conditioning = max((d.conditioning(a) for d, a in zip(problem.domains, problem.args)), default=1.0)
    tol = default_rtol(dtype, conditioning) if rtol is None else float(rtol)
    names = list(references or oracles.reference_names(kind, real_analytic))
    comparators = {name: oracles.reference(kind, name) for name in names}

    errors = {name: float("inf") for name in names}
    tolerances = {name: tol for name in names}
    worst = None
    if raw.shape == tuple(want) and np.all(np.isfinite(raw)):
        cand = to_jax(jnp.asarray(raw, problem.x.dtype), layout, out_shape, in_shape)
        magnitude = oracles.magnitude(problem)
        for name in names:
            comparison = comparators[name](problem, cand)
            scale = max(float(np.linalg.norm(np.asarray(comparison.reference, np.float64))), comparison.scale, magnitude)
            errors[name] = _relative_error(comparison, atol, scale)
            tolerances[name] = reference_rtol(tol, comparison.error_estimate / scale if scale > 0 else 0.0)
    ok = all(errors[n] <= tolerances[n] for n in names)
    diagnosis = None
    if not ok:
        truth = np.asarray(problem.project(oracles.truth(problem)) if _projectable(kind) else oracles.truth(problem))
        # Compare like with like: on a structured domain only the projected part is meaningful.
        shown = raw
        if _projectable(kind) and layout is Layout.JAX and raw.shape == tuple(want) and np.all(np.isfinite(raw)):
            shown = np.asarray(problem.project(jnp.asarray(raw, problem.x.dtype)))
        diagnosis = diagnose(shown, truth, layout, out_shape, in_shape, tol)
        if raw.shape == tuple(want):
            worst = _worst_entry(np.asarray(to_jax(raw, layout, out_shape, in_shape)), truth)
    names_ = list(arg_names) if arg_names else [f"arg{i}" for i in range(len(problem.args))]
    return CheckResult(
        ok=ok,
        errors=errors,
        tolerances=tolerances,
        diagnosis=diagnosis,
        label=label,
        kind=kind.value,
        layout=layout.value,
        expected_shape=tuple(want),
        shape=raw.shape,
        dtype=dtype,
        seed=seed,
        domain=", ".join(f"{n}: {d.name}" for n, d in zip(names_, problem.domains)),
        args={n: tuple(a.shape) for n, a in zip(names_, problem.args)},
        worst=worst,
        seconds=time.perf_counter() - start,
        **report,
    )


def _layout_shapes(p: oracles.Problem) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(out, in) shapes whose layout the closed form follows."""
    x_shape = tuple(p.x.shape)
    if p.kind in (Kind.GRADIENT, Kind.DERIVATIVE):
        return (), x_shape
    if p.kind is Kind.HESSIAN:
        return x_shape, x_shape
    out = jax.eval_shape(p.f, *p.args)
    if p.kind is Kind.DIRECTIONAL:
        return (), ()
    if p.kind is Kind.DIFFERENTIAL:
        return tuple(out.shape), ()
    return tuple(out.shape), x_shape


def _projectable(kind: Kind) -> bool:
    return kind not in (Kind.DIFFERENTIAL, Kind.DIRECTIONAL)


def _relative_error(c: oracles.Comparison, atol: float, scale: float) -> float:
    # In NumPy float64: the reference may be float64 (finite differences) while x64 is off.
    diff = float(np.linalg.norm(np.asarray(c.candidate, np.float64) - np.asarray(c.reference, np.float64)))
    if diff <= atol:
        return 0.0
    return diff / scale if scale > 0 else float("inf")


def _worst_entry(cand: np.ndarray, truth: np.ndarray):
    if cand.shape != truth.shape:
        return None
    index = np.unravel_index(int(np.argmax(np.abs(cand - truth))), cand.shape) if cand.ndim else ()
    return tuple(int(i) for i in index), float(cand[index]), float(truth[index])


# -- preparing users' inputs -------------------------------------------------------------------


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


@contextlib.contextmanager
def precision_scope(x64: bool, device: jax.Device | None = None, matmul_precision: str = "highest"):
    """x64 on or off, highest matmul precision (no TF32 on GPUs), optionally a device: all scoped."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(jax.enable_x64(x64))
        stack.enter_context(jax.default_matmul_precision(matmul_precision))
        if device is not None:
            stack.enter_context(jax.default_device(device))
        yield


def run_scoped(x64: bool, work: Callable[[], T], device: jax.Device | None = None,
               matmul_precision: str = "highest") -> T:
    """Run ``work()`` in a ``precision_scope``, surviving a JAX cache bug once.

    JAX 0.10 can hand an executable compiled in one x64 mode an argument converted in the
    other (seen with functions closing over NumPy float64 constants, checked in float64 and then
    in float32): XLA refuses it with RuntimeProgramInputMismatch. Clearing JAX's caches and
    running again is correct and only costs recompilation, so it is done once, then re-raised.
    """
    for attempt in (1, 2):
        try:
            with precision_scope(x64, device, matmul_precision):
                return work()
        except jax.errors.JaxRuntimeError as err:
            if attempt == 2 or "RuntimeProgramInputMismatch" not in str(err):
                raise
            jax.clear_caches()
    raise AssertionError("unreachable")


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
    **options,
) -> CheckResult:
    if not args:
        raise InputError("pass the point to check at: check_gradient(f, grad, x, ...)")
    arrays = [_as_floating(i, a) for i, a in enumerate(args)]
    if kind is Kind.DIFFERENTIAL:
        argnums = tuple(range(len(arrays)))
    elif not 0 <= argnum < len(arrays):
        raise InputError(f"argnum={argnum} but only {len(arrays)} arguments were given")
    else:
        argnums = (argnum,)
    domains = _domains(domain, len(arrays), argnums)
    for i, (d, a) in enumerate(zip(domains, arrays)):
        if not d.contains(a):
            raise InputError(f"argument {i} (shape {a.shape}) is not in domain {d.name!r} ({d.description})")
    x64 = any(a.dtype == np.float64 for a in arrays)

    def work() -> CheckResult:
        jargs = tuple(jnp.asarray(a) for a in arrays)
        key = jax.random.PRNGKey(seed)
        jtangents = _tangents(tangents, jargs, domains, key) if kind is Kind.DIFFERENTIAL else ()
        candidate = (closed(*jargs, *jtangents) if callable(closed) else closed)
        problem = oracles.Problem(f, jargs, kind, argnums, domains, key, jtangents)
        label = getattr(closed, "__name__", "closed form")
        return compare(problem, candidate, layout=layout, rtol=rtol, atol=atol or 0.0, label=label, seed=seed,
                       **options)

    return run_scoped(x64, work)


def _tangents(tangents, args, domains, key) -> tuple[Array, ...]:
    if tangents is None:
        keys = jax.random.split(jax.random.fold_in(key, 7), len(args))
        return tuple(d.tangent(k, a) for d, k, a in zip(domains, keys, args))
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
                   rtol: float | None = None, atol: float | None = None, seed: int = 0) -> CheckResult:
    """Check ``grad(*args)`` (shaped like ``args[argnum]``) against the gradient of scalar ``f``."""
    return _checked(Kind.GRADIENT, f, grad, args, argnum=argnum, domain=domain, rtol=rtol, atol=atol, seed=seed)


def check_jacobian(f: Callable, jac: Callable | Array, *args, argnum: int = 0, layout: str = "jax",
                   domain="general", rtol: float | None = None, atol: float | None = None,
                   seed: int = 0) -> CheckResult:
    """Check ``jac(*args)``, in ``layout``, against the Jacobian of ``f`` by ``args[argnum]``."""
    return _checked(Kind.JACOBIAN, f, jac, args, argnum=argnum, layout=layout, domain=domain,
                    rtol=rtol, atol=atol, seed=seed)


def check_hessian(f: Callable, hess: Callable | Array, *args, argnum: int = 0, layout: str = "jax",
                  domain="general", rtol: float | None = None, atol: float | None = None,
                  seed: int = 0) -> CheckResult:
    """Check ``hess(*args)`` (``in + in`` in the ``jax`` layout) against the Hessian of scalar ``f``."""
    return _checked(Kind.HESSIAN, f, hess, args, argnum=argnum, layout=layout, domain=domain,
                    rtol=rtol, atol=atol, seed=seed)


def check_differential(f: Callable, df: Callable | Array, args: Sequence, tangents: Sequence | None = None, *,
                       domain="general", rtol: float | None = None, atol: float | None = None,
                       seed: int = 0) -> CheckResult:
    """Check ``df(*args, *tangents)`` against dF, the JVP of ``f`` at ``args`` along ``tangents``.

    Tangents are sampled from the domains when not given (one per argument; pass zeros for an
    argument held constant).
    """
    return _checked(Kind.DIFFERENTIAL, f, df, tuple(args), domain=domain, rtol=rtol, atol=atol,
                    seed=seed, tangents=tangents)
