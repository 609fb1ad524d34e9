"""Check users' own derivatives: the public ``check_*`` functions.

Each validates the user's inputs, makes one ``RunContext`` (float64 when any input is float64),
builds the ``Problem`` and hands it to ``compare``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from matcalc.checker.compare import DEFAULT_MAX_DENSE, compare
from matcalc.checker.complexes import diagnose_complex, involves_complex, realify
from matcalc.checker.diagnosis import diagnose
from matcalc.checker.errors import InputError
from matcalc.checker.result import CheckResult
from matcalc.references.problem import Problem
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.domains import Domain, resolve_domain
from matcalc.vocabulary.kinds import Kind
from matcalc.vocabulary.layout import Layout, resolve_layout

Array = jax.Array


def _as_floating(what: str, a) -> np.ndarray:
    """A differentiated array: real floating (float32 or float64), non-empty, finite."""
    arr = np.asarray(a)
    if arr.dtype == object:
        raise InputError(f"{what} is a {type(a).__name__}, not an array: differentiated arguments are float arrays "
                         "(or pytrees of them); pass others as arguments that argnum does not name")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InputError(f"{what} is complex ({arr.dtype}): complex arguments are checked one array at a time "
                         "(see the README on complex numbers), not as leaves of a pytree")
    if not np.issubdtype(arr.dtype, np.floating):
        raise InputError(f"{what} has dtype {arr.dtype} (shape {arr.shape}): matcalc differentiates float32 or "
                         "float64 arrays; convert with .astype(float), or leave it out of argnum")
    if arr.dtype.name not in ("float32", "float64"):
        raise InputError(f"{what} is {arr.dtype.name}: its rounding (eps {float(np.finfo(arr.dtype).eps):.0e}) is "
                         "too coarse to check a derivative against; cast to float32 or float64")
    if arr.size == 0:
        raise InputError(f"{what} is empty (shape {arr.shape}): there is nothing to differentiate")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} (shape {arr.shape}) contains NaN or inf: derivatives need finite inputs")
    return arr


def _argnums(argnum, n_args: int) -> tuple[int, ...]:
    nums = (argnum,) if isinstance(argnum, (int, np.integer)) else tuple(argnum)
    if not nums or len(set(nums)) != len(nums) or not all(isinstance(i, (int, np.integer)) for i in nums):
        raise InputError(f"argnum must be an int or a tuple of distinct ints, got {argnum!r}")
    bad = [i for i in nums if not 0 <= i < n_args]
    if bad:
        raise InputError(f"argnum={argnum!r} but only {n_args} arguments were given")
    return tuple(int(i) for i in nums)


def _domain(domain, i: int, n_args: int) -> Domain:
    try:
        if isinstance(domain, (list, tuple)):
            if len(domain) != n_args:
                raise InputError(f"got {len(domain)} domains for {n_args} arguments")
            return resolve_domain(domain[i])
        return resolve_domain(domain)
    except ValueError as err:
        raise InputError(str(err)) from None


def _tolerances(rtol, atol) -> None:
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise InputError(f"{name} must be a finite number >= 0, got {value!r}")


def _is_array(a) -> bool:
    return isinstance(a, (np.ndarray, jax.Array, float, np.floating))


@dataclasses.dataclass(frozen=True)
class _Point:
    """The user's call reduced to what the engine checks: f and the candidate as functions of the
    traced arguments, with the rest bound; the differentiated argument(s) flattened to one vector
    when they are a pytree (``unravel`` undoes it)."""

    f: Callable
    closed: Callable | Array
    args: tuple[Array, ...]
    argnum: int
    domain: Domain
    names: list[str]
    pytree: bool = False


def _point(kind: Kind, f: Callable, closed, args: tuple, argnums: tuple[int, ...], domain, layout) -> _Point:
    """Bind what is not differentiated; flatten a differentiated pytree (or several arguments)."""
    diff = [args[i] for i in argnums]
    leaves, _ = jax.tree_util.tree_flatten(tuple(diff))
    for k, leaf in enumerate(leaves):
        _as_floating(f"differentiated leaf {k} of argument(s) {list(argnums)}", leaf)
    single = len(argnums) == 1 and _is_array(diff[0])
    if single:
        i = argnums[0]
        others_are_arrays = all(_is_array(a) for k, a in enumerate(args) if k != i)
        if others_are_arrays:  # every argument traced: the compiled check is reused across calls
            return _Point(f, closed, tuple(np.asarray(a) if _is_array(a) else a for a in args), i,
                          _domain(domain, i, len(args)),
                          [f"arg{k}" for k in range(len(args))])
        put_one = lambda x: args[:i] + (x,) + args[i + 1:]  # noqa: E731
        bound_closed = (lambda x: closed(*put_one(x))) if callable(closed) else closed
        return _Point(lambda x: f(*put_one(x)), bound_closed, (np.asarray(args[i]),), 0,
                      _domain(domain, i, len(args)), [f"arg{i}"])
    if not kind.pytrees:
        raise InputError(f"a {kind.name} check takes array arguments; pytrees and several argnums are supported "
                         "by check_gradient and check_jacobian")
    if domain != "general" or resolve_layout(layout) is not Layout.JAX:
        raise InputError("pytree arguments are checked on the general domain in the 'jax' layout (per leaf)")
    flat, unravel = ravel_pytree(tuple(diff))

    def put(v):
        parts, new = unravel(v), list(args)
        for i, part in zip(argnums, parts):
            new[i] = part
        return new

    def as_tree(value):  # the structure the candidate has: jax.grad's for the same argnums
        return value if len(argnums) > 1 else value[0]

    f_flat = (lambda v: ravel_pytree(f(*put(v)))[0]) if not kind.scalar_out else (lambda v: f(*put(v)))
    out_tree = None if kind.scalar_out else jax.eval_shape(lambda: f(*args))

    def closed_flat(v):
        value = closed(*put(v)) if callable(closed) else closed
        return kind.flatten_pytree(value, as_tree(tuple(diff)), out_tree)

    return _Point(f_flat, closed_flat, (flat,), 0, resolve_domain("general"),
                  [f"args{list(argnums)} flattened"], pytree=True)


def _validate_f(kind: Kind, point: _Point) -> None:
    """f must run at the point, with the output the kind needs, and be finite there."""
    try:
        value = jax.eval_shape(point.f, *point.args)  # traced: see checker.program on eager evaluation
    except Exception as err:
        shapes = [tuple(np.shape(a)) for a in point.args]
        raise InputError(f"f cannot be evaluated at arguments of shapes {shapes}: {type(err).__name__}: {err}") from err
    if kind.scalar_out and np.shape(value) != ():
        raise InputError(f"a {kind.name} check needs a scalar-valued f, but f returns shape {np.shape(value)}: "
                         "use check_jacobian")
    if callable(point.closed):
        try:
            shape = jax.eval_shape(point.closed, *point.args)
        except InputError:
            raise
        except Exception:
            return  # the candidate's own error surfaces when it runs, with its traceback
        if shape is None:
            raise InputError("the derivative returned None: return an array (or a structured operator)")


def _checked(
    kind: Kind,
    f: Callable,
    closed: Callable | Array,
    args: tuple,
    *,
    argnum=0,
    domain="general",
    layout="jax",
    rtol=None,
    atol=None,
    seed: int = 0,
    tangents=None,
    references: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    max_dense: float | None = None,
    convention: str = "jax",
    holomorphic: bool = False,
) -> CheckResult:
    if not args:
        raise InputError("pass the point to check at: check_gradient(f, grad, x, ...)")
    if closed is None:
        raise InputError("the derivative is None: pass a function of the same arguments as f, or an array")
    _tolerances(rtol, atol)
    varied = tuple(range(len(args))) if kind.varies_many else _argnums(argnum, len(args))
    leaves = [leaf for i in varied for leaf in jax.tree_util.tree_leaves(args[i])]
    # f is traced to see its output type: inside the x64 scope the check will run in (see RunContext.run)
    scope = RunContext.for_arrays(leaves)
    if scope.run(lambda: involves_complex(kind, f, tuple(args), varied)):
        return scope.run(lambda: _checked_complex(kind, f, closed, tuple(args), varied, convention=convention, holomorphic=holomorphic,
                                layout=layout, domain=domain, tangents=tangents, references=references,
                                rtol=rtol, atol=atol, seed=seed, exclude=exclude, max_dense=max_dense))
    if holomorphic or convention != "jax":
        raise InputError("holomorphic= and convention= apply to complex arguments or values; these are real")
    try:
        layout = resolve_layout(layout)
    except ValueError as err:
        raise InputError(str(err)) from None
    if kind.varies_many:
        differentiated = [_as_floating(f"argument {i}", a) for i, a in enumerate(args)]
    else:
        argnums = varied
        differentiated = [np.asarray(leaf) for i in argnums
                          for leaf in jax.tree_util.tree_leaves(args[i])]
    # The x64 decision: float64 when a differentiated input is float64. Everything from here on
    # (flattening a pytree included) happens inside the run's scope, so float64 stays float64.
    context = dataclasses.replace(RunContext.for_arrays(differentiated), seed=seed)

    def work() -> CheckResult:
        if kind.varies_many:
            jargs = tuple(jnp.asarray(a) for a in args)
            domains = tuple(_domain(domain, i, len(jargs)) for i in range(len(jargs)))
            for i, (d, a) in enumerate(zip(domains, jargs)):
                _in_domain(i, d, a)
            jtangents = _tangents(tangents, jargs, domains, context)
            fn, cand, traced_argnums, names = f, closed, tuple(range(len(jargs))), None
        else:
            point = _point(kind, f, closed, tuple(args), argnums, domain, layout)
            jargs = tuple(jnp.asarray(a) for a in point.args)
            point = dataclasses.replace(point, args=jargs)
            domains = tuple(point.domain if i == point.argnum else resolve_domain("general") for i in range(len(jargs)))
            _in_domain(point.argnum, point.domain, jargs[point.argnum])
            _validate_f(kind, point)
            jtangents = ()
            fn, cand, traced_argnums, names = point.f, point.closed, (point.argnum,), point.names
        problem = Problem(fn, jargs, kind, traced_argnums, domains, context.key_for("references"), jtangents)
        label = getattr(closed, "__name__", "closed form")
        chosen = [n for n in (references or kind.reference_names()) if n not in exclude]
        if not chosen:
            raise InputError(f"no reference left to check against: references={references}, exclude={list(exclude)}")
        unknown = [n for n in chosen if n not in kind.reference_names(real_analytic=True)]
        if unknown:
            raise InputError(f"unknown reference(s) {unknown} for a {kind.name}; known: "
                             f"{list(kind.reference_names(real_analytic=True))}")
        result = compare(problem, cand, context, layout=layout, references=chosen, rtol=rtol, atol=atol or 0.0,
                         label=label, arg_names=names, max_dense=max_dense)
        if not kind.varies_many and point.pytree and not result.ok and result.diagnosis and kind.scalar_out:
            per_leaf = _leaf_diagnosis(f, closed, tuple(args), argnums, result.tolerances)
            result = dataclasses.replace(result, diagnosis=f"{per_leaf}; as one vector: {result.diagnosis}")
        return result

    return context.run(work)


def _checked_complex(kind: Kind, f: Callable, closed, args: tuple, varied: tuple[int, ...], *, convention: str,
                     holomorphic: bool, layout, domain, tangents, references, **options) -> CheckResult:
    """A check with complex arguments or values, run as the check of its realification
    (``checker.complexes``) and reported in the user's terms. It runs inside the check's x64 scope:
    realifying and diagnosing trace f too (see RunContext.run)."""
    if not kind.varies_many and len(varied) != 1:
        raise InputError("complex arguments are checked one at a time: pass argnum as a single int")
    argnum = 0 if kind.varies_many else varied[0]
    real = realify(kind, f, closed, args, argnum, convention=convention, holomorphic=holomorphic, layout=layout,
                   domain=domain, tangents=tangents, references=references)

    result = _checked(real.kind, real.f, real.closed, real.args, argnum=argnum, tangents=real.tangents,
                      references=references, **options)
    dtype = "complex128" if result.dtype == "float64" else "complex64"
    shapes = {name: tuple(np.shape(args[int(name[3:])])) if name.startswith("arg") and name[3:].isdigit() else shape
              for name, shape in result.args.items()}
    result = dataclasses.replace(result, label=getattr(closed, "__name__", "closed form"), kind=kind.value,
                                 layout=f"jax; {real.note}", worst=None, args=shapes,
                                 **({"expected_shape": real.expected_shape, "shape": real.expected_shape}
                                    if real.expected_shape else {}),
                                 dtype=dtype if any(np.iscomplexobj(np.asarray(args[i])) for i in varied)
                                 else result.dtype)
    if result.ok or not result.diagnosis or result.diagnosis.startswith("inconclusive") or kind.varies_many:
        return result
    expected = real.expected_shape or ()
    dense_ok = 4 * math.prod(expected) <= (DEFAULT_MAX_DENSE if options.get("max_dense") is None
                                           else options["max_dense"])
    return dataclasses.replace(result, diagnosis=diagnose_complex(
        result.diagnosis, real, f, closed, args, argnum, convention, min(result.tolerances.values()),
        options["seed"], dense_ok))


def _in_domain(i: int, domain: Domain, a) -> None:
    if not domain.contains(a):
        raise InputError(f"argument {i} (shape {tuple(a.shape)}) is not in domain {domain.name!r} ({domain.description})")


def _tangents(tangents, args, domains, context: RunContext) -> tuple[Array, ...]:
    if tangents is None:
        names = [f"arg{i}" for i in range(len(args))]
        return Kind.DIFFERENTIAL.sample_tangents(context.key_for, names, names, domains, args)
    if len(tangents) != len(args):
        raise InputError(f"got {len(tangents)} tangents for {len(args)} arguments: pass one per argument")
    out = []
    for i, (t, a) in enumerate(zip(tangents, args)):
        t = jnp.asarray(_as_floating(f"tangent {i}", t), a.dtype)
        if t.shape != a.shape:
            raise InputError(f"tangent {i} has shape {t.shape}, but argument {i} has shape {a.shape}")
        out.append(t)
    if not any(np.any(np.asarray(t)) for t in out):
        raise InputError("every tangent is zero: dF along them is 0 whatever df returns, so the check could not "
                         "fail; pass a nonzero tangent for at least one argument")
    return tuple(out)


def _leaf_diagnosis(f: Callable, closed, args: tuple, argnums: tuple[int, ...], tolerances: dict) -> str:
    """Which leaves of a pytree gradient are wrong, and how: the diagnosis of each leaf alone."""
    def put(diff):
        new = list(args)
        for i, part in zip(argnums, diff):
            new[i] = part
        return new

    diff = tuple(args[i] for i in argnums)
    pick = (lambda tree: tree) if len(argnums) > 1 else (lambda tree: tree[0])  # noqa: E731
    # Traced, never op by op (see checker.program); the arguments not differentiated stay bound.
    truth = pick(jax.jit(jax.grad(lambda d: f(*put(d))))(diff))
    given = jax.jit(lambda d: closed(*put(d)))(diff) if callable(closed) else closed
    tol = min(tolerances.values())
    words = []
    for (path, want), got in zip(jax.tree_util.tree_flatten_with_path(truth)[0], jax.tree_util.tree_leaves(given)):
        want, got = np.asarray(want), np.asarray(got)
        if got.shape == want.shape and np.linalg.norm(got - want) <= tol * max(np.linalg.norm(want), 1e-300):
            continue
        words.append(f"leaf {jax.tree_util.keystr(path)}: {diagnose(got, want, Layout.JAX, (), want.shape, tol)}")
    return "; ".join(words) or "every leaf matches on its own"


# -- public API --------------------------------------------------------------------------------


def check_gradient(f: Callable, grad: Callable | Array, *args, argnum: int | tuple[int, ...] = 0, domain="general",
                   rtol: float | None = None, atol: float | None = None, seed: int = 0,
                   **options) -> CheckResult:
    """Check ``grad(*args)`` (shaped like ``args[argnum]``) against the gradient of scalar ``f``.

    Arguments that ``argnum`` does not name may be anything (integers, strings, configuration): they
    are passed to f as they are. The differentiated argument may be a pytree (a dict, tuple, list
    or registered dataclass of float arrays), and ``argnum`` a tuple; ``grad`` then returns what
    ``jax.grad(f, argnum)`` would: the same structure.

    Options of every ``check_*``: ``references`` (the names to run; default all of the kind),
    ``exclude`` (names to drop), ``max_dense`` (the size budget of full references, in elements).
    """
    return _checked(Kind.GRADIENT, f, grad, args, argnum=argnum, domain=domain, rtol=rtol, atol=atol, seed=seed,
                    **options)


def check_jacobian(f: Callable, jac: Callable | Array, *args, argnum: int | tuple[int, ...] = 0, layout: str = "jax",
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
