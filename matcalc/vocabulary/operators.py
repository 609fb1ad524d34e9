"""Closed-form Jacobians as structured linear operators, applied without being materialized.

An operator ``J`` is the derivative of an output shaped ``out_shape`` by an input shaped
``in_shape``. ``J.mv(t)`` applies it to a tangent (what ``jax.jvp`` computes), ``J.rmv(c)``
applies its transpose to a cotangent (what ``jax.vjp`` computes; no complex conjugation), and
``J.as_dense(layout)`` materializes it in any layout of ``matcalc.vocabulary.layout``, only
when asked: a probe costs about one evaluation of f, the dense derivative costs
``out.size * in.size``.

Operators are frozen pytrees: they pass through ``jax.jit`` (as arguments and results) and
``jax.vmap`` (a vmapped closed form returns a batch of operators). Shapes are static pytree
data, so a batched operator still reports the shapes of one member.

Compose them with ``Sum`` (``a + b``), ``Compose`` (``outer @ inner``, the chain rule) and
``Scaled`` (``2.0 * a``).
"""

from __future__ import annotations

from operator import index
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from jax.tree_util import GetAttrKey

from matcalc.references.problem import is_operator  # one test of "an operator", shared with the checker
from matcalc.vocabulary.layout import Layout, from_jax, to_jax

Array = jax.Array
Shape = tuple[int, ...]

__all__ = ["Commutation", "Compose", "Dense", "Diagonal", "Kronecker", "LowRank", "Operator", "Scaled", "Sum",
           "is_operator"]


def _inexact(x: Any, what: str) -> Array:
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        raise ValueError(f"{what} must be floating or complex, got dtype {x.dtype}")
    return x


def _sizes(given: Any, what: str) -> tuple[int, ...]:
    try:
        sizes = tuple(index(d) for d in given)
    except TypeError:
        sizes = (-1,)
    if any(d < 0 for d in sizes):
        raise ValueError(f"{what} must be a tuple of non-negative ints, got {given!r}")
    return sizes


def _contract(a: Array, b: Array, ndim: int) -> Array:
    """Sum over the last ``ndim`` axes of a and the first ``ndim`` axes of b."""
    return jnp.tensordot(a, b, axes=ndim)


class Operator:
    """A linear map from arrays shaped ``in_shape`` to arrays shaped ``out_shape``.

    Subclasses name their array fields (``_arrays``: traced and batched) and their static
    fields (``_static``: shapes and dtypes, hashable), implement ``_mv``, ``_rmv`` and
    ``_jax_dense``, and validate in ``__init__``.
    """

    _arrays: ClassVar[tuple[str, ...]] = ()
    _static: ClassVar[tuple[str, ...]] = ()
    in_shape: Shape
    out_shape: Shape
    dtype: Any

    # Let jax and numpy arrays defer to our __rmul__ instead of broadcasting over an object.
    __array_ufunc__ = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        jax.tree_util.register_pytree_with_keys(cls, cls._flatten_with_keys, cls._unflatten)

    def _flatten_with_keys(self):
        children = tuple((GetAttrKey(name), getattr(self, name)) for name in self._arrays)
        return children, tuple(getattr(self, name) for name in self._static)

    @classmethod
    def _unflatten(cls, static, arrays):
        # Bypass __init__: jax rebuilds operators from tracers, batched arrays and placeholders,
        # which the constructor's checks must not see.
        self = object.__new__(cls)
        for name, value in zip(cls._static + cls._arrays, (*static, *arrays)):
            object.__setattr__(self, name, value)
        return self

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(out={self.out_shape}, in={self.in_shape}, dtype={jnp.dtype(self.dtype)})"

    def mv(self, t: Any) -> Array:
        """``J t``: a tangent shaped ``in_shape`` to ``out_shape``."""
        t = jnp.asarray(t)
        if t.shape != self.in_shape:
            raise ValueError(f"{type(self).__name__}.mv takes a tangent of the input's shape {self.in_shape}, "
                             f"got {t.shape}")
        return self._mv(t)

    def rmv(self, c: Any) -> Array:
        """``J^T c``: a cotangent shaped ``out_shape`` to ``in_shape``."""
        c = jnp.asarray(c)
        if c.shape != self.out_shape:
            raise ValueError(f"{type(self).__name__}.rmv takes a cotangent of the output's shape {self.out_shape}, "
                             f"got {c.shape}")
        return self._rmv(c)

    def as_dense(self, layout: Layout | str = "jax") -> Array:
        """The dense derivative in ``layout`` (costs ``out.size * in.size``)."""
        return from_jax(self._jax_dense(), layout, self.out_shape, self.in_shape)

    def _mv(self, t: Array) -> Array:
        raise NotImplementedError

    def _rmv(self, c: Array) -> Array:
        raise NotImplementedError

    def _jax_dense(self) -> Array:
        raise NotImplementedError

    def __add__(self, other: Any) -> Operator:
        return Sum(self, other) if isinstance(other, Operator) else NotImplemented

    def __matmul__(self, other: Any) -> Operator:
        return Compose(self, other) if isinstance(other, Operator) else NotImplemented

    def __mul__(self, scalar: Any) -> Operator:
        return NotImplemented if isinstance(scalar, Operator) else Scaled(scalar, self)

    __rmul__ = __mul__

    def __neg__(self) -> Operator:
        return Scaled(-1, self)


class Diagonal(Operator):
    """An elementwise map's Jacobian: ``J t = d * t``, with d shaped like the input (= output)."""

    _arrays = ("d",)
    _static = ("in_shape",)

    def __init__(self, d: Any):
        d = _inexact(d, "Diagonal's d")
        self._set(d=d, in_shape=d.shape)

    out_shape = property(lambda self: self.in_shape)
    dtype = property(lambda self: self.d.dtype)

    def _mv(self, t):
        return self.d * t

    _rmv = _mv

    def as_dense(self, layout: Layout | str = "jax") -> Array:
        # The diagonal layout is what we store: no n^2 detour.
        return self.d if layout == Layout.DIAGONAL else super().as_dense(layout)

    def _jax_dense(self):
        return jnp.diag(self.d.reshape(-1)).reshape(self.in_shape + self.in_shape)


class Kronecker(Operator):
    """The Jacobian of ``X -> left @ X @ right``: ``(right^T kron left)`` in the vec layout.

    Build it with ``Kronecker.of_product(A, B)`` (the map X -> A X B) or
    ``Kronecker.of_kron(P, Q)`` (the vec-layout matrix P kron Q, i.e. X -> Q X P^T). It is
    applied as two matrix products, never as the Kronecker product itself.
    """

    _arrays = ("left", "right")
    _static = ("out_shape", "in_shape")

    def __init__(self, *, left: Any, right: Any):
        left, right = _inexact(left, "Kronecker's left"), _inexact(right, "Kronecker's right")
        if left.ndim != 2 or right.ndim != 2:
            raise ValueError(f"Kronecker maps X -> left @ X @ right with matrices left (m, k) and right (l, p); "
                             f"got left {left.shape}, right {right.shape}")
        self._set(left=left, right=right, out_shape=(left.shape[0], right.shape[1]),
                  in_shape=(left.shape[1], right.shape[0]))

    @classmethod
    def of_product(cls, a: Any, b: Any) -> Kronecker:
        """The Jacobian of X -> A X B: vec(A X B) = (B^T kron A) vec X."""
        return cls(left=a, right=b)

    @classmethod
    def of_kron(cls, p: Any, q: Any) -> Kronecker:
        """The operator whose vec-layout matrix is P kron Q: vec F = (P kron Q) vec X, F = Q X P^T."""
        p = _inexact(p, "Kronecker.of_kron's p")
        if p.ndim != 2:
            raise ValueError(f"Kronecker.of_kron takes matrices p and q, got p {p.shape}")
        return cls(left=q, right=p.T)

    dtype = property(lambda self: jnp.result_type(self.left, self.right))

    def _mv(self, t):
        return self.left @ t @ self.right

    def _rmv(self, c):
        return self.left.T @ c @ self.right.T

    def _jax_dense(self):
        # d(A X B)_ij / dX_ab = A_ia B_bj
        return jnp.einsum("ia,bj->ijab", self.left, self.right)


class Commutation(Operator):
    """The Jacobian of ``X -> X^T`` for X shaped (m, n): the commutation matrix K_mn in the vec layout."""

    _static = ("m", "n", "dtype")

    def __init__(self, m: int, n: int, dtype: Any = None):
        sizes = _sizes((m, n), "Commutation's (m, n)")
        if 0 in sizes:
            raise ValueError(f"Commutation(m, n) needs positive sizes of X (m, n), got m={m!r}, n={n!r}")
        m, n = sizes
        # Default: the default float dtype when built (float64 inside an x64 scope).
        self._set(m=m, n=n, dtype=jnp.dtype(dtype if dtype is not None else jnp.result_type(float)))

    in_shape = property(lambda self: (self.m, self.n))
    out_shape = property(lambda self: (self.n, self.m))

    def _mv(self, t):
        return t.T

    _rmv = _mv

    def _jax_dense(self):
        # d(X^T)_ij / dX_ab = [i == b][j == a]
        return jnp.einsum("ib,ja->ijab", jnp.eye(self.n, dtype=self.dtype), jnp.eye(self.m, dtype=self.dtype))


class LowRank(Operator):
    """A sum of outer products: ``J t = sum_k u_k <v_k, t>``, u_k shaped like the output, v_k like the input.

    ``LowRank(u, v)`` is rank one (u out-shaped, v in-shaped); ``LowRank.stacked(us, vs)`` takes
    the terms stacked along a leading rank axis.
    """

    _arrays = ("us", "vs")
    _static = ("out_shape", "in_shape")

    def __init__(self, u: Any, v: Any):
        u, v = _inexact(u, "LowRank's u"), _inexact(v, "LowRank's v")
        self._set(us=u[None], vs=v[None], out_shape=u.shape, in_shape=v.shape)

    @classmethod
    def stacked(cls, us: Any, vs: Any) -> LowRank:
        """Rank r: us shaped (r, *out_shape), vs shaped (r, *in_shape)."""
        us, vs = _inexact(us, "LowRank's us"), _inexact(vs, "LowRank's vs")
        if us.ndim == 0 or vs.ndim == 0 or us.shape[0] != vs.shape[0]:
            raise ValueError(f"LowRank.stacked takes us (r, *out_shape) and vs (r, *in_shape) with the same rank r; "
                             f"got us {us.shape}, vs {vs.shape}")
        self = object.__new__(cls)
        self._set(us=us, vs=vs, out_shape=us.shape[1:], in_shape=vs.shape[1:])
        return self

    dtype = property(lambda self: jnp.result_type(self.us, self.vs))

    def _mv(self, t):
        return _contract(_contract(self.vs, t, len(self.in_shape)), self.us, 1)

    def _rmv(self, c):
        return _contract(_contract(self.us, c, len(self.out_shape)), self.vs, 1)

    def _jax_dense(self):
        return jnp.tensordot(self.us, self.vs, axes=(0, 0))


class Dense(Operator):
    """A materialized derivative, given in any layout (``to_jax`` checks its shape)."""

    _arrays = ("j",)
    _static = ("out_shape", "in_shape")

    def __init__(self, j: Any, out_shape: Shape, in_shape: Shape, layout: Layout | str = "jax"):
        out_shape, in_shape = _sizes(out_shape, "Dense's out_shape"), _sizes(in_shape, "Dense's in_shape")
        j = to_jax(_inexact(j, "Dense's j"), layout, out_shape, in_shape)
        self._set(j=j, out_shape=out_shape, in_shape=in_shape)

    dtype = property(lambda self: self.j.dtype)

    def _mv(self, t):
        return _contract(self.j, t, len(self.in_shape))

    def _rmv(self, c):
        return _contract(c, self.j, len(self.out_shape))

    def _jax_dense(self):
        return self.j


def _operator(x: Any, what: str) -> Operator:
    if not isinstance(x, Operator):
        raise TypeError(f"{what} must be an operator (see matcalc.vocabulary.operators), got {type(x).__name__}")
    return x


class Sum(Operator):
    """``J = terms[0] + terms[1] + ...``; all terms map in_shape to out_shape."""

    _arrays = ("terms",)

    def __init__(self, *terms: Operator):
        if not terms:
            raise ValueError("Sum needs at least one operator")
        for i, term in enumerate(terms):
            _operator(term, f"Sum's term {i}")
            if (term.out_shape, term.in_shape) != (terms[0].out_shape, terms[0].in_shape):
                raise ValueError(f"Sum's terms must share shapes: term 0 maps {terms[0].in_shape} -> "
                                 f"{terms[0].out_shape}, term {i} maps {term.in_shape} -> {term.out_shape}")
        self._set(terms=terms)

    in_shape = property(lambda self: self.terms[0].in_shape)
    out_shape = property(lambda self: self.terms[0].out_shape)
    dtype = property(lambda self: jnp.result_type(*(term.dtype for term in self.terms)))

    def _mv(self, t):
        return sum((term.mv(t) for term in self.terms[1:]), self.terms[0].mv(t))

    def _rmv(self, c):
        return sum((term.rmv(c) for term in self.terms[1:]), self.terms[0].rmv(c))

    def _jax_dense(self):
        return sum((term._jax_dense() for term in self.terms[1:]), self.terms[0]._jax_dense())


class Compose(Operator):
    """The chain rule: ``Compose(outer, inner)`` is ``outer ∘ inner`` (inner applies first)."""

    _arrays = ("outer", "inner")

    def __init__(self, outer: Operator, inner: Operator):
        _operator(outer, "Compose's outer")
        _operator(inner, "Compose's inner")
        if outer.in_shape != inner.out_shape:
            raise ValueError(f"Compose(outer, inner) needs outer's input shape to be inner's output shape: "
                             f"outer takes {outer.in_shape}, inner gives {inner.out_shape}")
        self._set(outer=outer, inner=inner)

    in_shape = property(lambda self: self.inner.in_shape)
    out_shape = property(lambda self: self.outer.out_shape)
    dtype = property(lambda self: jnp.result_type(self.outer.dtype, self.inner.dtype))

    def _mv(self, t):
        return self.outer.mv(self.inner.mv(t))

    def _rmv(self, c):
        return self.inner.rmv(self.outer.rmv(c))

    def _jax_dense(self):
        return _contract(self.outer._jax_dense(), self.inner._jax_dense(), len(self.inner.out_shape))


class Scaled(Operator):
    """``scalar * J``."""

    _arrays = ("scalar", "operator")

    def __init__(self, scalar: Any, operator: Operator):
        _operator(operator, "Scaled's operator")
        if jnp.ndim(scalar) != 0:
            raise ValueError(f"Scaled takes a scalar of shape (), got {jnp.shape(scalar)}; "
                             "use Diagonal for an elementwise scaling")
        # Promote now: an integer leaf (from -op or 2 * op) would block differentiating the operator.
        self._set(scalar=jnp.asarray(scalar, jnp.result_type(scalar, operator.dtype)), operator=operator)

    in_shape = property(lambda self: self.operator.in_shape)
    out_shape = property(lambda self: self.operator.out_shape)
    dtype = property(lambda self: jnp.result_type(self.scalar, self.operator.dtype))

    def _mv(self, t):
        return self.scalar * self.operator.mv(t)

    def _rmv(self, c):
        return self.scalar * self.operator.rmv(c)

    def _jax_dense(self):
        return self.scalar * self.operator._jax_dense()
