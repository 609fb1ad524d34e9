"""Kinds: what a closed form returns, and everything that follows from it.

A kind owns what differs between a gradient, a Jacobian, a Hessian, a differential, a directional
and a scalar derivative: which records it accepts, the shapes the closed form's layout follows, the
exact derivative, the references it is checked against and how each probes, the tangents the
closed form is called with, the line a finite difference runs along, the projection onto a
domain, and the index formula the docs print. The engine asks the kind; it never branches on it.
Adding a kind is one class here and its tests.
"""

from __future__ import annotations

import functools

from collections.abc import Callable, Sequence
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from matcalc.references import autodiff
from matcalc.references.autodiff import Reference
from matcalc.references.finite import COMPLEX_STEP, FD
from matcalc.references.problem import Problem, tangent, traced_norm
from matcalc.vocabulary.jaxprs import equations
from matcalc.vocabulary.layout import Layout

Array = jax.Array
Shape = tuple[int, ...]
_LETTERS = "ijklabcdpqrs"


class Kind:
    """The base: a scalar-valued f differentiated by one argument (see the subclasses)."""

    __slots__ = ()
    name: ClassVar[str]
    scalar_out: ClassVar[bool] = True  # f must be scalar-valued
    varies_many: ClassVar[bool] = False  # several arguments vary at once (differentials)
    layouts: ClassVar[tuple[Layout, ...]] = (Layout.JAX,)
    projectable: ClassVar[bool] = True  # compared after projection onto the domain's tangent space
    fd_probes: ClassVar[bool] = True  # finite differences along random directions (else along the tangents)
    complex_step: ClassVar[bool] = True  # the complex-step reference applies to real-analytic records
    truth_reference: ClassVar[str] = "jax.jacrev"  # what the worked example shows beside the closed form
    pytrees: ClassVar[bool] = False  # arguments (and derivatives) may be pytrees, flattened per leaf
    truth_needs_forward: ClassVar[bool] = False  # ``truth`` pushes tangents (impossible through a custom_vjp)
    _references: ClassVar[dict[str, Reference]] = {}

    # These singletons are set below the subclasses: ``Kind.GRADIENT`` reads like the enum it replaces.
    DERIVATIVE: ClassVar[Kind]
    GRADIENT: ClassVar[Kind]
    JACOBIAN: ClassVar[Kind]
    HESSIAN: ClassVar[Kind]
    DIFFERENTIAL: ClassVar[Kind]
    DIRECTIONAL: ClassVar[Kind]

    @property
    def value(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Kind.{self.name.upper()}"

    def __reduce__(self):  # pickling keeps the singleton (pytest-xdist ships test ids, not kinds, but be safe)
        return (resolve_kind, (self.name,))

    # -- records ---------------------------------------------------------------------------

    def validate(self, varying: Sequence[str], out: str, in_shape: str, layout: Layout) -> None:
        """Raise ValueError if a record of this kind is malformed."""
        if not self.varies_many and len(varying) != 1:
            raise ValueError(f"a {self.name} differentiates one argument; wrt={' '.join(varying)!r}")
        if self.scalar_out and out != "":
            raise ValueError(f"a {self.name} needs a scalar-valued f, but out={out!r}")
        if layout not in self.layouts:
            raise ValueError(f"a {self.name} is returned in the {' or '.join(repr(l.value) for l in self.layouts)} "
                             f"layout, not {layout.value!r}")

    def index_formula(self, name: str, out_rank: int, in_rank: int, layout: Layout) -> str:
        """The layout as an index formula, e.g. ``J[i, j, k] = dF_i / dX_jk``."""
        return _jacobian_formula(name, out_rank, in_rank, layout)

    def sample_tangents(self, keys: Callable[[str], Array], names: Sequence[str], varying: Sequence[str],
                        domains: Sequence, args: Sequence[Array]) -> tuple[Array, ...]:
        """The tangents the closed form is called with after the arguments (none for most kinds)."""
        return ()

    # -- checking --------------------------------------------------------------------------

    def layout_shapes(self, p: Problem) -> tuple[Shape, Shape]:
        """(out, in): the shapes whose derivative the closed form's layout arranges."""
        return (), tuple(p.x.shape)

    def truth(self, p: Problem) -> Array:
        """The exact derivative in JAX layout (unprojected), from reverse-mode autodiff."""
        return jax.grad(p.f_wrt)(p.x)

    def truth_elements(self, out_size: int, in_size: int) -> int:
        """What ``truth`` materializes (the diagnosis needs it dense)."""
        return autodiff.GRAD_ELEMENTS(out_size, in_size)

    def reference_names(self, real_analytic: bool = False) -> tuple[str, ...]:
        names = tuple(self._references)
        return names + ("complex_step",) if real_analytic and self.complex_step else names

    def reference(self, name: str) -> Reference:
        if name == "complex_step" and self.complex_step:
            return COMPLEX_STEP
        try:
            return self._references[name]
        except KeyError:
            raise ValueError(f"unknown reference {name!r} for a {self.name}; "
                             f"known: {self.reference_names(real_analytic=True)}") from None

    def supports_forward(self, p: Problem) -> bool:
        """Whether JAX can push tangents through f: not through a custom_vjp function."""
        specs = tuple(jax.ShapeDtypeStruct(np.shape(a), a.dtype) if hasattr(a, "dtype") else a for a in p.args)
        try:  # the same f at the same shapes (another seed): searched once
            return _forward_ok(p.f, specs, bool(jax.config.jax_enable_x64))
        except TypeError:  # an unhashable f or argument
            return not _has_custom_vjp(jax.make_jaxpr(p.f)(*p.args).jaxpr)

    def project(self, p: Problem, j: Array) -> Array:
        """Project a derivative's trailing input axes onto the domain's tangent space at x."""
        return p.domain.project(j, p.x)

    def magnitude(self, p: Problem) -> Array:
        """The size of the terms a cancelling result is summed from (0: the result does not cancel)."""
        return jnp.zeros((), p.x.dtype)

    def zero_scale(self, p: Problem) -> Array:
        """|f| / |x|: rounding noise in a derivative that is exactly zero is about eps times this."""
        return traced_norm(p.f_wrt(p.x)) / jnp.maximum(traced_norm(p.x), jnp.finfo(p.x.dtype).tiny)

    def fd_line(self, f: Callable, argnum: int, args: tuple[Array, ...], tangents: tuple[Array, ...],
                v: Array | None) -> tuple[Callable, Array, Array]:
        """(g, x, direction): finite differences of g at x along direction estimate the derivative."""
        return _vary_one(f, argnum, args), args[argnum], v

    def fd_radius(self, p: Problem, v: Array | None) -> np.ndarray:
        """How far ``fd_line``'s x may move along each of its directions and stay in the domain
        (``Domain.radius``): one per direction of v, or a scalar for a line without v."""
        return p.domain.radius(np.asarray(p.x), np.asarray(v))

    def fd_project(self, p: Problem, a: Array) -> Array:
        return a


@functools.lru_cache(maxsize=1024)
def _forward_ok(f: Callable, specs: tuple, x64: bool) -> bool:
    return not _has_custom_vjp(jax.make_jaxpr(f)(*specs).jaxpr)


def _has_custom_vjp(jaxpr) -> bool:
    """Whether a jaxpr (or one nested in it) calls a custom_vjp function. (Tracing a JVP through
    one does not fail until lowering, so the jaxpr is searched instead.)"""
    return any("custom_vjp" in eqn.primitive.name for eqn in equations(jaxpr))


def _vary_one(f: Callable, argnum: int, args: tuple[Array, ...]) -> Callable[[Array], Array]:
    return lambda x: f(*args[:argnum], x, *args[argnum + 1:])


def _jacobian_formula(name: str, out_rank: int, in_rank: int, layout: Layout) -> str:
    o = _LETTERS[:out_rank]
    i = _LETTERS[out_rank : out_rank + in_rank]
    top = f"F_{o}" if o else "f"
    bottom = f"{name}_{i}" if i else name
    if layout is Layout.JAX:
        idx = ", ".join(o + i)
        return f"J[{idx}] = d{top} / d{bottom}" if idx else f"d{top} / d{bottom}"
    if layout is Layout.NUMERATOR:
        return f"J[{o or '0'}, {i or '0'}] = d{top} / d{bottom}"
    if layout is Layout.DENOMINATOR:
        return f"J[{i or '0'}, {o or '0'}] = d{top} / d{bottom}"
    if layout is Layout.VEC:
        return f"J = d vec(F) / d vec({name})^T, column-major vec: J[a, b] = dvec(F)_a / dvec({name})_b"
    return f"d[{', '.join(o)}] = dF_{o} / d{name}_{o} (the diagonal; off-diagonal entries are 0)"


def _structure_error(what: str, got, want) -> ValueError:
    from matcalc.checker.errors import InputError  # late: the checker is built on the kinds

    return InputError(f"the {what} has the structure {jax.tree_util.tree_structure(got)}, but "
                      f"{jax.tree_util.tree_structure(want)} was expected (what jax's transform of f returns)")


class Gradient(Kind):
    """Scalar-valued f: an array of the input's shape."""

    __slots__ = ()
    name = "gradient"
    pytrees = True

    def flatten_pytree(self, value, in_tree, out_tree) -> Array:
        """A pytree gradient (shaped like the arguments) as one vector, leaf by leaf."""
        if jax.tree_util.tree_structure(value) != jax.tree_util.tree_structure(in_tree):
            raise _structure_error("gradient", value, in_tree)
        for got, want in zip(jax.tree_util.tree_leaves(value), jax.tree_util.tree_leaves(in_tree)):
            if jnp.shape(got) != jnp.shape(want):
                raise _structure_error(f"gradient (a leaf of shape {jnp.shape(got)} for {jnp.shape(want)})",
                                       value, in_tree)
        return jnp.concatenate([jnp.ravel(leaf) for leaf in jax.tree_util.tree_leaves(value)])
    _references = {"grad": autodiff.full(jax.grad, autodiff.GRAD_ELEMENTS),
                   "jacrev": autodiff.full(jax.jacrev, autodiff.JACREV_ELEMENTS),
                   "jacfwd": autodiff.full(jax.jacfwd, autodiff.JACFWD_ELEMENTS, forward_mode=True), "fd": FD}


class Derivative(Gradient):
    """Scalar by scalar: a scalar."""

    __slots__ = ()
    name = "derivative"
    _references = {"grad": autodiff.full(jax.grad, autodiff.GRAD_ELEMENTS),
                   "jacfwd": autodiff.full(jax.jacfwd, autodiff.JACFWD_ELEMENTS, forward_mode=True), "fd": FD}

    def validate(self, varying, out, in_shape, layout):
        super().validate(varying, out, in_shape, layout)
        if in_shape != "":
            raise ValueError("a derivative is of a scalar with respect to a scalar argument")


class Jacobian(Kind):
    """Array-valued f: an array in the declared layout."""

    __slots__ = ()
    name = "jacobian"
    scalar_out = False
    layouts = tuple(Layout)
    pytrees = True

    def flatten_pytree(self, value, in_tree, out_tree) -> Array:
        """A pytree Jacobian (jax's: the output's structure of the input's structure of blocks, each
        out_leaf.shape + in_leaf.shape) as one (out.size, in.size) matrix."""
        outs, ins = jax.tree_util.tree_leaves(out_tree), jax.tree_util.tree_leaves(in_tree)
        blocks = jax.tree_util.tree_leaves(value)
        shapes = [tuple(o.shape) + tuple(jnp.shape(i)) for o in outs for i in ins]
        if [tuple(jnp.shape(b)) for b in blocks] != shapes:
            raise _structure_error("Jacobian", value, jax.tree_util.tree_map(lambda o: in_tree, out_tree))
        rows = []
        for k, o in enumerate(outs):
            row = blocks[k * len(ins):(k + 1) * len(ins)]
            rows.append(jnp.concatenate([b.reshape(int(np.prod(o.shape)), -1) for b in row], axis=1))
        return jnp.concatenate(rows, axis=0)
    _references = {"jacrev": autodiff.full(jax.jacrev, autodiff.JACREV_ELEMENTS),
                   "jacfwd": autodiff.full(jax.jacfwd, autodiff.JACFWD_ELEMENTS, forward_mode=True),
                   "jvp": autodiff.jvp_probes, "vjp": autodiff.vjp_probes, "fd": FD}

    def layout_shapes(self, p):
        return tuple(jax.eval_shape(p.f, *p.args).shape), tuple(p.x.shape)

    def truth(self, p):
        return jax.jacrev(p.f_wrt)(p.x)

    def truth_elements(self, out_size, in_size):
        return autodiff.JACREV_ELEMENTS(out_size, in_size)


class Hessian(Kind):
    """Scalar-valued f: in + in (or a declared layout); finite differences of the gradient."""

    __slots__ = ()
    name = "hessian"
    layouts = (Layout.JAX, Layout.NUMERATOR, Layout.DENOMINATOR, Layout.VEC)
    complex_step = False  # it would need a complex gradient
    truth_needs_forward = True
    _references = {"hessian": autodiff.full(jax.hessian, autodiff.HESSIAN_ELEMENTS, forward_mode=True),
                   "rev_over_fwd": autodiff.full(autodiff.rev_over_fwd, autodiff.HESSIAN_ELEMENTS, forward_mode=True),
                   "fd": FD}

    def index_formula(self, name, out_rank, in_rank, layout):
        a, b = _LETTERS[:in_rank], _LETTERS[in_rank : 2 * in_rank]
        if in_rank == 0:
            return f"d^2 f / d{name}^2 (a scalar)"
        if layout is Layout.JAX:
            return f"H[{', '.join(a + b)}] = d^2 f / d{name}_{a or '.'} d{name}_{b or '.'}"
        return f"H = d^2 f / d vec({name}) d vec({name})^T (column-major vec)"

    def layout_shapes(self, p):
        return tuple(p.x.shape), tuple(p.x.shape)

    def truth(self, p):
        return jax.hessian(p.f_wrt)(p.x)

    def truth_elements(self, out_size, in_size):
        return autodiff.HESSIAN_ELEMENTS(out_size, in_size)

    def project(self, p, j):
        """Both axis groups: the input's axes lead as well as trail."""
        j = p.domain.project(j, p.x)
        r = p.x.ndim
        swap = tuple(range(j.ndim - r, j.ndim)) + tuple(range(j.ndim - r))
        return jnp.transpose(p.domain.project(jnp.transpose(j, swap), p.x), np.argsort(swap))

    def fd_line(self, f, argnum, args, tangents, v):
        return jax.grad(_vary_one(f, argnum, args)), args[argnum], v

    def zero_scale(self, p):
        """|f| / |x|^2: the size rounding noise has in a second derivative that is zero."""
        return super().zero_scale(p) / jnp.maximum(traced_norm(p.x), jnp.finfo(p.x.dtype).tiny)

    def fd_project(self, p, a):
        return self.project(p, a)


class _AlongTangents(Kind):
    """Kinds whose closed form is called with tangents and returns the derivative applied to them."""

    __slots__ = ()
    projectable = False
    fd_probes = False
    truth_reference = "jax.jvp"
    truth_needs_forward = True

    def layout_shapes(self, p):
        return (), ()

    def zero_scale(self, p):
        """|F| |t| / |x| over the varying arguments and their tangents."""
        moved = [i for i, t in enumerate(p.tangents)] if self.varies_many else [p.argnums[0]]
        tangents = p.tangents if self.varies_many else p.tangents[:1]
        size = lambda arrays: jnp.sqrt(sum(traced_norm(a) ** 2 for a in arrays))  # noqa: E731
        tiny = jnp.finfo(p.x.dtype).tiny
        return traced_norm(p.f(*p.args)) * size(tangents) / jnp.maximum(size([p.args[i] for i in moved]), tiny)


class Differential(_AlongTangents):
    """dF(args; dargs): same shape as F; every varying argument moves along its tangent at once."""

    __slots__ = ()
    name = "differential"
    scalar_out = False
    varies_many = True
    _references = {"jvp": autodiff.line_jvp, "vjp": autodiff.line_vjp, "fd": FD}

    def index_formula(self, name, out_rank, in_rank, layout):
        return "dF = sum over varying args of the derivative applied to their tangents; same shape as F"

    def sample_tangents(self, keys, names, varying, domains, args):
        """One tangent per argument: a domain tangent for those that vary, zeros for constants."""
        return tuple(tangent(d, keys(f"tangent/{n}"), a) if n in varying else jnp.zeros_like(a)
                     for n, d, a in zip(names, domains, args))

    def layout_shapes(self, p):
        return tuple(jax.eval_shape(p.f, *p.args).shape), ()

    def truth(self, p):
        return jax.jvp(p.f, p.args, p.tangents)[1]

    def fd_line(self, f, argnum, args, tangents, v):
        """The line s -> f(args + s tangents) at s = 0."""
        line = lambda s: f(*(a + s * t for a, t in zip(args, tangents)))  # noqa: E731
        s = jnp.zeros((), args[0].dtype)
        return line, s, jnp.ones_like(s)

    def fd_radius(self, p, v):
        """Every argument moves along its tangent: the nearest of their domains' limits."""
        return min((float(d.radius(np.asarray(a), np.asarray(t)[None])[0])
                    for d, a, t in zip(p.domains, p.args, p.tangents) if np.any(np.asarray(t))), default=np.inf)


class Directional(_AlongTangents):
    """The scalar nabla_v f, the direction passed after the arguments."""

    __slots__ = ()
    name = "directional"
    _references = {"jvp": autodiff.directional_jvp, "grad": autodiff.directional_grad, "fd": FD}

    def index_formula(self, name, out_rank, in_rank, layout):
        return f"nabla_v f = sum_i df/d{name}_i v_i (a scalar)"

    def sample_tangents(self, keys, names, varying, domains, args):
        i = list(names).index(varying[0])
        return (tangent(domains[i], keys(f"tangent/{names[i]}"), args[i]),)

    def truth(self, p):
        return jax.jvp(p.f_wrt, (p.x,), p.tangents)[1]

    def magnitude(self, p):
        """nabla_v f = <grad f, v> can be near zero while its terms are not: its rounding is about
        eps times the sum of the terms' sizes, sum |g_i v_i|."""
        return jnp.sum(jnp.abs(jax.grad(p.f_wrt)(p.x) * p.tangents[0]))

    def fd_line(self, f, argnum, args, tangents, v):
        return _vary_one(f, argnum, args), args[argnum], tangents[0]

    def fd_radius(self, p, v):
        return float(p.domain.radius(np.asarray(p.x), np.asarray(p.tangents[0])[None])[0])


KINDS: dict[str, Kind] = {k.name: k for k in (Derivative(), Gradient(), Jacobian(), Hessian(), Differential(),
                                              Directional())}
for _kind in KINDS.values():
    setattr(Kind, _kind.name.upper(), _kind)


def resolve_kind(kind: Kind | str) -> Kind:
    """The kind object for a name such as ``"gradient"`` (or the object itself)."""
    if isinstance(kind, Kind):
        return kind
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; known: {sorted(KINDS)}") from None
