"""Complex inputs and outputs, checked as the real derivatives they are.

A complex array z of shape s is the real array r = (Re z, Im z) of shape s + (2,), and a complex
output is realified the same way. The realified function g(r) is real, so every reference of the
real engine applies to it unchanged: jacrev, jacfwd, the jvp/vjp probes, and finite differences,
whose real directions in r are complex directions dz = dx + i dy in z. The candidate is converted
to the real derivative of g by the convention it is written in:

- f real-valued, z complex (a loss of complex parameters). JAX's convention (the default,
  ``convention="jax"``): ``jax.grad(f)(z) = df/dx - i df/dy`` (= 2 df/dz), which is the conjugate
  of the steepest-ascent direction. ``convention="conjugate"``: ``df/dx + i df/dy`` (= 2 df/dz-bar),
  the Matrix Cookbook's and PyTorch's, the steepest-ascent direction itself.
- f holomorphic (``holomorphic=True``): the complex derivative df/dz, what ``jax.grad(f,
  holomorphic=True)`` and ``jax.jacfwd(f, holomorphic=True)`` return. J = A + iB realifies to the
  block matrix [[A, -B], [B, A]] (the Cauchy-Riemann structure).
- f complex-valued of a real x: df/dx = d(Re f)/dx + i d(Im f)/dx, what ``jax.jacfwd`` returns.
- differentials: df(z, dz) is the real-linear map JAX's ``jvp`` computes with complex tangents,
  whatever f is (holomorphic or not); no convention is needed.

The complex step needs f real on real inputs: it does not apply here and is refused by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.checker.diagnosis import diagnose
from matcalc.checker.errors import InputError
from matcalc.checker.tolerance import DIAGNOSIS_FACTOR
from matcalc.references.problem import norm
from matcalc.vocabulary.layout import Layout
from matcalc.vocabulary.kinds import Kind

Array = jax.Array
CONVENTIONS = ("jax", "conjugate")

CONVENTION_WORDS = {
    "jax": "JAX's convention, df/dx - i df/dy (= 2 df/dz, what jax.grad returns)",
    "conjugate": "the conjugate convention, df/dx + i df/dy (= 2 df/dz-bar, the Cookbook's and PyTorch's)",
}


def to_real(z) -> Array:
    """(Re z, Im z) stacked on a new last axis; a real array gets a zero imaginary part."""
    z = jnp.asarray(z)
    return jnp.stack([jnp.real(z), jnp.imag(z)], axis=-1)


def _real_arg(z) -> np.ndarray:
    """``to_real`` of an argument, in NumPy: computed before the check's x64 scope, so complex128 must
    stay float64 (a jnp op here would run in the default float32)."""
    z = np.asarray(z)
    return np.stack([z.real, z.imag], axis=-1)


def to_complex(r: Array) -> Array:
    """The inverse of ``to_real``: float32 pairs become complex64, float64 pairs complex128."""
    return jax.lax.complex(r[..., 0], r[..., 1])


@dataclasses.dataclass(frozen=True)
class Realified:
    """The user's check restated on real arrays: what ``check._checked`` runs, and how to report it."""

    kind: Kind
    f: Callable
    closed: Callable | Array
    args: tuple
    tangents: tuple | None
    note: str  # says which convention the candidate was read in
    candidate_map: Callable[[Array], Array] | None = None  # complex candidate -> real derivative of g
    expected_shape: tuple[int, ...] | None = None  # the candidate's shape in the user's (complex) terms
    exact: Callable[[], Array] | None = None  # the exact derivative in the user's convention (for the diagnosis)


def _output_is_complex(f: Callable, args: tuple) -> bool:
    try:
        out = jax.eval_shape(f, *args)
    except Exception:
        return False  # the real engine reports f's own error with the shapes it was given
    return any(np.issubdtype(leaf.dtype, np.complexfloating) for leaf in jax.tree_util.tree_leaves(out))


def involves_complex(kind: Kind, f: Callable, args: tuple, argnums: Sequence[int]) -> bool:
    """Whether a differentiated argument, or f's value, is complex."""
    leaves = [leaf for i in argnums for leaf in jax.tree_util.tree_leaves(args[i])]
    if any(np.iscomplexobj(np.asarray(leaf)) for leaf in leaves):
        return True
    return _output_is_complex(f, args)


def _with_complex(a: tuple, argnum: int, z_complex: bool) -> tuple:
    """Arguments ``a`` with argument ``argnum``, given as (Re, Im) pairs, made complex again."""
    return a[:argnum] + (to_complex(a[argnum]) if z_complex else a[argnum],) + a[argnum + 1:]


def _real_form(f: Callable, argnum: int, z_complex: bool, out_complex: bool) -> Callable:
    """f as a function of real arrays: argument ``argnum`` as (Re, Im) pairs, a complex value too."""
    def g(*a):
        value = f(*_with_complex(a, argnum, z_complex))
        return to_real(value) if out_complex else value

    return g


def _holomorphic_map(n_out: int) -> Callable[[Array], Array]:
    """J = A + iB (out + in) to the real Jacobian of (Re f, Im f) by (Re z, Im z): out+(2,)+in+(2,)."""

    def realify(j: Array) -> Array:
        a, b = jnp.real(j), jnp.imag(j)
        return jnp.stack([jnp.stack([a, -b], -1), jnp.stack([b, a], -1)], axis=n_out)

    return realify


def _convention_map(convention: str) -> Callable[[Array], Array]:
    """A real f's derivative by complex z, in ``convention``, to its derivative by (Re z, Im z)."""
    sign = -1.0 if convention == "jax" else 1.0
    return lambda c: jnp.stack([jnp.real(c), sign * jnp.imag(c)], axis=-1)


def _output_map(n_out: int) -> Callable[[Array], Array]:
    """df/dx of a complex f of real x (out + in) to the Jacobian of (Re f, Im f): out+(2,)+in."""
    return lambda j: jnp.stack([jnp.real(j), jnp.imag(j)], axis=n_out)


def realify(kind: Kind, f: Callable, closed, args: tuple, argnum: int, *, convention: str, holomorphic: bool,
            layout, domain, tangents=None, references: Sequence[str] | None = None) -> Realified:
    """The check of a complex f or at a complex point, as a check of real arrays (see the module)."""
    if convention not in CONVENTIONS:
        raise InputError(f"unknown convention {convention!r}: one of {list(CONVENTIONS)} (see the README's "
                         "section on complex numbers)")
    if "complex_step" in (references or ()):
        raise InputError("the complex step needs f real on real inputs; with complex inputs or values use "
                         "fd (finite differences along complex directions) and the autodiff references")
    if kind is Kind.HESSIAN:
        raise InputError("Hessians of complex functions are not checked: check the Jacobian of the gradient, or "
                         "split z into real arguments (Re z, Im z)")
    if str(layout) not in ("jax", "Layout.JAX"):
        raise InputError(f"complex derivatives are checked in the 'jax' layout, got layout {layout!r}")
    if domain != "general":
        raise InputError(f"complex arguments are checked on the general domain, got domain {domain!r}")
    if kind.varies_many:
        return _realify_differential(f, closed, args, tangents)
    if not hasattr(args[argnum], "dtype") and not isinstance(args[argnum], (complex, float)):
        raise InputError("a complex differentiated argument must be one array (pytrees of complex leaves are not "
                         "supported): pass the leaves as separate arguments")
    z = np.asarray(args[argnum])
    z_complex = np.iscomplexobj(z)
    out = jax.eval_shape(f, *args)
    out_complex = np.issubdtype(out.dtype, np.complexfloating)
    out_shape, in_shape = tuple(out.shape), tuple(z.shape)
    if kind.scalar_out and out_shape != ():
        raise InputError(f"a {kind.name} check needs a scalar-valued f, but f returns shape {out_shape}: "
                         "use check_jacobian")
    if out_complex and z_complex and not holomorphic:
        raise InputError("f is complex-valued at a complex point: its derivative is the complex df/dz only when f "
                         "is holomorphic (pass holomorphic=True); otherwise check jnp.real(f) and jnp.imag(f) as "
                         "real-valued functions of z, or use check_differential")
    if holomorphic and not (out_complex and z_complex):
        raise InputError("holomorphic=True needs a complex f of a complex argument, but "
                         f"f's value is {out.dtype} and argument {argnum} is {z.dtype}")

    # g and the candidate take every argument, as f does: the real form in place of the complex one.
    g = _real_form(f, argnum, z_complex, out_complex)
    if out_complex and z_complex:
        mapping, note = _holomorphic_map(len(out_shape)), "holomorphic: the candidate is df/dz (no conjugation)"
    elif out_complex:
        mapping, note = _output_map(len(out_shape)), "complex f of a real argument: the candidate is d(Re f) + i d(Im f)"
    else:
        mapping, note = _convention_map(convention), f"complex argument, real f: the candidate is in {CONVENTION_WORDS[convention]}"
    want = out_shape + in_shape

    def converted(value):
        value = jnp.asarray(value)
        if value.shape != want:
            raise InputError(f"the derivative has shape {value.shape}, but for f of out {out_shape} by a complex "
                             f"argument of shape {in_shape} it must have shape {want} (JAX's layout, complex)")
        return mapping(value)

    real_args = args[:argnum] + (_real_arg(z) if z_complex else z,) + args[argnum + 1:]
    jax_convention = autodiff_derivative(f, argnum, jax.jacrev, args, holomorphic)
    # The conjugate convention (a real f only) is the conjugate of JAX's.
    exact = (lambda *a: jnp.conj(jax_convention(*a))) if convention == "conjugate" else jax_convention
    candidate = ((lambda *a: converted(closed(*_with_complex(a, argnum, z_complex)))) if callable(closed)
                 else converted(closed))
    return Realified(Kind.JACOBIAN if out_complex else kind, g, candidate, real_args, None,
                     note, converted, want,
                     lambda: jax.jit(lambda w: exact(*args[:argnum], w, *args[argnum + 1:]))(jnp.asarray(z)))


def _realify_differential(f: Callable, df, args: tuple, tangents) -> Realified:
    flags = [np.iscomplexobj(np.asarray(a)) for a in args]
    out_complex = _output_is_complex(f, args)

    def complexify(rs):
        return tuple(to_complex(jnp.asarray(r)) if c else r for r, c in zip(rs, flags))

    real_out = to_real if out_complex else (lambda v: v)
    g = lambda *rs: real_out(f(*complexify(rs)))  # noqa: E731
    n = len(args)
    dg = (lambda *a: real_out(df(*complexify(a[:n]), *complexify(a[n:])))) if callable(df) else real_out(df)
    real = lambda xs: tuple(_real_arg(x) if c else x for x, c in zip(xs, flags))  # noqa: E731
    if tangents is not None and len(tangents) == n:
        tangents = real(tuple(np.asarray(t) for t in tangents))
    return Realified(Kind.DIFFERENTIAL, g, dg, real(args), tangents,
                     "complex: dF is the real-linear jvp along complex tangents dz = dx + i dy",
                     expected_shape=tuple(jax.eval_shape(f, *args).shape))


def holomorphy_defect(f: Callable, args: tuple, argnum: int, key: Array) -> float:
    """How far f is from holomorphic at the point: ||jvp(i h) - i jvp(h)|| / ||jvp(h)|| for a random h
    (0 for a holomorphic f, up to rounding: the Cauchy-Riemann equations along h)."""
    z = jnp.asarray(args[argnum])
    h = jax.lax.complex(*jax.random.normal(key, (2,) + z.shape, jnp.real(z).dtype))
    along = lambda t: jax.jvp(lambda w: f(*args[:argnum], w, *args[argnum + 1:]), (z,), (t,))[1]  # noqa: E731
    a, b = jax.jit(lambda h: (along(h), along(1j * h)))(h)
    return float(jnp.linalg.norm(b - 1j * a) / max(float(jnp.linalg.norm(a)), 1e-300))


def diagnose_complex(diagnosis: str, real: Realified, f: Callable, closed, args: tuple, argnum: int,
                     convention: str, tol: float, seed: int, dense_ok: bool) -> str:
    """The failing check's diagnosis in the user's complex terms: an f that is not holomorphic, a
    candidate in the other convention (or conjugated), else the nearest simple relation to the exact
    complex derivative (transposed, scaled: by 0.5 is the Wirtinger derivative without its 2)."""
    if "holomorphic" in real.note:
        defect = holomorphy_defect(f, args, argnum, jax.random.key(seed))
        if defect > (1e-6 if np.asarray(args[argnum]).dtype == np.complex128 else 1e-3):
            return (f"f is not holomorphic at this point: its derivative along i*h is not i times that along h "
                    f"(relative defect {defect:.1e}), so no complex df/dz exists; drop holomorphic=True and check "
                    "jnp.real(f) and jnp.imag(f) as real-valued functions of z")
    if not dense_ok:
        return diagnosis  # the realified probes' diagnosis: the exact complex derivative is too large to form
    truth = np.asarray(real.exact())
    given = np.asarray(jax.jit(closed)(*args) if callable(closed) else closed)
    threshold = DIAGNOSIS_FACTOR * tol * norm(truth)
    if norm(np.conj(given) - truth) <= threshold:
        if "real f" in real.note:
            other = "conjugate" if convention == "jax" else "jax"
            return (f"convention: the candidate is in {CONVENTION_WORDS[other]}, but the check reads "
                    f"{CONVENTION_WORDS[convention]}; pass convention={other!r}, or return its conjugate")
        return "conjugated: the candidate is the conjugate of the complex derivative"
    words = diagnose(given, truth, Layout.JAX, truth.shape[:truth.ndim - np.ndim(args[argnum])],
                     np.shape(args[argnum]), tol)
    if words.startswith("scaled by 0.5") and "real f" in real.note:
        words += " (the Wirtinger derivative df/dz or df/dz-bar without its factor 2)"
    return words


def autodiff_derivative(f: Callable, argnum: int, transform: Callable, args: tuple, holomorphic: bool) -> Callable:
    """JAX's derivative of f by ``transform`` (``jax.jacrev`` or ``jax.jacfwd``), in the convention a
    check reads (see the module): JAX's transforms take complex inputs only for holomorphic f, so a
    real f of complex z, or a complex f of real x, is differentiated through its realification."""
    z_complex = np.iscomplexobj(np.asarray(args[argnum]))
    out_complex = _output_is_complex(f, args)
    if holomorphic or not (z_complex or out_complex):
        return transform(f, argnum, holomorphic=holomorphic)
    n_out = len(jax.eval_shape(f, *args).shape)
    real_derivative = transform(_real_form(f, argnum, z_complex, out_complex), argnum)

    def derivative(*a):
        real = real_derivative(*a[:argnum], to_real(a[argnum]) if z_complex else a[argnum], *a[argnum + 1:])
        if z_complex:  # d/dx - i d/dy: JAX's convention
            return real[..., 0] - 1j * real[..., 1]
        return jax.lax.complex(jnp.take(real, 0, axis=n_out), jnp.take(real, 1, axis=n_out))

    return derivative
